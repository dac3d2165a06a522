import { type Cookie, createCookie } from "react-router";

// Every cookie the app sets has the same attributes: httpOnly (no script reads
// it), SameSite=Lax, the whole site, Secure when the app is served over HTTPS.
// A cookie given a secret is signed with it and read back only if the
// signature holds. Each is built once per name, secret and settings.

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
    cookie = createCookie(name, {
      httpOnly: true,
      sameSite: "lax",
      path: "/",
      secure,
      ...(secret ? { secrets: [secret] } : {}),
      ...(maxAge !== undefined ? { maxAge } : {}),
    });
    built.set(key, cookie);
  }
  return cookie;
}

/** A year and a month: what browsers keep a cookie at most (400 days). */
export const LONG_LIVED_S = 400 * 24 * 3600;
