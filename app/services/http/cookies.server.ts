import { createHmac, timingSafeEqual } from "node:crypto";
import { parseCookie, stringifySetCookie } from "cookie";
import { type Cookie, type CookieParseOptions, type CookieSerializeOptions, createCookie } from "react-router";

// Every cookie the app sets has the same attributes: httpOnly (no script reads
// it), SameSite=Lax, the whole site, Secure when the app is served over HTTPS.
// A cookie given a secret is signed with it and read back only if the
// signature holds. Each is built once per name, secret and settings.
//
// Signed cookies keep React Router's format (base64 of the JSON value, a dot,
// the unpadded base64 HMAC-SHA256 of that), so a cookie set by either reads
// with the other, but are signed and checked with node:crypto: React Router's
// own implementation imports the key through WebCrypto on every parse, and the
// session cookie is read on every signed-in request.

export interface AppCookieOptions {
  /** Secure flag (settings.cookieSecure); a browser-only preference may leave it out. */
  secure?: boolean;
  /** Signs the value (SESSION_SECRET). */
  secret?: string;
  /** Lifetime in seconds; absent, the cookie lasts the browser session. */
  maxAge?: number;
}

const built = new Map<string, Cookie>();

export function appCookie(name: string, { secure = false, secret, maxAge }: AppCookieOptions = {}): Cookie {
  const key = `${name}\0${secure}\0${maxAge ?? ""}\0${secret ?? ""}`;
  let cookie = built.get(key);
  if (!cookie) {
    const attributes = { httpOnly: true, sameSite: "lax" as const, path: "/", secure, ...(maxAge !== undefined ? { maxAge } : {}) };
    cookie = secret ? signedCookie(name, secret, attributes) : createCookie(name, attributes);
    built.set(key, cookie);
  }
  return cookie;
}

/** A year and a month: what browsers keep a cookie at most (400 days). */
export const LONG_LIVED_S = 400 * 24 * 3600;

type Attributes = Omit<CookieSerializeOptions, "encode">;

function signature(value: string, secret: string): string {
  return createHmac("sha256", secret).update(value).digest("base64").replace(/=+$/, "");
}

/** The value of a signed cookie string, or null when it is not signed with `secret` or not well-formed. */
export function unsignCookieValue(signed: string, secret: string): unknown {
  const dot = signed.lastIndexOf(".");
  if (dot <= 0) return null;
  const value = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1), "base64");
  const expected = Buffer.from(signature(value, secret), "base64");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    return JSON.parse(Buffer.from(value, "base64").toString("utf8")) as unknown;
  } catch {
    return null;
  }
}

/** The signed cookie string for `value` (what goes between `name=` and the attributes). */
export function signCookieValue(value: unknown, secret: string): string {
  const encoded = Buffer.from(JSON.stringify(value), "utf8").toString("base64");
  return `${encoded}.${signature(encoded, secret)}`;
}

function signedCookie(name: string, secret: string, attributes: Attributes): Cookie {
  return {
    name,
    isSigned: true,
    get expires() {
      return attributes.maxAge !== undefined ? new Date(Date.now() + attributes.maxAge * 1000) : attributes.expires;
    },
    async parse(header: string | null, options?: CookieParseOptions) {
      if (!header) return null;
      const raw = parseCookie(header, options)[name];
      if (raw === undefined) return null;
      return raw === "" ? "" : unsignCookieValue(raw, secret);
    },
    async serialize(value: unknown, options?: CookieSerializeOptions) {
      const merged = { ...attributes, ...options };
      return stringifySetCookie({ ...merged, name, value: value === "" ? "" : signCookieValue(value, secret) });
    },
  };
}
