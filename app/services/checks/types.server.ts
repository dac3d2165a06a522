// Shared shapes of the deliverable checks; re-exported by
// app/services/deliverable-checks.server.ts, which is the public entry point.

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
   * "html_timeout".
   */
  reason: string | null;
  /** One human sentence, shown to the agent when the task goes back. */
  message: string;
  details?: Record<string, unknown>;
}

export interface CheckPolicy {
  /** Deliverable files live in `<filesDir>/<taskId>/`. */
  filesDir: string;
  taskId: string;
  /** Exact hosts ("example.com") or wildcards ("*.example.com": subdomains only). Empty: no URL passes. */
  allowedHosts: string[];
  /** null: HTML deliverables are not rendered (their file check still runs). */
  chromiumPath: string | null;
  screenshotDir: string;
  /** Per check. Defaults: 10 s for a URL (all hops), 30 s for an HTML render (browser start included). */
  timeoutMs?: number;
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
