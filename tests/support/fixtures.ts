import { randomBytes } from "node:crypto";
import { AppError } from "#app/domain/errors";
import type { SqlDatabase } from "#app/db/types";

// Small builders over the SQL functions, so tests state only what they check.

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

export interface Workspace {
  id: string;
  slug: string;
  name: string;
  icon: string;
}

export function createWorkspace(db: SqlDatabase, fields: Partial<{ name: string; slug: string; icon: string }> = {}) {
  const slug = fields.slug ?? unique("ws");
  return db.rpc<Workspace>("create_workspace", { p_name: fields.name ?? `Workspace ${slug}`, p_slug: slug, p_icon: fields.icon ?? "", p_actor: SYSTEM });
}

export interface Agent {
  id: string;
  workspace_id: string;
  name: string;
  status: string;
  has_token: boolean;
  token_hint: string | null;
  [key: string]: unknown;
}

export function createAgent(db: SqlDatabase, workspaceId: string, fields: Record<string, unknown> = {}, token?: { hash: string; hint: string }) {
  return db.rpc<Agent>("create_agent", {
    p_workspace_id: workspaceId,
    p_fields: { name: unique("agent"), ...fields },
    p_token_hash: token?.hash ?? null,
    p_token_hint: token?.hint ?? null,
    p_actor: SYSTEM,
  });
}

export function createTask(db: SqlDatabase, workspaceId: string, fields: Record<string, unknown> = {}) {
  return db.rpc<{ id: string; status: string }>("create_task", {
    p_workspace_id: workspaceId,
    p_fields: { title: unique("task"), ...fields },
    p_actor: SYSTEM,
  });
}

export function updateTask(db: SqlDatabase, taskId: string, fields: Record<string, unknown>) {
  return db.rpc<{ id: string; status: string; changed: string[] }>("update_task", { p_task_id: taskId, p_fields: fields, p_actor: SYSTEM });
}

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
  const rows = await query<EventRow>(db, "select seq, type, workspace_id, task_id, agent_id, actor_type, payload from events where seq > $1 order by seq", [seq]);
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
  const [row] = await query<{ id: string }>(db, "insert into users (email, name, role, password_hash) values ($1, $2, $3, 'h') returning id", [email, name, role]);
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
