import { Outlet } from "react-router";
import { AuthenticityTokenProvider } from "remix-utils/csrf/react";
import { requestContext, userContext } from "#app/context.server";
import { getSessionUser } from "#app/services/auth/sessions.server";
import { csrfMiddleware, getCsrfToken } from "#app/services/http/csrf.server";
import { pageInputMiddleware } from "#app/services/http/page-input.server";
import { AppError } from "#app/domain/errors";
import { handleToasts, takeToast } from "#app/services/http/toast.server";
import { Toasts } from "#app/components/toasts";
import type { Route } from "./+types/ui-layout";

async function sessionMiddleware({ request, context }: Parameters<Route.MiddlewareFunction>[0]) {
  const { rt } = context.get(requestContext);
  context.set(userContext, await getSessionUser({ db: rt.db, settings: rt.env, secrets: rt.secrets, sessions: rt.sessions }, request));
}

/** Every form post spends from the client's write budget (429 + Retry-After beyond it). */
const writeLimit: Route.MiddlewareFunction = async ({ request, context }, next) => {
  if (request.method !== "GET" && request.method !== "HEAD") {
    const { rt, clientIp } = context.get(requestContext);
    try {
      await rt.limits.consume("write", clientIp);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const retry = String((error.details as { retry_after_s?: number }).retry_after_s ?? 60);
      return new Response(`${error.message} Try again in ${retry} s.`, {
        status: 429,
        headers: { "Retry-After": retry, "content-type": "text/plain; charset=utf-8" },
      });
    }
  }
  return next();
};

/** The flash: read before the page, set by a redirect that carries a toast, cleared once shown. */
const toastMiddleware: Route.MiddlewareFunction = async ({ request, context }, next) => {
  const { rt } = context.get(requestContext);
  return handleToasts({ settings: rt.env, secrets: rt.secrets }, request, context, next as () => Promise<Response>);
};

export const middleware: Route.MiddlewareFunction[] = [toastMiddleware, writeLimit, pageInputMiddleware, csrfMiddleware, sessionMiddleware];

export function loader({ context }: Route.LoaderArgs) {
  return { csrfToken: getCsrfToken(context), user: context.get(userContext), toast: takeToast(context) };
}

export default function UiLayout({ loaderData }: Route.ComponentProps) {
  return (
    <AuthenticityTokenProvider token={loaderData.csrfToken}>
      <Outlet />
      <Toasts toast={loaderData.toast} />
    </AuthenticityTokenProvider>
  );
}
