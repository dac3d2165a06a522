import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { claimTestingTasks as claimTasksInTesting, finishTesting, releaseTestingClaim, type TestingTask } from "#app/db/completion.server";
import type { HeartbeatAction } from "#app/db/heartbeat.server";
import { browserLaunch } from "./checks/browser.server";
import { checkDeliverables } from "./deliverable-checks.server";
import type { Database } from "#app/db/types";
import type { Env } from "#app/env.server";
import type { Logger } from "../observability/logger.server";

// The heartbeat's testing stage, in two halves. Under the heartbeat's lock,
// claimTestingTasks() claims the tasks this run will check (one SQL call, a
// claim per task with a lease, so two runs never check one task). After the
// lock is released, checkClaimedTasks() checks them one by one: rendering an
// untrusted page takes as long as its budget allows, and nothing else the
// heartbeat does (dispatch, lease recovery, veto windows, approval expiry)
// waits for it, since the next run goes ahead meanwhile.
//
// Budgets: each task gets TESTING_TASK_BUDGET_S for all its checks (a check
// cut by it fails: "rendering timed out after N s", back to the agent). The
// stage starts a task only while a whole task budget is left of
// TESTING_RUN_BUDGET_S, so it ends within it and a task is never cut short by
// the run's clock; the tasks it does not start are handed back unchecked for
// the next run. Shutdown stops the check in flight (its browser killed) and
// hands that task back too. A process checks one batch at a time: while one
// is in flight, its other runs claim none, so at most one browser per process
// runs.

export interface TestingClaim {
  holder: string;
  tasks: TestingTask[];
}

/** What the stage reads: its budgets and where deliverables and checks live. */
export type TestingSettings = Pick<
  Env,
  | "TESTING_RUN_BUDGET_S"
  | "TESTING_TASK_BUDGET_S"
  | "TESTING_MAX_DELIVERABLES"
  | "TESTING_URL_ALLOWLIST"
  | "CHROMIUM_PATH"
  | "CHROMIUM_USER"
  | "filesDir"
  | "dataDir"
>;

export interface TestingDeps {
  db: Database;
  log: Logger;
  settings: TestingSettings;
  /** True once the process is shutting down: the check in flight stops and its tasks go back. */
  draining: () => boolean;
}

/** A claim outlives the run holding it by this much, so only a dead holder's claim lapses. */
const CLAIM_MARGIN_S = 60;

/** Batches being checked in this process, each stoppable at shutdown. */
const inFlight = new Set<AbortController>();

/**
 * Under the lock: claims up to `limit` tasks in testing, or none while this
 * process already has a batch in flight. The caller hands the claim to
 * checkClaimedTasks() as soon as it leaves the lock, in the same synchronous
 * step, so no other run in this process can claim in between.
 */
export async function claimTestingTasks({ db, settings }: Pick<TestingDeps, "db" | "settings">, instance: string, limit: number): Promise<TestingClaim | null> {
  if (limit <= 0 || inFlight.size > 0) return null;
  const holder = `${instance}:${randomUUID()}`;
  const tasks = await claimTasksInTesting(db, holder, limit, settings.TESTING_RUN_BUDGET_S + CLAIM_MARGIN_S);
  return tasks.length === 0 ? null : { holder, tasks };
}

/** Stops every batch in flight (shutdown): browsers are killed, claims handed back. */
export function stopTestingChecks(): void {
  for (const controller of inFlight) controller.abort();
}

/** Outside the lock: checks the claimed tasks within the run's budget and applies each verdict. */
export async function checkClaimedTasks({ db, log, settings, draining }: TestingDeps, claim: TestingClaim): Promise<HeartbeatAction[]> {
  const controller = new AbortController();
  inFlight.add(controller);
  // Shutdown only raises the draining flag; a render in flight must not hold the drain (or outlive a forced exit).
  const drain = setInterval(() => {
    if (draining()) controller.abort();
  }, 250);
  const actions: HeartbeatAction[] = [];
  const settled = new Set<string>();
  const handBack = async (taskId: string, reason: "run_budget_spent" | "shutting_down") => {
    settled.add(taskId);
    await releaseTestingClaim(db, taskId, claim.holder);
    actions.push({ task_id: taskId, action: "checks_deferred", reason, ok: true });
  };
  try {
    const chromium = settings.CHROMIUM_PATH ?? (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : null);
    // Decided once per process (it starts the browser), before the stage's clock runs.
    if (chromium) await browserLaunch(chromium, settings.CHROMIUM_USER, log);
    const taskMs = settings.TESTING_TASK_BUDGET_S * 1000;
    const runEnds = Date.now() + settings.TESTING_RUN_BUDGET_S * 1000;
    for (const task of claim.tasks) {
      if (controller.signal.aborted) {
        await handBack(task.id, "shutting_down");
        continue;
      }
      // The first task always fits (a task's budget never exceeds the run's).
      if (settled.size > 0 && Date.now() + taskMs > runEnds) {
        await handBack(task.id, "run_budget_spent");
        continue;
      }
      const outcome = await checkDeliverables(task.deliverables, {
        filesDir: settings.filesDir,
        dataDir: settings.dataDir,
        taskId: task.id,
        // The instance's hosts and the task's workspace's.
        allowedHosts: [...settings.TESTING_URL_ALLOWLIST, ...(task.url_allowlist ?? [])],
        chromiumPath: chromium,
        browserUser: settings.CHROMIUM_USER,
        // Outside the files folder: an agent must not be able to offer a check's own screenshot as a deliverable.
        screenshotDir: path.join(settings.dataDir, "checks", task.id),
        deadline: Date.now() + taskMs,
        maxDeliverables: settings.TESTING_MAX_DELIVERABLES,
        signal: controller.signal,
        log: log,
      });
      // Stopped mid-way: the results are incomplete and not the task's doing.
      if (outcome.stopped) {
        await handBack(task.id, "shutting_down");
        continue;
      }
      const { verdict, results } = outcome;
      const { changed } = await finishTesting(db, task.id, { verdict, results, holder: claim.holder });
      settled.add(task.id);
      actions.push(
        changed
          ? { task_id: task.id, action: `checks_${verdict}`, reason: verdict === "fail" ? failedReasons(results) : null, ok: verdict !== "fail" }
          : // The task left testing meanwhile (an operator moved it), or the claim lapsed to another run.
            { task_id: task.id, action: "checks_superseded", reason: "task_moved_on", ok: true },
      );
    }
    return actions;
  } finally {
    clearInterval(drain);
    inFlight.delete(controller);
    // After an error: what was not settled goes back now rather than when its claim lapses.
    for (const task of claim.tasks) {
      if (settled.has(task.id)) continue;
      await releaseTestingClaim(db, task.id, claim.holder).catch((error: unknown) => {
        log.warn({ event: "heartbeat.claim_release_failed", task_id: task.id, err: error }, "could not hand back a testing claim; it lapses on its own");
      });
    }
  }
}

function failedReasons(results: Array<{ ok: boolean; reason: string | null }>): string {
  return [...new Set(results.filter((r) => !r.ok).map((r) => r.reason ?? "failed"))].join(",");
}
