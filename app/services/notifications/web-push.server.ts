import { type LookupAddress, promises as dns } from "node:dns";
import http from "node:http";
import https from "node:https";
import type webpushModule from "web-push";
import { type PushPayload, type WebPushResult, classifyPushStatus, pushEndpointProblem } from "#app/domain/push";
import { classifyIp, isIpLiteral } from "#app/domain/ip-ranges";
import { hostAllowed } from "#app/services/orchestration/checks/url-check.server";
import { getRuntime } from "#app/services/runtime.server";

// The Web Push sender (decision 048). The `web-push` library encrypts the
// message to the browser's keys (aes128gcm, RFC 8291) and signs the VAPID
// JWT (RFC 8292); we send the request ourselves, so a push endpoint is held
// to the same rules as every outbound address: https only, and no private
// address unless its host is on PUSH_ENDPOINT_ALLOWLIST. DNS is resolved
// here and the socket connects to the address that was checked, so a second,
// rebinding answer is never used. The caller (the notifications outbox, the
// settings page's test button) decides what to do with the answer: `gone`
// means mark the subscription expired, `retry` means try again later.

export interface PushSubscriptionKeys {
  endpoint: string;
  p256dh: string;
  auth: string;
}

export type { WebPushResult };

export interface WebPushOptions {
  signal?: AbortSignal;
  /** How long the push service keeps the message for an offline device (default: a day). */
  ttlSeconds?: number;
}

export interface WebPushConfig {
  vapid: { subject: string; publicKey: string; privateKey: string };
  /** Hosts a push endpoint may be on although plain http or a private address. */
  allowedHosts: string[];
}

const DEFAULT_TTL_S = 24 * 60 * 60;
const TIMEOUT_MS = 10_000;
/** Push services take at most 4096 bytes of encrypted body; the JSON is kept well under it. */
const MAX_PAYLOAD_BYTES = 3000;
const MAX_ERROR_BODY = 500;

/** The JSON sent, its body shortened when the whole would not fit a push message. */
export function payloadJson(payload: PushPayload): string {
  const json = JSON.stringify(payload);
  if (Buffer.byteLength(json) <= MAX_PAYLOAD_BYTES) return json;
  let body = payload.body;
  while (body.length > 0 && Buffer.byteLength(JSON.stringify({ ...payload, body: `${body}…` })) > MAX_PAYLOAD_BYTES) {
    body = body.slice(0, Math.floor(body.length * 0.9));
  }
  return JSON.stringify({ ...payload, body: `${body}…` });
}

class Refused extends Error {}

/** The address to connect to, after checking every address the host resolves to. */
async function vetHost(url: URL, allowed: boolean, signal: AbortSignal): Promise<{ address: string; family: 4 | 6 }> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIpLiteral(host)) return { address: host, family: classifyIp(host).family === 6 ? 6 : 4 };
  // A lookup cannot be cancelled; the deadline stops waiting for it.
  signal.throwIfAborted();
  const answers = await new Promise<LookupAddress[]>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    dns
      .lookup(host, { all: true, verbatim: true })
      .then(resolve, reject)
      .finally(() => signal.removeEventListener("abort", onAbort));
  });
  if (answers.length === 0) throw new Error(`${host} has no address`);
  if (!allowed && answers.some((a) => classifyIp(a.address).class !== "public")) {
    throw new Refused("The push endpoint resolves to a private address.");
  }
  const first = answers[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

function post(url: URL, target: { address: string; family: 4 | 6 }, headers: Record<string, string | number>, body: Buffer | null, signal: AbortSignal) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const client = url.protocol === "https:" ? https : http;
    const req = client.request(
      url,
      {
        method: "POST",
        headers,
        signal,
        // The checked address, whatever DNS would answer now.
        lookup: (_host, options, callback) => {
          if ((options as { all?: boolean }).all) callback(null, [target] as never, undefined as never);
          else callback(null, target.address, target.family);
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (text.length < MAX_ERROR_BODY) text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: text.slice(0, MAX_ERROR_BODY).trim() }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body ?? undefined);
  });
}

/** A sender bound to one VAPID key pair and allowlist (the app's is `sendWebPush`). */
export function webPushSender(config: WebPushConfig) {
  return async function send(subscription: PushSubscriptionKeys, payload: PushPayload, options: WebPushOptions = {}): Promise<WebPushResult> {
    const allowed = (host: string) => hostAllowed(host, config.allowedHosts);
    const problem = pushEndpointProblem(subscription.endpoint, allowed);
    if (problem) return { ok: false, gone: false, retry: false, error: problem };
    const url = new URL(subscription.endpoint);
    // web-push loads with the first push, not with every start of the server.
    const webpush = (await import("web-push")).default;
    let details: ReturnType<typeof webpushModule.generateRequestDetails>;
    try {
      details = webpush.generateRequestDetails(
        { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
        payloadJson(payload),
        {
          vapidDetails: config.vapid,
          TTL: options.ttlSeconds ?? DEFAULT_TTL_S,
          contentEncoding: "aes128gcm",
          urgency: "high",
          ...(payload.tag ? { topic: topicOf(payload.tag) } : {}),
        },
      );
    } catch (error) {
      // Keys the library cannot encrypt to: the subscription is unusable as stored.
      return { ok: false, gone: false, retry: false, error: `The message could not be encrypted: ${(error as Error).message}` };
    }
    const signal = AbortSignal.any([AbortSignal.timeout(TIMEOUT_MS), ...(options.signal ? [options.signal] : [])]);
    try {
      const target = await vetHost(url, allowed(url.hostname.replace(/^\[|\]$/g, "").toLowerCase()), signal);
      const answer = await post(url, target, details.headers as Record<string, string | number>, (details.body as Buffer | null) ?? null, signal);
      return classifyPushStatus(answer.status, answer.text);
    } catch (error) {
      if (error instanceof Refused) return { ok: false, gone: false, retry: false, error: error.message };
      const message = signal.aborted ? "The push service did not answer in time." : `The push service could not be reached: ${(error as Error).message}`;
      return { ok: false, gone: false, retry: true, error: message };
    }
  };
}

/** A push Topic header is at most 32 base64url characters: a tag that is not one becomes its hash-like shortening. */
function topicOf(tag: string): string {
  const clean = tag.replace(/[^A-Za-z0-9_-]/g, "_");
  return clean.length <= 32 ? clean : clean.slice(-32);
}

/**
 * Sends one message to one subscription with this server's VAPID key pair
 * and PUSH_ENDPOINT_ALLOWLIST. 404/410: gone (mark it expired); 429, 5xx and
 * network failures: retry; any other 4xx: no retry.
 */
export async function sendWebPush(subscription: PushSubscriptionKeys, payload: PushPayload, options: WebPushOptions = {}): Promise<WebPushResult> {
  const rt = await getRuntime();
  return webPushSender({
    vapid: { subject: rt.env.vapidSubject, publicKey: rt.secrets.VAPID_PUBLIC_KEY, privateKey: rt.secrets.VAPID_PRIVATE_KEY },
    allowedHosts: rt.env.PUSH_ENDPOINT_ALLOWLIST,
  })(subscription, payload, options);
}
