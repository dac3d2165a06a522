import { beforeAll, describe, expect, it } from "vitest";
import { createAgentWithToken, createRunningTask, createWorkspace } from "#tests/support/fixtures";
import { SECRETS } from "#tests/support/secrets";
import { type RunningServer } from "#tests/support/server";
import { useTestServer } from "#tests/support/test-server";

const heartbeat = (server: RunningServer, token = SECRETS.MC_API_TOKEN) => fetch(`${server.url}/api/heartbeat?token=${token}`);
const metrics = (server: RunningServer, token = SECRETS.MC_API_TOKEN) => fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${token}` } });

// Limits per client on write paths, 429 + Retry-After beyond them.
describe("rate limits in memory (embedded database)", () => {
  const app = useTestServer({
    database: "embedded",
    env: { RATE_LIMIT_WRITES_PER_MIN: "4", RATE_LIMIT_HEARTBEATS_PER_MIN: "2", RATE_LIMIT_AUTH_FAILURES_PER_MIN: "3" },
  });

  it("limits heartbeats per client", async () => {
    expect((await heartbeat(app.server)).status).toBe(200);
    expect((await heartbeat(app.server)).status).toBe(200);
    const limited = await heartbeat(app.server);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
  });

  it("limits form posts per client, with Retry-After", async () => {
    const admin = await app.setUpAdmin();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      await admin.get("/");
      statuses.push((await admin.post("/?index", { name: `Limited ${i}`, icon: "", slug: "" })).status);
    }
    expect(statuses.slice(0, 3)).toEqual([302, 302, 302]);
    expect(statuses[3]).toBe(429);
  });

  it("spends the failed-authentication budget on failures only: further ones get 429, the valid token still passes", async () => {
    for (let i = 0; i < 3; i++) expect((await heartbeat(app.server, "wrong-token")).status).toBe(401);
    expect((await heartbeat(app.server, "wrong-token")).status).toBe(429);
    const agentCall = await fetch(`${app.url}/api/agent/tasks`, { headers: { authorization: "Bearer mca_wrong-token-long-enough-to-check" } });
    expect(agentCall.status).toBe(429);
    expect((await metrics(app.server)).status).toBe(200);
    expect((await metrics(app.server, "wrong-token")).status).toBe(429);
  });
});

// Someone else's bad credentials from the same address (agents and cron
// often share one host) must not lock out the valid ones.
describe("failed authentication from one address, on two instances sharing PostgreSQL", () => {
  // The default budget: 100 failures a minute per client.
  const app = useTestServer({ instances: 2 });
  let a: RunningServer;
  let b: RunningServer;
  let agent: { id: string; token: string };
  let taskId: string;

  beforeAll(async () => {
    [a, b] = [app.servers[0]!, app.servers[1]!];
    const ws = await createWorkspace(app.db);
    agent = await createAgentWithToken(app.db, ws.id, { name: "Steady" });
    taskId = (await createRunningTask(app.db, ws.id, agent.id)).id;
  });

  const agentGet = (server: RunningServer, token: string) => fetch(`${server.url}/api/agent/tasks`, { headers: { authorization: `Bearer ${token}` } });
  const badToken = (i: number) => `mca_not-a-real-token-${String(i).padStart(24, "0")}`;

  it("answers 401 to the first 100 bad tokens and 429 beyond, counted across instances", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 120; i++) {
      const server = i % 2 === 0 ? a : b;
      statuses.push((await (i % 3 === 0 ? heartbeat(server, `wrong-${i}`) : agentGet(server, badToken(i)))).status);
    }
    expect(statuses.slice(0, 100)).toEqual(Array(100).fill(401));
    expect(statuses.slice(100)).toEqual(Array(20).fill(429));
  });

  it("still lets the valid agent token and the cron heartbeat through on both instances", async () => {
    for (const server of [a, b]) {
      expect((await agentGet(server, agent.token)).status).toBe(200);
      const post = await fetch(`${server.url}/api/agent/tasks/${taskId}/activities`, {
        method: "POST",
        headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
        body: JSON.stringify({ message: "still here" }),
      });
      expect(post.status).toBe(201);
      const run = await heartbeat(server);
      expect(run.status).toBe(200);
      expect(await run.json()).toMatchObject({ run_id: expect.any(String) });
    }
  });

  it("keeps refusing a guess with 429 and Retry-After, whatever the credential", async () => {
    for (const server of [a, b]) {
      for (const res of [await agentGet(server, badToken(999)), await heartbeat(server, "wrong-again"), await metrics(server, "wrong-again")]) {
        expect(res.status).toBe(429);
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
      }
    }
  });
});

describe("rate limits shared through PostgreSQL", () => {
  const app = useTestServer({ instances: 2, env: { RATE_LIMIT_HEARTBEATS_PER_MIN: "3", RATE_LIMIT_WRITES_PER_MIN: "3" } });
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(() => {
    [a, b] = [app.servers[0]!, app.servers[1]!];
  });

  it("counts one budget across instances", async () => {
    const statuses = [];
    for (const server of [a, b, a, b]) statuses.push((await heartbeat(server)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const [row] = await app.db.session((s) => s.query<{ points: number }>("select points from rate_limits where key like '%heartbeat%'"));
    expect(row!.points).toBeGreaterThanOrEqual(3);
  });

  it("limits an agent's writes per agent, not its reads", async () => {
    const ws = await createWorkspace(app.db);
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Chatty" });
    const task = await createRunningTask(app.db, ws.id, agent.id);
    const post = (server: RunningServer) =>
      fetch(`${server.url}/api/agent/tasks/${task.id}/activities`, {
        method: "POST",
        headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
        body: JSON.stringify({ message: "tick" }),
      });
    const statuses = [];
    for (const server of [a, b, a, b]) statuses.push((await post(server)).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    const read = await fetch(`${a.url}/api/agent/tasks/${task.id}`, { headers: { authorization: `Bearer ${agent.token}` } });
    expect(read.status).toBe(200);
  });
});
