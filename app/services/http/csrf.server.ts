import { createHmac } from "node:crypto";
import { createContext } from "react-router";
import { appCookie } from "./cookies.server";
import { CSRF, CSRFError } from "remix-utils/csrf/server";
import { requestContext } from "#app/context.server";
import { type SessionCookieDeps, readSessionToken } from "../auth/sessions.server";
import { safeEqual } from "../auth/crypto.server";

// Token-based CSRF for every cookie-authenticated form, echoed in a hidden
// field named "csrf". Which token a request must carry depends on who sends it:
// - signed in: HMAC(SESSION_SECRET, session token). It exists only for that
//   session and changes at every login, so no token obtained without the
//   session cookie (an anonymous visitor's, another session's) is accepted;
// - signed out (login, set-up): remix-utils' double-submit pair, a random
//   token in an httpOnly cookie signed with SESSION_SECRET.
// Every state-changing method is checked, whatever the body's content type;
// the server entry has already refused a foreign Origin and capped the body.

const FIELD = "csrf";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
const FORM_TYPES = new Set(["application/x-www-form-urlencoded", "multipart/form-data"]);

const tokenContext = createContext<string>();

/** One double-submit pair per set of secrets (a process has one; tests may boot several). */
const anonymous = new WeakMap<SessionCookieDeps["secrets"], CSRF>();

/** The double-submit pair for signed-out forms. */
function anonymousCsrf({ settings, secrets }: SessionCookieDeps): CSRF {
  let csrf = anonymous.get(secrets);
  if (!csrf) {
    const cookie = appCookie("mc_csrf", { secure: settings.cookieSecure });
    csrf = new CSRF({ cookie, secret: secrets.SESSION_SECRET, formDataKey: FIELD });
    anonymous.set(secrets, csrf);
  }
  return csrf;
}

function sessionBoundToken(secret: string, sessionToken: string): string {
  return createHmac("sha256", secret).update(`mc-csrf\0${sessionToken}`).digest("base64url");
}

/** The media type of a Content-Type header, without parameters, lower case ("" when absent). */
export function mediaType(header: string | null): string {
  return (header ?? "").split(";", 1)[0]!.trim().toLowerCase();
}

function refuse(status: number, message: string): Response {
  return new Response(message, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

async function tokenMatches(cookies: SessionCookieDeps, request: Request, form: FormData, expected: string, sessionBound: boolean): Promise<boolean> {
  const given = form.get(FIELD);
  if (typeof given !== "string" || given === "") return false;
  if (sessionBound) return safeEqual(given, expected);
  try {
    await anonymousCsrf(cookies).validate(form, request.headers);
    return true;
  } catch (error) {
    if (error instanceof CSRFError) return false;
    throw error;
  }
}

export const csrfMiddleware: import("react-router").MiddlewareFunction<Response> = async ({ request, context }, next) => {
  const { rt } = context.get(requestContext);
  const cookies: SessionCookieDeps = { settings: rt.env, secrets: rt.secrets };
  const sessionToken = await readSessionToken(cookies, request);
  let token: string;
  let setCookie: string | null = null;
  if (sessionToken) token = sessionBoundToken(rt.secrets.SESSION_SECRET, sessionToken);
  else [token, setCookie] = await anonymousCsrf(cookies).commitToken(request);
  context.set(tokenContext, token);

  if (!SAFE.has(request.method.toUpperCase())) {
    // Pages take forms only: a cross-site `enctype="text/plain"` post is refused here, not parsed.
    if (!FORM_TYPES.has(mediaType(request.headers.get("content-type")))) return refuse(415, "Pages accept form submissions only.");
    let form: FormData;
    try {
      // A copy: the action reads the body itself. Both are bounded by the server's page body cap.
      form = await request.clone().formData();
    } catch {
      return refuse(400, "The form could not be read.");
    }
    if (!(await tokenMatches(cookies, request, form, token, sessionToken !== null))) {
      return refuse(403, "This form expired or came from another site. Go back, reload the page and try again.");
    }
  }
  const response = await next();
  if (setCookie) response.headers.append("Set-Cookie", setCookie);
  return response;
};

/**
 * The check for a page script's JSON call to an /api/ route made with the
 * session cookie (decision 048): the session's form token in an
 * `X-CSRF-Token` header. A cross-site page can neither read the token nor
 * send a custom header without a preflight this server never grants.
 */
export async function sessionCsrfHeaderValid(cookies: SessionCookieDeps, request: Request): Promise<boolean> {
  const sessionToken = await readSessionToken(cookies, request);
  const given = request.headers.get("x-csrf-token");
  if (!sessionToken || !given) return false;
  return safeEqual(given, sessionBoundToken(cookies.secrets.SESSION_SECRET, sessionToken));
}

/** The token this request's forms must carry (set by csrfMiddleware). */
export function getCsrfToken(context: Readonly<import("react-router").RouterContextProvider>): string {
  return context.get(tokenContext);
}
