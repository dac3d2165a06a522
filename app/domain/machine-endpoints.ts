import type { z } from "zod";
import { webhookBodySchema } from "./forms/agent-api";
import { pushSubscriptionSchema, pushUnsubscribeSchema } from "./forms/push";

// The machine endpoints outside the two registries (operator-api.ts,
// agent-api.ts): health, metrics, the heartbeat, the webhooks, the MCP
// server, the event stream, push subscriptions and the API description
// itself. Each is its own route module with its own checks; here each says
// its method, path, who may call it, a summary and its answers, so the
// OpenAPI document lists every /api address (a route-comparison test keeps
// this list and app/routes.ts in step). A body is given where a zod schema
// validates it.

/** Who may call: the names of the OpenAPI document's security schemes; "none" for anyone. */
export type EndpointAuth = "none" | "apiToken" | "apiTokenQuery" | "session" | "agentToken" | "webhookSignature" | "githubSignature";

export type EndpointTag = "Monitoring" | "Orchestration" | "Webhooks" | "MCP" | "Live events" | "Browser" | "API description";

/** A query parameter or request header the endpoint reads (credentials are the security schemes, not these). */
export interface EndpointParameter {
  name: string;
  in: "query" | "header";
  required: boolean;
  description: string;
  /** A JSON Schema for the value (string unless said). */
  schema?: Record<string, unknown>;
}

export interface MachineEndpoint {
  method: "GET" | "POST" | "DELETE";
  /** The full path, with {name} for a path parameter. */
  path: string;
  tag: EndpointTag;
  /** Any one of these is enough; "none": no credential. */
  auth: readonly EndpointAuth[];
  summary: string;
  /** More than the summary: headers, what the answer carries. */
  description?: string;
  parameters?: readonly EndpointParameter[];
  /** The JSON body's schema where one validates it. */
  body?: z.ZodType;
  /** The body's media type when it is not JSON-described by `body` (e.g. JSON-RPC). */
  bodyType?: string;
  /** Success answers: status → [media type, description]. */
  responses: Readonly<Record<number, readonly [string, string]>>;
  /** Refusals (JSON error shape). */
  errors: readonly number[];
}

const JSON_TYPE = "application/json";

export const MACHINE_ENDPOINTS: readonly MachineEndpoint[] = [
  {
    method: "GET",
    path: "/api/health",
    tag: "Monitoring",
    auth: ["none"],
    summary: "For uptime monitors: status, version, uptime, database and gateway state, the last heartbeat.",
    responses: { 200: [JSON_TYPE, "ok or degraded"], 503: [JSON_TYPE, "the database is down (same body, db: error)"] },
    errors: [],
  },
  {
    method: "GET",
    path: "/api/metrics",
    tag: "Monitoring",
    auth: ["apiToken", "apiTokenQuery"],
    summary: "Prometheus metrics (text format 0.0.4).",
    responses: { 200: ["text/plain", "the metrics"] },
    errors: [401, 429],
  },
  {
    method: "GET",
    path: "/api/heartbeat",
    tag: "Orchestration",
    auth: ["apiToken", "apiTokenQuery"],
    summary: 'One orchestration run (the cron line): its receipt, or {"skipped":"already_running"}.',
    responses: { 200: [JSON_TYPE, "the run's receipt {run_id, started_at, duration_ms, actions}"] },
    errors: [401, 429, 503],
  },
  {
    method: "POST",
    path: "/api/heartbeat",
    tag: "Orchestration",
    auth: ["apiToken", "apiTokenQuery"],
    summary: "The same run as GET, for schedulers that post.",
    responses: { 200: [JSON_TYPE, "the run's receipt"] },
    errors: [401, 429, 503],
  },
  {
    method: "POST",
    path: "/api/webhooks/agent-completion",
    tag: "Webhooks",
    auth: ["webhookSignature"],
    summary: "An agent's run finished: signed with WEBHOOK_SECRET; the task moves on and its usage is recorded.",
    description:
      'Headers: X-MC-Timestamp (unix seconds, within 300 s), X-MC-Signature: sha256=<hex HMAC-SHA256(WEBHOOK_SECRET, timestamp + "." + raw body)>, optional X-MC-Delivery-Id. At most 256 KiB.',
    parameters: [
      {
        name: "X-MC-Timestamp",
        in: "header",
        required: true,
        description: "Unix seconds; refused when more than 300 s off.",
        schema: { type: "string", pattern: "^\\d+$" },
      },
      { name: "X-MC-Delivery-Id", in: "header", required: false, description: 'The delivery\'s id: a repeated one answers 200 {"duplicate":true}.' },
    ],
    body: webhookBodySchema,
    responses: { 202: [JSON_TYPE, "accepted {accepted, task_id, status, changed}"], 200: [JSON_TYPE, "a repeated delivery {duplicate: true}"] },
    errors: [400, 401, 404, 409, 413, 429],
  },
  {
    method: "POST",
    path: "/api/webhooks/github",
    tag: "Webhooks",
    auth: ["githubSignature"],
    summary: "GitHub issue events become tasks in the workspace connected to the repository.",
    description:
      "Headers: X-GitHub-Event, X-GitHub-Delivery, X-Hub-Signature-256 (HMAC-SHA256 with the repository's secret). ping answers 200; other events are acknowledged and ignored.",
    parameters: [
      { name: "X-GitHub-Event", in: "header", required: true, description: "issues and ping are acted on; other events are acknowledged." },
      { name: "X-GitHub-Delivery", in: "header", required: true, description: "The delivery's id (a repeated one changes nothing)." },
    ],
    bodyType: JSON_TYPE,
    responses: { 201: [JSON_TYPE, "a task created"], 200: [JSON_TYPE, "updated, stale, duplicate, ignored or ping"] },
    errors: [400, 401, 404, 413, 415, 429],
  },
  {
    method: "POST",
    path: "/api/mcp",
    tag: "MCP",
    auth: ["agentToken"],
    summary: "The agent API as an MCP server (Streamable HTTP, stateless, one JSON-RPC message per POST).",
    description:
      "Send Accept: application/json, text/event-stream as MCP requires. The tools and their input schemas come from tools/list; protocol errors are JSON-RPC errors (406 for a missing Accept).",
    bodyType: JSON_TYPE,
    responses: {
      200: [JSON_TYPE, "the JSON-RPC answer"],
      202: [JSON_TYPE, "a notification, accepted (no body)"],
      406: [JSON_TYPE, "the Accept header lacks application/json or text/event-stream (a JSON-RPC error)"],
    },
    errors: [400, 401, 413, 415, 429],
  },
  {
    method: "GET",
    path: "/api/events/stream",
    tag: "Live events",
    auth: ["session", "apiTokenQuery", "apiToken"],
    summary:
      "Server-sent events (id: seq, event: type, data: JSON) with a keep-alive; resumes from Last-Event-ID or ?last_event_id=, optionally one ?workspace=.",
    parameters: [
      { name: "workspace", in: "query", required: false, description: "Only this workspace's events.", schema: { type: "string", format: "uuid" } },
      {
        name: "last_event_id",
        in: "query",
        required: false,
        description: "Resume after this event (as Last-Event-ID).",
        schema: { type: "string", pattern: "^\\d+$" },
      },
      {
        name: "Last-Event-ID",
        in: "header",
        required: false,
        description: "Resume after this event; older than retention: event resync.",
        schema: { type: "string", pattern: "^\\d+$" },
      },
    ],
    responses: { 200: ["text/event-stream", "the stream"] },
    errors: [400, 401, 429, 503],
  },
  {
    method: "POST",
    path: "/api/push-subscriptions",
    tag: "Browser",
    auth: ["session"],
    summary: "Saves this browser's Web Push subscription (the settings page's script; X-CSRF-Token carries the session's form token).",
    body: pushSubscriptionSchema,
    responses: { 201: [JSON_TYPE, "the device {id, endpoint, user_agent, created_at}"] },
    errors: [400, 401, 403, 413, 415, 429],
  },
  {
    method: "DELETE",
    path: "/api/push-subscriptions",
    tag: "Browser",
    auth: ["session"],
    summary: "Removes a Web Push subscription of the signed-in user.",
    body: pushUnsubscribeSchema,
    responses: { 200: [JSON_TYPE, "what was removed"] },
    errors: [400, 401, 403, 413, 415, 429],
  },
  {
    method: "GET",
    path: "/api/openapi.json",
    tag: "API description",
    auth: ["none"],
    summary: "This document: OpenAPI 3.1, generated from the zod schemas the routes validate with.",
    responses: { 200: [JSON_TYPE, "the OpenAPI document"] },
    errors: [],
  },
  {
    method: "GET",
    path: "/api/docs",
    tag: "API description",
    auth: ["none"],
    summary: "The same document as a readable page (HTML, no script).",
    responses: { 200: ["text/html", "the page"] },
    errors: [],
  },
];
