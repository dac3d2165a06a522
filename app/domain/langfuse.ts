// The usage ledger as Langfuse ingestion events: one trace per task, one
// generation per ledger row. Ids are derived from the row, so a resend after
// a failure updates the same objects instead of counting twice.

export interface LedgerRow {
  id: string;
  task_id: string | null;
  task_title: string | null;
  workspace_slug: string | null;
  agent_id: string | null;
  agent_name: string | null;
  session_key: string | null;
  run_id: string | null;
  source: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number | string | null;
  provenance: string;
  created_at: string;
}

export interface IngestionEvent {
  id: string;
  type: "trace-create" | "generation-create";
  timestamp: string;
  body: Record<string, unknown>;
}

/** The trace a row belongs to: its task, or one trace for usage no task owns. */
export function traceId(row: LedgerRow): string {
  return row.task_id ? `mc-task-${row.task_id}` : "mc-unattributed";
}

export function toIngestionEvents(row: LedgerRow): IngestionEvent[] {
  const trace = traceId(row);
  const input = Number(row.input_tokens);
  const output = Number(row.output_tokens);
  const cacheRead = Number(row.cache_read_tokens);
  const cacheWrite = Number(row.cache_write_tokens);
  const tags = [row.workspace_slug ? `workspace:${row.workspace_slug}` : null, row.agent_name ? `agent:${row.agent_name}` : null].filter(
    (t): t is string => t !== null,
  );
  return [
    {
      id: `${row.id}-trace`,
      type: "trace-create",
      timestamp: row.created_at,
      body: {
        id: trace,
        name: row.task_title ?? "Usage without a task",
        sessionId: row.session_key ?? undefined,
        tags,
        metadata: { task_id: row.task_id, workspace: row.workspace_slug },
      },
    },
    {
      id: `${row.id}-generation`,
      type: "generation-create",
      timestamp: row.created_at,
      body: {
        id: row.id,
        traceId: trace,
        name: row.run_id ? `run ${row.run_id}` : `usage from ${row.source}`,
        startTime: row.created_at,
        endTime: row.created_at,
        model: row.model || undefined,
        usageDetails: { input, output, cache_read: cacheRead, cache_write: cacheWrite, total: input + output + cacheRead + cacheWrite },
        // A cost is sent only when the ledger has one; Langfuse must not invent it either.
        costDetails: row.cost_usd === null ? undefined : { total: Number(row.cost_usd) },
        metadata: {
          source: row.source,
          provenance: row.provenance,
          run_id: row.run_id,
          agent_id: row.agent_id,
          agent: row.agent_name,
        },
      },
    },
  ];
}

export interface IngestionResult {
  successes?: Array<{ id: string; status: number }>;
  errors?: Array<{ id: string; status: number; message?: string }>;
}

/**
 * Which ledger rows are done after a 207: both of a row's events accepted, or
 * refused for good (a 4xx will not change on resend). A 5xx is retried.
 */
export function settledRows(rows: LedgerRow[], result: IngestionResult): { done: string[]; rejected: string[]; retry: string[] } {
  const status = new Map<string, number>();
  for (const s of result.successes ?? []) status.set(s.id, s.status);
  for (const e of result.errors ?? []) status.set(e.id, e.status);
  const done: string[] = [];
  const rejected: string[] = [];
  const retry: string[] = [];
  for (const row of rows) {
    const codes = [status.get(`${row.id}-trace`), status.get(`${row.id}-generation`)];
    if (codes.some((c) => c === undefined || c >= 500)) retry.push(row.id);
    else if (codes.some((c) => c! >= 400)) rejected.push(row.id);
    else done.push(row.id);
  }
  return { done, rejected, retry };
}
