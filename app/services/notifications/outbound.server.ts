import { promises as dns, type LookupAddress, type LookupOptions } from "node:dns";
import http from "node:http";
import https from "node:https";
import { classifyIp, isIpLiteral } from "#app/domain/ip-ranges";
import { hostAllowed } from "../orchestration/checks/url-check.server";

// Outbound requests to addresses a user typed (webhook and Slack URLs): the
// same guard as the testing stage's URL checks. The host is resolved here and
// refused when any answer is not a public address, unless the host is on the
// instance's allowlist (TESTING_URL_ALLOWLIST); the socket then connects to
// the vetted address only (no second, rebinding DNS answer), redirects are
// not followed, and one deadline covers the whole request.

type Address = { address: string; family: 4 | 6 };
export type Lookup = (host: string) => Promise<Address[]>;

export class OutboundRefused extends Error {
  constructor(
    readonly code: "url_invalid" | "url_private_address" | "url_dns_failed",
    message: string,
  ) {
    super(message);
  }
}

async function defaultLookup(host: string): Promise<Address[]> {
  const answers = await dns.lookup(host, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

function bareHost(url: URL): string {
  let host = url.hostname.toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return host.endsWith(".") ? host.slice(0, -1) : host;
}

/** The address to connect to for `raw`, or a refusal that says why. */
export async function vetOutboundUrl(raw: string, allowedHosts: string[], lookup: Lookup = defaultLookup): Promise<{ url: URL; address: Address }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundRefused("url_invalid", "That is not a valid URL.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new OutboundRefused("url_invalid", "Only http and https URLs can be used.");
  const host = bareHost(url);
  let addresses: Address[];
  if (isIpLiteral(host)) {
    addresses = [{ address: host, family: classifyIp(host).family === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await lookup(host);
    } catch {
      throw new OutboundRefused("url_dns_failed", `The host ${host} could not be resolved.`);
    }
    if (addresses.length === 0) throw new OutboundRefused("url_dns_failed", `The host ${host} has no addresses.`);
  }
  if (!hostAllowed(host, allowedHosts)) {
    const refused = addresses.find((a) => classifyIp(a.address).class !== "public");
    if (refused) {
      throw new OutboundRefused(
        "url_private_address",
        `The host ${host} is a private or local address (${refused.address}); only public addresses are contacted unless the host is on the server's allowlist.`,
      );
    }
  }
  return { url, address: addresses[0]! };
}

function pinnedLookup(vetted: Address) {
  return (
    _hostname: string,
    options: LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    if (options.all) callback(null, [{ address: vetted.address, family: vetted.family }]);
    else callback(null, vetted.address, vetted.family);
  };
}

export interface OutboundResponse {
  status: number;
  body: string;
}

const MAX_ANSWER_BYTES = 64 * 1024;

/** POSTs a JSON body to a vetted address; the answer's first 64 KiB are kept. */
export async function postJson(
  target: { url: URL; address: Address },
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<OutboundResponse> {
  const { url, address } = target;
  const client = url.protocol === "https:" ? https : http;
  const signal = AbortSignal.timeout(timeoutMs);
  return new Promise<OutboundResponse>((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: "POST",
        lookup: pinnedLookup(address),
        agent: false,
        signal,
        headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), "user-agent": "MissionControl-Notify/1", ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8").slice(0, MAX_ANSWER_BYTES) }));
        res.on("error", reject);
      },
    );
    req.on("error", (error) => reject(signal.aborted ? new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`) : error));
    req.end(body);
  });
}
