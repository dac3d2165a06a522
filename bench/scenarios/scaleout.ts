import { SECRETS } from "#tests/support/secrets";
import { FormClient } from "#tests/support/http-client";
import { type AppServer, startApp } from "../lib/app-server";
import { CFG } from "../lib/config";
import { type Fixture, type Kind, LOG_DIR, prepare } from "../lib/databases";
import { taskFormPost } from "../lib/forms";
import { type Size, load, loadTogether, sized } from "../lib/load";
import { notes, record } from "../lib/results";
import { pgArray, seedBase, seedRunning, seedTasks } from "../lib/seed";
import { sleep } from "../lib/stats";
import { connect, oneChange, streamUrl, writeActivity } from "./fanout";
import { activityOptions, formOptions, report, rowsWritten } from "./write-path";

// Scenario 7 (PostgreSQL only): two app instances on one database, same
// secrets. (a) Writes: the load split over both (two autocannon runs at once,
// c=25 each) against one instance at c=50 in the same run, for the
// create-task form post and agent activities. (b) Fan-out: clients split over
// both, one HTTP write to instance A; p99 to A's clients and to B's (which
// hear of it through PostgreSQL NOTIFY). (c) Heartbeat exclusivity: both
// instances asked to run the heartbeat at the same moment, repeatedly; the
// heartbeat runs table must show no two runs at once.

const S = "7. scale-out (two instances)";

export async function scaleout(kind: Kind): Promise<void> {
  if (kind !== "postgres") return;
  const fx = await prepare(kind, "scaleout", async (db) => {
    const base = await seedBase(db);
    await seedTasks(db, base, 5_000);
    const running = await seedRunning(db, base, CFG.connections);
    const [task] = await seedRunning(db, base, 1);
    return { base, running, task: task! };
  });
  let b: AppServer | null = null;
  try {
    b = await startApp({ dataDir: fx.db.dataDir, databaseUrl: fx.db.databaseUrl, logDir: LOG_DIR });
    const a = fx.app;
    const { base, running, task } = fx.seeded;
    const clientB = new FormClient(b.url);
    for (const [k, v] of fx.client.cookies) clientB.cookies.set(k, v);
    const prefix = "Bench scale-out task";
    const formA = await taskFormPost(fx.client, base.slug, prefix);
    const formB = await taskFormPost(clientB, base.slug, `${prefix} B`);
    const countA = { n: 0, created: 0 };
    const countB = { n: 0, created: 0 };
    let activitiesOk = 0;
    const half = CFG.connections / 2;
    const forms = (app: AppServer, form: typeof formA, counter: typeof countA, connections: number, size: Size) =>
      formOptions(app.url, form, counter, connections, size);
    const acts = (app: AppServer, connections: number, size: Size) => activityOptions(app.url, base.token, running, connections, size);

    // (a) writes. Warm-up on both first; every write is counted. Runs are counted in requests
    // (sized to the rate last seen; each instance's half of it when split), so none is cut off in flight.
    const warm = { amount: half * 20 };
    const formWarm = await loadTogether([forms(a, formA, countA, half, warm), forms(b, formB, countB, half, warm)]);
    const actWarm = await loadTogether([acts(a, half, warm), acts(b, half, warm)]);
    activitiesOk += actWarm.ok;
    let formRps = formWarm.rps;
    let actRps = actWarm.rps;
    for (let r = 0; r < CFG.repeats; r++) {
      const one = await load(forms(a, formA, countA, CFG.connections, sized(formRps, CFG.writeSeconds, CFG.connections)));
      const each = sized(one.rps / 2, CFG.writeSeconds, half);
      const two = await loadTogether([forms(a, formA, countA, half, each), forms(b, formB, countB, half, each)]);
      formRps = one.rps;
      report(kind, `create task (form post): one instance, c=${CFG.connections}`, one, null, { success: "redirects" }, S);
      report(kind, `create task (form post): two instances, c=${half} each`, two, one.rps, { success: "redirects" }, S, "one instance");

      const actOne = await load(acts(a, CFG.connections, sized(actRps, CFG.writeSeconds, CFG.connections)));
      const actEach = sized(actOne.rps / 2, CFG.writeSeconds, half);
      const actTwo = await loadTogether([acts(a, half, actEach), acts(b, half, actEach)]);
      actRps = actOne.rps;
      activitiesOk += actOne.ok + actTwo.ok;
      report(kind, `POST activities: one instance, c=${CFG.connections}`, actOne, null, { success: "ok" }, S);
      report(kind, `POST activities: two instances, c=${half} each`, actTwo, actOne.rps, { success: "ok" }, S, "one instance");
    }
    const created = await fx.count("select count(*)::int as n from tasks where workspace_id = $1 and title like $2", [base.workspaceId, `${prefix} %`]);
    rowsWritten(kind, S, "create task (form post): tasks created / redirects to the new task", created, countA.created + countB.created);
    const activities = await fx.count("select count(*)::int as n from task_activities where task_id = any($1::uuid[]) and actor_type = 'agent'", [
      pgArray(running),
    ]);
    rowsWritten(kind, S, "POST activities: activities inserted / 2xx", activities, activitiesOk);

    // (b) fan-out across instances: one write to A, clients on both.
    const n = CFG.sseClients[0]!;
    const onA = await connect(streamUrl(a.url), n / 2);
    const onB = await connect(streamUrl(b.url), n / 2);
    try {
      await oneChange([onA, onB], () => writeActivity(a.url, task, base.token, -1));
      await sleep(300);
      for (let r = 0; r < CFG.repeats; r++) {
        const { p99, missed } = await oneChange([onA, onB], () => writeActivity(a.url, task, base.token, r));
        const label = `${n.toLocaleString("en")} clients, half on each; one change written to A`;
        record({ scenario: S, db: kind, metric: `${label}: p99 to clients on A`, unit: "ms", value: p99[0]!, target: { op: "<=", value: 40 } });
        record({
          scenario: S,
          db: kind,
          metric: `${label}: p99 to clients on B (through NOTIFY)`,
          unit: "ms",
          value: p99[1]!,
          target: { op: "<=", value: 40 },
        });
        record({ scenario: S, db: kind, metric: `${label}: clients missed`, unit: "count", value: missed[0]! + missed[1]!, target: { op: "<=", value: 0 } });
        await sleep(300);
      }
    } finally {
      for (const c of [...onA, ...onB]) c.close();
    }

    // (c) heartbeat exclusivity.
    await heartbeats(kind, fx, a, b);
  } finally {
    await b?.stop();
    await fx.close();
  }
}

type HeartbeatAnswer = { run_id?: string; skipped?: string };

async function heartbeats(kind: Kind, fx: Pick<Fixture<unknown>, "db">, a: AppServer, b: AppServer): Promise<void> {
  const post = async (app: AppServer): Promise<HeartbeatAnswer> => {
    const res = await fetch(`${app.url}/api/heartbeat`, { method: "POST", headers: { authorization: `Bearer ${SECRETS.MC_API_TOKEN}` } });
    const body = (await res.json()) as HeartbeatAnswer;
    if (res.status !== 200) throw new Error(`heartbeat answered ${res.status}: ${JSON.stringify(body)}`);
    return body;
  };
  // Warm both (and open their connections), then start counting runs.
  await post(a);
  await post(b);
  const since = new Date().toISOString();
  let bothAnswered = 0;
  let skipped = 0;
  for (let i = 0; i < CFG.heartbeatRounds; i++) {
    // Both requests leave together: each is written before either answer is read.
    const [ra, rb] = await Promise.all([post(a), post(b)]);
    if (ra.run_id && rb.run_id) bothAnswered++;
    skipped += (ra.skipped ? 1 : 0) + (rb.skipped ? 1 : 0);
    await sleep(100);
  }
  // The runs table: two runs of different instances whose times overlap by
  // more than 1 ms (finished_at is started_at plus a duration rounded to the ms) ran at once.
  const runs = await fx.db.withDb((db) =>
    db.session((s) =>
      s.query<{ instance: string; started: number; finished: number }>(
        `select instance, extract(epoch from started_at) * 1000 as started, extract(epoch from finished_at) * 1000 as finished
           from heartbeat_runs where started_at >= $1 order by started_at`,
        [since],
      ),
    ),
  );
  let atOnce = 0;
  for (let i = 0; i < runs.length; i++)
    for (let j = i + 1; j < runs.length; j++) {
      const [x, y] = [runs[i]!, runs[j]!];
      if (x.instance !== y.instance && Math.min(Number(x.finished), Number(y.finished)) - Math.max(Number(x.started), Number(y.started)) > 1) atOnce++;
    }
  const instances = new Set(runs.map((r) => r.instance)).size;
  record({
    scenario: S,
    db: kind,
    metric: `heartbeat, ${CFG.heartbeatRounds} rounds posted to both at once: runs recorded`,
    unit: "count",
    value: runs.length,
  });
  record({ scenario: S, db: kind, metric: "heartbeat: instances that ran at least once", unit: "count", value: instances });
  record({ scenario: S, db: kind, metric: "heartbeat: answers skipped (already running elsewhere)", unit: "count", value: skipped });
  record({ scenario: S, db: kind, metric: "heartbeat: rounds where both answered with a run (one after the other)", unit: "count", value: bothAnswered });
  record({
    scenario: S,
    db: kind,
    metric: "heartbeat: runs at once on both instances (runs table)",
    unit: "count",
    value: atOnce,
    target: { op: "<=", value: 0 },
  });
  if (runs.length + skipped !== 2 * CFG.heartbeatRounds)
    notes.push(`${S}: ${runs.length} runs recorded and ${skipped} skipped for ${2 * CFG.heartbeatRounds} requests`);
}
