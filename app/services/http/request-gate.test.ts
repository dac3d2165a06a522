import { describe, expect, it } from "vitest";
import { type GateRoute, createRequestGate } from "./request-gate.server";

// The shape React Router's server build gives (see app/routes.ts): layouts
// have no path, prefix() writes the full pattern into each child, and each
// route carries its module (only which exports exist matters here).
const fn = () => null;
const page = (extra: Record<string, unknown> = {}) => ({ default: fn, ...extra });
const routes: GateRoute[] = [
  { id: "root", path: "", module: page() },
  { id: "routes/ui-layout", parentId: "root", module: page({ loader: fn }) },
  { id: "routes/login", parentId: "routes/ui-layout", path: "login", module: page({ loader: fn, action: fn }) },
  { id: "routes/logout", parentId: "routes/ui-layout", path: "logout", module: { loader: fn, action: fn } },
  { id: "routes/app-layout", parentId: "routes/ui-layout", module: page({ loader: fn }) },
  { id: "routes/workspaces", parentId: "routes/app-layout", index: true, module: page({ loader: fn, action: fn }) },
  { id: "routes/workspace-layout", parentId: "routes/app-layout", module: page({ loader: fn }) },
  { id: "routes/board", parentId: "routes/workspace-layout", path: "w/:slug", index: true, module: page({ loader: fn, action: fn }) },
  { id: "routes/feed", parentId: "routes/workspace-layout", path: "w/:slug/feed", module: page({ loader: fn }) },
  { id: "routes/api/health", parentId: "root", path: "api/health", module: { loader: fn } },
  { id: "routes/api/agent/task", parentId: "root", path: "api/agent/tasks/:taskId", module: { loader: fn, action: fn, handle: { methods: ["GET", "PATCH"] } } },
  { id: "routes/not-found", parentId: "root", path: "*", module: page({ loader: fn }) },
];
const gateFor = createRequestGate(Object.fromEntries(routes.map((r) => [r.id, r])));
const gate = (method: string, target: string) => gateFor(method, target, "mc.example.test:4000");
const allow = (method: string, target: string) => gate(method, target)?.allow?.join(", ") ?? null;

describe("the request gate", () => {
  it("lets through what each route takes", () => {
    for (const [method, target] of [
      ["GET", "/login"],
      ["HEAD", "/login"],
      ["POST", "/login"],
      ["POST", "/login.data"],
      ["POST", "/?index"],
      ["POST", "/_.data?index"],
      ["POST", "/w/acme"],
      ["GET", "/w/acme/feed.data"],
      ["GET", "/api/health"],
      ["PATCH", "/api/agent/tasks/abc"],
      ["POST", "/logout"],
    ]) {
      expect(gate(method!, target!), `${method} ${target}`).toBeNull();
    }
  });

  it("refuses other methods on pages with 405 and what the page takes", () => {
    expect(allow("OPTIONS", "/login")).toBe("GET, HEAD, POST");
    expect(allow("PUT", "/login")).toBe("GET, HEAD, POST");
    expect(allow("TRACE", "/w/acme/feed")).toBe("GET, HEAD");
    expect(allow("POST", "/w/acme/feed")).toBe("GET, HEAD");
    expect(allow("DELETE", "/nowhere")).toBe("GET, HEAD");
    expect(gate("PUT", "/login")).toMatchObject({ status: 405, contentType: "text/plain; charset=utf-8" });
  });

  it("sends a post where React Router would: the index route only with ?index", () => {
    expect(allow("POST", "/")).toBe("GET, HEAD");
    expect(allow("PUT", "/?index")).toBe("GET, HEAD, POST");
    expect(allow("PUT", "/_.data?index")).toBe("GET, HEAD, POST");
    expect(allow("PUT", "/w/acme")).toBe("GET, HEAD, POST");
  });

  it("takes a resource route's declared methods, or what its exports can answer", () => {
    expect(allow("POST", "/api/health")).toBe("GET, HEAD");
    expect(allow("OPTIONS", "/api/agent/tasks/abc")).toBe("GET, PATCH");
    expect(allow("POST", "/api/agent/tasks/abc")).toBe("GET, PATCH");
    expect(allow("PUT", "/logout")).toBe("GET, HEAD, POST");
    const refused = gate("PROPFIND", "/api/health")!;
    expect(refused.contentType).toBe("application/json");
    expect(JSON.parse(refused.body)).toEqual({ error: { code: "method_not_allowed", message: "This address takes GET, HEAD only." } });
  });

  it("refuses a request target that is not a path with 400", () => {
    for (const target of ["*", "http://evil.example/login", "login"]) expect(gate("OPTIONS", target)?.status, target).toBe(400);
  });

  it("refuses a Host header no URL can be made of with 400", () => {
    for (const host of ["a b", "[::1", "mc.example.test:99999", "%00", "x:abc"]) expect(gateFor("GET", "/login", host)?.status, host).toBe(400);
    expect(gateFor("GET", "/api/health", "a b")?.contentType).toBe("application/json");
    for (const host of ["127.0.0.1:4000", "[::1]:4000", "mc.example.test", "100.64.0.1"]) expect(gateFor("GET", "/login", host), host).toBeNull();
  });

  it("refuses a path that is not valid percent-encoding with 400", () => {
    for (const target of ["/w/%ZZ", "/w/%E0%A4%A", "/api/agent/tasks/%C3%28"]) expect(gate("GET", target)?.status, target).toBe(400);
    expect(gate("GET", "/w/caf%C3%A9")).toBeNull();
  });
});
