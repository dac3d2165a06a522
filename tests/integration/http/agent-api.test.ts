import { randomUUID } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createAgentWithToken, createRunningTask, createTask, createWorkspace, moveRunningTask, query, SYSTEM, taskRow } from "#tests/support/fixtures";
import { SECRETS } from "#tests/support/secrets";
import { sha256Hex } from "#app/services/auth/crypto.server";
import { rotateAgentToken } from "#app/db/agents.server";
import { recordUsage } from "#app/db/costs.server";
import { issueTaskToken } from "#app/db/dispatch.server";
import { requestDoneApproval } from "#app/db/governance.server";
import { useTestServer } from "#tests/support/test-server";

// The agent API over HTTP on PostgreSQL: bearer tokens, isolation between
// agents, every endpoint's happy path and its refusals (never a 500).
describe("agent API", () => {
  const app = useTestServer({ env: { UPLOAD_MAX_BYTES: "4096", PUBLIC_URL: "http://mc.example.test" } });
  let ws: { id: string };
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  let aliceTask: { id: string; runId: string; sessionKey: string };
  let bobTask: { id: string };

  const call = (path: string, token: string | null, init: RequestInit = {}) =>
    fetch(`${app.url}${path}`, {
      ...init,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(typeof init.body === "string" ? { "content-type": "application/json" } : {}),
        ...init.headers,
      },
    });
  const post = (path: string, token: string, body: unknown, method = "POST") => call(path, token, { method, body: JSON.stringify(body) });

  beforeAll(async () => {
    ws = await createWorkspace(app.db);
    alice = await createAgentWithToken(app.db, ws.id, { name: "Alice" });
    bob = await createAgentWithToken(app.db, ws.id, { name: "Bob" });
    aliceTask = await createRunningTask(app.db, ws.id, alice.id, { title: "Alice's work" });
    bobTask = await createTask(app.db, ws.id, { status: "assigned", assigned_agent_id: bob.id, title: "Bob's work" });
  });

  it("refuses missing, malformed and unknown tokens with 401 in the error shape", async () => {
    for (const token of [null, "short", "mca_unknown-token-that-is-long-enough"]) {
      const res = await call("/api/agent/tasks", token);
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("unauthorized");
    }
    expect((await call("/api/agent/tasks", SECRETS.MC_API_TOKEN)).status).toBe(401);
  });

  it("lists only the caller's own tasks", async () => {
    const res = await call("/api/agent/tasks", alice.token);
    expect(res.status).toBe(200);
    const { tasks } = (await res.json()) as { tasks: Array<{ id: string; title: string }> };
    expect(tasks.map((t) => t.title)).toEqual(["Alice's work"]);
  });

  it("gives a task with its dispatch context and callback URLs", async () => {
    const res = await call(`/api/agent/tasks/${aliceTask.id}`, alice.token);
    expect(res.status).toBe(200);
    const { task } = (await res.json()) as { task: Record<string, unknown> & { callbacks: Record<string, string> } };
    expect(task).toMatchObject({ id: aliceTask.id, status: "in_progress", session_key: aliceTask.sessionKey, run_id: aliceTask.runId });
    expect(task.callbacks.activities).toBe(`http://mc.example.test/api/agent/tasks/${aliceTask.id}/activities`);
  });

  it("keeps agents out of each other's tasks (404, nothing written)", async () => {
    const before = await query(app.db, "select count(*)::int as n from task_activities where task_id = $1", [bobTask.id]);
    expect((await call(`/api/agent/tasks/${bobTask.id}`, alice.token)).status).toBe(404);
    expect((await post(`/api/agent/tasks/${bobTask.id}/activities`, alice.token, { message: "sneaky" })).status).toBe(404);
    expect((await post(`/api/agent/tasks/${bobTask.id}/deliverables`, alice.token, { type: "url", title: "x", url: "https://example.com" })).status).toBe(404);
    expect((await post(`/api/agent/tasks/${bobTask.id}/usage`, alice.token, { model: "m", input_tokens: 1, output_tokens: 1 })).status).toBe(404);
    expect((await post(`/api/agent/tasks/${bobTask.id}`, alice.token, { status: "in_progress" }, "PATCH")).status).toBe(404);
    expect((await post("/api/agent/approvals", alice.token, { task_id: bobTask.id, action: "deploy" })).status).toBe(404);
    expect(await query(app.db, "select count(*)::int as n from task_activities where task_id = $1", [bobTask.id])).toEqual(before);
    expect((await taskRow(app.db, bobTask.id)).status).toBe("assigned");
  });

  it("answers 404 for a malformed task id and 405 for a wrong method", async () => {
    expect((await call("/api/agent/tasks/not-a-uuid", alice.token)).status).toBe(404);
    const wrong = await call(`/api/agent/tasks/${aliceTask.id}/activities`, alice.token);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
    expect((await call(`/api/agent/tasks/${aliceTask.id}`, alice.token, { method: "DELETE" })).status).toBe(405);
  });

  it("records activities, which also clear a stall", async () => {
    await query(app.db, "update tasks set alert_reason = 'stalled', stall_flagged_at = now() where id = $1", [aliceTask.id]);
    const res = await post(`/api/agent/tasks/${aliceTask.id}/activities`, alice.token, { type: "progress", message: "Halfway there", metadata: { pct: 50 } });
    expect(res.status).toBe(201);
    const row = await taskRow(app.db, aliceTask.id);
    expect(row.alert_reason).toBeNull();
    expect(row.stall_flagged_at).toBeNull();
    const [activity] = await query<{ actor_name: string; actor_type: string; metadata: unknown }>(
      app.db,
      "select actor_name, actor_type, metadata from task_activities where task_id = $1 and message = 'Halfway there'",
      [aliceTask.id],
    );
    expect(activity).toEqual({ actor_name: "Alice", actor_type: "agent", metadata: { pct: 50 } });
  });

  // The activity write checks its token in the same SQL call, on every call.
  it("refuses an activity from a token rotated away, even one this server has seen, and holds a task token to its task", async () => {
    const carol = await createAgentWithToken(app.db, ws.id, { name: "Carol" });
    const carolTask = await createRunningTask(app.db, ws.id, carol.id);
    const otherTask = await createRunningTask(app.db, ws.id, carol.id);
    const report = (token: string, taskId = carolTask.id) => post(`/api/agent/tasks/${taskId}/activities`, token, { message: "still going" });
    expect((await report(carol.token)).status).toBe(201);
    const scoped = `mct_${randomUUID().replaceAll("-", "")}${randomUUID().replaceAll("-", "")}`;
    await issueTaskToken(app.db, { tokenHash: sha256Hex(scoped), taskId: carolTask.id, agentId: carol.id, ttlSeconds: 600 });
    expect((await report(scoped)).status).toBe(201);
    expect((await report(scoped, otherTask.id)).status).toBe(404);
    await rotateAgentToken(app.db, carol.id, { hash: sha256Hex(`mca_${randomUUID()}${randomUUID()}`), hint: "mca_new" }, SYSTEM);
    const refused = await report(carol.token);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    expect(await query(app.db, "select count(*)::int as n from task_activities where task_id = $1 and message = 'still going'", [carolTask.id])).toEqual([
      { n: 2 },
    ]);
  });

  it("marks the task alive at most once a second, but always clears a stall", async () => {
    await query(app.db, "update tasks set last_activity_at = now() + interval '1 hour', alert_reason = null, stall_flagged_at = null where id = $1", [
      aliceTask.id,
    ]);
    const ahead = (await taskRow(app.db, aliceTask.id)).last_activity_at;
    expect((await post(`/api/agent/tasks/${aliceTask.id}/activities`, alice.token, { message: "tick" })).status).toBe(201);
    expect((await taskRow(app.db, aliceTask.id)).last_activity_at).toEqual(ahead);
    await query(app.db, "update tasks set alert_reason = 'stalled', stall_flagged_at = now() where id = $1", [aliceTask.id]);
    expect((await post(`/api/agent/tasks/${aliceTask.id}/activities`, alice.token, { message: "tock" })).status).toBe(201);
    const row = await taskRow(app.db, aliceTask.id);
    expect(row.stall_flagged_at).toBeNull();
    expect(new Date(row.last_activity_at as string).getTime()).toBeLessThan(new Date(ahead as string).getTime());
  });

  it("rejects bad bodies with 4xx and writes nothing", async () => {
    const url = `/api/agent/tasks/${aliceTask.id}/activities`;
    const count = async () => (await query<{ n: number }>(app.db, "select count(*)::int as n from task_activities where task_id = $1", [aliceTask.id]))[0]!.n;
    const before = await count();
    const cases: Array<[RequestInit, number]> = [
      [{ method: "POST", body: "{not json", headers: { "content-type": "application/json" } }, 400],
      [{ method: "POST", body: '{"message":"hi"', headers: { "content-type": "application/json" } }, 400],
      [{ method: "POST", body: "message=hi", headers: { "content-type": "application/x-www-form-urlencoded" } }, 415],
      [{ method: "POST", body: JSON.stringify({ message: "hi", updated_by_agent_id: bob.id }), headers: { "content-type": "application/json" } }, 400],
      [{ method: "POST", body: JSON.stringify({ message: "" }), headers: { "content-type": "application/json" } }, 400],
      [{ method: "POST", body: JSON.stringify({ message: "x".repeat(70_000) }), headers: { "content-type": "application/json" } }, 413],
      [
        { method: "POST", body: new Uint8Array([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), headers: { "content-type": "application/json" } },
        400,
      ],
      [{ method: "POST", body: "[".repeat(50_000), headers: { "content-type": "application/json" } }, 400],
      [
        { method: "POST", body: JSON.stringify({ message: "<script>alert(1)</script>", type: "Bad Type" }), headers: { "content-type": "application/json" } },
        400,
      ],
    ];
    for (const [init, status] of cases) {
      const res = await call(url, alice.token, init);
      expect(res.status, String(init.body).slice(0, 40)).toBe(status);
      const body = (await res.json()) as { error: { code: string } };
      expect(typeof body.error.code).toBe("string");
    }
    expect(await count()).toBe(before);
  });

  it("names the zod issues in a 400", async () => {
    const res = await post(`/api/agent/tasks/${aliceTask.id}/deliverables`, alice.token, { type: "url", title: "Report" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { details: { issues: Array<{ path: string; message: string }> } } };
    expect(body.error.details.issues).toContainEqual(expect.objectContaining({ path: "url", message: "a url deliverable needs a url" }));
  });

  it("adds deliverables and emits an event", async () => {
    const res = await post(`/api/agent/tasks/${aliceTask.id}/deliverables`, alice.token, { type: "url", title: "Report", url: "https://example.com/report" });
    expect(res.status).toBe(201);
    const [event] = await query<{ type: string }>(app.db, "select type from events where task_id = $1 order by seq desc limit 1", [aliceTask.id]);
    expect(event!.type).toBe("deliverable.created");
  });

  it("records usage once per run id and keeps the task's totals", async () => {
    const usage = { model: "stub-model", input_tokens: 1000, output_tokens: 500, cache_read_tokens: 100, cost_usd: 0.0125, run_id: "r-1" };
    expect((await post(`/api/agent/tasks/${aliceTask.id}/usage`, alice.token, usage)).status).toBe(201);
    const again = await post(`/api/agent/tasks/${aliceTask.id}/usage`, alice.token, usage);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ recorded: false, duplicate: true });
    const row = await taskRow(app.db, aliceTask.id);
    expect(Number(row.token_usage)).toBe(1600);
    expect(Number(row.estimated_cost)).toBeCloseTo(0.0125, 6);
    expect((await post(`/api/agent/tasks/${aliceTask.id}/usage`, alice.token, { ...usage, input_tokens: -1 })).status).toBe(400);
  });

  it("keeps the gateway's measurement as the run's figure, whichever comes first (usage route and gateway record)", async () => {
    const report = { model: "stub-model", input_tokens: 100, output_tokens: 50, cost_usd: 0 };
    const measured = { model: "stub-model", input_tokens: 100, output_tokens: 50, cost_usd: 0.45 };
    const gateway = (task: { id: string; runId: string }) =>
      recordUsage(app.db, task.id, { source: "gateway", dedupeKey: task.runId, runId: task.runId, usage: measured });
    const totals = async (id: string) => {
      const row = await taskRow(app.db, id);
      return { tokens: Number(row.token_usage), cost: Number(row.estimated_cost) };
    };

    // The gateway first: the agent's report is kept, not added (150 tokens, not 300).
    const measuredFirst = await createRunningTask(app.db, ws.id, alice.id);
    await gateway(measuredFirst);
    const late = await post(`/api/agent/tasks/${measuredFirst.id}/usage`, alice.token, report);
    expect(late.status).toBe(201);
    expect(await late.json()).toMatchObject({ recorded: true, counted: false, counted_source: "gateway" });
    expect(await totals(measuredFirst.id)).toEqual({ tokens: 150, cost: 0.45 });

    // The agent first, claiming nothing: the gateway's figure still lands, in its place.
    const claimedFirst = await createRunningTask(app.db, ws.id, alice.id);
    const early = await post(`/api/agent/tasks/${claimedFirst.id}/usage`, alice.token, report);
    expect(early.status).toBe(201);
    expect(await early.json()).toMatchObject({ recorded: true, counted: true, cost_usd: 0 });
    expect(await gateway(claimedFirst)).toMatchObject({ counted: true, replaced: "agent_api" });
    expect(await totals(claimedFirst.id)).toEqual({ tokens: 150, cost: 0.45 });

    for (const task of [measuredFirst, claimedFirst]) {
      expect(await query(app.db, "select source from usage_records where task_id = $1", [task.id])).toEqual([{ source: "gateway" }]);
      expect(await query(app.db, "select source from usage_claims where task_id = $1", [task.id])).toEqual([{ source: "agent_api" }]);
    }
  });

  it("refuses every agent write to a done or cancelled task with 409 and writes nothing", async () => {
    const dave = await createAgentWithToken(app.db, ws.id, { name: "Dave" });
    const form = () => {
      const body = new FormData();
      body.set("file", new Blob(["late"]), "late.txt");
      return body;
    };
    for (const status of ["done", "cancelled"] as const) {
      const task = await createRunningTask(app.db, ws.id, dave.id);
      const scoped = `mct_${randomUUID().replaceAll("-", "")}${randomUUID().replaceAll("-", "")}`;
      await issueTaskToken(app.db, { tokenHash: sha256Hex(scoped), taskId: task.id, agentId: dave.id, ttlSeconds: 600 });
      await moveRunningTask(app.db, task.id, status);
      const count = () =>
        query<{ n: number }>(
          app.db,
          `select (select count(*) from task_activities where task_id = $1) + (select count(*) from task_deliverables where task_id = $1)
                + (select count(*) from usage_records where task_id = $1) + (select count(*) from usage_claims where task_id = $1) as n`,
          [task.id],
        );
      const before = await count();
      const base = `/api/agent/tasks/${task.id}`;
      const writes: Array<[string, () => Promise<Response>, string]> = [
        ["activity", () => post(`${base}/activities`, dave.token, { message: "still here" }), "activities"],
        ["activity (task token)", () => post(`${base}/activities`, scoped, { message: "still here" }), "activities"],
        ["deliverable", () => post(`${base}/deliverables`, dave.token, { type: "url", title: "Swap", url: "https://example.com/other" }), "deliverables"],
        ["file", () => call(`${base}/files`, dave.token, { method: "POST", body: form() }), "files"],
        ["usage", () => post(`${base}/usage`, dave.token, { model: "m", input_tokens: 1, output_tokens: 1 }), "usage reports"],
        ["status", () => post(base, dave.token, { status: "review", summary: "again" }, "PATCH"), "status changes"],
      ];
      for (const [name, write, what] of writes) {
        const res = await write();
        expect(res.status, `${name} on ${status}`).toBe(409);
        expect(((await res.json()) as { error: { code: string; message: string } }).error).toEqual({
          code: "conflict",
          message: `The task is ${status}: it takes no more ${what} from its agent.`,
          details: { status },
        });
      }
      expect(await count()).toEqual(before);
      expect((await taskRow(app.db, task.id)).status).toBe(status);
      const dir = path.join(app.server.dataDir, "files", task.id);
      expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    }
  });

  it("freezes deliverables and files from review on, takes progress and usage still, and opens them again on rework", async () => {
    const erin = await createAgentWithToken(app.db, ws.id, { name: "Erin" });
    const [gated] = await query<{ id: string }>(app.db, "select id from task_types where key = 'code_change'");
    const task = await createRunningTask(app.db, ws.id, erin.id, { task_type_id: gated!.id });
    const base = `/api/agent/tasks/${task.id}`;
    const deliverable = (title: string) => post(`${base}/deliverables`, erin.token, { type: "url", title, url: "https://example.com/r" });
    const upload = () => {
      const body = new FormData();
      body.set("file", new Blob(["v2"]), "report.md");
      return call(`${base}/files`, erin.token, { method: "POST", body });
    };
    expect((await deliverable("The report")).status).toBe(201);
    await moveRunningTask(app.db, task.id, "review");
    // Asked for approval to be done: what the approver sees must be what ships.
    const approval = await requestDoneApproval(app.db, task.id, null, 600);
    expect(approval.status).toBe("pending");
    for (const res of [await deliverable("A better report"), await upload()]) {
      expect(res.status).toBe(409);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
        /^The task is in review: its deliverables are what the reviewer sees/,
      );
    }
    expect(await query(app.db, "select title from task_deliverables where task_id = $1", [task.id])).toEqual([{ title: "The report" }]);
    expect(existsSync(path.join(app.server.dataDir, "files", task.id, "report.md"))).toBe(false);
    expect((await post(`${base}/activities`, erin.token, { message: "Answering review comments" })).status).toBe(201);
    expect((await post(`${base}/usage`, erin.token, { model: "m", input_tokens: 5, output_tokens: 5 })).status).toBe(201);
    // An operator sends it back: the agent may change its deliverables again.
    await query(app.db, "update tasks set status = 'assigned' where id = $1", [task.id]);
    expect((await deliverable("A better report")).status).toBe(201);
    expect((await upload()).status).toBe(201);
  });

  it("lets an agent make only its own moves", async () => {
    const refused = await post(`/api/agent/tasks/${aliceTask.id}`, alice.token, { status: "done" }, "PATCH");
    expect(refused.status).toBe(400);
    const start = await post(`/api/agent/tasks/${bobTask.id}`, bob.token, { status: "review" }, "PATCH");
    expect(start.status).toBe(409);
    expect(((await start.json()) as { error: { details: { allowed: string[] } } }).error.details.allowed).toEqual(["in_progress"]);
    expect((await post(`/api/agent/tasks/${bobTask.id}`, bob.token, { status: "in_progress" }, "PATCH")).status).toBe(200);
    const done = await post(`/api/agent/tasks/${aliceTask.id}`, alice.token, { status: "review", summary: "All done" }, "PATCH");
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ changed: true, status: "testing" });
    const twice = await post(`/api/agent/tasks/${aliceTask.id}`, alice.token, { status: "review", summary: "All done" }, "PATCH");
    expect(await twice.json()).toMatchObject({ changed: false, status: "testing" });
    expect((await taskRow(app.db, aliceTask.id)).status).toBe("testing");
  });

  it("stores approval requests bound to a digest of the exact action", async () => {
    const request = { task_id: bobTask.id, action: "deploy", args: { env: "prod", version: "1.2.3" }, target: "web-1", reason: "ship it" };
    const created = await post("/api/agent/approvals", bob.token, request);
    expect(created.status).toBe(201);
    const approval = (await created.json()) as { id: string; status: string; digest: string; expires_at: string };
    expect(approval.status).toBe("pending");
    expect(approval.digest).toMatch(/^[0-9a-f]{64}$/);
    const reordered = await post("/api/agent/approvals", bob.token, { ...request, args: { version: "1.2.3", env: "prod" } });
    expect(reordered.status).toBe(200);
    expect(((await reordered.json()) as { id: string }).id).toBe(approval.id);
    const changed = await post("/api/agent/approvals", bob.token, { ...request, args: { env: "prod", version: "9.9.9" } });
    const other = (await changed.json()) as { id: string; digest: string };
    expect(other.digest).not.toBe(approval.digest);
    const status = await call(`/api/agent/approvals/${approval.id}`, bob.token);
    expect(await status.json()).toMatchObject({ id: approval.id, status: "pending", action: "deploy" });
    expect((await call(`/api/agent/approvals/${approval.id}`, alice.token)).status).toBe(404);
    expect((await call("/api/agent/approvals/nope", bob.token)).status).toBe(404);
  });

  it("uploads files under the task's folder, capped and with safe names", async () => {
    const upload = (name: string, content: string | Uint8Array<ArrayBuffer>) => {
      const form = new FormData();
      form.set("file", new Blob([content]), name);
      return call(`/api/agent/tasks/${bobTask.id}/files`, bob.token, { method: "POST", body: form });
    };
    const ok = await upload("../../etc/passwd", "hello");
    expect(ok.status).toBe(201);
    const stored = (await ok.json()) as { path: string; size: number; sha256: string };
    expect(stored).toMatchObject({ path: "passwd", size: 5 });
    const second = (await (await upload("passwd", "again")).json()) as { path: string };
    expect(second.path).toBe("passwd-1");
    expect((await upload("big.bin", new Uint8Array(5000))).status).toBe(413);
    expect((await upload("empty.txt", "")).status).toBe(400);
    expect(
      (await call(`/api/agent/tasks/${bobTask.id}/files`, bob.token, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).status,
    ).toBe(415);
    expect((await call(`/api/agent/tasks/${aliceTask.id}/files`, bob.token, { method: "POST", body: new FormData() })).status).toBe(404);
  });
});
