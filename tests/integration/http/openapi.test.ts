import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import type { RouteConfigEntry } from "@react-router/dev/routes";
import { describe, expect, it } from "vitest";
import { AGENT_OPERATIONS, type AgentOperation, type AgentOperationId } from "#app/domain/agent-api";
import { type OpenApiDocument, buildOpenApiDocument, documentedOperations } from "#app/domain/openapi";
import { OPERATIONS, type Operation } from "#app/domain/operator-api";
import routes from "#app/routes";
import { createAgentWithToken, createRunningTask, createTask, createWorkspace } from "#tests/support/fixtures";
import { useTestServer } from "#tests/support/test-server";

// The OpenAPI document (decision 054) as the built server serves it: valid
// OpenAPI 3.1, the docs page showing every operation, and the document held
// to the route table. Every /api route of app/routes.ts and each method its
// module takes (`handle.methods`, else its loader and action) is documented,
// and nothing documented is missing from the routes; the operator API's one
// splat route is held to its registry, and every documented operation is
// called on the server to show it is routed (a refusal for the missing
// credential, never the catch-all's 404 or a 405).

interface RouteModule {
  loader?: unknown;
  action?: unknown;
  handle?: { methods?: string[] };
}

/** Every route of the table with its full path (prefix() writes the full path; layouts have none). */
function flatten(entries: RouteConfigEntry[]): Array<{ path: string; file: string }> {
  return entries.flatMap((e) => [...(e.path !== undefined ? [{ path: e.path, file: e.file }] : []), ...flatten(e.children ?? [])]);
}

/** A route path in OpenAPI's form: `:name` → `{name}`, a trailing splat → `{path}`. */
const openApiPath = (routePath: string) => `/${routePath}`.replace(/:(\w+)/g, "{$1}").replace(/\/\*$/, "/{path}");

async function methodsOf(file: string): Promise<string[]> {
  const module = (await import(/* @vite-ignore */ path.resolve(import.meta.dirname, "../../../app", file))) as RouteModule;
  const declared = module.handle?.methods;
  const methods = declared ?? [...(module.loader ? ["GET"] : []), ...(module.action ? ["POST"] : [])];
  return methods.filter((m) => m !== "HEAD");
}

/** A concrete URL for a documented path: each parameter a well-formed value, so only the credential is missing. */
const concrete = (p: string) =>
  p.replace(/\{(\w+)\}/g, (_m, name: string) => (name === "slug" ? "ops" : name === "path" ? "report.txt" : "00000000-0000-4000-8000-000000000000"));

describe("the OpenAPI document on the built server", () => {
  const app = useTestServer();
  let served: OpenApiDocument;

  it("serves a valid OpenAPI 3.1 document at /api/openapi.json, with no credential", async () => {
    const res = await fetch(`${app.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    served = (await res.json()) as OpenApiDocument;
    const validator = new Validator();
    const result = await validator.validate(structuredClone(served) as unknown as Record<string, unknown>);
    expect(result.errors ?? null).toBeNull();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    expect(served.openapi).toBe("3.1.1");
    // What is served is what the registries generate.
    expect(served.paths).toEqual(buildOpenApiDocument({ version: served.info.version }).paths);
    expect(served.info.version).toMatch(/\S/);
  });

  it("renders every operation on /api/docs, without a script, a CDN or a credential", async () => {
    const res = await fetch(`${app.url}/api/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain("script-src");
    const html = await res.text();
    expect(html).not.toMatch(/<script|<link[^>]+stylesheet|src="https?:/);
    const operations = documentedOperations(served);
    expect(operations.length).toBeGreaterThan(40);
    for (const key of operations) expect(html, key).toContain(`aria-label="${key}"`);
  });

  it("documents every /api route and method of the route table, and nothing the routes lack", async () => {
    const fromRoutes = new Set<string>();
    let operatorSplat = false;
    for (const r of flatten(routes)) {
      if (!r.path.startsWith("api/")) continue;
      if (r.path === "api/*") continue; // the catch-all 404 for unknown API addresses
      if (r.path === "api/v1/*") {
        operatorSplat = true;
        expect(await methodsOf(r.file)).toEqual(["GET", "POST", "PATCH", "DELETE"]);
        continue;
      }
      for (const method of await methodsOf(r.file)) fromRoutes.add(`${method} ${openApiPath(r.path)}`);
    }
    expect(operatorSplat).toBe(true);
    const documented = documentedOperations(served);
    const outsideV1 = documented.filter((key) => !key.split(" ")[1]!.startsWith("/api/v1/"));
    expect(outsideV1.toSorted()).toEqual([...fromRoutes].toSorted());
    // The operator API's operations are the registry's, each under /api/v1.
    const v1 = documented.filter((key) => key.split(" ")[1]!.startsWith("/api/v1/"));
    expect(v1.toSorted()).toEqual((Object.values(OPERATIONS) as Operation[]).map((o) => `${o.method} /api/v1${o.path}`).toSorted());
    expect(documented).toEqual(expect.arrayContaining((Object.values(AGENT_OPERATIONS) as AgentOperation[]).map((o) => `${o.method} /api/agent${o.path}`)));
  });

  it("routes every documented operation: a refusal for the missing credential, never a 404 or a 405", async () => {
    const open = new Set(["GET /api/health", "GET /api/openapi.json", "GET /api/docs"]);
    for (const key of documentedOperations(served)) {
      const [method, documentedPath] = key.split(" ") as [string, string];
      const hasBody = method !== "GET" && method !== "DELETE";
      const res = await fetch(`${app.url}${concrete(documentedPath)}`, {
        method,
        headers: hasBody ? { "content-type": "application/json" } : {},
        body: hasBody ? "{}" : undefined,
        redirect: "manual",
      });
      await res.body?.cancel();
      if (open.has(key)) {
        expect(res.status, key).toBe(200);
        continue;
      }
      expect([404, 405], `${key} answered ${res.status}`).not.toContain(res.status);
      // No credential: 401, or 400 where the request is refused before any credential is read (GitHub's headers).
      expect(key === "POST /api/webhooks/github" ? 400 : 401, key).toBe(res.status);
    }
    // And an address the registry does not have is the dispatcher's 404, not a 401.
    expect((await fetch(`${app.url}/api/v1/nowhere`)).status).toBe(404);
  });
});

// The agent API's declared answers (its registry's response schemas, which the
// document publishes) against what the server answers on each happy path.
describe("the agent API answers as its registry declares", () => {
  const app = useTestServer();

  it("answers every operation with a declared status and a body its response schema accepts", async () => {
    const ws = await createWorkspace(app.db);
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Documented" });
    const task = await createRunningTask(app.db, ws.id, agent.id, { title: "Documented work" });
    const other = await createTask(app.db, ws.id, { title: "Comes first" });
    const seen = new Set<AgentOperationId>();

    const call = async (id: AgentOperationId, params: Record<string, string>, body?: unknown): Promise<Record<string, unknown>> => {
      const o: AgentOperation = AGENT_OPERATIONS[id];
      const url = `${app.url}/api/agent${o.path.replace(/\{(\w+)\}/g, (_m, name: string) => params[name]!)}`;
      const init: RequestInit = { method: o.method, headers: { authorization: `Bearer ${agent.token}` } };
      if (body instanceof FormData) init.body = body;
      else if (body !== undefined) {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)["content-type"] = "application/json";
      }
      const res = await fetch(url, init);
      expect(o.status as readonly number[], `${id} answered ${res.status}`).toContain(res.status);
      seen.add(id);
      if (o.response === "file") {
        expect(res.headers.get("content-disposition"), id).toMatch(/^attachment/);
        await res.body?.cancel();
        return {};
      }
      const json = (await res.json()) as Record<string, unknown>;
      const parsed = o.response.safeParse(json);
      expect(parsed.success ? null : parsed.error.issues, `${id} answer`).toBeNull();
      return json;
    };

    const t = { taskId: task.id };
    await call("listMyTasks", {});
    await call("getMyTask", t);
    await call("addActivity", t, { message: "Found three sources" });
    await call("addDeliverable", t, { type: "url", title: "Report", url: "https://example.test/report" });
    const form = new FormData();
    form.append("file", new Blob(["hello"], { type: "text/plain" }), "report.txt");
    const uploaded = await call("uploadFile", t, form);
    await call("getFile", { ...t, path: String(uploaded.path) });
    await call("reportUsage", t, { model: "stub", input_tokens: 10, output_tokens: 5, run_id: "documented-1" });
    await call("reportUsage", t, { model: "stub", input_tokens: 10, output_tokens: 5, run_id: "documented-1" });
    await call("createSubtask", t, { title: "A part of it" });
    await call("addDependency", t, { blocked_by: other.id });
    const { comment } = (await call("addComment", t, { body: "Working on it" })) as { comment: { id: string } };
    await call("listComments", t);
    await call("editComment", { ...t, commentId: comment.id }, { body: "Working on it, nearly done" });
    await call("deleteComment", { ...t, commentId: comment.id });
    const approval = await call("requestApproval", {}, { task_id: task.id, action: "deploy", args: { env: "prod" }, target: "web-1" });
    await call("getApproval", { approvalId: String(approval.id) });
    await call("setTaskStatus", t, { status: "review", summary: "Done: see the report" });
    expect([...seen].toSorted()).toEqual(Object.keys(AGENT_OPERATIONS).toSorted());
  });
});
