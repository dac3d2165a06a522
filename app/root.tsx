import { Links, Meta, Outlet, Scripts, ScrollRestoration } from "react-router";
import { AppHeader } from "./components/app-header";
import { ErrorPage, describeRouteError } from "./components/error-page";
import type { Route } from "./+types/root";
import { requestMiddleware } from "./services/http/request-context.server";
import "./styles/app.css";

export const middleware: Route.MiddlewareFunction[] = [requestMiddleware];

// An error page is titled by its error ("Not found · Mission Control"); pages title themselves.
export const meta: Route.MetaFunction = ({ error }) => [{ title: error ? `${describeRouteError(error).title} · Mission Control` : "Mission Control" }];

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
        {/* Every page's <main> has id="main": the first Tab lands here, past the header. */}
        <a className="skip-link" href="#main">
          Skip to main content
        </a>
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

// Errors no layout below caught (an unknown workspace, refused by a
// middleware before any loader ran; a failed session lookup) keep the header's
// links that need no data.
export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return (
    <div className="shell">
      <AppHeader data={undefined} />
      <ErrorPage error={error} />
    </div>
  );
}
