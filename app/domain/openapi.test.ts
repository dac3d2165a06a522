import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { AGENT_OPERATIONS, type AgentOperation, agentMethodsAt } from "./agent-api";
import { renderApiDocsPage } from "./api-docs-page";
import { AppError } from "./errors";
import { MACHINE_ENDPOINTS } from "./machine-endpoints";
import { type JsonSchema, type OpenApiOperation, buildOpenApiDocument, documentedOperations } from "./openapi";
import { OPERATIONS, type Operation } from "./operator-api";

const doc = buildOpenApiDocument({ version: "1.2.3" });
const operation = (method: string, path: string) => doc.paths[path]?.[method.toLowerCase()] as OpenApiOperation;

/** Every JSON Schema in the document, with where it sits. */
function schemasIn(value: unknown, at = "#"): Array<[string, JsonSchema]> {
  if (!value || typeof value !== "object") return [];
  const out: Array<[string, JsonSchema]> = [];
  for (const [key, child] of Object.entries(value)) {
    if (key === "schema" && child && typeof child === "object") out.push([`${at}/schema`, child as JsonSchema]);
    else out.push(...schemasIn(child, `${at}/${key}`));
  }
  return out;
}

/** A validator of JSON Schema 2020-12 (OpenAPI 3.1's dialect); formats are annotations here. */
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ components: doc.components }, "doc");
const compile = (schema: JsonSchema) => ajv.compile({ ...schema, $id: undefined });
const bodySchema = (o: OpenApiOperation) => o.requestBody!.content["application/json"]!.schema;

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(result.errors ?? null).toBeNull();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("lists every operation of both registries and every other machine endpoint, once", () => {
    const documented = documentedOperations(doc);
    expect(new Set(documented).size).toBe(documented.length);
    const expected = [
      ...Object.values(OPERATIONS as Record<string, Operation>).map((o) => `${o.method} /api/v1${o.path}`),
      ...Object.values(AGENT_OPERATIONS as Record<string, AgentOperation>).map((o) => `${o.method} /api/agent${o.path}`),
      ...MACHINE_ENDPOINTS.map((e) => `${e.method} ${e.path}`),
    ];
    expect(documented.toSorted()).toEqual(expected.toSorted());
    const ids = documented.map((key) => {
      const [method, path] = key.split(" ") as [string, string];
      return operation(method, path).operationId;
    });
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("writes every schema as JSON Schema 2020-12, inline (no $defs, no $schema)", () => {
    const schemas = schemasIn(doc.paths);
    expect(schemas.length).toBeGreaterThan(60);
    for (const [at, schema] of schemas) {
      expect(ajv.validateSchema(schema), `${at}: ${ajv.errorsText(ajv.errors)}`).toBe(true);
      expect(JSON.stringify(schema), at).not.toMatch(/"\$defs"|"\$schema"|"\$ref":"#\/\$defs/);
    }
    expect(ajv.validateSchema(doc.components.schemas.Error!)).toBe(true);
  });

  it("states each operator operation's scope, as x-scope, a role-named security requirement and text", () => {
    for (const [id, o] of Object.entries(OPERATIONS) as Array<[string, Operation]>) {
      const documented = operation(o.method, `/api/v1${o.path}`);
      expect(documented.operationId).toBe(id);
      expect(documented["x-scope"], id).toBe(o.scope);
      expect(documented.security, id).toEqual([{ apiKey: [o.scope] }]);
      expect(documented.description, id).toContain(`\`${o.scope}\` scope`);
      expect(Object.keys(documented.responses), id).toContain(String(o.status));
      for (const status of ["401", "403", "404", "429"])
        expect(documented.responses[status], `${id} ${status}`).toEqual({ $ref: `#/components/responses/E${status}` });
    }
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("puts the agent API behind the agent token scheme, with its path parameters", () => {
    for (const o of Object.values(AGENT_OPERATIONS) as AgentOperation[]) {
      const documented = operation(o.method, `/api/agent${o.path}`);
      expect(documented.security).toEqual([{ agentToken: [] }]);
      const names = [...o.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(documented.parameters!.map((p) => p.name)).toEqual(names);
      for (const p of documented.parameters!) expect(p).toMatchObject({ in: "path", required: true });
    }
    expect(doc.components.securitySchemes.agentToken).toMatchObject({ type: "http", scheme: "bearer" });
    const upload = operation("POST", "/api/agent/tasks/{taskId}/files");
    expect(Object.keys(upload.requestBody!.content)).toEqual(["multipart/form-data"]);
  });

  it("refuses unknown fields in every strict body: additionalProperties false", () => {
    const bodies: Array<[string, JsonSchema]> = [];
    for (const o of Object.values(OPERATIONS) as Operation[]) if (o.body) bodies.push([o.path, bodySchema(operation(o.method, `/api/v1${o.path}`))]);
    for (const o of Object.values(AGENT_OPERATIONS) as AgentOperation[]) {
      if (o.body && o.body !== "multipart") bodies.push([o.path, bodySchema(operation(o.method, `/api/agent${o.path}`))]);
    }
    expect(bodies.length).toBeGreaterThanOrEqual(14);
    for (const [path, schema] of bodies) expect(schema.additionalProperties, path).toBe(false);
    // A union of strict objects (the completion webhook): each branch is closed.
    const webhook = bodySchema(operation("POST", "/api/webhooks/agent-completion")) as { anyOf: JsonSchema[] };
    expect(webhook.anyOf.length).toBe(2);
    for (const branch of webhook.anyOf) expect(branch.additionalProperties).toBe(false);
  });

  it("describes what the zod schemas accept and refuse, as a JSON Schema validator reads it", () => {
    const activity = compile(bodySchema(operation("POST", "/api/agent/tasks/{taskId}/activities")));
    expect(activity({ message: "Found three sources" })).toBe(true);
    expect(activity({ message: "x", updated_by_agent_id: "someone" })).toBe(false);
    expect(activity({ type: "Not A Type", message: "x" })).toBe(false);
    const create = compile(bodySchema(operation("POST", "/api/v1/workspaces/{slug}/tasks")));
    expect(create({ title: "Rotate the certificates", labels: ["ops"], priority: "high" })).toBe(true);
    expect(create({ title: "x", priority: "whenever" })).toBe(false);
    const usage = compile(bodySchema(operation("POST", "/api/agent/tasks/{taskId}/usage")));
    expect(usage({ input_tokens: 1, output_tokens: 2 })).toBe(true);
    expect(usage({ input_tokens: -1, output_tokens: 2 })).toBe(false);
  });

  it("answers refusals in the one error shape AppError writes", () => {
    const error = compile({ $ref: "doc#/components/schemas/Error" });
    expect(error(new AppError("conflict", "Not from here.", { allowed: ["review"] }).toJSON())).toBe(true);
    expect(error(new AppError("not_found", "Nothing.").toJSON())).toBe(true);
    expect(error({ error: { code: "teapot", message: "x" } })).toBe(false);
    for (const [name, response] of Object.entries(doc.components.responses)) {
      expect(response.content["application/json"]!.schema, name).toEqual({ $ref: "#/components/schemas/Error" });
    }
    expect(doc.components.responses.E400!.description).toContain("invalid");
  });

  it("documents the other machine endpoints with their method, path, auth and summary", () => {
    const health = operation("GET", "/api/health");
    expect(health.security).toEqual([{}]);
    expect(operation("GET", "/api/heartbeat").security).toEqual([{ apiToken: [] }, { apiTokenQuery: [] }]);
    expect(operation("POST", "/api/webhooks/agent-completion").security).toEqual([{ webhookSignature: [] }]);
    expect(operation("GET", "/api/events/stream").responses["200"]).toMatchObject({ content: { "text/event-stream": {} } });
    expect(operation("GET", "/api/events/stream").parameters!.map((p) => `${p.in} ${p.name}`)).toEqual([
      "query workspace",
      "query last_event_id",
      "header Last-Event-ID",
    ]);
    expect(operation("POST", "/api/webhooks/agent-completion").parameters!.find((p) => p.name === "X-MC-Timestamp")).toMatchObject({
      in: "header",
      required: true,
    });
    for (const e of MACHINE_ENDPOINTS) expect(operation(e.method, e.path).summary.length, e.path).toBeGreaterThan(10);
  });

  it("gives each agent route module the registry's methods at its path", () => {
    expect(agentMethodsAt("/tasks/{taskId}")).toEqual(["GET", "PATCH"]);
    expect(agentMethodsAt("/tasks/{taskId}/comments/{commentId}")).toEqual(["PATCH", "DELETE"]);
    expect(agentMethodsAt("/nowhere")).toEqual([]);
  });
});

describe("the docs page", () => {
  const html = renderApiDocsPage(doc);

  it("renders every operation with its method, path and summary, grouped by tag", () => {
    for (const key of documentedOperations(doc)) {
      const [, path] = key.split(" ") as [string, string];
      expect(html, key).toContain(`aria-label="${key}"`);
      expect(html, key).toContain(`<span class="path">${path.replace(/&/g, "&amp;")}</span>`);
    }
    for (const tag of ["Operator API", "Agent API", "Webhooks", "Monitoring"]) expect(html).toContain(`>${tag}</h2>`);
    expect(html.indexOf(">Operator API</h2>")).toBeLessThan(html.indexOf(">Agent API</h2>"));
  });

  it("shows scopes, parameters, body fields with their limits, and answers", () => {
    expect(html).toContain('<span class="badge">scope: approve</span>');
    expect(html).toContain("<code>slug</code>");
    expect(html).toMatch(/<code>message<\/code><\/td><td>string<\/td><td>at least 1 characters; at most \d+ characters/);
    expect(html).toContain("<code>usage.input_tokens</code>");
    expect(html).toContain("<code>workspaces[].slug</code>");
    expect(html).toContain("<strong>201</strong>");
    expect(html).toContain("Any other field is refused (400).");
    expect(html).not.toContain(String(Number.MAX_SAFE_INTEGER));
    expect(html).toContain('<a href="#errors">the error shape</a>');
    expect(html).not.toMatch(/<script|https?:\/\/[^"<]*\.(?:css|js)/);
  });

  it("escapes what it prints", () => {
    expect(html).not.toContain("<Error>");
    expect(html).toContain("&quot;");
  });
});
