import type { Actor } from "./actor";
import type { Deliverable } from "./tasks.server";
import type { Database } from "./types";

// Typed calls for a run's end: the gateway's completion, the signed webhook
// (both reach the same SQL, which changes nothing for whoever comes second),
// a failed run, and the testing stage that checks deliverables before review.
// Which task a session belongs to is a task read (tasks.server.ts).

/** A task in testing, claimed for one heartbeat run's checks. */
export interface TestingTask {
  id: string;
  deliverables: Array<Pick<Deliverable, "id" | "type" | "title" | "path" | "url">>;
  /** The hosts the task's workspace lets the URL checks fetch, beside the instance's. */
  url_allowlist: string[];
}

export const recordRunFailure = (db: Database, taskId: string, runId: string, reason: string) =>
  db.rpc("record_run_failure", { p_task_id: taskId, p_run_id: runId, p_reason: reason });

/** The gateway reported something on a session: its task (if any) gets a session.updated event. */
export const noteSessionActivity = (db: Database, sessionKey: string) =>
  db.rpc<{ task_id: string | null }>("note_session_activity", { p_session_key: sessionKey });

export const completeTask = (db: Database, taskId: string, input: { source: "gateway" | "agent_api"; summary: string; runId: string | null; actor: Actor }) =>
  db.rpc<{ changed: boolean; status: string }>("complete_task", {
    p_task_id: taskId,
    p_source: input.source,
    p_summary: input.summary,
    p_run_id: input.runId,
    p_actor: input.actor,
  });

export interface CompletionWebhookInput {
  /** Null when the sender gave none: the delivery is then known by its content alone. */
  deliveryId: string | null;
  contentSha256: string;
  taskId: string;
  summary: string;
  usage: unknown;
}

export const applyCompletionWebhook = (db: Database, input: CompletionWebhookInput) =>
  db.rpc<{ duplicate?: boolean; changed?: boolean; status?: string }>("apply_completion_webhook", {
    p_delivery_id: input.deliveryId,
    p_content_sha256: input.contentSha256,
    p_task_id: input.taskId,
    p_summary: input.summary,
    p_usage: input.usage,
  });

export const claimTestingTasks = (db: Database, holder: string, limit: number, leaseSeconds: number) =>
  db.rpc<TestingTask[]>("claim_testing_tasks", { p_holder: holder, p_limit: limit, p_lease_seconds: leaseSeconds });

export const releaseTestingClaim = (db: Database, taskId: string, holder: string) => db.rpc("release_testing_claim", { p_task_id: taskId, p_holder: holder });

export const finishTesting = (db: Database, taskId: string, input: { verdict: string; results: unknown; holder: string }) =>
  db.rpc<{ changed: boolean }>("finish_testing", { p_task_id: taskId, p_verdict: input.verdict, p_results: input.results, p_holder: input.holder });
