import { z } from "zod";
import { SCOPE_ROLE } from "./api-keys";
import { AGENT_OPERATIONS, type AgentOperation } from "./agent-api";
import { APP_ERROR_STATUS, type AppErrorCode, errorBodySchema } from "./errors";
import { type EndpointAuth, MACHINE_ENDPOINTS } from "./machine-endpoints";
import { OPERATIONS, type Operation } from "./operator-api";

// The OpenAPI 3.1 document of every /api address, generated from the
// registries (operator-api.ts, agent-api.ts, machine-endpoints.ts) and the
// zod schemas the routes validate with: z.toJSONSchema's draft 2020-12
// output (OpenAPI 3.1's dialect), the input side for requests (what a
// client sends: defaults make a field optional), the output side for
// answers. Served as /api/openapi.json and rendered as /api/docs.

export type JsonSchema = Record<string, unknown>;

export interface OpenApiParameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface OpenApiOperation {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  security: Array<Record<string, string[]>>;
  parameters?: OpenApiParameter[];
  requestBody?: { required: true; description?: string; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> } | { $ref: string }>;
  "x-scope"?: string;
}

export interface OpenApiDocument {
  openapi: "3.1.1";
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string }>;
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    securitySchemes: Record<string, Record<string, string>>;
    schemas: Record<string, JsonSchema>;
    responses: Record<string, { description: string; content: Record<string, { schema: JsonSchema }> }>;
  };
}

/** The tags in the order the docs page shows them. */
export const OPENAPI_TAGS: ReadonlyArray<{ name: string; description: string }> = [
  {
    name: "Operator API",
    description: "A user's API key (`Authorization: Bearer mck_…`) under /api/v1: each operation needs a scope, capped by the owner's role now.",
  },
  { name: "Agent API", description: "An agent's or a task's token (`Authorization: Bearer mca_…` / `mct_…`) under /api/agent: only the caller's own tasks." },
  { name: "MCP", description: "The agent API as MCP tools, with the same tokens." },
  { name: "Orchestration", description: "The heartbeat cron calls, with MC_API_TOKEN." },
  { name: "Webhooks", description: "Signed deliveries from agents and from GitHub." },
  { name: "Live events", description: "The server-sent event stream." },
  { name: "Monitoring", description: "Health for uptime monitors, metrics for Prometheus." },
  { name: "Browser", description: "Called by the app's own pages with the session cookie." },
  { name: "API description", description: "This document and its readable page." },
];

const SECURITY_SCHEMES: OpenApiDocument["components"]["securitySchemes"] = {
  apiKey: { type: "http", scheme: "bearer", description: "A user's API key (mck_…), made on Your settings. Scopes: read, write, approve." },
  agentToken: { type: "http", scheme: "bearer", description: "An agent's token (mca_…) from its page, or the task-scoped token (mct_…) a dispatch carries." },
  apiToken: { type: "http", scheme: "bearer", description: "The instance's MC_API_TOKEN (cron, monitors)." },
  apiTokenQuery: { type: "apiKey", in: "query", name: "token", description: "MC_API_TOKEN as ?token= (the cron line's form; redacted from logs)." },
  session: { type: "apiKey", in: "cookie", name: "mc_session", description: "An operator's signed-in session (the app's pages)." },
  webhookSignature: {
    type: "apiKey",
    in: "header",
    name: "X-MC-Signature",
    description: 'sha256=<hex HMAC-SHA256(WEBHOOK_SECRET, X-MC-Timestamp + "." + raw body)>.',
  },
  githubSignature: {
    type: "apiKey",
    in: "header",
    name: "X-Hub-Signature-256",
    description: "GitHub's HMAC-SHA256 of the body with the repository's webhook secret.",
  },
};

const ERROR_REF = { $ref: "#/components/schemas/Error" };

/** One JSON Schema per zod schema: draft 2020-12 (OpenAPI 3.1's dialect), every part inline, no $schema. */
export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const json = z.toJSONSchema(schema, { target: "draft-2020-12", io, reused: "inline", cycles: "throw" }) as JsonSchema;
  delete json.$schema;
  return json;
}

function errorResponses(): OpenApiDocument["components"]["responses"] {
  const byStatus = new Map<number, AppErrorCode[]>();
  for (const [code, status] of Object.entries(APP_ERROR_STATUS) as Array<[AppErrorCode, number]>) {
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: OpenApiDocument["components"]["responses"] = {};
  for (const [status, codes] of byStatus) {
    const retry = status === 429 || status === 503 ? " (with Retry-After)" : "";
    out[`E${status}`] = { description: `Refused: ${codes.join(", ")}${retry}.`, content: { "application/json": { schema: ERROR_REF } } };
  }
  return out;
}

function errorRefs(statuses: Iterable<number>): OpenApiOperation["responses"] {
  const out: OpenApiOperation["responses"] = {};
  for (const status of [...new Set(statuses)].sort((a, b) => a - b)) out[String(status)] = { $ref: `#/components/responses/E${status}` };
  return out;
}

/** Path parameters from a params schema (a strict object), or query parameters from a query schema. */
function parametersOf(schema: z.ZodType, where: "path" | "query"): OpenApiParameter[] {
  const json = jsonSchemaOf(schema, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as JsonSchema & { description?: string };
    return {
      name,
      in: where,
      required: where === "path" || (json.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const jsonBody = (schema: z.ZodType, description?: string): OpenApiOperation["requestBody"] => ({
  required: true,
  ...(description ? { description } : {}),
  content: { "application/json": { schema: jsonSchemaOf(schema, "input") } },
});

function operatorOperation(id: string, o: Operation): OpenApiOperation {
  const query = parametersOf(o.query, "query");
  // 400 for every operation: an unknown or repeated query key is refused even where none is taken.
  const statuses = [400, 401, 403, 404, 405, 429, ...(o.body ? [413, 415] : []), ...(o.method !== "GET" ? [409] : [])];
  return {
    operationId: id,
    tags: ["Operator API"],
    summary: o.summary,
    description: `Needs the \`${o.scope}\` scope, and an owner who is ${SCOPE_ROLE[o.scope]} or above.`,
    "x-scope": o.scope,
    security: [{ apiKey: [o.scope] }],
    parameters: [...parametersOf(o.params, "path"), ...query],
    ...(o.body ? { requestBody: jsonBody(o.body) } : {}),
    responses: {
      [String(o.status)]: { description: "Done.", content: { "application/json": { schema: jsonSchemaOf(o.response, "output") } } },
      ...errorRefs(statuses),
    },
  };
}

function agentOperation(id: string, o: AgentOperation): OpenApiOperation {
  const body = o.body;
  const statuses = [401, 404, 405, 429, ...(body ? [400, 413, 415] : []), ...o.errors];
  const answer: { description: string; content: Record<string, { schema: JsonSchema }> } =
    o.response === "file"
      ? {
          description: "The file, as an attachment.",
          content: { "application/octet-stream": { schema: { type: "string", contentMediaType: "application/octet-stream" } } },
        }
      : { description: "Done.", content: { "application/json": { schema: jsonSchemaOf(o.response, "output") } } };
  const requestBody: OpenApiOperation["requestBody"] | undefined =
    body === null
      ? undefined
      : body === "multipart"
        ? {
            required: true,
            description: "One file in the field `file`, at most UPLOAD_MAX_BYTES (default 10 MiB).",
            content: {
              "multipart/form-data": {
                schema: { type: "object", properties: { file: { type: "string", contentMediaType: "application/octet-stream" } }, required: ["file"] },
              },
            },
          }
        : jsonBody(body, `JSON, at most ${o.maxBytes / 1024} KiB.`);
  return {
    operationId: `agent${id[0]!.toUpperCase()}${id.slice(1)}`,
    tags: ["Agent API"],
    summary: o.summary,
    security: [{ agentToken: [] }],
    parameters: parametersOf(o.params, "path"),
    ...(requestBody ? { requestBody } : {}),
    responses: { ...Object.fromEntries(o.status.map((s) => [String(s), answer])), ...errorRefs(statuses) },
  };
}

/** The (unique) operationId of a machine endpoint: its method and path in camel case. */
function machineOperationId(method: string, path: string): string {
  const words = path
    .replace(/^\/api\//, "")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
}

function machineSecurity(auth: readonly EndpointAuth[]): OpenApiOperation["security"] {
  return auth.map((a) => (a === "none" ? {} : { [a]: [] }));
}

function put(paths: OpenApiDocument["paths"], path: string, method: string, operation: OpenApiOperation): void {
  const at = (paths[path] ??= {});
  const key = method.toLowerCase();
  if (at[key]) throw new Error(`${method} ${path} is declared twice`);
  at[key] = operation;
}

export interface OpenApiOptions {
  version: string;
  /** The instance's public URL (PUBLIC_URL); relative ("/") when unknown. */
  serverUrl?: string;
}

/** The OpenAPI 3.1 document of every /api address. */
export function buildOpenApiDocument({ version, serverUrl = "/" }: OpenApiOptions): OpenApiDocument {
  const paths: OpenApiDocument["paths"] = {};
  for (const [id, o] of Object.entries(OPERATIONS) as Array<[string, Operation]>) put(paths, `/api/v1${o.path}`, o.method, operatorOperation(id, o));
  for (const [id, o] of Object.entries(AGENT_OPERATIONS) as Array<[string, AgentOperation]>) put(paths, `/api/agent${o.path}`, o.method, agentOperation(id, o));
  for (const e of MACHINE_ENDPOINTS) {
    const content = (type: string) => (type === "application/json" ? { schema: { type: "object" } } : { schema: { type: "string" } });
    put(paths, e.path, e.method, {
      operationId: machineOperationId(e.method, e.path),
      tags: [e.tag],
      summary: e.summary,
      ...(e.description ? { description: e.description } : {}),
      security: machineSecurity(e.auth),
      ...(e.parameters
        ? {
            parameters: e.parameters.map((p) => ({
              name: p.name,
              in: p.in,
              required: p.required,
              description: p.description,
              schema: p.schema ?? { type: "string" },
            })),
          }
        : {}),
      ...(e.body
        ? { requestBody: jsonBody(e.body) }
        : e.bodyType
          ? { requestBody: { required: true, content: { [e.bodyType]: { schema: { type: "object" } } } } }
          : {}),
      responses: {
        ...Object.fromEntries(Object.entries(e.responses).map(([s, [type, description]]) => [s, { description, content: { [type]: content(type) } }])),
        ...errorRefs([...e.errors, 405]),
      },
    });
  }
  return {
    openapi: "3.1.1",
    info: {
      title: "Mission Control API",
      version,
      description:
        "The machine endpoints of Mission Control: the operator API (API keys), the agent API (agent tokens), the MCP server, the heartbeat, webhooks, live events and monitoring. Every refusal answers the Error shape with its status; bad input is a 4xx that writes nothing. Generated from the zod schemas the routes validate with.",
    },
    servers: [{ url: serverUrl }],
    tags: [...OPENAPI_TAGS],
    paths,
    components: {
      securitySchemes: SECURITY_SCHEMES,
      schemas: { Error: jsonSchemaOf(errorBodySchema, "output") },
      responses: errorResponses(),
    },
  };
}

/** Every documented method and path, as "METHOD /path" (the route-comparison test reads it). */
export function documentedOperations(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
}
