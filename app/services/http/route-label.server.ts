import { type RouteObject, matchRoutes } from "react-router";

// Matches a request path against the build's route table with React Router's
// own matcher, for what the server entry decides before React Router runs:
// the route pattern it matched ("/w/:slug/tasks/:taskId"), for metric labels
// and span names (never a raw path, so label values stay bounded by the route
// table), and which routes matched, for the methods they take.

/** The part of a React Router server build's route manifest we need. */
export interface ManifestRoute {
  id: string;
  parentId?: string;
  path?: string;
  index?: boolean;
  caseSensitive?: boolean;
}

export interface RouteMatch {
  /** The matched pattern, without the `.data` suffix. */
  pattern: string;
  /** A single-fetch data request (`/x.data`, `/_.data`) for the page at the pattern. */
  data: boolean;
  /** The matched routes' ids, outermost first. */
  ids: string[];
}

/** Whether a path is valid percent-encoding (React Router warns about, and matches the raw text of, one that is not). */
export function decodesAsPath(pathname: string): boolean {
  // The decoded text is compared, not dropped: a bare call would be removed by the bundler as side-effect free.
  try {
    return decodeURIComponent(pathname).length >= 0;
  } catch {
    return false;
  }
}

/** Matches paths to routes; null for a path no route matches, or one that does not decode. Answers are remembered (bounded). */
export function createRouteMatcher(manifest: Record<string, ManifestRoute | undefined>): (pathname: string) => RouteMatch | null {
  const nodes = new Map<string, RouteObject & { children?: RouteObject[] }>();
  const all = Object.values(manifest).filter((r): r is ManifestRoute => r !== undefined);
  for (const r of all) {
    nodes.set(
      r.id,
      (r.index
        ? { id: r.id, path: r.path, index: true, caseSensitive: r.caseSensitive }
        : { id: r.id, path: r.path, caseSensitive: r.caseSensitive, children: [] }) as RouteObject,
    );
  }
  const roots: RouteObject[] = [];
  for (const r of all) {
    const node = nodes.get(r.id)!;
    const parent = r.parentId ? nodes.get(r.parentId) : undefined;
    if (parent?.children) parent.children.push(node);
    else roots.push(node);
  }

  // matchRoutes flattens and ranks the whole route table on every call; a
  // busy path (an agent posting to its task) is matched once, then looked up.
  const seen = new Map<string, RouteMatch | null>();
  return (pathname: string): RouteMatch | null => {
    let hit = seen.get(pathname);
    if (hit === undefined) {
      if (seen.size >= 2000) seen.clear();
      hit = matchOf(pathname);
      seen.set(pathname, hit);
    }
    return hit;
  };

  function matchOf(pathname: string): RouteMatch | null {
    if (!decodesAsPath(pathname)) return null;
    // Single-fetch data requests, as React Router reads them (getNormalizedPath):
    // /_.data is the index, /x/_.data is /x/, /x.data is /x.
    const data = pathname.endsWith(".data");
    const path = pathname.endsWith("/_.data") ? pathname.slice(0, -"_.data".length) : data ? pathname.slice(0, -".data".length) : pathname;
    const matches = matchRoutes(roots, path);
    if (!matches || matches.length === 0) return null;
    const pattern = `/${matches
      .map((m) => m.route.path ?? "")
      .filter((p) => p !== "")
      .join("/")}`.replace(/\/{2,}/g, "/");
    return { pattern: pattern.length > 1 ? pattern.replace(/\/$/, "") : pattern, data, ids: matches.map((m) => m.route.id!) };
  }
}

export function createRouteLabeler(manifest: Record<string, ManifestRoute | undefined>): (pathname: string) => string {
  const match = createRouteMatcher(manifest);
  return (pathname: string): string => {
    if (pathname === "/__manifest") return "/__manifest";
    const hit = match(pathname);
    return hit ? `${hit.pattern}${hit.data ? ".data" : ""}` : "unmatched";
  };
}
