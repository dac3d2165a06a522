import { describe, expect, it } from "vitest";
import { type ManifestRoute, createRouteLabeler } from "./route-label.server";

// The shape React Router's server build gives (see app/routes.ts): layouts have
// no path, prefix() writes the full pattern into each child.
const routes: ManifestRoute[] = [
  { id: "root", path: "" },
  { id: "routes/ui-layout", parentId: "root" },
  { id: "routes/login", parentId: "routes/ui-layout", path: "login" },
  { id: "routes/app-layout", parentId: "routes/ui-layout" },
  { id: "routes/workspaces", parentId: "routes/app-layout", index: true },
  { id: "routes/workspace-layout", parentId: "routes/app-layout" },
  { id: "routes/board", parentId: "routes/workspace-layout", path: "w/:slug", index: true },
  { id: "routes/task-new", parentId: "routes/workspace-layout", path: "w/:slug/tasks/new" },
  { id: "routes/task-detail", parentId: "routes/workspace-layout", path: "w/:slug/tasks/:taskId" },
  { id: "routes/task-file", parentId: "routes/workspace-layout", path: "w/:slug/tasks/:taskId/files/*" },
  { id: "routes/api/health", parentId: "root", path: "api/health" },
  { id: "routes/api/agent/task", parentId: "root", path: "api/agent/tasks/:taskId" },
  { id: "routes/not-found", parentId: "root", path: "*" },
];
const label = createRouteLabeler(Object.fromEntries(routes.map((r) => [r.id, r])));

describe("route labels", () => {
  it("names the matched pattern, never the ids in the path", () => {
    expect(label("/")).toBe("/");
    expect(label("/login")).toBe("/login");
    expect(label("/w/acme")).toBe("/w/:slug");
    expect(label("/w/acme/")).toBe("/w/:slug");
    expect(label("/w/acme/tasks/new")).toBe("/w/:slug/tasks/new");
    expect(label("/w/acme/tasks/0b7a3c1e-93e1-4cde-9a57-1d2f3c4b5a69")).toBe("/w/:slug/tasks/:taskId");
    expect(label("/w/acme/tasks/0b7a3c1e/files/deep/report.md")).toBe("/w/:slug/tasks/:taskId/files/*");
    expect(label("/api/health")).toBe("/api/health");
    expect(label("/api/agent/tasks/abc")).toBe("/api/agent/tasks/:taskId");
  });

  it("labels data requests by their page and unknown paths by the catch-all", () => {
    expect(label("/_.data")).toBe("/.data");
    expect(label("/w/acme/_.data")).toBe("/w/:slug.data");
    expect(label("/w/acme.data")).toBe("/w/:slug.data");
    expect(label("/__manifest")).toBe("/__manifest");
    expect(label("/no/such/page/123")).toBe("/*");
  });

  it("keeps the label set bounded by the route table", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) seen.add(label(`/w/ws-${i}/tasks/${i}`));
    expect([...seen]).toEqual(["/w/:slug/tasks/:taskId"]);
  });
});
