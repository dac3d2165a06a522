import { classifyIp } from "./ip-ranges";

// Web Push (decision 048): what a push message carries, where tapping its
// notification leads, which push service addresses a subscription may name,
// and the short label a device is listed under. Pure: the service worker, the
// settings page and the sender share it.

/** What the service worker shows: a title, a body, the page a tap opens, and a tag (one notification per tag). */
export interface PushPayload {
  title: string;
  body: string;
  url: string;
  tag?: string;
}

/** How one send went: gone means mark the subscription expired, retry means try again later. */
export type WebPushResult = { ok: true } | { ok: false; gone: boolean; retry: boolean; status?: number; error: string };

/** What an answer from a push service means for the subscription and for a retry. */
export function classifyPushStatus(status: number, text: string): WebPushResult {
  if (status >= 200 && status < 300) return { ok: true };
  const error = `The push service answered ${status}${text ? `: ${text.slice(0, 200)}` : ""}`;
  if (status === 404 || status === 410) return { ok: false, gone: true, retry: false, status, error };
  if (status === 429 || status >= 500) return { ok: false, gone: false, retry: true, status, error };
  return { ok: false, gone: false, retry: false, status, error };
}

/** Where a tap leads when the message names no page of ours: the approvals inbox. */
export const DEFAULT_NOTIFICATION_PATH = "/approvals";

/** The page an approval's notification opens: the approval itself, from where two taps decide it. */
export function approvalPath(approvalId: string): string {
  return `/approvals/${encodeURIComponent(approvalId)}`;
}

/**
 * The address a tap on a notification opens, always on `origin`: a path of
 * ours, or an absolute URL on our own origin; anything else (another site, a
 * scheme like javascript:, nothing) is the approvals inbox.
 */
export function notificationTarget(url: unknown, origin: string): string {
  const fallback = new URL(DEFAULT_NOTIFICATION_PATH, origin).href;
  if (typeof url !== "string" || url === "" || url.startsWith("//") || url.startsWith("/\\")) return fallback;
  const parsed = URL.parse(url, origin);
  return parsed && parsed.origin === origin ? parsed.href : fallback;
}

/** Reads a decrypted push message: the fields the service worker shows, with safe defaults for anything missing. */
export function readPushPayload(text: string | null): PushPayload {
  let value: unknown = null;
  try {
    value = text ? JSON.parse(text) : null;
  } catch {
    value = null;
  }
  const data = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  return {
    title: str(data.title) || "Mission Control",
    body: str(data.body) || (text && !data.title ? text : ""),
    url: str(data.url) || DEFAULT_NOTIFICATION_PATH,
    ...(str(data.tag) ? { tag: str(data.tag) } : {}),
  };
}

/**
 * Why a push endpoint is refused, or null when it may be stored and sent to.
 * Push services are public https services; `allowed(host)` says which hosts
 * the operator allowed anyway (plain http and private addresses included, for
 * a push service on the machine itself).
 */
export function pushEndpointProblem(endpoint: string, allowed: (host: string) => boolean): string | null {
  const url = URL.parse(endpoint);
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) return "The push endpoint must be an https address.";
  if (url.username || url.password) return "The push endpoint must not carry a user name or password.";
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (allowed(host)) return null;
  if (url.protocol !== "https:") return "The push endpoint must be an https address.";
  const ip = classifyIp(host);
  if (ip.family !== null && ip.class !== "public") return "The push endpoint is a private address.";
  if (host === "localhost" || host.endsWith(".localhost") || !host.includes(".")) return "The push endpoint is a private address.";
  return null;
}

/** A device's short label from its browser's User-Agent: "Chrome on Android", "Safari on iPhone". */
export function deviceLabel(userAgent: string | null | undefined): string {
  const ua = userAgent ?? "";
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /Firefox\//.test(ua)
      ? "Firefox"
      : /(Chrome|Chromium|CriOS)\//.test(ua)
        ? "Chrome"
        : /Safari\//.test(ua)
          ? "Safari"
          : "A browser";
  const system = /iPhone/.test(ua)
    ? "iPhone"
    : /iPad/.test(ua)
      ? "iPad"
      : /Android/.test(ua)
        ? "Android"
        : /Mac OS X|Macintosh/.test(ua)
          ? "macOS"
          : /Windows/.test(ua)
            ? "Windows"
            : /Linux|X11/.test(ua)
              ? "Linux"
              : "";
  return system ? `${browser} on ${system}` : browser;
}
