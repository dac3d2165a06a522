import { requestContext } from "#app/context.server";
import { applyCompletionWebhook } from "#app/db/completion.server";
import { findTaskBySession } from "#app/db/tasks.server";
import { parseAgentReply } from "#app/domain/agent-replies";
import { canonicalJson } from "#app/domain/canonical-json";
import { AppError } from "#app/domain/errors";
import { webhookBodySchema } from "#app/domain/forms/agent-api";
import { WEBHOOK_MAX_BYTES } from "#app/domain/webhook-rules";
import { apiHandler, postOnlyLoader, withAuthBudget } from "#app/services/http/json-api.server";
import { sha256Hex } from "#app/services/auth/crypto.server";
import { parseJsonBytes, readBodyBytes } from "#app/services/http/json-body.server";
import { verifyWebhookSignature } from "#app/services/agent-plane/webhook-signature.server";
import type { Route } from "./+types/agent-completion";

// POST /api/webhooks/agent-completion — size (413), signature and timestamp
// (401), body (400) and the task's existence (404) are checked before the 202.
// A delivery is known by its signed id and by its content (the canonical
// JSON's SHA-256, with the task's run, in SQL), so a replay or a retry is a
// 200 {"duplicate":true}; a done or cancelled task is a 409.
export async function action({ request, context }: Route.ActionArgs) {
  const { rt, log, clientIp } = context.get(requestContext);
  return apiHandler(log, async () => {
    if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
    await rt.limits.consume("write", clientIp);
    const bytes = await readBodyBytes(request, WEBHOOK_MAX_BYTES);
    const { scheme, deliveryId, unsignedDeliveryId } = await withAuthBudget(rt, clientIp, async () =>
      verifyWebhookSignature(request.headers, bytes, rt.secrets.WEBHOOK_SECRET, rt.env.WEBHOOK_ALLOW_LEGACY),
    );
    const body = parseJsonBytes(bytes, webhookBodySchema);
    if (unsignedDeliveryId) {
      log.warn({ event: "webhook.delivery_id_unsigned", scheme }, "X-MC-Delivery-Id is not covered by the signature; the delivery is known by its content");
    }
    let taskId: string;
    let summary: string;
    if ("task_id" in body) {
      // apply_completion_webhook refuses an unknown task itself (404).
      taskId = body.task_id.toLowerCase();
      summary = body.summary;
    } else {
      const task = await findTaskBySession(rt.db, body.session_key);
      if (!task) throw new AppError("not_found", "No task has that session key.");
      taskId = task.id;
      const reply = parseAgentReply(body.message);
      summary = reply.kind === "complete" ? reply.summary : body.message;
    }
    const result = await applyCompletionWebhook(rt.db, {
      deliveryId,
      contentSha256: sha256Hex(canonicalJson(body)),
      taskId,
      summary,
      usage: body.usage ?? null,
    });
    if (result.duplicate) return Response.json({ duplicate: true }, { status: 200 });
    log.info({ event: "webhook.completion", task_id: taskId, scheme, changed: result.changed, status: result.status }, "completion webhook applied");
    if (result.changed) log.info({ event: "task.state_changed", task_id: taskId, to: result.status, via: "webhook" }, "completion webhook moved the task");
    return Response.json({ accepted: true, task_id: taskId, status: result.status, changed: result.changed }, { status: 202 });
  });
}

// The methods the server entry lets through (405 with Allow for the rest).
export const handle = { methods: ["POST"] };

export const loader = postOnlyLoader;
