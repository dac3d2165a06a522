import { type RouteObject, matchRoutes } from "react-router";

// Turns a request path into the route pattern it matched ("/w/:slug/tasks/:taskId"),
// for metric labels and span names: never a raw path, so label values stay bounded
// by the route table. Matching uses React Router's own matcher on the build's routes.

/** The part of a React Router server build's route manifest we need. */
export interface ManifestRoute {
  id: string;
  parentId?: string;
  path?: string;
  index?: boolean;
  caseSensitive?: boolean;
}

export function createRouteLabeler(manifest: Record<string, ManifestRoute | undefined>): (pathname: string) => string {
  const nodes = new Map<string, RouteObject & { children?: RouteObject[] }>();
  const all = Object.values(manifest).filter((r): r is ManifestRoute => r !== undefined);
  for (const r of all) {
    nodes.set(r.id, (r.index ? { id: r.id, path: r.path, index: true, caseSensitive: r.caseSensitive } : { id: r.id, path: r.path, caseSensitive: r.caseSensitive, children: [] }) as RouteObject);
  }
  const roots: RouteObject[] = [];
  for (const r of all) {
    const node = nodes.get(r.id)!;
    const parent = r.parentId ? nodes.get(r.parentId) : undefined;
    if (parent?.children) parent.children.push(node);
    else roots.push(node);
  }

  // matchRoutes flattens and ranks the whole route table on every call; a
  // busy path (an agent posting to its task) is labelled once, then looked up.
  const seen = new Map<string, string>();
  return (pathname: string): string => {
    let hit = seen.get(pathname);
    if (hit === undefined) {
      if (seen.size >= 2000) seen.clear();
      hit = labelOf(pathname);
      seen.set(pathname, hit);
    }
    return hit;
  };

  function labelOf(pathname: string): string {
    let path = pathname;
    let suffix = "";
    // Single-fetch data requests: /_root.data is the index, /x.data is /x.
    if (path === "/_root.data") {
      path = "/";
      suffix = ".data";
    } else if (path.endsWith(".data")) {
      path = path.slice(0, -".data".length);
      suffix = ".data";
    }
    if (path === "/__manifest") return "/__manifest";
    const matches = matchRoutes(roots, path);
    if (!matches || matches.length === 0) return "unmatched";
    const pattern = `/${matches
      .map((m) => m.route.path ?? "")
      .filter((p) => p !== "")
      .join("/")}`.replace(/\/{2,}/g, "/");
    return `${pattern.length > 1 ? pattern.replace(/\/$/, "") : pattern}${suffix}`;
  }
}
