import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { issueTaskToken } from "#app/db/dispatch.server";
import { openPglite } from "#app/db/pglite.server";
import type { SqlDatabase } from "#app/db/types";
import { sha256Hex } from "#app/services/auth/crypto.server";
import { createAgentWithToken, createRunningTask, createWorkspace, query } from "#tests/support/fixtures";
import { type FormClient, setUpAdmin } from "#tests/support/http-client";
import { createTestPostgres, type TestPostgres } from "#tests/support/databases";
import { SECRETS } from "#tests/support/secrets";
import { type RunningServer, startServer } from "#tests/support/server";
import { useTestServer } from "#tests/support/test-server";

// The MCP server (POST /api/mcp) driven by the SDK's own client (Client +
// StreamableHTTPClientTransport) against the built server, on PostgreSQL and
// on the embedded database: an agent token connects and lists the tools, each
// tool's effect is in the database, a wait for an approval returns when an
// operator decides it, a task token stays on its task, a wrong or revoked
// token is an HTTP 401, and bad arguments are tool errors that write nothing.
// The embedded database belongs to the server while it runs, so the rows are
// checked once it has stopped (on PostgreSQL too, the same way).

interface ToolAnswer {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: Array<{ type: string; text?: string }>;
}

interface Seed {
  wsSlug: string;
  alice: { id: string; token: string };
  bob: { id: string; token: string };
  carol: { id: string; token: string };
  aliceTask: string;
  aliceOther: string;
  bobTask: string;
  scoped: string;
}

async function seed(db: SqlDatabase): Promise<Seed> {
  const ws = await createWorkspace(db);
  const alice = await createAgentWithToken(db, ws.id, { name: "Alice" });
  const bob = await createAgentWithToken(db, ws.id, { name: "Bob" });
  const carol = await createAgentWithToken(db, ws.id, { name: "Carol" });
  const aliceTask = (await createRunningTask(db, ws.id, alice.id, { title: "Alice's work" })).id;
  const aliceOther = (await createRunningTask(db, ws.id, alice.id, { title: "Alice's other work" })).id;
  const bobTask = (await createRunningTask(db, ws.id, bob.id, { title: "Bob's work" })).id;
  const scoped = `mct_${randomUUID().replaceAll("-", "")}${randomUUID().replaceAll("-", "")}`;
  await issueTaskToken(db, { tokenHash: sha256Hex(scoped), taskId: aliceTask, agentId: alice.id, ttlSeconds: 3600 });
  return { wsSlug: ws.slug, alice, bob, carol, aliceTask, aliceOther, bobTask, scoped };
}

describe.each(["postgres", "embedded"] as const)("MCP server on the %s database", (kind) => {
  let pg: TestPostgres | undefined;
  let dataDir: string;
  let server: RunningServer;
  let s: Seed;
  let admin: FormClient;
  const clients: Client[] = [];

  const openDb = async (fresh = false): Promise<SqlDatabase> =>
    pg ? pg.db : openPglite({ dataDir, loadDataDir: fresh ? new Blob([new Uint8Array(readFileSync(inject("pgliteDump")))]) : undefined });

  async function connect(token: string): Promise<Client> {
    const client = new Client({ name: "mission-control-test", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/api/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  const call = async (client: Client, name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as ToolAnswer;
  const ok = async (client: Client, name: string, args: Record<string, unknown>) => {
    const answer = await call(client, name, args);
    expect(answer.isError ?? false, `${name}: ${answer.content[0]?.text}`).toBe(false);
    expect(JSON.parse(answer.content[0]!.text!)).toEqual(answer.structuredContent);
    return answer.structuredContent!;
  };
  const refused = async (client: Client, name: string, args: Record<string, unknown>) => {
    const answer = await call(client, name, args);
    expect(answer.isError, name).toBe(true);
    const { error } = answer.structuredContent as { error: { code: string; message: string; details?: { issues?: Array<{ path: string }> } } };
    expect(JSON.parse(answer.content[0]!.text!)).toEqual({ error });
    return error;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "mc-mcp-"));
    if (kind === "postgres") pg = await createTestPostgres();
    const db = await openDb(true);
    s = await seed(db);
    if (!pg) await db.close();
    server = await startServer({
      dataDir,
      timeoutMs: 60_000,
      env: { ...SECRETS, ...(pg ? { DATABASE_URL: pg.url } : {}), PUBLIC_URL: "http://mc.example.test" },
    });
    admin = await setUpAdmin(server.url, server.setupUrl!);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await server?.stop();
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("connects with an agent token and lists the agent API's tools with their inputs", async () => {
    const client = await connect(s.alice.token);
    expect(client.getServerVersion()?.name).toBe("mission-control");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      "list_tasks",
      "get_task",
      "add_activity",
      "add_deliverable",
      "add_comment",
      "report_usage",
      "set_task_status",
      "request_approval",
      "wait_for_approval",
    ]);
    const activity = tools.find((t) => t.name === "add_activity")!;
    expect(activity.inputSchema.required).toEqual(["task_id", "message"]);
    expect(Object.keys(activity.inputSchema.properties ?? {})).toEqual(["task_id", "type", "message", "metadata"]);
    expect(activity.annotations?.readOnlyHint).toBe(false);
    const wait = tools.find((t) => t.name === "wait_for_approval")!;
    expect(wait.inputSchema.properties).toMatchObject({ timeout_s: { type: "integer", maximum: 50 } });
    expect(wait.annotations?.readOnlyHint).toBe(true);
  });

  it("calls every tool, each through the agent API's own path", async () => {
    const client = await connect(s.alice.token);
    const { tasks } = (await ok(client, "list_tasks", {})) as { tasks: Array<{ id: string }> };
    expect(tasks.map((t) => t.id).sort()).toEqual([s.aliceTask, s.aliceOther].sort());
    const { task } = (await ok(client, "get_task", { task_id: s.aliceTask })) as { task: { id: string; status: string; callbacks: Record<string, string> } };
    expect(task).toMatchObject({ id: s.aliceTask, status: "in_progress" });
    expect(task.callbacks.activities).toBe(`http://mc.example.test/api/agent/tasks/${s.aliceTask}/activities`);
    expect(task.callbacks.mcp).toBe("http://mc.example.test/api/mcp");

    await ok(client, "add_activity", { task_id: s.aliceTask, message: "Halfway there over MCP", metadata: { pct: 50 } });
    await ok(client, "add_deliverable", { task_id: s.aliceTask, type: "url", title: "MCP report", url: "https://example.com/mcp-report" });
    const { comment } = (await ok(client, "add_comment", { task_id: s.aliceTask, body: "A comment over MCP" })) as { comment: { id: string } };
    expect(comment.id).toMatch(/^[0-9a-f-]{36}$/);
    const usage = { task_id: s.aliceTask, model: "stub-model", input_tokens: 1000, output_tokens: 500, cost_usd: 0.01, run_id: "mcp-run-1" };
    expect(await ok(client, "report_usage", usage)).toMatchObject({ recorded: true });
    expect(await ok(client, "report_usage", usage)).toEqual({ recorded: false, duplicate: true });

    const asked = await ok(client, "request_approval", { task_id: s.aliceTask, action: "deploy", args: { env: "prod" }, target: "web-1", reason: "ship it" });
    expect(asked).toMatchObject({ status: "pending" });
    expect(asked.digest).toMatch(/^[0-9a-f]{64}$/);
    const state = await ok(client, "wait_for_approval", { approval_id: asked.id, timeout_s: 0 });
    expect(state).toMatchObject({ id: asked.id, status: "pending", action: "deploy" });

    await ok(client, "add_activity", { task_id: s.aliceOther, message: "Started the other one" });
    expect(await ok(client, "set_task_status", { task_id: s.aliceOther, status: "review", summary: "Done over MCP" })).toMatchObject({
      task_id: s.aliceOther,
      changed: true,
    });
  });

  it("waits for an approval and returns as soon as an operator decides it", async () => {
    const client = await connect(s.alice.token);
    const asked = (await ok(client, "request_approval", { task_id: s.aliceTask, action: "deploy", args: { env: "staging" }, target: "web-2" })) as {
      id: string;
      digest: string;
    };
    const started = Date.now();
    const waiting = ok(client, "wait_for_approval", { approval_id: asked.id, timeout_s: 40 });
    await new Promise((r) => setTimeout(r, 700));
    await admin.get("/approvals");
    expect((await admin.post("/approvals", { intent: "approve", approval_id: asked.id, digest: asked.digest, comment: "go" })).status).toBe(302);
    const decided = await waiting;
    expect(decided).toMatchObject({ id: asked.id, status: "approved" });
    expect(decided.waited_ms as number).toBeGreaterThanOrEqual(500);
    // Woken by the decision's event, not by the 5 s recheck.
    expect(decided.waited_ms as number).toBeLessThan(4_500);
    expect(Date.now() - started).toBeLessThan(10_000);

    // A short wait on a pending one runs out and says so.
    const other = (await ok(client, "request_approval", { task_id: s.aliceTask, action: "deploy", args: { env: "qa" } })) as { id: string };
    const timedOut = await ok(client, "wait_for_approval", { approval_id: other.id, timeout_s: 1 });
    expect(timedOut).toMatchObject({ status: "pending" });
    expect(timedOut.waited_ms as number).toBeGreaterThanOrEqual(1000);
  });

  it("keeps a task token to its task and an agent to its own tasks (not_found, nothing written)", async () => {
    const scoped = await connect(s.scoped);
    expect(((await ok(scoped, "list_tasks", {})) as { tasks: Array<{ id: string }> }).tasks.map((t) => t.id)).toEqual([s.aliceTask]);
    await ok(scoped, "add_activity", { task_id: s.aliceTask, message: "From the task token" });
    const elsewhere = { task_id: s.aliceOther };
    for (const [name, args] of [
      ["get_task", elsewhere],
      ["add_activity", { ...elsewhere, message: "refused: scoped elsewhere" }],
      ["add_deliverable", { ...elsewhere, type: "artifact", title: "refused: scoped elsewhere" }],
      ["add_comment", { ...elsewhere, body: "refused: scoped elsewhere" }],
      ["report_usage", { ...elsewhere, model: "m", input_tokens: 1, output_tokens: 1, run_id: "refused-scoped" }],
      ["set_task_status", { ...elsewhere, status: "in_progress" }],
      ["request_approval", { ...elsewhere, action: "refused-scoped" }],
    ] as const) {
      expect(await refused(scoped, name, args), name).toMatchObject({ code: "not_found" });
    }
    // An approval on another task is not the task token's either.
    const alice = await connect(s.alice.token);
    const onOther = (await ok(alice, "request_approval", { task_id: s.aliceOther, action: "deploy", args: { env: "other" } })) as { id: string };
    expect(await refused(scoped, "wait_for_approval", { approval_id: onOther.id, timeout_s: 0 })).toMatchObject({ code: "not_found" });

    const bob = await connect(s.bob.token);
    expect(await refused(bob, "add_activity", { task_id: s.aliceTask, message: "refused: not bob's" })).toEqual({
      code: "not_found",
      message: "No task with that id is assigned to you.",
    });
    expect(await refused(bob, "wait_for_approval", { approval_id: onOther.id, timeout_s: 0 })).toMatchObject({ code: "not_found" });
  });

  it("refuses a wrong or revoked token with HTTP 401 in the API's error shape", async () => {
    for (const token of ["mca_not-a-token-this-server-issued-ever", "short"]) {
      const error = await connect(token).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StreamableHTTPError);
      expect((error as StreamableHTTPError).code).toBe(401);
    }
    // Carol connects, her token is rotated by an operator, and her next call is refused.
    const carol = await connect(s.carol.token);
    expect((await carol.listTools()).tools.length).toBeGreaterThan(0);
    await admin.get(`/w/${s.wsSlug}/agents/${s.carol.id}`);
    expect((await admin.post(`/w/${s.wsSlug}/agents/${s.carol.id}`, { intent: "rotate-token" })).status).toBe(200);
    const revoked = await carol.listTools().then(
      () => null,
      (e: unknown) => e,
    );
    expect((revoked as StreamableHTTPError).code).toBe(401);

    const raw = await fetch(`${server.url}/api/mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${s.carol.token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "add_activity", arguments: { task_id: s.bobTask, message: "refused: revoked" } },
      }),
    });
    expect(raw.status).toBe(401);
    expect(((await raw.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });

  it("answers GET and DELETE with 405 (stateless: no stream, no session)", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(`${server.url}/api/mcp`, { method, headers: { authorization: `Bearer ${s.alice.token}`, accept: "text/event-stream" } });
      expect(res.status, method).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
    }
  });

  it("gives bad arguments back as tool errors with the API's code and message, writing nothing", async () => {
    const client = await connect(s.alice.token);
    const empty = await refused(client, "add_activity", { task_id: s.aliceTask, message: "" });
    expect(empty.code).toBe("invalid");
    expect(empty.message).toBe("The input does not match the expected shape.");
    expect(empty.details?.issues).toContainEqual(expect.objectContaining({ path: "message", message: "message is required" }));
    expect(await refused(client, "add_activity", { task_id: s.aliceTask, message: "refused: extra field", updated_by_agent_id: s.bob.id })).toMatchObject({
      code: "invalid",
    });
    expect(await refused(client, "add_activity", { task_id: s.aliceTask, message: "refused: nul \u0000 byte" })).toMatchObject({ code: "invalid" });
    expect(await refused(client, "add_activity", { message: "refused: no task" })).toMatchObject({ code: "invalid" });
    expect(await refused(client, "add_activity", { task_id: "not-a-task", message: "refused: bad task id" })).toMatchObject({ code: "not_found" });
    const noUrl = await refused(client, "add_deliverable", { task_id: s.aliceTask, type: "url", title: "refused: no url" });
    expect(noUrl.details?.issues).toContainEqual(expect.objectContaining({ path: "url", message: "a url deliverable needs a url" }));
    expect(
      await refused(client, "report_usage", { task_id: s.aliceTask, model: "m", input_tokens: -1, output_tokens: 1, run_id: "refused-neg" }),
    ).toMatchObject({
      code: "invalid",
    });
    expect(await refused(client, "add_comment", { task_id: s.aliceTask, body: "" })).toMatchObject({ code: "invalid" });
    expect(await refused(client, "request_approval", { task_id: s.aliceTask, action: "Not An Action" })).toMatchObject({ code: "invalid" });
    expect(await refused(client, "set_task_status", { task_id: s.aliceTask, status: "done" })).toMatchObject({ code: "invalid" });
    expect(await refused(client, "wait_for_approval", { approval_id: randomUUID(), timeout_s: 999 })).toMatchObject({ code: "invalid" });
    expect(await refused(client, "wait_for_approval", { approval_id: randomUUID() })).toMatchObject({ code: "not_found" });
    // A move the state machine refuses is the API's 409 conflict, with its details.
    const conflict = await refused(client, "set_task_status", { task_id: s.aliceOther, status: "in_progress" });
    expect(conflict.code).toBe("conflict");
    // An unknown tool is a protocol error, not a tool result.
    await expect(client.callTool({ name: "approve", arguments: {} })).rejects.toThrow(/No tool named approve/);
  });

  it("left exactly the effects of the accepted calls in the database, and no server error", { timeout: 60_000 }, async () => {
    await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
    await server.stop();
    const db = await openDb();
    try {
      const activities = await query<{ message: string; actor_name: string; metadata: unknown; task_id: string }>(
        db,
        "select message, actor_name, metadata, task_id from task_activities where actor_type = 'agent' order by created_at",
      );
      expect(activities.filter((a) => a.message.includes("refused"))).toEqual([]);
      expect(activities).toContainEqual({ message: "Halfway there over MCP", actor_name: "Alice", metadata: { pct: 50 }, task_id: s.aliceTask });
      expect(activities.filter((a) => a.message === "From the task token").map((a) => a.task_id)).toEqual([s.aliceTask]);
      expect(await query(db, "select title, url from task_deliverables where task_id in ($1, $2)", [s.aliceTask, s.aliceOther])).toEqual([
        { title: "MCP report", url: "https://example.com/mcp-report" },
      ]);
      expect(await query(db, "select body from task_comments where task_id in ($1, $2, $3)", [s.aliceTask, s.aliceOther, s.bobTask])).toEqual([
        { body: "A comment over MCP" },
      ]);
      const ledger = await query<{ n: number; tokens: number }>(
        db,
        `select count(*)::int as n, coalesce(sum(input_tokens + output_tokens), 0)::int as tokens from
           (select task_id, input_tokens, output_tokens from usage_records union all select task_id, input_tokens, output_tokens from usage_claims) u
         where task_id in ($1, $2)`,
        [s.aliceTask, s.aliceOther],
      );
      expect(ledger).toEqual([{ n: 1, tokens: 1500 }]);
      const approvals = await query<{ task_id: string; action: string; status: string; args: unknown }>(
        db,
        "select task_id, action, status, args from approvals where task_id in ($1, $2, $3) order by created_at",
        [s.aliceTask, s.aliceOther, s.bobTask],
      );
      expect(approvals.map(({ action, status, args }) => [action, status, args])).toEqual([
        ["deploy", "pending", { env: "prod" }],
        ["deploy", "approved", { env: "staging" }],
        ["deploy", "pending", { env: "qa" }],
        ["deploy", "pending", { env: "other" }],
      ]);
      expect((await query(db, "select status from tasks where id = $1", [s.aliceOther]))[0]).toMatchObject({ status: expect.stringMatching(/testing|review/) });
      expect((await query(db, "select status from tasks where id = $1", [s.aliceTask]))[0]).toEqual({ status: "in_progress" });
      expect((await query(db, "select status from tasks where id = $1", [s.bobTask]))[0]).toEqual({ status: "in_progress" });
    } finally {
      if (!pg) await db.close();
    }
    expect(server.errors()).toEqual([]);
    expect(server.stderr()).toBe("");
  });
});

// The agent API's budgets hold over MCP: writes per agent (shared with the
// HTTP routes; reads are free), and failed authentication per client.
describe("MCP server rate limits", () => {
  const app = useTestServer({ env: { RATE_LIMIT_WRITES_PER_MIN: "3", RATE_LIMIT_AUTH_FAILURES_PER_MIN: "2" } });

  it("charges each write tool to the agent's write budget, shared with the HTTP agent API, and refuses beyond it as a tool error", async () => {
    const ws = await createWorkspace(app.db);
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Busy" });
    const taskId = (await createRunningTask(app.db, ws.id, agent.id)).id;
    const post = () =>
      fetch(`${app.url}/api/agent/tasks/${taskId}/activities`, {
        method: "POST",
        headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
        body: JSON.stringify({ message: "over HTTP" }),
      });
    expect((await post()).status).toBe(201);
    expect((await post()).status).toBe(201);
    const client = new Client({ name: "mission-control-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/api/mcp`), { requestInit: { headers: { authorization: `Bearer ${agent.token}` } } }),
    );
    try {
      const write = () => client.callTool({ name: "add_activity", arguments: { task_id: taskId, message: "over MCP" } }) as Promise<ToolAnswer>;
      expect((await write()).isError ?? false).toBe(false);
      const limited = await write();
      expect(limited.isError).toBe(true);
      const { error } = limited.structuredContent as { error: { code: string; details: { retry_after_s: number } } };
      expect(error.code).toBe("rate_limited");
      expect(error.details.retry_after_s).toBeGreaterThan(0);
      // Reads are not writes: still answered.
      expect(((await client.callTool({ name: "get_task", arguments: { task_id: taskId } })) as ToolAnswer).isError ?? false).toBe(false);
      expect((await post()).status).toBe(429);
    } finally {
      await client.close();
    }
    expect(await query(app.db, "select message from task_activities where task_id = $1 and actor_type = 'agent' order by created_at", [taskId])).toEqual([
      { message: "over HTTP" },
      { message: "over HTTP" },
      { message: "over MCP" },
    ]);
  });

  it("spends the failed-authentication budget on bad tokens: 401 until it is spent, then 429", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${app.url}/api/mcp`, {
        method: "POST",
        headers: {
          authorization: "Bearer mca_wrong-token-long-enough-to-check",
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 429]);
  });
});
