import { createCookie } from "react-router";
import { createCsrfTokenMiddleware } from "remix-utils/middleware/csrf-token";
import { getEnv } from "#app/env.server";
import { getRuntime } from "./runtime.server";

// Token-based CSRF for every cookie-authenticated form: a random token in an
// httpOnly cookie, signed with SESSION_SECRET, echoed in a hidden field.
// Same-origin heuristics alone (Sec-Fetch-Site, Origin) are not trusted.

type Pair = ReturnType<typeof createCsrfTokenMiddleware>;
let pair: Promise<Pair> | undefined;

function csrf(): Promise<Pair> {
  pair ??= getRuntime().then((rt) =>
    createCsrfTokenMiddleware({
      cookie: createCookie("mc_csrf", {
        path: "/",
        httpOnly: true,
        sameSite: "lax",
        secure: getEnv().cookieSecure,
      }),
      secret: rt.secrets.SESSION_SECRET,
      formDataKey: "csrf",
      onInvalidToken: () =>
        new Response("This form expired or came from another site. Go back, reload the page and try again.", {
          status: 403,
          headers: { "content-type": "text/plain; charset=utf-8" },
        }),
    }),
  );
  return pair;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

/**
 * The library validates only form-encoded bodies and lets other content types
 * through; a cross-site `enctype="text/plain"` post would skip the check. Pages
 * accept forms only, so anything else is refused before it reaches an action.
 */
export const csrfMiddleware: import("react-router").MiddlewareFunction<Response> = async (args, next) => {
  const { request } = args;
  if (!SAFE.has(request.method.toUpperCase()) && !FORM_TYPES.test(request.headers.get("content-type") ?? "")) {
    return new Response("Pages accept form submissions only.", {
      status: 415,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
  const [middleware] = await csrf();
  return middleware(args, next);
};

export async function getCsrfToken(context: Parameters<Pair[1]>[0]): Promise<string> {
  const [, get] = await csrf();
  return get(context);
}
