import type { Actor } from "./actor";
import type { Database } from "./types";

// Typed calls for the event log: the live feed's reads (by seq, settled past
// holes left by open transactions), a workspace's history, and one emit.

export interface FeedEvent {
  seq: number;
  type: string;
  workspace_id: string | null;
  task_id: string | null;
  task_title: string | null;
  agent_id: string | null;
  agent_name: string | null;
  actor: Actor;
  payload: Record<string, unknown>;
  created_at: string;
}

export interface EventBounds {
  min_seq: number;
  max_seq: number;
}

/** One answer of get_settled_events: what is delivered, and where a hole in seq still holds the log. */
export interface SettledPage {
  events: Array<Record<string, unknown>>;
  /** How far this answer settled the log (every seq up to it is delivered or known rolled back). */
  last_seq: number | string;
  /** The page was full: ask again at once. */
  more: boolean;
  wait_for: string | null;
  settle_upto: number | null;
}

export interface SettledQuery {
  since: number;
  limit: number;
  waitFor: string | null;
  settleUpto: number | null;
  /** With no stream open, only how far the log has settled matters, not each event's details. */
  details: boolean;
}

export const getWorkspaceFeed = (db: Database, workspaceId: string, kind: "task" | "agent" | null, before: number | null, limit = 50) =>
  db.rpc<FeedEvent[]>("get_workspace_feed", { p_workspace_id: workspaceId, p_kind: kind, p_before: before, p_limit: limit });

/** Functions that cannot write (stable or immutable in SQL). */
export const listReadFunctions = (db: Database) => db.rpc<string[]>("list_read_functions");

export const getEventBounds = (db: Database) => db.rpc<EventBounds>("get_event_bounds");

export const getEventsWithDetails = (db: Database, since: number, limit: number) =>
  db.rpc<Array<Record<string, unknown>>>("get_events_with_details", { p_since: since, p_limit: limit });

export const getSettledEvents = (db: Database, query: SettledQuery) =>
  db.rpc<SettledPage>("get_settled_events", {
    p_since: query.since,
    p_limit: query.limit,
    p_wait_for: query.waitFor,
    p_settle_upto: query.settleUpto,
    p_details: query.details,
  });

export interface NewEvent {
  type: string;
  workspaceId: string | null;
  taskId: string | null;
  agentId: string | null;
  actor: Actor;
  payload: Record<string, unknown>;
}

/** Appends one event outside any other write (the app's writes emit their own in SQL). */
export const emitEvent = (db: Database, event: NewEvent) =>
  db.rpc("emit_event", {
    p_type: event.type,
    p_workspace_id: event.workspaceId,
    p_task_id: event.taskId,
    p_agent_id: event.agentId,
    p_actor: event.actor,
    p_payload: event.payload,
  });
