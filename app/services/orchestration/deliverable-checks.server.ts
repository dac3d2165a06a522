import { realpath } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type PathRoot, scrubDeep } from "#app/domain/path-scrub";
import { checkFile } from "./checks/file-check.server";
import { checkHtml } from "./checks/html-check.server";
import { type CheckPolicy, type CheckResult, type DeliverableInput, fail } from "./checks/types.server";
import { checkUrl } from "./checks/url-check.server";

// Automated checks of a task's deliverables while it is in `testing`. The
// testing stage calls checkDeliverables(); a pass sends the task to review, a
// fail sends it back with the results' messages. This module only judges: it
// never touches the database.
//
// Each deliverable yields one result, plus an "html" result for an HTML file
// that passed its file check. Checks run one after another: a browser render
// is heavy. At most `maxDeliverables` are checked, and none is started after
// the task's deadline; the rest are reported unchecked, so a human reviews
// them (verdict "partial") rather than the agent being sent back for work it
// cannot undo (agents add deliverables, they never remove one).

export type { CheckPolicy, CheckResult, DeliverableInput } from "./checks/types.server";
export { hostAllowed } from "./checks/url-check.server";
export { refusePath } from "./checks/file-check.server";

/** pass → review; fail → back to the agent; none_checkable and partial → review with an alert. */
export type CheckVerdict = "pass" | "fail" | "none_checkable" | "partial";

export interface CheckOutcome {
  verdict: CheckVerdict;
  ok: boolean;
  /** Results that judged something (not "skipped"). */
  checkable: number;
  /** Deliverables left unchecked: over the cap or out of time. */
  unchecked: number;
  /** The signal stopped the checks before they were done: the results are incomplete and judge nothing. */
  stopped: boolean;
  results: CheckResult[];
}

const HTML = /\.html?$/i;

type Target = { kind: "file"; path: string } | { kind: "url"; url: string };

function target(item: DeliverableInput): Target | null {
  if ((item.type === "file" || item.type === "artifact") && item.path) return { kind: "file", path: item.path };
  if (item.type === "url" && item.url) return { kind: "url", url: item.url };
  return null;
}

function skipped(item: DeliverableInput, message: string, details?: Record<string, unknown>): CheckResult {
  return { deliverable_id: item.id, kind: "skipped", ok: true, reason: null, message, ...(details ? { details } : {}) };
}

async function checkOne(item: DeliverableInput, to: Target, policy: CheckPolicy): Promise<CheckResult[]> {
  if (to.kind === "url") return [await checkUrl(item, to.url, policy)];
  const { result, realPath } = await checkFile(item, to.path, policy);
  if (!result.ok || !realPath || !HTML.test(realPath)) return [result];
  return [result, await checkHtml(item, realPath, policy)];
}

/**
 * The roots no result may name, with what stands for each (the task's folder
 * becomes relative), as paths and file:// URLs, as configured and as resolved
 * through links (errors name the real path).
 */
async function pathRoots(policy: CheckPolicy): Promise<PathRoot[]> {
  const named: Array<[string, string]> = [
    [path.resolve(policy.filesDir, policy.taskId), ""],
    [path.resolve(policy.filesDir), "<files>"],
    [path.resolve(policy.dataDir), "<data>"],
    [os.tmpdir(), "<tmp>"],
  ];
  const roots: PathRoot[] = [];
  for (const [p, as] of named) {
    const real = await realpath(p).catch(() => p);
    for (const form of new Set([p, real])) roots.push({ root: pathToFileURL(form).href, as }, { root: form, as });
  }
  return roots;
}

export async function checkDeliverables(items: DeliverableInput[], policy: CheckPolicy): Promise<CheckOutcome> {
  const max = policy.maxDeliverables ?? Number.POSITIVE_INFINITY;
  const results: CheckResult[] = [];
  let started = 0;
  let unchecked = 0;
  let stopped = false;
  for (const item of items) {
    const to = target(item);
    if (!to) {
      results.push(skipped(item, `"${item.title}" has no ${item.type === "url" ? "URL" : "path"} to check.`));
      continue;
    }
    if (started >= max) {
      unchecked++;
      results.push(skipped(item, `"${item.title}" was not checked: at most ${max} deliverables are checked per task.`, { unchecked: "over_cap" }));
      continue;
    }
    if (policy.deadline !== undefined && Date.now() >= policy.deadline) {
      unchecked++;
      results.push(skipped(item, `"${item.title}" was not checked: the time for checking this task ran out.`, { unchecked: "out_of_time" }));
      continue;
    }
    if (policy.signal?.aborted) {
      stopped = true;
      break;
    }
    started++;
    try {
      const checked = await checkOne(item, to, policy);
      results.push(...checked);
      if (checked.some((r) => r.reason === "check_stopped")) {
        stopped = true;
        break;
      }
    } catch (error) {
      // A bug or an unexpected I/O error must fail the check, never pass it
      // or abort the heartbeat. (Node's messages name absolute paths: scrubbed below.)
      const text = error instanceof Error ? error.message : String(error);
      results.push(fail(item.id, to.kind, "check_error", `The check of "${item.title}" failed unexpectedly (${text}).`));
    }
  }
  const scrubbed = scrubDeep(results, await pathRoots(policy));
  const checked = scrubbed.filter((r) => r.kind !== "skipped");
  const ok = checked.every((r) => r.ok);
  const verdict: CheckVerdict = !ok ? "fail" : unchecked > 0 ? "partial" : checked.length === 0 ? "none_checkable" : "pass";
  return { verdict, ok, checkable: checked.length, unchecked, stopped, results: scrubbed };
}
