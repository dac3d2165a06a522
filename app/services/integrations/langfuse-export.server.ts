import { backoffDelay } from "#app/domain/backoff";
import { type IngestionResult, type LedgerRow, settledRows, toIngestionEvents } from "#app/domain/langfuse";
import type { RuntimeDatabase } from "#app/db/types";
import type { Logger } from "../observability/logger.server";

// Sends the usage ledger to Langfuse in the background: batches of rows not
// yet exported, marked only once Langfuse took them. Requests never wait for
// it; an outage only delays the export (retried with backoff up to 5 min).

const BATCH = 100;
const MAX_BACKOFF_MS = 5 * 60_000;
const REQUEST_TIMEOUT_MS = 15_000;

export interface LangfuseConfig {
  host: string;
  publicKey: string;
  secretKey: string;
  intervalMs: number;
}

export interface LangfuseExporter {
  /** Exports until nothing is pending or a send fails; resolves either way. */
  flush(): Promise<void>;
  stop(): void;
}

export function startLangfuseExport(db: RuntimeDatabase, log: Logger, config: LangfuseConfig): LangfuseExporter {
  const endpoint = `${config.host.replace(/\/+$/, "")}/api/public/ingestion`;
  const auth = `Basic ${Buffer.from(`${config.publicKey}:${config.secretKey}`).toString("base64")}`;
  let failures = 0;
  let running: Promise<void> | null = null;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function sendBatch(): Promise<"more" | "idle"> {
    const rows = await db.rpc<LedgerRow[]>("langfuse_pending_usage", { p_limit: BATCH });
    if (rows.length === 0) return "idle";
    const res = await fetch(endpoint, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: JSON.stringify({ batch: rows.flatMap(toIngestionEvents), metadata: { sdk_name: "mission-control" } }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await res.json().catch(() => ({}))) as IngestionResult;
    if (!res.ok) throw new Error(`Langfuse answered ${res.status}`);
    const accepted = body.successes || body.errors ? settledRows(rows, body) : { done: rows.map((r) => r.id), rejected: [], retry: [] };
    if (accepted.rejected.length > 0) {
      log.warn({ event: "langfuse.rejected", ids: accepted.rejected, errors: body.errors?.slice(0, 5) }, "Langfuse refused some usage records");
    }
    await db.rpc("mark_langfuse_exported", { p_ids: [...accepted.done, ...accepted.rejected] });
    if (accepted.retry.length > 0) throw new Error(`Langfuse could not take ${accepted.retry.length} records yet`);
    return rows.length === BATCH ? "more" : "idle";
  }

  async function drain(): Promise<void> {
    try {
      while (!stopped && (await sendBatch()) === "more") {}
      failures = 0;
    } catch (error) {
      failures += 1;
      log.warn({ event: "langfuse.export_failed", err: error, attempt: failures }, "Langfuse export failed; will retry");
    }
  }

  function flush(): Promise<void> {
    running ??= drain().finally(() => {
      running = null;
    });
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    const delay = failures === 0 ? config.intervalMs : backoffDelay(failures - 1, Math.random, config.intervalMs, MAX_BACKOFF_MS);
    timer = setTimeout(() => void flush().then(schedule), delay);
    timer.unref();
  }

  schedule();
  return {
    flush,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
