import type { RouterContextProvider } from "react-router";
import { requestContext } from "#app/context.server";
import { AppError } from "#app/domain/errors";
import type { Logger } from "../observability/logger.server";
import type { RateLimits } from "./rate-limit.server";
import { safeEqual } from "../auth/crypto.server";

/** A JSON error in the shape every endpoint uses (docs/API.md). */
export function errorResponse(error: AppError, headers?: HeadersInit): Response {
  const all = new Headers(headers);
  const retry = (error.details as { retry_after_s?: number } | undefined)?.retry_after_s;
  if (error.code === "rate_limited" && retry) all.set("Retry-After", String(retry));
  return Response.json(error.toJSON(), { status: error.status, headers: all });
}

/**
 * Runs an API handler: refusals become their 4xx JSON, anything else is
 * logged and answered with a bare 500 — never a stack trace.
 */
export async function apiHandler(log: Logger, fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof Response) return error;
    if (error instanceof AppError) return errorResponse(error);
    log.error({ event: "error", err: error }, "api handler failed");
    return errorResponse(new AppError("unavailable", "The server could not complete the request."), { "Retry-After": "5" });
  }
}

/**
 * Runs a credential check under the client's failed-authentication budget.
 * The credential is checked first, so valid credentials always pass, however
 * many bad ones others sent from the same address; each refusal spends a
 * point, and once the budget is spent a refusal is a 429 instead of a 401.
 * Why this is no guessing oracle: docs/decisions/017.
 */
export async function withAuthBudget<T>(rt: { limits: RateLimits }, clientIp: string, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof AppError && error.code === "unauthorized") await rt.limits.consume("auth_failure", clientIp);
    throw error;
  }
}

/** The operator API token from `Authorization: Bearer` or `?token=`. */
export function hasApiToken(request: Request, url: URL, expected: string): boolean {
  const header = request.headers.get("authorization") ?? "";
  const bearer = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
  const given = bearer ?? url.searchParams.get("token");
  return typeof given === "string" && given.length > 0 && safeEqual(given, expected);
}

/** The loader of a POST-only endpoint: every read is a 405 in the JSON error shape, with `Allow: POST`. */
export function postOnlyLoader({ context }: { context: Readonly<RouterContextProvider> }): Promise<Response> {
  const { log } = context.get(requestContext);
  return apiHandler(log, async () => {
    throw new AppError("method_not_allowed", "Use POST.");
  }).then((res) => new Response(res.body, { status: res.status, headers: { "content-type": "application/json", Allow: "POST" } }));
}
