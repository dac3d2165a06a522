import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createCookie } from "react-router";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openPglite } from "#app/db/pglite.server";
import type { SqlDatabase } from "#app/db/types";
import { hashPassword, randomToken, sha256Hex } from "#app/services/auth/crypto.server";
import { SECRETS } from "#tests/support/secrets";
import { saveGithubIntegration } from "#app/db/github.server";
import {
  type Identity,
  type Probe,
  GITHUB_PROBE,
  ROLES,
  type Role,
  type Seeded,
  cookieProbes,
  fileProbes,
  formProbes,
  headerProbes,
  machineProbes,
  pageProbes,
  probeKey,
  problemsWith,
  runProbes,
} from "#tests/support/bad-input";
import { EXCLUDED_COLUMNS, EXCLUDED_TABLES, type TableFingerprint, snapshotTables } from "#tests/support/db-snapshot";
import { TRANSPORTS, createTestPostgres, type TestPostgres } from "#tests/support/databases";
import { createAgentWithToken, createRunningTask, createWorkspace, SYSTEM } from "#tests/support/fixtures";
import { FormClient } from "#tests/support/http-client";
import { REPO_ROOT, type RunningServer, startServer } from "#tests/support/server";
import { agentRequestAction } from "#app/db/agent-api.server";
import { createSession } from "#app/db/auth.server";
import { listTaskTypes } from "#app/db/governance.server";
import { addStage, createPipeline } from "#app/db/pipelines.server";
import { createApiKey } from "#app/db/api-keys.server";
import { newApiKey } from "#app/services/auth/api-keys.server";

// Well over a thousand malformed requests against the built server, for every
// route (pages, their single-fetch data URLs, form actions, the agent API,
// the webhook, health, metrics, heartbeat, the event stream, stored files)
// and every identity (signed out, each role with its session and CSRF token,
// agent tokens, bad tokens and cookies). Every answer is a 4xx (or a
// sign-in redirect, or a read), none carries a stack trace or a server path,
// and the database is exactly as it was: every table's rows and content,
// except what changes by design (EXCLUDED_TABLES/COLUMNS/ROWS, each with why).

const PASSWORD = "a long enough password";
const ttlSeconds = 24 * 7 * 3600;

interface Seed {
  seeded: Seeded;
  sessions: Record<Role, string>;
  agentToken: string;
  otherAgentToken: string;
  operatorKey: string;
  readKey: string;
}

async function seed(db: SqlDatabase): Promise<Seed> {
  const passwordHash = await hashPassword(PASSWORD);
  const sessions = {} as Record<Role, string>;
  const userIds = {} as Record<Role, string>;
  for (const role of ROLES) {
    const [user] = await db.session((s) =>
      s.query<{ id: string }>("insert into users (email, name, role, password_hash) values ($1, $2, $3, $4) returning id", [
        `${role}@example.test`,
        `The ${role}`,
        role,
        passwordHash,
      ]),
    );
    userIds[role] = user!.id;
    sessions[role] = randomToken();
    await createSession(db, { tokenHash: sha256Hex(sessions[role]), userId: user!.id, ttlSeconds, userAgent: "bad-input", clientIp: "127.0.0.1" });
  }
  const ws = await createWorkspace(db);
  const agent = await createAgentWithToken(db, ws.id, { name: "Prober" });
  const other = await createAgentWithToken(db, ws.id, { name: "Bystander" });
  const task = await createRunningTask(db, ws.id, agent.id, { title: "Probe target" });
  const otherTask = await createRunningTask(db, ws.id, other.id, { title: "Someone else's" });
  const pipeline = await createPipeline(db, ws.id, { name: "Probe line", description: "" }, SYSTEM);
  const stage = await addStage(db, pipeline.id, { name: "One", agent_id: agent.id, autonomy_level: "hitl" }, SYSTEM);
  const approval = await agentRequestAction(db, agent.id, {
    taskId: task.id,
    action: "deploy",
    args: {},
    target: "web-1",
    reason: "probe",
    digest: "a".repeat(64),
    ttlSeconds: 3600,
  });
  const [taskType] = await listTaskTypes(db);
  await saveGithubIntegration(db, ws.id, userIds.admin, {
    repository: GITHUB_PROBE.repository,
    label_types: {},
    webhook_secret: GITHUB_PROBE.secret,
    token: "github_pat_probe_token",
    clear_token: false,
  });
  const keys = { operator: newApiKey(), read: newApiKey() };
  await createApiKey(db, userIds.admin!, {
    name: "Prober",
    scopes: ["read", "write", "approve"],
    expiresAt: null,
    hash: keys.operator.hash,
    hint: keys.operator.hint,
  });
  await createApiKey(db, userIds.viewer!, { name: "Reader", scopes: ["read"], expiresAt: null, hash: keys.read.hash, hint: keys.read.hint });
  return {
    seeded: {
      slug: ws.slug,
      workspaceId: ws.id,
      taskId: task.id,
      otherTaskId: otherTask.id,
      agentId: agent.id,
      pipelineId: pipeline.id,
      stageId: stage.id,
      approvalId: approval.id,
      taskTypeId: taskType!.id,
      userId: userIds.viewer,
    },
    sessions,
    agentToken: agent.token,
    otherAgentToken: other.token,
    operatorKey: keys.operator.token,
    readKey: keys.read.token,
  };
}

/** Signed-out and per-role identities, each with the CSRF cookie and token a page hands out. */
async function identitiesFor(base: string, sessions: Record<Role, string>): Promise<Identity[]> {
  const cookie = createCookie("mc_session", { secrets: [SECRETS.SESSION_SECRET], path: "/", httpOnly: true, sameSite: "lax" });
  const out: Identity[] = [];
  for (const name of ["anonymous", ...ROLES] as const) {
    const client = new FormClient(base);
    if (name !== "anonymous") client.cookies.set("mc_session", (await cookie.serialize(sessions[name])).split(";")[0]!.slice("mc_session=".length));
    const page = await client.get(name === "anonymous" ? "/login" : "/");
    expect(page.status, `${name} reads a page`).toBe(200);
    out.push({ name, cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; "), csrf: client.csrf() });
  }
  return out;
}

describe.each(TRANSPORTS)("bad input on %s", (kind) => {
  let pg: TestPostgres | undefined;
  let dataDir: string;
  let server: RunningServer;
  let seed_: Seed;
  let identities: Identity[];
  let before: Record<string, TableFingerprint>;

  /** The test's own connection: PostgreSQL's pool, or the embedded database's directory (from the migrated dump the first time). */
  const openDb = async (fresh = false): Promise<SqlDatabase> =>
    pg ? pg.db : openPglite({ dataDir, loadDataDir: fresh ? new Blob([new Uint8Array(readFileSync(inject("pgliteDump")))]) : undefined });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "mc-bad-input-"));
    if (kind === "postgres") pg = await createTestPostgres();
    const db = await openDb(true);
    seed_ = await seed(db);
    before = await snapshotTables(db);
    // The embedded database belongs to one process at a time: the server's, from here on.
    if (!pg) await db.close();
    server = await startServer({
      dataDir,
      timeoutMs: 60_000,
      env: {
        ...SECRETS,
        ...(pg ? { DATABASE_URL: pg.url } : {}),
        // Budgets far above what the run spends, so a 429 never hides the real answer.
        RATE_LIMIT_WRITES_PER_MIN: "1000000",
        RATE_LIMIT_AUTH_FAILURES_PER_MIN: "100000",
        RATE_LIMIT_HEARTBEATS_PER_MIN: "100000",
        LOGIN_MAX_FAILURES: "1000",
      },
    });
    identities = await identitiesFor(server.url, seed_.sessions);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers over a thousand distinct malformed requests with a clean 4xx: no 5xx, no stack trace, no server path", { timeout: 300_000 }, async () => {
    const { seeded } = seed_;
    const probes: Probe[] = [
      ...pageProbes(seeded, identities),
      ...formProbes(seeded, identities),
      ...fileProbes(seeded, identities),
      ...cookieProbes(seeded, identities),
      ...headerProbes(seeded, identities),
      ...machineProbes(seeded, identities, {
        agent: seed_.agentToken,
        otherAgent: seed_.otherAgentToken,
        api: SECRETS.MC_API_TOKEN,
        operatorKey: seed_.operatorKey,
        readKey: seed_.readKey,
      }),
    ];
    const distinct = new Set(probes.map(probeKey));
    expect(distinct.size).toBeGreaterThanOrEqual(1000);

    const byName = new Map(identities.map((i) => [i.name, i]));
    const results = await runProbes(server.url, probes, byName, 4);
    expect(results).toHaveLength(probes.length);
    const secrets = [
      REPO_ROOT,
      dataDir,
      `${os.tmpdir()}/`,
      ...Object.values(SECRETS),
      seed_.agentToken,
      seed_.otherAgentToken,
      seed_.operatorKey,
      seed_.readKey,
    ];
    const failures = results.flatMap(({ probe, answer, error }) => {
      const problems = error ? [`no answer: ${(error as Error).message}`] : problemsWith(probe, answer!, secrets);
      return problems.length === 0
        ? []
        : [`${probe.as} · ${probe.what} → ${problems.join("; ")}${answer ? ` · ${answer.body.slice(0, 160).replaceAll("\n", " ")}` : ""}`];
    });
    expect(failures).toEqual([]);
  });

  it("changed nothing in the database, and logged no server error", { timeout: 60_000 }, async () => {
    await server.stop();
    const db = await openDb();
    try {
      const after = await snapshotTables(db);
      // Every table is compared, but those left out on purpose (and why).
      expect(Object.keys(after).length).toBeGreaterThan(20);
      for (const table of Object.keys(EXCLUDED_TABLES)) expect(after).not.toHaveProperty(table);
      expect(Object.keys(EXCLUDED_COLUMNS).every((t) => t in after)).toBe(true);
      expect(after).toEqual(before);
    } finally {
      if (!pg) await db.close();
    }
    expect(server.errors()).toEqual([]);
    expect(server.stderr()).toBe("");
  });
});
