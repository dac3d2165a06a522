import type { Logger } from "../../observability/logger.server";

// Shared shapes of the deliverable checks; re-exported by
// app/services/orchestration/deliverable-checks.server.ts, which is the public entry point.

export interface DeliverableInput {
  id: string;
  type: "file" | "url" | "artifact";
  title: string;
  path: string | null;
  url: string | null;
}

export interface CheckResult {
  deliverable_id: string;
  kind: "file" | "url" | "html" | "skipped";
  ok: boolean;
  /**
   * Machine-readable, null when ok: "file_missing", "file_empty",
   * "file_not_regular", "path_invalid", "path_outside_base",
   * "url_invalid", "url_scheme_not_allowed", "url_host_not_allowed",
   * "url_private_address", "url_dns_failed", "url_status_<code>",
   * "url_timeout", "url_too_many_redirects", "url_redirect_invalid",
   * "url_request_failed", "html_console_errors", "html_load_failed",
   * "html_timeout", "html_folder_too_large", "check_error".
   */
  reason: string | null;
  /** One human sentence, shown to the agent when the task goes back. Never an absolute server path. */
  message: string;
  details?: Record<string, unknown>;
}

export interface CheckPolicy {
  /** Deliverable files live in `<filesDir>/<taskId>/`. */
  filesDir: string;
  taskId: string;
  /** The data directory: like filesDir and the temp dir, never named in a result. */
  dataDir: string;
  /** Exact hosts ("example.com") or wildcards ("*.example.com": subdomains only). Empty: no URL passes. */
  allowedHosts: string[];
  /** null: HTML deliverables are not rendered (their file check still runs). */
  chromiumPath: string | null;
  /** The account a root server runs the browser as (default "nobody"). */
  browserUser?: string;
  screenshotDir: string;
  /** Per check, at most. Defaults: 10 s for a URL (all hops), 30 s for an HTML render (browser start included). */
  timeoutMs?: number;
  /** Epoch ms by which the task's checks end: each check gets what is left, and deliverables not started by then are reported unchecked. */
  deadline?: number;
  /** Deliverables checked per task; the rest are reported unchecked. */
  maxDeliverables?: number;
  /** Stops the checks in flight (shutdown): the outcome says `stopped` and judges nothing. */
  signal?: AbortSignal;
  /** Where the browser's sandbox mode is logged, once. */
  log?: Logger;
  /**
   * TESTS ONLY: lets URL checks reach loopback/private addresses so a test can
   * run a server on 127.0.0.1. Production callers never set it; without it the
   * checker refuses every non-public address (SSRF guard).
   */
  allowPrivateAddresses?: boolean;
  /** TESTS ONLY: replaces DNS resolution (defaults to dns.promises.lookup with all: true). */
  lookup?: (host: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;
}

export function fail(deliverableId: string, kind: CheckResult["kind"], reason: string, message: string, details?: Record<string, unknown>): CheckResult {
  return { deliverable_id: deliverableId, kind, ok: false, reason, message, ...(details ? { details } : {}) };
}

export function pass(deliverableId: string, kind: CheckResult["kind"], message: string, details?: Record<string, unknown>): CheckResult {
  return { deliverable_id: deliverableId, kind, ok: true, reason: null, message, ...(details ? { details } : {}) };
}

/** One check's time limit: its own cap, or what is left before the task's deadline if that is sooner. */
export function checkTimeout(policy: CheckPolicy, defaultMs: number): number {
  const cap = policy.timeoutMs ?? defaultMs;
  return policy.deadline === undefined ? cap : Math.max(0, Math.min(cap, policy.deadline - Date.now()));
}

/** Milliseconds as seconds for a message: "3", "0.4". */
export function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(1)));
}
