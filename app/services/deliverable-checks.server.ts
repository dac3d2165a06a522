import { checkFile } from "./checks/file-check.server";
import { checkHtml } from "./checks/html-check.server";
import { type CheckPolicy, type CheckResult, type DeliverableInput, fail } from "./checks/types.server";
import { checkUrl } from "./checks/url-check.server";

// Automated checks of a task's deliverables while it is in `testing`. The
// heartbeat calls checkDeliverables(); a pass sends the task to review, a fail
// sends it back with the results' messages. This module only judges: it never
// touches the database.
//
// Each deliverable yields one result, plus an "html" result for an HTML file
// that passed its file check. Checks run one after another: a browser render
// is heavy, and a task has few deliverables.

export type { CheckPolicy, CheckResult, DeliverableInput } from "./checks/types.server";
export { hostAllowed } from "./checks/url-check.server";
export { refusePath } from "./checks/file-check.server";

const HTML = /\.html?$/i;

function skipped(item: DeliverableInput, message: string): CheckResult {
  return { deliverable_id: item.id, kind: "skipped", ok: true, reason: null, message };
}

async function checkOne(item: DeliverableInput, policy: CheckPolicy): Promise<CheckResult[]> {
  const filePath = item.type === "file" || item.type === "artifact" ? item.path : null;
  if (filePath !== null && filePath !== undefined) {
    const { result, realPath } = await checkFile(item, filePath, policy);
    if (!result.ok || !realPath || !HTML.test(realPath)) return [result];
    return [result, await checkHtml(item, realPath, policy)];
  }
  if (item.type === "url" && item.url) return [await checkUrl(item, item.url, policy)];
  if (item.type === "url") return [skipped(item, `"${item.title}" has no URL to check.`)];
  return [skipped(item, `"${item.title}" has no path to check.`)];
}

export async function checkDeliverables(items: DeliverableInput[], policy: CheckPolicy): Promise<{ ok: boolean; checkable: number; results: CheckResult[] }> {
  const results: CheckResult[] = [];
  for (const item of items) {
    try {
      results.push(...(await checkOne(item, policy)));
    } catch (error) {
      // A bug or an unexpected I/O error must fail the check, never pass it
      // or abort the heartbeat.
      const text = error instanceof Error ? error.message : String(error);
      results.push(fail(item.id, item.type === "url" ? "url" : "file", "check_error", `The check of "${item.title}" failed unexpectedly (${text}).`));
    }
  }
  const checked = results.filter((r) => r.kind !== "skipped");
  return { ok: checked.every((r) => r.ok), checkable: checked.length, results };
}
