import { randomBytes, randomUUID } from "node:crypto";
import { type Agent, createAgent as createAgentRow } from "#app/db/agents.server";
import { markTaskDispatched } from "#app/db/dispatch.server";
import { createTask as createTaskRow, updateTask as updateTaskRow } from "#app/db/tasks.server";
import type { SqlDatabase } from "#app/db/types";
import { createWorkspace as createWorkspaceRow } from "#app/db/workspaces.server";
import { AppError } from "#app/domain/errors";
import { sha256Hex } from "#app/services/auth/crypto.server";

// The one vocabulary for setting up and inspecting a test database: small
// builders over the app's own typed calls (app/db), so tests state only what
// they check and set up data exactly as the app would.

export const SYSTEM = { type: "system", name: "test" } as const;

let counter = 0;
/** A unique suffix: tests in one file share a database. */
export function unique(prefix = "x"): string {
  counter += 1;
  return `${prefix}-${counter}-${randomBytes(3).toString("hex")}`;
}

export function hash64(): string {
  return randomBytes(32).toString("hex");
}

/** A workspace with a unique slug (named after it unless a name is given). */
export function createWorkspace(db: SqlDatabase, fields: Partial<{ name: string; slug: string; icon: string }> = {}) {
  const slug = fields.slug ?? unique("ws");
  return createWorkspaceRow(db, { name: fields.name ?? `Workspace ${slug}`, slug, icon: fields.icon ?? "" }, SYSTEM);
}

/** An agent with a unique name and no API token (unless a token hash is given). */
export function createAgent(db: SqlDatabase, workspaceId: string, fields: Record<string, unknown> = {}, token?: { hash: string; hint: string }) {
  return createAgentRow(db, workspaceId, { name: unique("agent"), ...fields }, token ?? null, SYSTEM);
}

/** An agent that can call the agent API: its plaintext token comes back with it; OpenClaw agent "main" unless told otherwise. */
export async function createAgentWithToken(db: SqlDatabase, workspaceId: string, fields: Record<string, unknown> = {}): Promise<Agent & { token: string }> {
  const token = `mca_${randomUUID().replaceAll("-", "")}${randomUUID().replaceAll("-", "")}`;
  const agent = await createAgent(db, workspaceId, { openclaw_agent_id: "main", ...fields }, { hash: sha256Hex(token), hint: token.slice(0, 8) });
  return { ...agent, token };
}

/** A task with a unique title (backlog unless the fields say otherwise). */
export function createTask(db: SqlDatabase, workspaceId: string, fields: Record<string, unknown> = {}) {
  return createTaskRow(db, workspaceId, { title: unique("task"), ...fields }, SYSTEM);
}

export function updateTask(db: SqlDatabase, taskId: string, fields: Record<string, unknown>) {
  return updateTaskRow(db, taskId, fields, SYSTEM);
}

/** A task in progress as if it had been dispatched to the agent (run id and session key set, lease one hour). */
export async function createRunningTask(db: SqlDatabase, workspaceId: string, agentId: string, fields: Record<string, unknown> = {}) {
  const task = await createTask(db, workspaceId, { status: "assigned", assigned_agent_id: agentId, ...fields });
  const runId = `run-${randomUUID()}`;
  const sessionKey = `agent:main:mc-task-${task.id}`;
  await markTaskDispatched(db, task.id, { runId, sessionKey, leaseSeconds: 3600 });
  return { id: task.id, runId, sessionKey };
}

/** Moves a running task on as an operator would: to review, on to done, or cancelled. */
export async function moveRunningTask(db: SqlDatabase, taskId: string, to: "review" | "done" | "cancelled") {
  const steps = { review: ["review"], done: ["review", "done"], cancelled: ["cancelled"] }[to];
  for (const status of steps) await query(db, "update tasks set status = $2 where id = $1", [taskId, status]);
}

/** The task's row as stored, every column. */
export async function taskRow(db: SqlDatabase, id: string) {
  const [row] = await query(db, "select * from tasks where id = $1", [id]);
  return row!;
}

/** Plain SQL on one connection, for set-up the app offers no call for and for assertions on stored rows. */
export async function query<T = Record<string, unknown>>(db: SqlDatabase, text: string, params: unknown[] = []): Promise<T[]> {
  return db.session((s) => s.query<T>(text, params));
}

/** Row counts of every table a write may touch, to prove a failed call left nothing behind. */
export async function rowCounts(db: SqlDatabase): Promise<Record<string, number>> {
  const [row] = await query<Record<string, number>>(
    db,
    `select (select count(*)::int from workspaces) as workspaces, (select count(*)::int from agents) as agents,
            (select count(*)::int from tasks) as tasks, (select count(*)::int from task_activities) as activities,
            (select count(*)::int from events) as events, (select count(*)::int from users) as users,
            (select count(*)::int from sessions) as sessions`,
  );
  return row!;
}

export async function maxSeq(db: SqlDatabase): Promise<number> {
  const [row] = await query<{ n: string | number }>(db, "select coalesce(max(seq), 0) as n from events");
  return Number(row!.n);
}

export interface EventRow {
  seq: number;
  type: string;
  workspace_id: string | null;
  task_id: string | null;
  agent_id: string | null;
  actor_type: string;
  payload: Record<string, unknown>;
}

export async function eventsAfter(db: SqlDatabase, seq: number): Promise<EventRow[]> {
  const rows = await query<EventRow>(db, "select seq, type, workspace_id, task_id, agent_id, actor_type, payload from events where seq > $1 order by seq", [
    seq,
  ]);
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

/** The AppError a call fails with; anything else (or success) fails the test. */
export async function appError(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected the call to fail with an AppError, but it succeeded");
}

export interface TestUser {
  id: string;
  name: string;
  email: string;
}

/** A user with a role (no usable password): the actor SQL functions check by id. */
export async function createUser(db: SqlDatabase, role: string, name: string): Promise<TestUser> {
  const email = `${unique(role)}@users.test`;
  const [row] = await query<{ id: string }>(db, "insert into users (email, name, role, password_hash) values ($1, $2, $3, 'h') returning id", [
    email,
    name,
    role,
  ]);
  return { id: row!.id, name, email };
}

/** The actor a page passes for a signed-in user. */
export const userActor = (u: TestUser) => ({ type: "user", id: u.id, name: u.name });

export interface ApprovalRow {
  id: string;
  action: string;
  status: string;
  mode: string;
  veto_until: string | null;
  decided_by: string | null;
  comment: string | null;
}

/** A task's approval requests, oldest first. */
export const approvalsOf = (db: SqlDatabase, taskId: string) =>
  query<ApprovalRow>(db, "select id, action, status, mode, veto_until, decided_by, comment from approvals where task_id = $1 order by created_at", [taskId]);
