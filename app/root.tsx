import { Links, Meta, Outlet, Scripts, ScrollRestoration, isRouteErrorResponse } from "react-router";
import type { Route } from "./+types/root";
import { requestMiddleware } from "./services/http/request-context.server";
import "./styles/app.css";

export const middleware: Route.MiddlewareFunction[] = [requestMiddleware];

export const links: Route.LinksFunction = () => [{ rel: "icon", href: "/favicon.svg", type: "image/svg+xml" }];

export function Layout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
        <meta name="color-scheme" content="dark" />
        <meta name="theme-color" content="#0b1018" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  let status = 500;
  let message = "Something went wrong on our side. It has been logged.";
  if (isRouteErrorResponse(error)) {
    status = error.status;
    const body = error.data as { message?: string } | string | undefined;
    message =
      (typeof body === "object" && body?.message) ||
      (typeof body === "string" && body) ||
      (status === 404 ? "There is nothing at this address." : error.statusText || message);
  }
  return (
    <main className="error-page">
      <p className="error-code">{status}</p>
      <h1>{status === 404 ? "Not found" : status === 403 ? "Not allowed" : status < 500 ? "Request refused" : "Error"}</h1>
      <p>{message}</p>
      <p>
        <a href="/">Back to Mission Control</a>
      </p>
    </main>
  );
}
