import { Links, Meta, Outlet, Scripts, ScrollRestoration, useMatches, useRouteLoaderData } from "react-router";
import { AppHeader } from "./components/app-header";
import { ErrorPage, describeRouteError } from "./components/error-page";
import { useQuietAborts } from "./components/quiet-aborts";
import type { Route } from "./+types/root";
import { requestMiddleware } from "./services/http/request-context.server";
import { themeHead } from "./domain/theme";
import { readTheme } from "./services/look/theme.server";
import "./styles/app.css";
// Each script is bundled on its own, with what it imports, into a hashed file
// under /assets (Vite's ?worker&url gives its final address; decision 029).
import boardIsland from "./islands/board-island.ts?worker&url";
import paletteScript from "./islands/palette.ts?worker&url";
import serviceWorkerRegister from "./islands/service-worker-register.ts?worker&url";

export const middleware: Route.MiddlewareFunction[] = [requestMiddleware];

// An error page is titled by its error ("Not found · Mission Control"); pages title themselves.
export const meta: Route.MetaFunction = ({ error }) => [{ title: error ? `${describeRouteError(error).title} · Mission Control` : "Mission Control" }];

// The manifest makes the app installable (decision 048); iOS reads its home-screen icon from the touch icon.
export const links: Route.LinksFunction = () => [
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
  { rel: "manifest", href: "/manifest.webmanifest" },
  { rel: "apple-touch-icon", href: "/icons/apple-touch-icon.png" },
];

/**
 * What a route can say about its page in its `handle`: `ownHeading` (its own
 * h1, workspace-layout.tsx), `hydrate: false` (served as HTML without React's
 * scripts) and `island` (the small script that enhances such a page).
 */
export interface PageHandle {
  ownHeading?: boolean;
  hydrate?: boolean;
  island?: keyof typeof ISLANDS;
}

const ISLANDS = { board: boardIsland };

// The chosen look is read on the server, so the first paint already has it: no flash of the other theme.
export async function loader({ request }: Route.LoaderArgs) {
  return { theme: await readTheme(request) };
}

export function Layout({ children }: { children: React.ReactNode }) {
  const theme = useRouteLoaderData<typeof loader>("root")?.theme ?? "system";
  const head = themeHead(theme);
  const handles = useMatches().map((m) => (m.handle ?? {}) as PageHandle);
  const hydrate = !handles.some((h) => h.hydrate === false);
  const island = handles.find((h) => h.island)?.island;
  return (
    <html lang="en" data-theme={theme}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
        <meta name="color-scheme" content={head.colorScheme} />
        {head.themeColors.map((c) => (
          <meta key={c.color} name="theme-color" content={c.color} media={c.media} />
        ))}
        <Meta />
        <Links />
      </head>
      <body>
        {/* Every page's <main> has id="main": the first Tab lands here, past the header. */}
        <a className="skip-link" href="#main">
          Skip to main content
        </a>
        {children}
        {hydrate ? (
          <>
            <ScrollRestoration />
            <Scripts />
          </>
        ) : null}
        {island ? <script type="module" src={ISLANDS[island]} /> : null}
        <script type="module" src={paletteScript} />
        <script type="module" src={serviceWorkerRegister} />
      </body>
    </html>
  );
}

export default function App() {
  useQuietAborts();
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
