import type { RouterContextProvider } from "react-router";
import { requestContext } from "#app/context.server";
import { type SessionUser, removePushSubscription, savePushSubscription } from "#app/db/auth.server";
import { AppError } from "#app/domain/errors";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { pushSubscriptionSchema, pushUnsubscribeSchema } from "#app/domain/forms/push";
import { deviceLabel, pushEndpointProblem } from "#app/domain/push";
import { getSessionUser } from "#app/services/auth/sessions.server";
import { sessionCsrfHeaderValid } from "#app/services/http/csrf.server";
import { readJson } from "#app/services/http/json-body.server";
import { hostAllowed } from "#app/services/orchestration/checks/url-check.server";

// POST and DELETE /api/push-subscriptions (decision 048): the settings page's
// script saves or removes this browser's push subscription. The session
// cookie says who; the session's form token in X-CSRF-Token proves the page
// is ours; every call spends from the client's write budget like a form post.

const MAX_BODY_BYTES = 8 * 1024;

async function signedIn(context: Readonly<RouterContextProvider>, request: Request): Promise<SessionUser> {
  const { rt, clientIp } = context.get(requestContext);
  await rt.limits.consume("write", clientIp);
  const cookies = { settings: rt.env, secrets: rt.secrets };
  const user = await getSessionUser({ ...cookies, db: rt.db, sessions: rt.sessions }, request);
  if (!user) throw new AppError("unauthorized", "Sign in first.");
  if (!(await sessionCsrfHeaderValid(cookies, request))) {
    throw new AppError("forbidden", "The X-CSRF-Token header must carry this session's form token. Reload the page and try again.");
  }
  return user;
}

export async function subscribe(context: Readonly<RouterContextProvider>, request: Request): Promise<Response> {
  const { rt } = context.get(requestContext);
  const user = await signedIn(context, request);
  const body = await readJson(request, pushSubscriptionSchema, MAX_BODY_BYTES);
  const problem = pushEndpointProblem(body.endpoint, (host) => hostAllowed(host, rt.env.PUSH_ENDPOINT_ALLOWLIST));
  if (problem) throw new AppError("invalid", problem, { issues: [{ path: "endpoint", message: problem }] });
  const device = await savePushSubscription(rt.db, user.id, {
    endpoint: body.endpoint,
    p256dh: body.keys.p256dh,
    auth: body.keys.auth,
    userAgent: deviceLabel(request.headers.get("user-agent")).slice(0, COLUMN_LIMITS.push_subscriptions.user_agent),
  });
  return Response.json(
    { id: device.id, endpoint: device.endpoint, user_agent: device.user_agent, created_at: device.created_at },
    { status: 201, headers: { "Cache-Control": "no-store" } },
  );
}

export async function unsubscribe(context: Readonly<RouterContextProvider>, request: Request): Promise<Response> {
  const { rt } = context.get(requestContext);
  const user = await signedIn(context, request);
  const body = await readJson(request, pushUnsubscribeSchema, MAX_BODY_BYTES);
  const removed = await removePushSubscription(rt.db, user.id, body);
  return Response.json(removed, { headers: { "Cache-Control": "no-store" } });
}
