import { createECDH, createPublicKey, randomBytes, verify } from "node:crypto";
import { type Server, createServer } from "node:http";
import ece from "http_ece";

// A loopback Web Push service standing in for a browser vendor's: it takes
// the POST a push service takes, checks the VAPID Authorization header (an
// ES256 JWT signed with the key it names, aud = this service's origin, not
// expired) and decrypts the aes128gcm body with the private keys of the
// browser it made up, like a browser would after the push service hands the
// message on. Each endpoint answers the status the test set for it.

/** A made-up browser's subscription: its P-256 key pair and 16-byte auth secret. */
export interface FakeBrowser {
  endpoint: string;
  p256dh: string;
  auth: string;
  /** As PushSubscription.toJSON() gives it, for POST /api/push-subscriptions. */
  json: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
}

export interface PushMessage {
  path: string;
  /** The decrypted payload, or null when it could not be decrypted. */
  payload: string | null;
  headers: Record<string, string | string[] | undefined>;
  /** Why the VAPID header was refused, or null when it checked out. */
  vapidProblem: string | null;
  /** The public key named in the header's k=. */
  vapidKey: string | null;
  jwt: Record<string, unknown> | null;
}

export interface PushReceiver {
  origin: string;
  messages: PushMessage[];
  /** A new browser subscribed at this service; its endpoint answers `status` (201 unless set). */
  browser(status?: number): FakeBrowser;
  setStatus(endpoint: string, status: number): void;
  close(): Promise<void>;
}

const b64 = (buf: Buffer) => buf.toString("base64url");

function checkVapid(header: string | undefined, audience: string): { problem: string | null; key: string | null; jwt: Record<string, unknown> | null } {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? "");
  if (!match) return { problem: "no vapid Authorization header", key: null, jwt: null };
  const [, token, key] = match as unknown as [string, string, string];
  const [head, body, signature] = token.split(".");
  if (!head || !body || !signature) return { problem: "malformed JWT", key, jwt: null };
  const header0 = JSON.parse(Buffer.from(head, "base64url").toString("utf8")) as Record<string, unknown>;
  const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Record<string, unknown>;
  if (header0.alg !== "ES256") return { problem: `alg ${String(header0.alg)}`, key, jwt: claims };
  const raw = Buffer.from(key, "base64url");
  if (raw.length !== 65 || raw[0] !== 4) return { problem: "k is not an uncompressed P-256 key", key, jwt: claims };
  const publicKey = createPublicKey({ key: { kty: "EC", crv: "P-256", x: b64(raw.subarray(1, 33)), y: b64(raw.subarray(33)) }, format: "jwk" });
  const signed = verify("sha256", Buffer.from(`${head}.${body}`), { key: publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"));
  if (!signed) return { problem: "bad signature", key, jwt: claims };
  if (claims.aud !== audience) return { problem: `aud ${String(claims.aud)}`, key, jwt: claims };
  const now = Date.now() / 1000;
  if (typeof claims.exp !== "number" || claims.exp < now || claims.exp > now + 24 * 3600 + 60) return { problem: "exp", key, jwt: claims };
  if (typeof claims.sub !== "string" || !/^(mailto:|https:)/.test(claims.sub)) return { problem: "sub", key, jwt: claims };
  return { problem: null, key, jwt: claims };
}

export async function startPushReceiver(): Promise<PushReceiver> {
  const messages: PushMessage[] = [];
  const browsers = new Map<string, { ecdh: ReturnType<typeof createECDH>; auth: Buffer; status: number }>();
  let origin = "";
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "";
      const browser = browsers.get(path);
      const vapid = checkVapid(req.headers.authorization, origin);
      let payload: string | null = null;
      if (browser && req.headers["content-encoding"] === "aes128gcm") {
        try {
          payload = ece.decrypt(Buffer.concat(chunks), { version: "aes128gcm", privateKey: browser.ecdh, authSecret: b64(browser.auth) }).toString("utf8");
        } catch {
          payload = null;
        }
      }
      messages.push({ path, payload, headers: req.headers, vapidProblem: vapid.problem, vapidKey: vapid.key, jwt: vapid.jwt });
      const status = !browser ? 404 : vapid.problem ? 403 : payload === null ? 400 : browser.status;
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(status === 201 ? "" : `status ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    messages,
    browser(status = 201) {
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const path = `/push/${b64(randomBytes(12))}`;
      browsers.set(path, { ecdh, auth, status });
      const endpoint = `${origin}${path}`;
      const p256dh = b64(ecdh.getPublicKey());
      return { endpoint, p256dh, auth: b64(auth), json: { endpoint, expirationTime: null, keys: { p256dh, auth: b64(auth) } } };
    },
    setStatus(endpoint, status) {
      const entry = browsers.get(new URL(endpoint).pathname);
      if (entry) entry.status = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
