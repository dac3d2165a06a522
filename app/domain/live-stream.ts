import { EVENTS, EVENT_TYPES, isEventType } from "./events";

// Reading the live event stream (GET /api/events/stream), the same for the
// React pages (app/components/live-events.tsx) and the board's own script
// (app/islands/board-island.ts): which events concern a page, and when a gap
// in the sequence means the page must be read again.

export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline";

export interface LiveEvent {
  seq: number;
  type: string;
  workspace_id: string | null;
  workspace_slug: string | null;
  task_id: string | null;
}

/**
 * Whether an event changes what the current page shows, by its reach in
 * app/domain/events.ts: approvals feed the navigation's count, so they matter
 * everywhere; inside a workspace only its own events do; the cross-workspace
 * pages show a bit of everything. A task-reach event (its session's
 * transcript moved on) concerns only that task's own page.
 */
export function isRelevant(event: LiveEvent, workspaceSlug: string | undefined, taskId?: string): boolean {
  const reach = isEventType(event.type) ? EVENTS[event.type].reach : null;
  if (reach === "everywhere") return true;
  if (reach === "task") return taskId !== undefined && event.task_id === taskId;
  return workspaceSlug === undefined || event.workspace_slug === workspaceSlug;
}

/** A message from the stream, as the page reads it. */
export type StreamMessage =
  | { kind: "event"; event: LiveEvent }
  /** Replay is done (or there was none): everything up to `last_seq` has been sent. */
  | { kind: "ready"; last_seq: number }
  /** The gap could not be replayed: reload, and go on from `last_seq`. */
  | { kind: "resync"; last_seq: number };

const seqOf = (m: StreamMessage) => (m.kind === "event" ? m.event.seq : m.last_seq);

/**
 * Reads the messages that arrived since the last render: how far the page is
 * now up to date (`seen`, the seq a reconnect resumes from) and whether it
 * must reload. useEventSource keeps only the latest message of each event
 * type, so when several arrive before React renders, the earlier ones of a
 * type are gone; their seqs are then missing, and a gap reloads the page
 * whatever the lost events were. (A rolled-back write also leaves a gap: one
 * reload too many.) Events of different types arrive here in no particular
 * order, so they are read in seq order.
 */
export function readMessages(
  seen: number | null,
  messages: StreamMessage[],
  workspaceSlug: string | undefined,
  taskId?: string,
): { seen: number | null; reload: boolean } {
  let reload = false;
  // At an equal seq an event comes before the ready or resync that follows it.
  const ordered = [...messages].sort((a, b) => seqOf(a) - seqOf(b) || Number(b.kind === "event") - Number(a.kind === "event"));
  for (const message of ordered) {
    if (message.kind === "resync") {
      // The server goes on from its own last seq, which may be below ours (a reset database).
      reload = true;
      seen = message.last_seq;
    } else if (message.kind === "ready") {
      // Everything up to last_seq was sent: any of it not seen here was lost.
      if (seen !== null && message.last_seq > seen) reload = true;
      seen = Math.max(seen ?? message.last_seq, message.last_seq);
    } else {
      const { seq } = message.event;
      if (seen !== null && seq <= seen) continue;
      if ((seen !== null && seq > seen + 1) || isRelevant(message.event, workspaceSlug, taskId)) reload = true;
      seen = seq;
    }
  }
  return { seen, reload };
}

export const STREAM_URL = "/api/events/stream";

/** The stream's address, resuming after the last seq seen. */
export const streamUrl = (seen: number | null) => (seen === null ? STREAM_URL : `${STREAM_URL}?last_event_id=${seen}`);

/** What a page listens for: every event, and the stream's own messages. */
export const STREAM_MESSAGES = [...EVENT_TYPES, "ready", "resync", "reconnect"];
