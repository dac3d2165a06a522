import { Outlet } from "react-router";
import { AuthenticityTokenProvider } from "remix-utils/csrf/react";
import { requestContext, userContext } from "#app/context.server";
import { getSessionUser } from "#app/services/auth.server";
import { csrfMiddleware, getCsrfToken } from "#app/services/csrf.server";
import type { Route } from "./+types/ui-layout";

async function sessionMiddleware({ request, context }: Parameters<Route.MiddlewareFunction>[0]) {
  const { rt } = context.get(requestContext);
  context.set(userContext, await getSessionUser(rt, request));
}

export const middleware: Route.MiddlewareFunction[] = [csrfMiddleware, sessionMiddleware];

export async function loader({ context }: Route.LoaderArgs) {
  return { csrfToken: await getCsrfToken(context), user: context.get(userContext) };
}

export default function UiLayout({ loaderData }: Route.ComponentProps) {
  return (
    <AuthenticityTokenProvider token={loaderData.csrfToken}>
      <Outlet />
    </AuthenticityTokenProvider>
  );
}
