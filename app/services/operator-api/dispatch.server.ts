import type { RouterContextProvider } from "react-router";
import type { z } from "zod";
import { requestContext } from "#app/context.server";
import type { Actor } from "#app/db/actor";
import type { SessionUser } from "#app/db/auth.server";
import { keyRefusal } from "#app/domain/api-keys";
import { AppError } from "#app/domain/errors";
import { jsonTextProblem } from "#app/domain/input-limits";
import { OPERATIONS, type Operation, type OperationId, matchOperation } from "#app/domain/operator-api";
import { authenticateApiKeyRequest } from "../auth/api-keys.server";
import { apiHandler, withAuthBudget } from "../http/json-api.server";
import { readJson } from "../http/json-body.server";
import type { Runtime } from "../runtime.server";

/** Request bodies of the operator API: the longest (a task's description, a comment) fits with room to spare. */
const BODY_MAX_BYTES = 64 * 1024;

/** What every operation's handler gets: the key's owner as user and actor, and its input parsed by the registry's schemas. */
export interface ApiCall<K extends OperationId> {
  rt: Runtime;
  log: Runtime["log"];
  user: SessionUser;
  /** The key's owner, with the key's id (it reaches the audit entries written with this actor). */
  actor: Actor;
  keyId: string;
  params: z.output<(typeof OPERATIONS)[K]["params"]>;
  query: z.output<(typeof OPERATIONS)[K]["query"]>;
  body: (typeof OPERATIONS)[K]["body"] extends z.ZodType ? z.output<NonNullable<(typeof OPERATIONS)[K]["body"]>> : undefined;
}

/** One handler per operation of the registry (a missing one does not compile). */
export type OperatorApiHandlers = { [K in OperationId]: (call: ApiCall<K>) => Promise<unknown> };

type Args = { request: Request; context: Readonly<RouterContextProvider>; params: Record<string, string | undefined> };

/**
 * Serves /api/v1/* from the registry: the operation the method and path name
 * (404, or 405 with Allow), the bearer key (401, spending the client's
 * failed-authentication budget), the scope it needs capped by the owner's
 * current role (403), the write budget for writes (429), then the path, query
 * and body checked by the operation's schemas (404 / 400 / 413 / 415) before
 * its handler runs. Answers JSON in the error shape every endpoint uses.
 */
export function operatorApi(args: Args, handlers: OperatorApiHandlers): Promise<Response> {
  const { rt, log, clientIp } = args.context.get(requestContext);
  let allow: string[] | null = null;
  return apiHandler(log, async () => {
    const method = args.request.method.toUpperCase();
    const match = matchOperation(method, `/${args.params["*"] ?? ""}`);
    if (match.kind === "not_found") throw new AppError("not_found", "No operator API operation at that address (see docs/API.md).");
    if (match.kind === "method_not_allowed") {
      allow = match.allow;
      throw new AppError("method_not_allowed", `Use ${match.allow.join(" or ")}.`);
    }
    const operation: Operation = OPERATIONS[match.id];
    const key = await withAuthBudget(rt, clientIp, () => authenticateApiKeyRequest(rt.db, args.request));
    const refusal = keyRefusal(key.scopes, key.user.role, operation.scope);
    if (refusal) throw new AppError("forbidden", refusal, { needs: operation.scope, scopes: key.scopes, role: key.user.role });
    if (method !== "GET") await rt.limits.consume("write", `apikey:${key.key_id}`);
    const params = operation.params.safeParse(match.params);
    if (!params.success) throw new AppError("not_found", "Nothing by that name or id here.");
    const query = parseQuery(new URL(args.request.url).searchParams, operation.query);
    const body = operation.body ? await readJson(args.request, operation.body, BODY_MAX_BYTES) : undefined;
    const actor: Actor = { type: "user", id: key.user.id, name: key.user.name, api_key_id: key.key_id };
    const handler = handlers[match.id] as (call: ApiCall<OperationId>) => Promise<unknown>;
    const result = await handler({
      rt,
      log: log.child({ user_id: key.user.id, api_key_id: key.key_id, operation: match.id }),
      user: key.user,
      actor,
      keyId: key.key_id,
      params: params.data as never,
      query: query as never,
      body: body as never,
    });
    return Response.json(result, { status: operation.status, headers: { "Cache-Control": "no-store" } });
  }).then((res) => (allow ? withAllow(res, allow) : res));
}

/** The query string as an object, each key once, checked by the operation's schema (unknown keys refused). */
function parseQuery(search: URLSearchParams, schema: z.ZodType): unknown {
  const values: Record<string, string> = {};
  for (const [key, value] of search) {
    if (Object.hasOwn(values, key)) throw new AppError("invalid", `"${key}" is given more than once; keep one value.`);
    values[key] = value;
  }
  // A NUL or a lone surrogate would reach SQL as text PostgreSQL cannot hold.
  const problem = jsonTextProblem(values);
  if (problem) {
    throw new AppError("invalid", `The query string cannot be used: ${problem.message}.`, {
      issues: [{ path: problem.path, message: problem.message, code: "unstorable_text" }],
    });
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    throw new AppError("invalid", "The query string does not match what this operation takes.", {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message, code: i.code })),
    });
  }
  return parsed.data;
}

function withAllow(res: Response, methods: string[]): Response {
  const headers = new Headers(res.headers);
  headers.set("Allow", methods.join(", "));
  return new Response(res.body, { status: res.status, headers });
}
