import { type RunUsage, messageText, runUsageFromHistory } from "./openclaw";

// Reading a task's session transcript for the task page (decision 036): one
// page of the gateway's `chat.history` turned into entries the page renders
// as plain text. Nothing here is HTML: what an agent wrote reaches the page
// as React text only. Secrets Mission Control put into the session (the
// agent's bearer token in the dispatch message) are blanked before anything
// leaves this module.

/** Messages per transcript page (one `chat.history` call with this `limit`). */
export const TRANSCRIPT_PAGE_SIZE = 40;
/** Characters of a tool result, a message sent to the agent or tool arguments shown before "Show all". */
export const TRANSCRIPT_PREVIEW_CHARS = 400;
/** The most of one entry the page carries at all; beyond it the text is cut with a note. */
export const TRANSCRIPT_ENTRY_MAX_CHARS = 20_000;
/** The deepest page a cursor may ask for: far past any real session, small enough to stay an integer the gateway takes. */
export const TRANSCRIPT_MAX_OFFSET = 1_000_000;

/** A piece of text with its short form: `preview` is all of it unless `long`. */
export interface ClippedText {
  preview: string;
  full: string;
  /** More than the preview: the page shows it behind a <details>. */
  long: boolean;
  /** Cut at TRANSCRIPT_ENTRY_MAX_CHARS. */
  cut: boolean;
}

export interface TranscriptToolCall {
  id: string | null;
  name: string;
  /** The arguments as pretty JSON. */
  args: ClippedText;
}

interface EntryBase {
  /** Stable within the session: the gateway's message id, else its position. */
  key: string;
  /** ISO time, when the gateway gave one. */
  at: string | null;
  runId: string | null;
}

export type TranscriptEntry =
  /** A message sent into the session: the dispatch, a steer, a stall nudge. */
  | (EntryBase & { kind: "prompt"; text: ClippedText })
  | (EntryBase & { kind: "assistant"; text: string | null; toolCalls: TranscriptToolCall[]; error: string | null; model: string | null })
  | (EntryBase & { kind: "tool_result"; toolCallId: string | null; toolName: string; output: ClippedText; isError: boolean })
  /** Anything else the gateway shows (a compaction marker, a system line), as its text. */
  | (EntryBase & { kind: "note"; role: string; text: string });

export interface TranscriptUsage extends RunUsage {
  runId: string;
  /** The run began before this page: the figures cover only its messages shown here. */
  partial: boolean;
}

export interface TranscriptPage {
  /** Oldest first. */
  entries: TranscriptEntry[];
  offset: number;
  /** The cursor of the page before this one (older messages), or null at the start of the session. */
  olderOffset: number | null;
  /** The cursor of the page after this one (newer messages), or null on the newest page. */
  newerOffset: number | null;
  total: number | null;
  /** The session has a run going now. */
  active: boolean;
  /** The usage so far of the run the page is about (the task's current run, else the newest one shown). */
  usage: TranscriptUsage | null;
}

/** What the task page shows of its session: a page of it, or why there is none. */
export type TaskTranscript =
  | { state: "ok"; page: TranscriptPage }
  /** Never dispatched (or planning on a session of its own): nothing to show. */
  | { state: "no_session" }
  /** No gateway is configured for this installation. */
  | { state: "disabled" }
  | { state: "disconnected" }
  /** The gateway answered with a refusal or not in time. */
  | { state: "unavailable"; reason: string };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

/**
 * Blanks the credentials Mission Control hands agents (task tokens `mct_…`,
 * agent tokens `mca_…`) and whatever follows "Bearer", wherever they appear:
 * the dispatch message carries one, and an agent's own commands repeat it.
 */
export function redactSecrets(text: string): string {
  return text.replace(/\b(mc[a-z]_)[A-Za-z0-9_-]{16,}/g, "$1[redacted]").replace(/\b(Bearer\s+)(?!\[redacted\])[^\s"'`\\]+/gi, "$1[redacted]");
}

export function clip(text: string, previewChars = TRANSCRIPT_PREVIEW_CHARS): ClippedText {
  const clean = redactSecrets(text);
  const cut = clean.length > TRANSCRIPT_ENTRY_MAX_CHARS;
  const full = cut ? clean.slice(0, TRANSCRIPT_ENTRY_MAX_CHARS) : clean;
  const long = full.length > previewChars;
  return { preview: long ? `${full.slice(0, previewChars).trimEnd()}…` : full, full, long, cut };
}

function isoTime(value: unknown): string | null {
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** A content array's non-text parts, named (an image is not shown, only said). */
function contentText(content: unknown): string {
  const text = messageText(content);
  if (text !== null) return text;
  if (!Array.isArray(content)) return "";
  return content
    .filter(isObject)
    .map((p) => (p.type === "image" ? "[image]" : ""))
    .join("");
}

function argumentsJson(value: unknown): string {
  if (typeof value === "string") {
    // Some providers hand arguments over as JSON text.
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return value === undefined ? "{}" : (JSON.stringify(value, null, 2) ?? "{}");
}

const FAILED_STOPS = new Set(["error", "aborted"]);

function assistantEntry(row: Json, base: EntryBase): TranscriptEntry {
  const parts = Array.isArray(row.content) ? row.content.filter(isObject) : [];
  const toolCalls: TranscriptToolCall[] = parts
    .filter((p) => p.type === "toolCall" || p.type === "tool_use" || p.type === "toolUse")
    .map((p) => ({ id: str(p.id), name: str(p.name) ?? "tool", args: clip(argumentsJson(p.arguments ?? p.input)) }));
  const text = messageText(row.content);
  const stop = str(row.stopReason);
  const errorMessage = str(row.errorMessage);
  const error = errorMessage ?? (stop && FAILED_STOPS.has(stop) ? (stop === "aborted" ? "The run was stopped." : "The model call failed.") : null);
  const model = str(row.model);
  return {
    ...base,
    kind: "assistant",
    text: text && text.trim() ? clip(text, TRANSCRIPT_ENTRY_MAX_CHARS).full : null,
    toolCalls,
    error: error ? redactSecrets(error) : null,
    model: model && str(row.provider) && !model.includes("/") ? `${row.provider as string}/${model}` : model,
  };
}

function entryOf(row: Json, index: number): TranscriptEntry | null {
  const meta = isObject(row.__openclaw) ? row.__openclaw : {};
  const base: EntryBase = { key: str(meta.id) ?? `at-${index}`, at: isoTime(row.timestamp), runId: str(meta.runId) };
  switch (row.role) {
    case "user":
      return { ...base, kind: "prompt", text: clip(contentText(row.content)) };
    case "assistant":
      return assistantEntry(row, base);
    case "toolResult":
    case "tool":
      return {
        ...base,
        kind: "tool_result",
        toolCallId: str(row.toolCallId),
        toolName: str(row.toolName) ?? "tool",
        output: clip(contentText(row.content)),
        isError: row.isError === true,
      };
    default: {
      const text = contentText(row.content);
      if (!text.trim()) return null;
      return { ...base, kind: "note", role: typeof row.role === "string" ? row.role : "system", text: clip(text, TRANSCRIPT_ENTRY_MAX_CHARS).full };
    }
  }
}

function sessionActive(payload: Json): boolean {
  const info = isObject(payload.sessionInfo) ? payload.sessionInfo : {};
  if (info.hasActiveRun === true) return true;
  return Array.isArray(info.activeRunIds) && info.activeRunIds.length > 0;
}

function nonNegativeInt(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : null;
}

/**
 * One page of `chat.history` (asked for with `offset`, counted back from the
 * newest message) as the task page shows it. `runId` is the task's current
 * run, whose usage so far the page reports; without one (or when this page
 * has none of it) the newest run shown is the one.
 */
export function parseTranscript(payload: unknown, opts: { offset: number; runId: string | null; pageSize?: number }): TranscriptPage {
  const pageSize = opts.pageSize ?? TRANSCRIPT_PAGE_SIZE;
  const body = isObject(payload) ? payload : {};
  const rows = Array.isArray(body.messages) ? body.messages.filter(isObject) : [];
  const entries = rows.map((row, i) => entryOf(row, opts.offset + rows.length - i)).filter((e): e is TranscriptEntry => e !== null);
  const nextOffset = nonNegativeInt(body.nextOffset);
  const olderOffset = body.hasMore === true ? (nextOffset !== null && nextOffset > opts.offset ? nextOffset : opts.offset + Math.max(rows.length, 1)) : null;
  const runIds = entries.map((e) => e.runId).filter((id): id is string => id !== null);
  const runId = opts.runId && runIds.includes(opts.runId) ? opts.runId : (runIds.at(-1) ?? null);
  let usage: TranscriptUsage | null = null;
  if (runId) {
    const figures = runUsageFromHistory(body, runId);
    // The page starts inside the run when its first entry is the run's and there is more before it.
    if (figures) usage = { ...figures, runId, partial: olderOffset !== null && entries[0]?.runId === runId };
  }
  return {
    entries,
    offset: opts.offset,
    olderOffset,
    newerOffset: opts.offset > 0 ? Math.max(0, opts.offset - pageSize) : null,
    total: nonNegativeInt(body.totalMessages),
    active: sessionActive(body),
    usage,
  };
}

/** The page's `?transcript_before=` cursor: absent or empty is the newest page; anything but a whole number in range is refused. */
export function parseTranscriptCursor(value: string | null): { ok: true; offset: number } | { ok: false; message: string } {
  if (value === null || value === "") return { ok: true, offset: 0 };
  if (!/^\d{1,7}$/.test(value) || Number(value) > TRANSCRIPT_MAX_OFFSET) {
    return { ok: false, message: `transcript_before must be a whole number from 0 to ${TRANSCRIPT_MAX_OFFSET.toLocaleString("en-US")}.` };
  }
  return { ok: true, offset: Number(value) };
}
