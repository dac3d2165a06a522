import { z } from "zod";
import { COLUMN_LIMITS, EXEC_ALLOWLIST_LIMITS } from "./field-limits";

// Exec approvals (decision 043), the pure part: reading OpenClaw's
// `exec.approval.requested` payload, the deadline by which Mission Control
// answers (always before the gateway stops waiting), the message that tells an
// agent why a command was denied, and the task type's allowlist as typed.

const limits = COLUMN_LIMITS.exec_requests;

const optionalText = (max: number) =>
  z
    .string()
    .max(max)
    .nullish()
    .transform((v) => (v ? v : null));

/** The part of the gateway's request Mission Control decides on (protocol: ExecApprovalRequestParams inside the event). */
const requestSchema = z.object({
  id: z.string().min(1).max(limits.gateway_request_id),
  request: z.object({
    command: z.string().min(1).max(limits.command),
    commandArgv: z.array(z.string().max(limits.command)).max(1000).nullish(),
    cwd: optionalText(limits.cwd),
    host: optionalText(limits.host),
    agentId: optionalText(limits.gateway_agent_id),
    sessionKey: optionalText(limits.session_key),
    runId: optionalText(limits.run_id),
    toolCallId: optionalText(limits.tool_call_id),
  }),
  createdAtMs: z.number().int().nonnegative().optional(),
  expiresAtMs: z.number().int().positive(),
});

export interface ExecApprovalRequest {
  gatewayRequestId: string;
  command: string;
  argv: string[] | null;
  cwd: string | null;
  host: string | null;
  gatewayAgentId: string | null;
  sessionKey: string | null;
  runId: string | null;
  toolCallId: string | null;
  createdAtMs: number | null;
  expiresAtMs: number;
}

/**
 * Reads an `exec.approval.requested` event (or an `exec.approval.list` row).
 * `ok: false` with the gateway's id when the id is readable but the rest is
 * not, so the caller can still deny it; null when not even the id is.
 */
export function parseExecApprovalRequest(payload: unknown): { ok: true; request: ExecApprovalRequest } | { ok: false; id: string | null; error: string } {
  const parsed = requestSchema.safeParse(payload);
  if (!parsed.success) {
    const id = (payload as { id?: unknown } | null)?.id;
    return {
      ok: false,
      id: typeof id === "string" && id.length > 0 && id.length <= limits.gateway_request_id ? id : null,
      error: parsed.error.issues[0]?.message ?? "invalid request",
    };
  }
  const { id, request: r, createdAtMs, expiresAtMs } = parsed.data;
  return {
    ok: true,
    request: {
      gatewayRequestId: id,
      command: r.command,
      argv: r.commandArgv ?? null,
      cwd: r.cwd,
      host: r.host,
      gatewayAgentId: r.agentId,
      sessionKey: r.sessionKey,
      runId: r.runId,
      toolCallId: r.toolCallId,
      createdAtMs: createdAtMs ?? null,
      expiresAtMs,
    },
  };
}

/** Mission Control answers this long before the gateway's own expiry at most (a minute), and at least 10% of the window before. */
export const EXEC_DECISION_MARGIN_MS = 60_000;

/**
 * When Mission Control must have decided: a margin before the gateway's
 * expiry (10% of the request's window, at most a minute), never before now.
 * A veto window or an approval of the request ends by then; past it, the
 * request is denied by Mission Control rather than left to the gateway's fallback.
 */
export function execDecisionDeadline(request: Pick<ExecApprovalRequest, "createdAtMs" | "expiresAtMs">, nowMs: number): number {
  const start = Math.min(request.createdAtMs ?? nowMs, nowMs);
  const window = Math.max(request.expiresAtMs - start, 0);
  const margin = Math.min(EXEC_DECISION_MARGIN_MS, Math.ceil(window / 10));
  return Math.max(request.expiresAtMs - margin, nowMs);
}

/** What the agent is told, in its session, when Mission Control denies a command. */
export function execDenialMessage(command: string, reason: string): string {
  const shown = command.length > 300 ? `${command.slice(0, 300)}…` : command;
  return [
    `Mission Control denied the command \`${shown}\`.`,
    `Reason: ${reason}.`,
    "Do not retry it unchanged or work around the denial; choose a safer approach, or request an approval through the Mission Control API and wait for it.",
  ].join("\n");
}

/** A task type's allowlist as an admin types it: one pattern per line, `*` for any text, blank lines ignored. */
export const execAllowlistField = z
  .string()
  .max(EXEC_ALLOWLIST_LIMITS.perType * (EXEC_ALLOWLIST_LIMITS.length + 2))
  .transform((text) =>
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0),
  )
  .pipe(
    z
      .array(z.string().max(EXEC_ALLOWLIST_LIMITS.length, `Each pattern: at most ${EXEC_ALLOWLIST_LIMITS.length} characters`))
      .max(EXEC_ALLOWLIST_LIMITS.perType, `At most ${EXEC_ALLOWLIST_LIMITS.perType} patterns`)
      .refine((patterns) => patterns.every((p) => p.replaceAll("*", "").trim().length > 0), "A pattern needs more than `*`: it would allow every command"),
  );
