import { createHmac, randomUUID } from "node:crypto";
import type { SqlDatabase } from "#app/db/types";
import { sha256Hex } from "#app/services/auth/crypto.server";

// Seeds for agent-plane route tests: a workspace, agents with known tokens,
// tasks assigned to them, and a signer for the completion webhook.

export const SECRETS = {
  MC_API_TOKEN: "api-token-".padEnd(40, "a"),
  WEBHOOK_SECRET: "webhook-secret-".padEnd(40, "w"),
  SESSION_SECRET: "session-secret-".padEnd(40, "s"),
};

const system = { type: "system", name: "test" };

export async function seedWorkspace(db: SqlDatabase, slug = `ws-${randomUUID().slice(0, 8)}`) {
  return db.rpc<{ id: string; slug: string }>("create_workspace", { p_name: slug, p_slug: slug, p_icon: "", p_actor: system });
}

export async function seedAgent(db: SqlDatabase, workspaceId: string, name: string, openclawId: string | null = "main") {
  const token = `mca_${randomUUID().replaceAll("-", "")}${randomUUID().replaceAll("-", "")}`;
  const agent = await db.rpc<{ id: string }>("create_agent", {
    p_workspace_id: workspaceId,
    p_fields: { name, openclaw_agent_id: openclawId ?? "" },
    p_token_hash: sha256Hex(token),
    p_token_hint: token.slice(0, 8),
    p_actor: system,
  });
  return { id: agent.id, token };
}

export async function seedTask(db: SqlDatabase, workspaceId: string, fields: Record<string, unknown> = {}) {
  return db.rpc<{ id: string }>("create_task", { p_workspace_id: workspaceId, p_fields: { title: "Seeded task", ...fields }, p_actor: system });
}

/** Puts a task in progress as if it had been dispatched (run id and session key set). */
export async function seedRunningTask(db: SqlDatabase, workspaceId: string, agentId: string, fields: Record<string, unknown> = {}) {
  const task = await seedTask(db, workspaceId, { status: "assigned", assigned_agent_id: agentId, ...fields });
  const runId = `run-${randomUUID()}`;
  const sessionKey = `agent:main:mc-task-${task.id}`;
  await db.rpc("mark_task_dispatched", { p_task_id: task.id, p_run_id: runId, p_session_key: sessionKey, p_lease_seconds: 3600 });
  return { id: task.id, runId, sessionKey };
}

/** Moves a running task on as an operator would: to review, on to done, or cancelled. */
export async function moveRunningTask(db: SqlDatabase, taskId: string, to: "review" | "done" | "cancelled") {
  const steps = { review: ["review"], done: ["review", "done"], cancelled: ["cancelled"] }[to];
  for (const status of steps) await sql(db, "update tasks set status = $2 where id = $1", [taskId, status]);
}

export async function taskRow(db: SqlDatabase, id: string) {
  const [row] = await db.session((s) => s.query<Record<string, unknown>>("select * from tasks where id = $1", [id]));
  return row!;
}

export async function sql<T = Record<string, unknown>>(db: SqlDatabase, text: string, params: unknown[] = []) {
  return db.session((s) => s.query<T>(text, params));
}

/**
 * Headers for a signed webhook call (docs/API.md): the signature covers
 * `<timestamp>.<delivery id>.<body>` when a delivery id is sent, else
 * `<timestamp>.<body>`. `unsignedDeliveryId` sends the id the earlier way,
 * outside the signature.
 */
export function signWebhook(body: string, options: { secret?: string; timestamp?: number; deliveryId?: string; unsignedDeliveryId?: boolean } = {}) {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signed = options.deliveryId && !options.unsignedDeliveryId ? `${timestamp}.${options.deliveryId}.${body}` : `${timestamp}.${body}`;
  const signature = createHmac("sha256", options.secret ?? SECRETS.WEBHOOK_SECRET).update(signed).digest("hex");
  return {
    "content-type": "application/json",
    "x-mc-timestamp": timestamp,
    "x-mc-signature": `sha256=${signature}`,
    ...(options.deliveryId ? { "x-mc-delivery-id": options.deliveryId } : {}),
  };
}
