import type { z } from "zod";
import {
  type AuthenticatedAgent,
  agentAddActivityWithToken,
  agentAddDeliverable,
  agentGetApproval,
  agentGetTask,
  agentListTasks,
  agentRecordUsage,
  agentSetStatus,
} from "#app/db/agent-api.server";
import { agentCreateComment } from "#app/db/comments.server";
import { mentionHandles } from "#app/domain/comments";
import { callbackUrls } from "#app/domain/dispatch-message";
import { AppError } from "#app/domain/errors";
import type { activitySchema, agentStatusSchema, agentUsageSchema, approvalRequestSchema, deliverableSchema } from "#app/domain/forms/agent-api";
import type { agentCommentSchema } from "#app/domain/forms/comments";
import { isUuid } from "#app/domain/ids";
import { requestAgentAction } from "../governance/agent-actions.server";
import type { Runtime } from "../runtime.server";
import { checkScope } from "./agent-api.server";

// What an agent can do with its token, one function per call. The HTTP agent
// API (routes/api/agent/*) and the MCP server (mcp-server.server.ts) both call
// these with input their route or tool validated with the same zod schema, so
// a rule lives in one place whichever way the agent reaches it. Identity and
// scope come from the caller's token, never from the input.

type Deps = Pick<Runtime, "db" | "env" | "log" | "bus">;
type Log = Runtime["log"];

/** The calling agent's open tasks (a task-scoped token sees its one task). */
export async function listAgentTasks(rt: Deps, agent: AuthenticatedAgent) {
  const tasks = await agentListTasks(rt.db, agent.id);
  return agent.scope_task_id ? tasks.filter((t) => t.id === agent.scope_task_id) : tasks;
}

/** One task with its dispatch context and the URLs to report back to. */
export async function readAgentTask(rt: Deps, agent: AuthenticatedAgent, taskId: string) {
  checkScope(agent, taskId);
  const task = await agentGetTask(rt.db, agent.id, taskId);
  return { ...task, callbacks: callbackUrls(rt.env.publicUrl, taskId) };
}

/** A progress note. Checked by the write itself against the token (its validity and, for a task token, its task). */
export function addAgentActivity(rt: Deps, tokenHash: string, taskId: string, body: z.output<typeof activitySchema>) {
  return agentAddActivityWithToken(rt.db, tokenHash, taskId, { type: body.type, message: body.message, metadata: body.metadata });
}

export function addAgentDeliverable(rt: Deps, agent: AuthenticatedAgent, taskId: string, body: z.output<typeof deliverableSchema>) {
  checkScope(agent, taskId);
  return agentAddDeliverable(rt.db, agent.id, taskId, body);
}

/**
 * A usage self-report; `run_id` is its idempotency key. `recorded` is false
 * for a retry that changed nothing.
 */
export function reportAgentUsage(rt: Deps, agent: AuthenticatedAgent, taskId: string, body: z.output<typeof agentUsageSchema>) {
  checkScope(agent, taskId);
  const { run_id, ...usage } = body;
  return agentRecordUsage(rt.db, agent.id, taskId, { dedupeKey: run_id ?? null, usage });
}

/** A comment on the agent's task; its @mentions reach the people and agents named. */
export async function addAgentComment(rt: Deps, agent: AuthenticatedAgent, taskId: string, body: z.output<typeof agentCommentSchema>, log: Log, via: string) {
  checkScope(agent, taskId);
  const written = await agentCreateComment(rt.db, agent.id, taskId, body.body, mentionHandles(body.body), body.in_reply_to ?? null);
  log.info({ event: "comment.created", comment_id: written.comment.id, in_reply_to: body.in_reply_to ?? null, via }, "agent commented");
  return written.comment;
}

/** Only the moves an agent may make (in_progress, testing, review). */
export async function setAgentTaskStatus(rt: Deps, agent: AuthenticatedAgent, taskId: string, body: z.output<typeof agentStatusSchema>, log: Log, via: string) {
  checkScope(agent, taskId);
  const result = await agentSetStatus(rt.db, agent.id, taskId, { status: body.status, summary: body.summary });
  if (result.changed) log.info({ event: "task.state_changed", to: result.status, via }, "agent moved its task");
  return { task_id: taskId, ...result };
}

export interface ApprovalAnswer {
  /** false when the policy allowed it at once or the same request was already pending. */
  created: boolean;
  body: Record<string, unknown>;
}

/**
 * An agent's request to act: allowed by policy at once (`status: approved,
 * by: policy`), or pending with its digest and expiry (and a veto window under
 * human-on-the-loop). The same pending request asked again is returned, not twinned.
 */
export async function requestAgentApproval(
  rt: Pick<Runtime, "db" | "env">,
  agent: AuthenticatedAgent,
  body: z.output<typeof approvalRequestSchema>,
): Promise<ApprovalAnswer> {
  checkScope(agent, body.task_id);
  const { approval, digest, mode } = await requestAgentAction(rt, agent.id, body);
  if (mode === "policy") return { created: false, body: { id: approval.id, status: "approved", by: "policy", policy: approval.by, digest } };
  const { id, status, expires_at, veto_until } = approval;
  return { created: !approval.existing, body: { id, status, digest, expires_at, ...(veto_until ? { veto_until } : {}) } };
}

export interface AgentApproval {
  id: string;
  task_id: string;
  status: string;
  expires_at?: string;
  [key: string]: unknown;
}

const NO_APPROVAL = "No approval with that id belongs to you.";

/** An approval the agent asked for (or on its task): pending, approved, denied or expired. */
export async function readAgentApproval(rt: Pick<Runtime, "db">, agent: AuthenticatedAgent, approvalId: string | undefined): Promise<AgentApproval> {
  if (!isUuid(approvalId)) throw new AppError("not_found", NO_APPROVAL);
  const approval = (await agentGetApproval(rt.db, agent.id, approvalId)) as AgentApproval;
  if (agent.scope_task_id && approval.task_id !== agent.scope_task_id) throw new AppError("not_found", NO_APPROVAL);
  return approval;
}

/** How often a wait reads the approval again even without an event (events from other instances arrive by the bus too). */
const WAIT_RECHECK_MS = 5_000;

/**
 * Waits up to `timeoutMs` for a pending approval to be decided, then answers
 * its state (`waited_ms` says how long it waited; a still pending answer means
 * the wait ran out). Woken by the approval's own events on the bus (which
 * carries other instances' writes too), by its expiry, and by a recheck every
 * few seconds; the caller's abort ends it early.
 */
export async function waitForAgentApproval(
  rt: Pick<Runtime, "db" | "bus">,
  agent: AuthenticatedAgent,
  approvalId: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<AgentApproval & { waited_ms: number }> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let approval = await readAgentApproval(rt, agent, approvalId);
  while (approval.status === "pending" && Date.now() < deadline && !signal?.aborted) {
    const expiresAt = approval.expires_at ? Date.parse(approval.expires_at) : Number.NaN;
    const wakeAt = Math.min(deadline, Date.now() + WAIT_RECHECK_MS, Number.isNaN(expiresAt) ? Infinity : expiresAt + 50);
    await wake(rt, approvalId, Math.max(0, wakeAt - Date.now()), signal);
    approval = await readAgentApproval(rt, agent, approvalId);
  }
  return { ...approval, waited_ms: Date.now() - started };
}

/** Resolves on the first of: an event about this approval, `ms` passing, the signal aborting. */
function wake(rt: Pick<Runtime, "bus">, approvalId: string, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      unsubscribe();
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const unsubscribe = rt.bus.subscribe((event) => {
      if (event.type.startsWith("approval.") && event.json.includes(approvalId)) done();
    });
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
