import { randomBytes } from "node:crypto";
import { type RouterContextProvider, createContext, redirect } from "react-router";
import { appCookie } from "./cookies.server";
import type { Env } from "#app/env.server";
import { type Toast, type ToastInput, clipMessage, toastSchema } from "#app/domain/toast";
import type { Secrets } from "../auth/secrets.server";

// The flash: an action that redirects names what it did, and the next page
// shows it once. The message travels in a short-lived cookie signed with the
// session secret (a forged or altered cookie is ignored), set on the redirect
// and cleared by the page load that shows it, so it works the same with
// JavaScript off (a 302, then a GET) and on (a data request after the action).
//
// Actions call redirectWithToast(url, toast), which needs no secret: it marks
// the redirect with an internal header, and the UI layout's middleware turns
// that header into the signed cookie on the way out.

const COOKIE_NAME = "mc_flash";
const MARK = "x-mc-toast";
/** Long enough for a slow redirect on a phone; a toast never outlives a minute. */
const MAX_AGE_S = 60;

export interface ToastCookieDeps {
  settings: Pick<Env, "cookieSecure">;
  secrets: Pick<Secrets, "SESSION_SECRET">;
}

function toastCookie({ settings, secrets }: ToastCookieDeps) {
  return appCookie(COOKIE_NAME, { secure: settings.cookieSecure, secret: secrets.SESSION_SECRET, maxAge: MAX_AGE_S });
}

function withId(toast: ToastInput): Toast {
  return { ...toast, id: toast.id ?? randomBytes(6).toString("base64url"), message: clipMessage(toast.message) };
}

/** A redirect (302, post/redirect/get) that shows `toast` on the page it leads to. */
export function redirectWithToast(url: string, toast: ToastInput, init?: ResponseInit): Response {
  const response = redirect(url, init);
  response.headers.set(MARK, encodeURIComponent(JSON.stringify(withId(toast))));
  return response;
}

/**
 * The same, as a full document load: for a redirect into a page that does not
 * hydrate (the board), as React Router's redirectDocument does.
 */
export function redirectDocumentWithToast(url: string, toast: ToastInput, init?: ResponseInit): Response {
  const response = redirectWithToast(url, toast, init);
  response.headers.set("X-Remix-Reload-Document", "true");
  return response;
}

/** The toast in the request's cookie, if it is signed, fresh and well-formed. */
export async function readToast(deps: ToastCookieDeps, request: Request): Promise<Toast | null> {
  const value: unknown = await toastCookie(deps).parse(request.headers.get("cookie"));
  if (typeof value !== "string") return null;
  try {
    const parsed = toastSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * What a page shows this request: the flash from the cookie, or a toast an
 * action on this same request set (a refusal rendered without a redirect).
 */
interface ToastState {
  incoming: Toast | null;
  now: Toast | null;
  shown: boolean;
}

export const toastContext = createContext<ToastState | null>(null);

/** Shows a toast on the page this very response renders (a refused form answered with 4xx, no redirect). */
export function toastNow(context: Readonly<RouterContextProvider>, toast: ToastInput): void {
  const state = context.get(toastContext);
  if (state) state.now = withId(toast);
}

/** Read by the UI layout's loader: the toast to render. Marks the flash as shown, so the response clears it. */
export function takeToast(context: Readonly<RouterContextProvider>): Toast | null {
  const state = context.get(toastContext);
  if (!state) return null;
  if (state.now) return state.now;
  if (state.incoming) state.shown = true;
  return state.incoming;
}

function withCookie(response: Response, cookie: string): Response {
  try {
    response.headers.append("Set-Cookie", cookie);
    return response;
  } catch {
    // Some responses have immutable headers: copy it.
    const copy = new Response(response.body, response);
    copy.headers.append("Set-Cookie", cookie);
    return copy;
  }
}

/** Reads the flash before the page, and sets or clears it on the way out. */
export async function handleToasts(
  deps: ToastCookieDeps,
  request: Request,
  context: Readonly<RouterContextProvider>,
  next: () => Promise<Response>,
): Promise<Response> {
  const state: ToastState = { incoming: await readToast(deps, request), now: null, shown: false };
  context.set(toastContext, state);
  const response = await next();
  const marked = response.headers.get(MARK);
  if (marked !== null) {
    let toast: Toast | null = null;
    try {
      const parsed = toastSchema.safeParse(JSON.parse(decodeURIComponent(marked)));
      toast = parsed.success ? parsed.data : null;
    } catch {
      toast = null;
    }
    try {
      response.headers.delete(MARK);
    } catch {
      // Immutable headers are copied below.
    }
    if (toast) return withCookie(stripMark(response), await toastCookie(deps).serialize(JSON.stringify(toast)));
    return stripMark(response);
  }
  // A page load clears the flash it showed. A script's data request does not:
  // a live update may revalidate the page while the loads after a submission
  // are under way, and the router drops whichever answer it cancelled, so the
  // flash stays (a minute at most) and the page shows each toast id once.
  if (state.shown && !isDataRequest(request)) return withCookie(response, await toastCookie(deps).serialize("", { maxAge: 0 }));
  return response;
}

/** React Router's data requests (a script's loads and submissions) end in ".data". */
function isDataRequest(request: Request): boolean {
  return new URL(request.url).pathname.endsWith(".data");
}

function stripMark(response: Response): Response {
  if (!response.headers.has(MARK)) return response;
  const copy = new Response(response.body, response);
  copy.headers.delete(MARK);
  return copy;
}
