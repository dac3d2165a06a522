import path from "node:path";
import type { Options } from "autocannon";
import { SECRETS } from "#tests/support/secrets";
import { signWebhook } from "#tests/support/http-client";
import { CFG } from "../lib/config";
import { type Kind, prepare } from "../lib/databases";
import { type TaskFormPost, formRequest, taskFormPost } from "../lib/forms";
import { type LoadResult, type Size, load, sized, startBare } from "../lib/load";
import { type Op, notes, record } from "../lib/results";
import { type Base, pgArray, seedBase, seedRunning, seedTasks } from "../lib/seed";

// Scenario 1: the writes users make, each one a real write, against the bare
// limit (node:http + 1 INSERT) measured in the same run at the same
// connection count, bare and app interleaved per repeat so both see the same
// machine load:
// - an operator creating a task through the new-task form (c=50);
// - agent activities (c=50);
// - signed completion webhooks, each the first completion of a running task (c=10).
// After the run the rows are counted in the database: every success must
// have written its row, and nothing else may have been written.

const S = "1. write path";

export const ACTIVITY = JSON.stringify({ type: "progress", message: "Step 3 of 5: running the test suite", metadata: { step: 3, of: 5 } });

type Seeded = { base: Base; running: string[]; completing: string[] };

export async function writePath(kind: Kind): Promise<void> {
  const fx = await prepare(kind, "write", async (db): Promise<Seeded> => {
    const base = await seedBase(db);
    await seedTasks(db, base, 5_000);
    const running = await seedRunning(db, base, CFG.connections);
    const completing = await seedRunning(db, base, CFG.webhookPool);
    return { base, running, completing };
  });
  const bare = await startBare(kind, fx.db.databaseUrl, path.join(fx.db.dataDir, "bare"));
  const { running, completing, base } = fx.seeded;
  const form = await taskFormPost(fx.client, base.slug, "Bench form task");
  const formCount = { n: 0, created: 0 };
  const hookCount = { next: 0, changed: 0 };
  let activitiesOk = 0;
  let hooksOk = 0;
  const perRepeat = Math.floor((completing.length - CFG.webhookWarm) / CFG.repeats) - 2 * CFG.webhookConnections;
  const bareLoad = (connections: number, duration = CFG.writeSeconds) =>
    load({ url: bare.url, connections, duration, method: "POST", body: ACTIVITY, headers: { "content-type": "application/json" } });
  const hooks = (amount: number) => load(webhookOptions(fx.app.url, completing, hookCount, amount));
  try {
    // Warm up everything (JIT, pools, prepared statements); the warm-up's writes are counted too.
    // The app's write runs are counted in requests (sized to the rate seen last), so none is cut off in flight.
    const warm = { amount: CFG.connections * 20 };
    await bareLoad(CFG.connections, 2);
    await bareLoad(CFG.webhookConnections, 2);
    const actWarm = await load(activityOptions(fx.app.url, base.token, running, CFG.connections, warm));
    activitiesOk += actWarm.ok;
    const formWarm = await load(formOptions(fx.app.url, form, formCount, CFG.connections, warm));
    let actRps = actWarm.rps;
    let formRps = formWarm.rps;
    hooksOk += (await hooks(CFG.webhookWarm - 2 * CFG.webhookConnections)).ok;
    for (let i = 0; i < CFG.repeats; i++) {
      const b50 = await bareLoad(CFG.connections);
      record({ scenario: S, db: kind, metric: `bare limit, c=${CFG.connections} (node:http + 1 INSERT)`, unit: "req/s", value: b50.rps });
      record({ scenario: S, db: kind, metric: `bare limit, c=${CFG.connections}: p99`, unit: "ms", value: b50.p99 });

      const created = await load(formOptions(fx.app.url, form, formCount, CFG.connections, sized(formRps, CFG.writeSeconds, CFG.connections)));
      formRps = created.rps;
      report(kind, `create task (form post), c=${CFG.connections}`, created, b50.rps, {
        share: kind === "postgres" ? 30 : undefined,
        rps: kind === "pglite" ? 700 : undefined,
        p99: kind === "postgres" ? 60 : undefined,
        success: "redirects",
      });

      const act = await load(activityOptions(fx.app.url, base.token, running, CFG.connections, sized(actRps, CFG.writeSeconds, CFG.connections)));
      actRps = act.rps;
      activitiesOk += act.ok;
      report(kind, `POST activities, c=${CFG.connections}`, act, b50.rps, { share: kind === "postgres" ? 30 : undefined, success: "ok" });

      const b10 = await bareLoad(CFG.webhookConnections);
      record({ scenario: S, db: kind, metric: `bare limit, c=${CFG.webhookConnections} (node:http + 1 INSERT)`, unit: "req/s", value: b10.rps });
      record({ scenario: S, db: kind, metric: `bare limit, c=${CFG.webhookConnections}: p99`, unit: "ms", value: b10.p99 });

      const hook = await hooks(perRepeat);
      hooksOk += hook.ok;
      report(kind, `POST webhook (signed, first completions), c=${CFG.webhookConnections}`, hook, b10.rps, {
        p99: kind === "postgres" ? 25 : undefined,
        success: "ok",
      });
    }
    if (hookCount.next > completing.length) throw new Error(`the webhook pool (${completing.length}) ran out at ${hookCount.next}`);
    record({ scenario: S, db: kind, metric: "webhook pool: running tasks seeded", unit: "count", value: completing.length });

    // What landed in the database. (On PGlite the app is stopped for the count.)
    const tasksCreated = await fx.count("select count(*)::int as n from tasks where workspace_id = $1 and title like $2", [
      base.workspaceId,
      `${form.prefix} %`,
    ]);
    const activities = await fx.count("select count(*)::int as n from task_activities where task_id = any($1::uuid[]) and actor_type = 'agent'", [
      pgArray(running),
    ]);
    const completed = await fx.count("select count(*)::int as n from tasks where id = any($1::uuid[]) and status <> 'in_progress'", [pgArray(completing)]);
    rowsWritten(kind, S, "create task (form post): tasks created / redirects to the new task", tasksCreated, formCount.created);
    rowsWritten(kind, S, "POST activities: activities inserted / 2xx", activities, activitiesOk);
    rowsWritten(kind, S, "POST webhook: tasks completed / 2xx", completed, hooksOk);
    rowsWritten(kind, S, "POST webhook: responses saying changed / 2xx", hookCount.changed, hooksOk);
  } finally {
    await bare.stop();
    await fx.close();
  }
}

export function activityOptions(url: string, token: string, tasks: string[], connections: number, size: Size): Options {
  let n = 0;
  return {
    url,
    connections,
    ...size,
    requests: [{ method: "POST", setupRequest: (r) => ({ ...r, path: `/api/agent/tasks/${tasks[n++ % tasks.length]}/activities` }) }],
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: ACTIVITY,
  };
}

/** Create-task form posts, a new title each. */
export function formOptions(url: string, form: TaskFormPost, counter: { n: number; created: number }, connections: number, size: Size): Options {
  return { url, connections, ...size, requests: [formRequest(form, counter)] };
}

/** `amount` signed completions, each for the next running task of the pool (so none is completed twice). */
function webhookOptions(url: string, pool: string[], counter: { next: number; changed: number }, amount: number): Options {
  return {
    url,
    connections: CFG.webhookConnections,
    amount,
    requests: [
      {
        method: "POST",
        path: "/api/webhooks/agent-completion",
        setupRequest: (r) => {
          const taskId = pool[counter.next++];
          if (!taskId) throw new Error("webhook pool exhausted");
          const body = JSON.stringify({ task_id: taskId, summary: `Done: the report is attached (${counter.next}).` });
          return { ...r, body, headers: { ...signWebhook(body, { secret: SECRETS.WEBHOOK_SECRET }) } };
        },
        onResponse: (status, body) => {
          if (status === 202 && body.includes('"changed":true')) counter.changed++;
        },
      },
    ],
  };
}

export function report(
  kind: Kind,
  name: string,
  r: LoadResult,
  bareRps: number | null,
  targets: { share?: number; rps?: number; p99?: number; success: "ok" | "redirects" },
  scenario = S,
  reference = "bare limit",
): void {
  const t = (op: Op, value: number | undefined) => (value === undefined ? undefined : { op, value });
  record({ scenario, db: kind, metric: `${name}: throughput`, unit: "req/s", value: r.rps, target: t(">=", targets.rps) });
  if (bareRps !== null)
    record({ scenario, db: kind, metric: `${name}: share of ${reference}`, unit: "%", value: (100 * r.rps) / bareRps, target: t(">=", targets.share) });
  record({ scenario, db: kind, metric: `${name}: p50`, unit: "ms", value: r.p50 });
  record({ scenario, db: kind, metric: `${name}: p99`, unit: "ms", value: r.p99, target: t("<=", targets.p99) });
  // A success is a 2xx for the API, a redirect for a form post; anything else is a failure.
  const failures = r.errors + r.failed + (targets.success === "ok" ? r.redirects : r.ok);
  record({ scenario, db: kind, metric: `${name}: failed requests (other status, errors)`, unit: "count", value: failures, target: { op: "<=", value: 0 } });
  if (failures > 0) notes.push(`${scenario} on ${kind}: ${name} had ${failures} failed requests: ${JSON.stringify(r.codes)}, ${r.errors} errors`);
}

/** Rows found in the database against the successes the client saw: 100% or a ❌ with a note. */
export function rowsWritten(kind: Kind, scenario: string, metric: string, rows: number, successes: number): void {
  const share = successes > 0 ? (100 * rows) / successes : 0;
  record({ scenario, db: kind, metric: `${metric}: rows`, unit: "count", value: rows });
  record({ scenario, db: kind, metric: `${metric}: successful responses`, unit: "count", value: successes });
  record({ scenario, db: kind, metric, unit: "%", value: share, target: { op: "=", value: 100 } });
  if (rows !== successes || successes === 0) notes.push(`${scenario} on ${kind}: ${metric}: ${rows} rows for ${successes} successful responses`);
}
