import { AppError } from "#app/domain/errors";
import { type ManifestRoute, createRouteMatcher, decodesAsPath } from "./route-label.server";

// What the server entry refuses before React Router runs, from the request
// line, the Host header and the build's route table:
//
// - a request target that is not a path (`OPTIONS *` was a 500; this is no
//   proxy, so an absolute URL names nothing here either), or a Host header
//   no URL can be made of with the path (400): the Fetch Request React
//   Router needs could not even be built (a 500);
// - a path that is not valid percent-encoding (400): React Router would log
//   a warning for every such request and match the raw text;
// - a method the route does not take (405 with Allow). React Router itself
//   cannot answer every method: OPTIONS, TRACE, CONNECT or an invented method
//   on a page ends in a 500 (some cannot even become a Fetch Request), and a
//   page action answers PUT or DELETE as if it were POST.
//
// Pages (routes that render) take GET and HEAD, and POST when the route the
// form posts to has an action; that is all an HTML form can send. Resource
// routes take what they declare as `handle.methods`, or else GET and HEAD
// with a loader and POST with an action.

interface RouteModule {
  default?: unknown;
  loader?: unknown;
  action?: unknown;
  handle?: unknown;
}

export interface GateRoute extends ManifestRoute {
  module: RouteModule;
}

function declared(module: RouteModule): string[] | null {
  const methods = (module.handle as { methods?: unknown } | undefined)?.methods;
  return Array.isArray(methods) && methods.every((m) => typeof m === "string") ? methods : null;
}

function fromExports(module: RouteModule, page: boolean): string[] {
  const methods: string[] = [];
  if (page || module.loader) methods.push("GET", "HEAD");
  if (module.action) methods.push("POST");
  return methods;
}

/** Whether the query string has a bare `index` (`?index`), which sends a post to an index route. */
function hasBareIndex(search: string): boolean {
  return new URLSearchParams(search).getAll("index").some((v) => v === "");
}

/** A refusal: pages get text, resource routes the JSON error every endpoint uses. */
export interface RequestRefusal {
  status: 400 | 405;
  /** The methods the route takes, for a 405. */
  allow?: string[];
  contentType: string;
  body: string;
}

function refusal(error: AppError, page: boolean, allow?: string[]): RequestRefusal {
  const status = error.status as 400 | 405;
  return page
    ? { status, allow, contentType: "text/plain; charset=utf-8", body: error.message }
    : { status, allow, contentType: "application/json", body: JSON.stringify(error.toJSON()) };
}

/**
 * The refusal for a request (its method, its request target — path and
 * query — and its Host header), or null to let it through.
 */
export function createRequestGate(
  manifest: Record<string, GateRoute | undefined>,
): (method: string, requestTarget: string, host: string | undefined) => RequestRefusal | null {
  const match = createRouteMatcher(manifest);
  return (method, requestTarget, host) => {
    const q = requestTarget.indexOf("?");
    const pathname = q < 0 ? requestTarget : requestTarget.slice(0, q);
    const api = pathname.startsWith("/api/");
    // Only a path names a resource here: no asterisk (`OPTIONS *`), no absolute URL (this is no proxy).
    if (!requestTarget.startsWith("/")) return refusal(new AppError("invalid", "The request target must be a path."), true);
    // The adapter builds the request's URL as `http://${host}${target}`.
    if (!URL.canParse(`http://${host ?? ""}${requestTarget}`)) return refusal(new AppError("invalid", "The Host header is not a host name."), !api);
    if (!decodesAsPath(pathname)) return refusal(new AppError("invalid", "The address is not valid percent-encoding."), !api);
    const hit = match(pathname);
    if (!hit) return null;
    const routes = hit.ids.map((id) => manifest[id]!);
    const leaf = routes.at(-1)!;
    const page = leaf.module.default !== undefined;
    let allow: string[];
    if (!page) {
      allow = declared(leaf.module) ?? fromExports(leaf.module, false);
    } else {
      // A post goes where React Router sends it: the index route with ?index,
      // else the deepest route that adds to the path (its getTargetMatch).
      const postTarget =
        leaf.index && hasBareIndex(q < 0 ? "" : requestTarget.slice(q)) ? leaf : routes.filter((r, i) => i === 0 || (r.path ?? "") !== "").at(-1)!;
      allow = fromExports(postTarget.module, true);
    }
    if (allow.includes(method.toUpperCase())) return null;
    return refusal(new AppError("method_not_allowed", `This address takes ${allow.join(", ")} only.`), page, allow);
  };
}
