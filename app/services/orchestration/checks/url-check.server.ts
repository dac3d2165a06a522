import { promises as dns, type LookupAddress, type LookupOptions } from "node:dns";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { classifyIp, isIpLiteral } from "#app/domain/ip-ranges";
import { type CheckPolicy, type CheckResult, type DeliverableInput, checkTimeout, fail, pass, seconds } from "./types.server";

// A URL deliverable is fetched from the server, so the URL is an SSRF vector:
// an agent could point it at the metadata endpoint, the database or an admin
// port. Defences, in order, re-applied at every redirect hop:
//   1. http/https only, host on the operator's allowlist;
//   2. we resolve DNS ourselves and refuse if ANY answer is not public
//      (a host with one public and one private address is still refused);
//   3. the socket connects to the address we vetted (custom `lookup`), so a
//      second, rebinding DNS answer can never be used;
//   4. redirects are never followed by the client, only by us (max 5);
//   5. one deadline for the whole check, and at most 1 MiB of body is read.

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 5;
const MAX_BODY_BYTES = 1024 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

type Address = { address: string; family: 4 | 6 };

function normaliseHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  // "example.com." is the same host as "example.com".
  if (h.endsWith(".")) h = h.slice(0, -1);
  return h;
}

/** Exact match, or "*.suffix" for any subdomain of suffix (not suffix itself, never an IP). */
export function hostAllowed(host: string, allowedHosts: string[]): boolean {
  const h = normaliseHost(host);
  if (h.length === 0) return false;
  return allowedHosts.some((entry) => {
    const pattern = normaliseHost(entry);
    if (pattern.startsWith("*.")) {
      const suffix = pattern.slice(2);
      return suffix.length > 0 && !isIpLiteral(h) && h.endsWith(`.${suffix}`);
    }
    return pattern.length > 0 && pattern === h;
  });
}

class CheckFailure extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Rejects when the deadline passes first; the abort signal cancels sockets. */
function beforeDeadline<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(stopReason(signal));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

async function defaultLookup(host: string): Promise<Address[]> {
  const answers = await dns.lookup(host, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

/** Resolves the host and returns the address to connect to, or throws a refusal. */
async function vetHost(url: URL, policy: CheckPolicy, signal: AbortSignal): Promise<Address> {
  const host = normaliseHost(url.hostname);
  let addresses: Address[];
  if (isIpLiteral(host)) {
    const literal = classifyIp(host);
    addresses = [{ address: host, family: literal.family === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await beforeDeadline((policy.lookup ?? defaultLookup)(host), signal);
    } catch (error) {
      if (error instanceof CheckFailure) throw error;
      throw new CheckFailure("url_dns_failed", `The host ${host} could not be resolved.`, { host, code: (error as NodeJS.ErrnoException).code ?? null });
    }
    if (addresses.length === 0) throw new CheckFailure("url_dns_failed", `The host ${host} has no addresses.`, { host });
  }
  if (!policy.allowPrivateAddresses) {
    const refused = addresses.map((a) => ({ address: a.address, class: classifyIp(a.address).class })).filter((a) => a.class !== "public");
    if (refused.length > 0) {
      throw new CheckFailure("url_private_address", `The host ${host} resolves to a non-public address (${refused[0]!.address}), which is never contacted.`, {
        host,
        addresses: refused,
      });
    }
  }
  return addresses[0]!;
}

/** A `lookup` for net.connect that only ever answers the vetted address. */
function pinnedLookup(vetted: Address) {
  return (
    _hostname: string,
    options: LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    // Node asks with all: true when autoSelectFamily (happy eyeballs) is on.
    if (options.all) callback(null, [{ address: vetted.address, family: vetted.family }]);
    else callback(null, vetted.address, vetted.family);
  };
}

interface Response {
  status: number;
  location: string | undefined;
  bytes: number;
  truncated: boolean;
}

function get(url: URL, vetted: Address, signal: AbortSignal): Promise<Response> {
  const client = url.protocol === "https:" ? https : http;
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    const req = client.request(
      url,
      {
        method: "GET",
        lookup: pinnedLookup(vetted),
        // A fresh agent: never reuse a pooled socket opened for another answer.
        agent: false,
        signal,
        headers: { "user-agent": "MissionControl-DeliverableCheck/1", accept: "*/*", "accept-encoding": "identity" },
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (REDIRECTS.has(status)) {
          // The redirect's body is irrelevant; drop the socket.
          res.destroy();
          return finish(() => resolve({ status, location, bytes: 0, truncated: false }));
        }
        let bytes = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes >= MAX_BODY_BYTES) {
            // Enough to know it serves content; never buffer an unbounded body.
            res.destroy();
            finish(() => resolve({ status, location, bytes: MAX_BODY_BYTES, truncated: true }));
          }
        });
        res.on("end", () => finish(() => resolve({ status, location, bytes, truncated: false })));
        res.on("error", (error) => finish(() => reject(error)));
        res.on("close", () => finish(() => reject(new Error("connection closed mid-body"))));
      },
    );
    req.on("error", (error) => finish(() => reject(error)));
    req.end();
  });
}

/** Why the check's signal fired: its deadline passed, or the caller stopped it. */
function stopReason(signal: AbortSignal): CheckFailure {
  return signal.reason instanceof CheckFailure ? signal.reason : new CheckFailure("url_timeout", "The URL did not answer in time.");
}

function describeError(error: unknown, signal: AbortSignal): CheckFailure {
  if (error instanceof CheckFailure) return error;
  if (signal.aborted) return stopReason(signal);
  const code = (error as NodeJS.ErrnoException).code ?? null;
  const text = error instanceof Error ? error.message : String(error);
  return new CheckFailure("url_request_failed", `The URL could not be fetched (${code ?? text}).`, { code, error: text });
}

export async function checkUrl(item: DeliverableInput, rawUrl: string, policy: CheckPolicy): Promise<CheckResult> {
  const id = item.id;
  const controller = new AbortController();
  const timeoutMs = checkTimeout(policy, DEFAULT_TIMEOUT_MS);
  const timer = setTimeout(() => controller.abort(new CheckFailure("url_timeout", `The URL did not answer within ${seconds(timeoutMs)} s.`)), timeoutMs);
  const stop = () => controller.abort(new CheckFailure("check_stopped", "The check was stopped before it finished."));
  if (policy.signal?.aborted) stop();
  else policy.signal?.addEventListener("abort", stop, { once: true });
  const redirects: string[] = [];
  try {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return fail(id, "url", "url_invalid", `"${rawUrl}" is not a valid URL.`, { url: rawUrl });
    }
    for (;;) {
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new CheckFailure("url_scheme_not_allowed", `Only http and https URLs are checked, not ${url.protocol}.`);
      }
      if (!hostAllowed(url.hostname, policy.allowedHosts)) {
        const via = redirects.length > 0 ? " (reached by a redirect)" : "";
        throw new CheckFailure("url_host_not_allowed", `The host ${normaliseHost(url.hostname)} is not on the allowed hosts list${via}.`, {
          host: normaliseHost(url.hostname),
        });
      }
      const vetted = await vetHost(url, policy, controller.signal);
      const res = await get(url, vetted, controller.signal);
      if (REDIRECTS.has(res.status)) {
        if (!res.location) throw new CheckFailure("url_redirect_invalid", `The URL answered ${res.status} without a Location header.`, { status: res.status });
        let next: URL;
        try {
          next = new URL(res.location, url);
        } catch {
          throw new CheckFailure("url_redirect_invalid", `The URL redirects to an invalid location.`, { status: res.status, location: res.location });
        }
        if (redirects.length >= MAX_REDIRECTS) {
          throw new CheckFailure("url_too_many_redirects", `The URL redirects more than ${MAX_REDIRECTS} times.`);
        }
        redirects.push(next.href);
        url = next;
        continue;
      }
      const details = { status: res.status, final_url: url.href, redirects, bytes_read: res.bytes, truncated: res.truncated };
      if (res.status >= 200 && res.status < 300) {
        return pass(id, "url", `The URL answered ${res.status}.`, details);
      }
      return fail(id, "url", `url_status_${res.status}`, `The URL answered ${res.status}.`, details);
    }
  } catch (error) {
    const failure = describeError(error, controller.signal);
    return fail(id, "url", failure.reason, failure.message, { url: rawUrl, redirects, ...failure.details });
  } finally {
    clearTimeout(timer);
    policy.signal?.removeEventListener("abort", stop);
  }
}
