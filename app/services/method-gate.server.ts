import { AppError } from "#app/domain/errors";
import { type ManifestRoute, createRouteMatcher } from "./route-label.server";

// The methods each route takes, decided from the build's route table before
// React Router runs. React Router itself cannot answer every method: OPTIONS,
// TRACE, CONNECT or an invented method on a page ends in a 500 (some cannot
// even become a Fetch Request), and a page action answers PUT or DELETE as if
// it were POST. Here every refusal is a 405 with an Allow header.
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

/** A 405 answer: pages get text, resource routes the JSON error every endpoint uses. */
export interface MethodRefusal {
  allow: string[];
  contentType: string;
  body: string;
}

function refusal(allow: string[], page: boolean): MethodRefusal {
  const message = `This address takes ${allow.join(", ")} only.`;
  return page
    ? { allow, contentType: "text/plain; charset=utf-8", body: message }
    : { allow, contentType: "application/json", body: JSON.stringify(new AppError("method_not_allowed", message).toJSON()) };
}

/**
 * The refusal for a method the route at the request target (path and query)
 * does not take, or null to let the request through.
 */
export function createMethodGate(manifest: Record<string, GateRoute | undefined>): (method: string, requestTarget: string) => MethodRefusal | null {
  const match = createRouteMatcher(manifest);
  return (method, requestTarget) => {
    const q = requestTarget.indexOf("?");
    const hit = match(q < 0 ? requestTarget : requestTarget.slice(0, q));
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
      const postTarget = leaf.index && hasBareIndex(q < 0 ? "" : requestTarget.slice(q)) ? leaf : routes.filter((r, i) => i === 0 || (r.path ?? "") !== "").at(-1)!;
      allow = fromExports(postTarget.module, true);
    }
    return allow.includes(method.toUpperCase()) ? null : refusal(allow, page);
  };
}
