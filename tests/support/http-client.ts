import { createHmac } from "node:crypto";
import { SECRETS } from "./secrets";

// A minimal browser stand-in for route tests: keeps cookies, reads the CSRF
// field from the last page, posts urlencoded forms, never follows redirects.

export class FormClient {
  readonly cookies = new Map<string, string>();
  lastHtml = "";

  constructor(readonly base: string) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(new URL(path, this.base), { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === "" || /max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async get(path: string): Promise<Response> {
    const res = await this.request(path);
    if ((res.headers.get("content-type") ?? "").includes("text/html")) this.lastHtml = await res.clone().text();
    return res;
  }

  /** The CSRF token of the last page fetched with get(). */
  csrf(): string {
    const match = /name="csrf" value="([^"]+)"/.exec(this.lastHtml);
    if (!match) throw new Error("no csrf field on the last page");
    return decodeEntities(match[1]!);
  }

  /** Posts a form; `csrf: false` leaves the token out. */
  async post(path: string, fields: Record<string, string>, options: { csrf?: boolean } = {}): Promise<Response> {
    const body = new URLSearchParams(options.csrf === false ? fields : { csrf: this.csrf(), ...fields });
    const res = await this.request(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: this.base },
      body,
    });
    if ((res.headers.get("content-type") ?? "").includes("text/html")) this.lastHtml = await res.clone().text();
    return res;
  }
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'" };

function decodeEntities(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, name: string) => ENTITIES[name]!);
}

export const TEST_ADMIN = { name: "Test Admin", email: "admin@example.test", password: "a long enough password" };

/** Creates the first admin through the set-up page and returns a signed-in client. */
export async function setUpAdmin(base: string, setupUrl: string): Promise<FormClient> {
  const client = new FormClient(base);
  const page = await client.get(setupUrl);
  if (page.status !== 200) throw new Error(`set-up page answered ${page.status}`);
  const token = new URL(setupUrl).searchParams.get("token")!;
  const res = await client.post("/setup", { token, ...TEST_ADMIN, confirm: TEST_ADMIN.password });
  if (res.status !== 302) throw new Error(`set-up answered ${res.status}: ${await res.text()}`);
  return client;
}

/**
 * Headers for a signed webhook call (docs/API.md): the signature covers
 * `<timestamp>.<delivery id>.<body>` when a delivery id is sent, else
 * `<timestamp>.<body>`. `unsignedDeliveryId` sends the id the earlier way,
 * outside the signature.
 */
export function signWebhook(body: string, options: { secret?: string; timestamp?: number; deliveryId?: string; unsignedDeliveryId?: boolean } = {}) {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signed = options.deliveryId && !options.unsignedDeliveryId ? `${timestamp}.${options.deliveryId}.${body}` : `${timestamp}.${body}`;
  const signature = createHmac("sha256", options.secret ?? SECRETS.WEBHOOK_SECRET)
    .update(signed)
    .digest("hex");
  return {
    "content-type": "application/json",
    "x-mc-timestamp": timestamp,
    "x-mc-signature": `sha256=${signature}`,
    ...(options.deliveryId ? { "x-mc-delivery-id": options.deliveryId } : {}),
  };
}
