import { beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "#app/db/api-keys.server";
import type { SqlDatabase } from "#app/db/types";
import type { ApiKeyScope } from "#app/domain/api-keys";
import { OPERATIONS, type OperationId } from "#app/domain/operator-api";
import { newApiKey } from "#app/services/auth/api-keys.server";
import { createAgentWithToken, createTask, createUser, createWorkspace, query, rowCounts, taskRow, type TestUser } from "#tests/support/fixtures";
import type { FormClient } from "#tests/support/http-client";
import { type TestServer, useTestServer } from "#tests/support/test-server";

// The operator API (/api/v1, decision 050) over HTTP: API keys as bearer
// tokens, each scope capped by its owner's current role, every operation's
// happy path checked against its registry schema, and every refusal a 4xx
// in the error shape that writes nothing.

type Json = Record<string, unknown> & { error?: { code: string; message: string } };

/** A client for one key: JSON in, JSON out. */
function apiClient(app: TestServer) {
  return async (token: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${app.url}/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, json: (await res.json()) as Json };
  };
}

async function issueKey(db: SqlDatabase, user: TestUser, scopes: ApiKeyScope[], expiresAt: string | null = null) {
  const token = newApiKey();
  const key = await createApiKey(db, user.id, { name: `key ${scopes.join("+")}`, scopes, expiresAt, hash: token.hash, hint: token.hint });
  return { id: key.id, token: token.token };
}

/** The body matches the operation's declared success response. */
function conforms(id: OperationId, body: unknown) {
  const parsed = OPERATIONS[id].response.safeParse(body);
  expect(parsed.success ? null : parsed.error.issues, `${id} response`).toBeNull();
}

describe("operator API on PostgreSQL", () => {
  const app = useTestServer();
  const api = apiClient(app);
  let admin: TestUser;
  let approver: TestUser;
  let operatorUser: TestUser;
  let ws: { id: string; slug: string };
  let agent: { id: string; token: string };
  let readKey: { id: string; token: string };
  let writeKey: { id: string; token: string };
  let approveKey: { id: string; token: string };
  let operatorApproveKey: { id: string; token: string };

  /** An approval an agent asked for, pending. */
  const ask = async () => {
    const task = await createTask(app.db, ws.id, { title: "Needs a yes", status: "assigned", assigned_agent_id: agent.id });
    const res = await fetch(`${app.url}/api/agent/approvals`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
      body: JSON.stringify({ task_id: task.id, action: "deploy", args: { env: "prod" }, target: "web-1", reason: "ship" }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; digest: string };
  };

  beforeAll(async () => {
    admin = await createUser(app.db, "admin", "Ada Admin");
    approver = await createUser(app.db, "approver", "Appy Approver");
    operatorUser = await createUser(app.db, "operator", "Oscar Operator");
    ws = await createWorkspace(app.db);
    agent = await createAgentWithToken(app.db, ws.id, { name: "Asker" });
    readKey = await issueKey(app.db, admin, ["read"]);
    writeKey = await issueKey(app.db, admin, ["read", "write"]);
    approveKey = await issueKey(app.db, approver, ["read", "approve"]);
    // Made in SQL directly (the settings page would refuse it): the role caps it at each request anyway.
    operatorApproveKey = await issueKey(app.db, operatorUser, ["read", "write", "approve"]);
  });

  it("refuses missing, malformed, unknown, revoked and expired keys and disabled owners with 401, writing nothing", async () => {
    const revoked = await issueKey(app.db, admin, ["read", "write"]);
    await query(app.db, "update api_keys set revoked_at = now() where id = $1", [revoked.id]);
    const expired = await issueKey(app.db, admin, ["read", "write"]);
    await query(app.db, "update api_keys set expires_at = now() - interval '1 second' where id = $1", [expired.id]);
    const leaver = await createUser(app.db, "admin", "Leaving Admin");
    const leaversKey = await issueKey(app.db, leaver, ["read", "write"]);
    await query(app.db, "update users set disabled_at = now() where id = $1", [leaver.id]);
    const before = await rowCounts(app.db);
    for (const token of [null, "short", `mck_${"x".repeat(43)}`, `mca_${"x".repeat(43)}`, revoked.token, expired.token, leaversKey.token]) {
      const res = await api(token, "POST", `/workspaces/${ws.slug}/tasks`, { title: "Should not exist" });
      expect(res.status, String(token)).toBe(401);
      expect(res.json.error?.code).toBe("unauthorized");
      expect((await api(token, "GET", "/workspaces")).status).toBe(401);
    }
    expect(await rowCounts(app.db)).toEqual(before);
    expect(await query(app.db, "select count(*)::int as n from tasks where title = 'Should not exist'")).toEqual([{ n: 0 }]);
  });

  it("reads workspaces, agents and costs with a read key", async () => {
    const list = await api(readKey.token, "GET", "/workspaces");
    expect(list.status).toBe(200);
    conforms("listWorkspaces", list.json);
    expect((list.json.workspaces as Array<{ slug: string }>).map((w) => w.slug)).toContain(ws.slug);
    const one = await api(readKey.token, "GET", `/workspaces/${ws.slug}`);
    expect(one.status).toBe(200);
    conforms("getWorkspace", one.json);
    expect((await api(readKey.token, "GET", "/workspaces/no-such-workspace")).status).toBe(404);
    const agents = await api(readKey.token, "GET", `/workspaces/${ws.slug}/agents`);
    expect(agents.status).toBe(200);
    conforms("listAgents", agents.json);
    expect((agents.json.agents as Array<{ name: string }>).map((a) => a.name)).toEqual(["Asker"]);
    expect(JSON.stringify(agents.json)).not.toContain(agent.token);
    const costs = await api(readKey.token, "GET", `/workspaces/${ws.slug}/costs?days=7`);
    expect(costs.status).toBe(200);
    conforms("getCosts", costs.json);
    expect((costs.json.costs as { days: number }).days).toBe(7);
    expect((await api(readKey.token, "GET", `/workspaces/${ws.slug}/costs?days=8`)).status).toBe(400);
  });

  it("creates, reads, lists with the board's filters, updates, moves, comments on and deletes a task with a write key", async () => {
    const created = await api(writeKey.token, "POST", `/workspaces/${ws.slug}/tasks`, {
      title: "Rotate the certificates",
      description: "Before Friday",
      priority: "high",
      labels: ["Ops", "ops", "security"],
      due_at: "2026-12-31",
    });
    expect(created.status).toBe(201);
    conforms("createTask", created.json);
    const task = created.json.task as { id: string; status: string; labels: string[]; priority: string; due_at: string };
    expect(task).toMatchObject({ status: "inbox", labels: ["ops", "security"], priority: "high" });
    expect(new Date(task.due_at).toISOString()).toBe("2026-12-31T00:00:00.000Z");
    await createTask(app.db, ws.id, { title: "Something else entirely" });

    const read = await api(readKey.token, "GET", `/tasks/${task.id}`);
    expect(read.status).toBe(200);
    conforms("getTask", read.json);

    const found = await api(readKey.token, "GET", `/workspaces/${ws.slug}/tasks?q=certificates&priority=high&label=ops`);
    expect(found.status).toBe(200);
    conforms("listTasks", found.json);
    expect((found.json.tasks as Array<{ id: string }>).map((t) => t.id)).toEqual([task.id]);
    expect(found.json).toMatchObject({ total: 1, page: 1, per_page: 100 });
    // The board's parsing: an unknown status or a repeated key is refused, as is a key the board does not know.
    for (const bad of ["status=nope", "q=a&q=b", "colour=red", "page=0"]) {
      const res = await api(readKey.token, "GET", `/workspaces/${ws.slug}/tasks?${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.json.error?.code).toBe("invalid");
    }

    const patched = await api(writeKey.token, "PATCH", `/tasks/${task.id}`, { title: "Rotate the TLS certificates" });
    expect(patched.status).toBe(200);
    conforms("updateTask", patched.json);
    expect(patched.json.changed).toEqual(["title"]);
    // Fields left out keep their values.
    expect(patched.json.task).toMatchObject({ title: "Rotate the TLS certificates", priority: "high", description: "Before Friday" });

    const illegal = await api(writeKey.token, "POST", `/tasks/${task.id}/move`, { status: "done" });
    expect(illegal.status).toBe(409);
    expect((illegal.json.error as unknown as { details: { allowed: string[] } }).details.allowed).toContain("assigned");
    const moved = await api(writeKey.token, "POST", `/tasks/${task.id}/move`, { status: "planning" });
    expect(moved.status).toBe(200);
    conforms("moveTask", moved.json);
    expect((moved.json.task as { status: string }).status).toBe("planning");

    const comment = await api(writeKey.token, "POST", `/tasks/${task.id}/comments`, { body: "On it **today**." });
    expect(comment.status).toBe(201);
    conforms("createComment", comment.json);
    const comments = await api(readKey.token, "GET", `/tasks/${task.id}/comments`);
    expect(comments.status).toBe(200);
    conforms("listComments", comments.json);
    expect((comments.json.comments as Array<{ body: string; author: { name: string } }>).map((c) => [c.body, c.author.name])).toEqual([
      ["On it **today**.", "Ada Admin"],
    ]);

    const deleted = await api(writeKey.token, "DELETE", `/tasks/${task.id}`);
    expect(deleted.status).toBe(200);
    conforms("deleteTask", deleted.json);
    expect((await api(readKey.token, "GET", `/tasks/${task.id}`)).status).toBe(404);
  });

  it("records the key's owner, and the key, as the actor of what it did", async () => {
    const created = await api(writeKey.token, "POST", `/workspaces/${ws.slug}/tasks`, { title: "Audited through a key" });
    const id = (created.json.task as { id: string }).id;
    expect((await api(writeKey.token, "DELETE", `/tasks/${id}`)).status).toBe(200);
    const [entry] = await query<{ actor: Record<string, string> }>(
      app.db,
      "select actor from audit_log where kind = 'task.deleted' and subject->>'task_id' = $1",
      [id],
    );
    expect(entry!.actor).toMatchObject({ type: "user", id: admin.id, name: "Ada Admin", api_key_id: writeKey.id });
    const [activity] = await query<{ actor_type: string; actor_id: string; actor_name: string }>(
      app.db,
      "select actor_type, actor_id, actor_name from task_activities where task_id = $1 and type = 'created'",
      [id],
    );
    expect(activity).toEqual({ actor_type: "user", actor_id: admin.id, actor_name: "Ada Admin" });
  });

  it("lets an approve key of an approver decide, with the digest it saw", async () => {
    const a = await ask();
    const pending = await api(approveKey.token, "GET", "/approvals");
    expect(pending.status).toBe(200);
    conforms("listApprovals", pending.json);
    expect((pending.json.approvals as Array<{ id: string }>).map((x) => x.id)).toContain(a.id);
    const stale = await api(approveKey.token, "POST", `/approvals/${a.id}/decision`, { decision: "approve", digest: "0".repeat(64) });
    expect(stale.status).toBe(409);
    const decided = await api(approveKey.token, "POST", `/approvals/${a.id}/decision`, { decision: "approve", digest: a.digest, comment: "ship it" });
    expect(decided.status).toBe(200);
    conforms("decideApproval", decided.json);
    expect(decided.json.approval).toMatchObject({ id: a.id, status: "approved" });
    const [row] = await query<{ decided_by: string }>(app.db, "select decided_by from approvals where id = $1", [a.id]);
    expect(row!.decided_by).toBe(approver.id);
    const [audit] = await query<{ actor: Record<string, string> }>(
      app.db,
      "select actor from audit_log where kind = 'approval.approved' and subject->>'approval_id' = $1",
      [a.id],
    );
    expect(audit!.actor).toMatchObject({ type: "user", id: approver.id });
    const decidedList = await api(readKey.token, "GET", "/approvals?status=decided");
    expect((decidedList.json.approvals as Array<{ id: string }>).map((x) => x.id)).toContain(a.id);
    // One request by its id, decided or not, with the digest a decision names.
    const one = await api(readKey.token, "GET", `/approvals/${a.id}`);
    expect(one.status).toBe(200);
    conforms("getApproval", one.json);
    expect(one.json.approval).toMatchObject({ id: a.id, status: "approved", digest: a.digest });
    expect((await api(readKey.token, "GET", "/approvals/00000000-0000-4000-8000-000000000000")).status).toBe(404);
  });

  it("runs the heartbeat with a write key, as the heartbeat page's button does", async () => {
    const run = await api(writeKey.token, "POST", "/heartbeat");
    expect(run.status).toBe(200);
    conforms("runHeartbeat", run.json);
    const [row] = await query<{ trigger: string }>(app.db, "select trigger from heartbeat_runs where id = $1", [run.json.run_id]);
    expect(row).toEqual({ trigger: "manual" });
    expect((await api(readKey.token, "POST", "/heartbeat")).status).toBe(403);
    expect((await api(writeKey.token, "GET", "/heartbeat")).status).toBe(405);
  });

  it("never lets a key do more than its scopes, nor more than its owner's role, and writes nothing when it refuses", async () => {
    const a = await ask();
    const task = await createTask(app.db, ws.id, { title: "Leave me be" });
    const before = await rowCounts(app.db);
    const cases: Array<[string, { token: string }, string, string, unknown]> = [
      ["read key writes", readKey, "POST", `/workspaces/${ws.slug}/tasks`, { title: "nope" }],
      ["read key patches", readKey, "PATCH", `/tasks/${task.id}`, { title: "nope" }],
      ["read key deletes", readKey, "DELETE", `/tasks/${task.id}`, undefined],
      ["write key approves", writeKey, "POST", `/approvals/${a.id}/decision`, { decision: "approve", digest: a.digest }],
      ["an operator's approve key approves", operatorApproveKey, "POST", `/approvals/${a.id}/decision`, { decision: "approve", digest: a.digest }],
      ["approve key writes", approveKey, "POST", `/tasks/${task.id}/comments`, { body: "nope" }],
    ];
    for (const [what, key, method, path, body] of cases) {
      const res = await api(key.token, method, path, body);
      expect(res.status, what).toBe(403);
      expect(res.json.error?.code, what).toBe("forbidden");
    }
    expect(await rowCounts(app.db)).toEqual(before);
    expect((await taskRow(app.db, task.id)).title).toBe("Leave me be");
    const [approval] = await query<{ status: string }>(app.db, "select status from approvals where id = $1", [a.id]);
    expect(approval!.status).toBe("pending");
    // The operator's key may still write: its write scope fits the operator role.
    expect((await api(operatorApproveKey.token, "PATCH", `/tasks/${task.id}`, { priority: "low" })).status).toBe(200);
  });

  it("takes a demoted owner's powers away from their keys at once", async () => {
    const lead = await createUser(app.db, "admin", "Lead");
    const key = await issueKey(app.db, lead, ["read", "write"]);
    expect((await api(key.token, "POST", `/workspaces/${ws.slug}/tasks`, { title: "Before the demotion" })).status).toBe(201);
    await query(app.db, "update users set role = 'viewer' where id = $1", [lead.id]);
    const refused = await api(key.token, "POST", `/workspaces/${ws.slug}/tasks`, { title: "After the demotion" });
    expect(refused.status).toBe(403);
    expect(refused.json.error?.message).toContain("operator role");
    expect((await api(key.token, "GET", "/workspaces")).status).toBe(200);
  });

  it("refuses malformed JSON, unknown fields, wrong types, oversized bodies and other media types with a 4xx, writing nothing", async () => {
    const task = await createTask(app.db, ws.id, { title: "Unchanged" });
    const before = await rowCounts(app.db);
    const path = `/workspaces/${ws.slug}/tasks`;
    const cases: Array<[string, number, () => ReturnType<typeof api>]> = [
      ["malformed JSON", 400, () => api(writeKey.token, "POST", path, "{not json")],
      ["unknown field", 400, () => api(writeKey.token, "POST", path, { title: "x", owner: "me" })],
      ["wrong type", 400, () => api(writeKey.token, "POST", path, { title: 42 })],
      ["blank title", 400, () => api(writeKey.token, "POST", path, { title: "   " })],
      ["assigned without agent", 400, () => api(writeKey.token, "POST", path, { title: "x", status: "assigned" })],
      ["oversized", 413, () => api(writeKey.token, "POST", path, { title: "x", description: "y".repeat(70 * 1024) })],
      ["not JSON", 415, () => api(writeKey.token, "POST", path, "title=x", { "content-type": "application/x-www-form-urlencoded" })],
      ["empty patch", 400, () => api(writeKey.token, "PATCH", `/tasks/${task.id}`, {})],
      ["patch unknown field", 400, () => api(writeKey.token, "PATCH", `/tasks/${task.id}`, { status: "done" })],
      ["move to nowhere", 400, () => api(writeKey.token, "POST", `/tasks/${task.id}/move`, { status: "limbo" })],
      ["comment too long", 400, () => api(writeKey.token, "POST", `/tasks/${task.id}/comments`, { body: "z".repeat(10_001) })],
    ];
    for (const [what, status, call] of cases) {
      const res = await call();
      expect(res.status, what).toBe(status);
      expect(res.json.error?.code, what).toBeTypeOf("string");
    }
    expect(await rowCounts(app.db)).toEqual(before);
    expect((await taskRow(app.db, task.id)).title).toBe("Unchanged");
  });

  it("answers 404 for unknown operations and ids, and 405 with Allow for a method an address does not take", async () => {
    expect((await api(readKey.token, "GET", "/nothing-here")).status).toBe(404);
    expect((await api(readKey.token, "GET", "/tasks/not-a-uuid")).status).toBe(404);
    expect((await api(readKey.token, "GET", "/tasks/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    const wrong = await api(readKey.token, "PUT", "/workspaces");
    expect(wrong.status).toBe(405);
    const method = await api(readKey.token, "DELETE", `/workspaces/${ws.slug}/tasks`);
    expect(method.status).toBe(405);
    expect(method.headers.get("allow")).toBe("GET, POST");
  });

  it("records a key's last use at most once a minute", async () => {
    const key = await issueKey(app.db, admin, ["read"]);
    const lastUsed = async () => (await query<{ t: string | null }>(app.db, "select last_used_at::text as t from api_keys where id = $1", [key.id]))[0]!.t;
    expect(await lastUsed()).toBeNull();
    await api(key.token, "GET", "/workspaces");
    const first = await lastUsed();
    expect(first).not.toBeNull();
    await api(key.token, "GET", "/workspaces");
    expect(await lastUsed()).toBe(first);
    await query(app.db, "update api_keys set last_used_at = now() - interval '61 seconds' where id = $1", [key.id]);
    const aged = await lastUsed();
    await api(key.token, "GET", "/workspaces");
    expect(await lastUsed()).not.toBe(aged);
  });
});

describe("operator API budgets", () => {
  const app = useTestServer({ env: { RATE_LIMIT_WRITES_PER_MIN: "3", RATE_LIMIT_AUTH_FAILURES_PER_MIN: "3" } });
  const api = apiClient(app);

  it("spends a key's write budget on writes only, and a client's failure budget on refused keys only", async () => {
    const owner = await createUser(app.db, "operator", "Budgeted");
    const ws = await createWorkspace(app.db);
    const key = await issueKey(app.db, owner, ["read", "write"]);
    const other = await issueKey(app.db, owner, ["read", "write"]);
    for (let i = 0; i < 3; i++) expect((await api(key.token, "POST", `/workspaces/${ws.slug}/tasks`, { title: `t${i}` })).status).toBe(201);
    const limited = await api(key.token, "POST", `/workspaces/${ws.slug}/tasks`, { title: "one too many" });
    expect(limited.status).toBe(429);
    expect(limited.json.error?.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // Reads are not writes, and another key has its own budget.
    expect((await api(key.token, "GET", `/workspaces/${ws.slug}/tasks`)).status).toBe(200);
    expect((await api(other.token, "POST", `/workspaces/${ws.slug}/tasks`, { title: "the other key" })).status).toBe(201);
    expect(await query(app.db, "select count(*)::int as n from tasks where workspace_id = $1", [ws.id])).toEqual([{ n: 4 }]);

    const wrong = `mck_${"y".repeat(43)}`;
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await api(wrong, "GET", "/workspaces")).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // A valid key still passes from the same address.
    expect((await api(other.token, "GET", "/workspaces")).status).toBe(200);
  });
});

/** The key the settings page showed in its one response. */
function shownKey(html: string): string | null {
  return /data-testid="api-key-token"><code>(mck_[A-Za-z0-9_-]+)<\/code>/.exec(html)?.[1] ?? null;
}

/** Creates a key on the settings page as a browser without JavaScript would: a plain form post. */
async function createKeyOnSettings(client: FormClient, fields: Record<string, string>) {
  await client.get("/settings");
  const res = await client.post("/settings", { intent: "create-key", ...fields });
  return { res, html: await res.text() };
}

// The embedded database too: the keys' SQL and the API's writes on PGlite,
// everything set up through the pages, as a user would.
for (const database of ["embedded", "postgres"] as const) {
  describe(`API keys on the settings page (${database})`, () => {
    const app = useTestServer({ database });
    const api = apiClient(app);
    let admin: FormClient;

    beforeAll(async () => {
      admin = await app.setUpAdmin();
      await admin.get("/");
      const created = await admin.post("/?index", { name: "Ops", slug: "ops", icon: "" });
      expect([302, 303]).toContain(created.status);
    });

    it("shows a new key once, which then works until it is revoked; the revoked key stays listed", async () => {
      const { res, html } = await createKeyOnSettings(admin, { name: "Deploy script", scope_read: "1", scope_write: "1", expires_in_days: "30" });
      expect(res.status).toBe(201);
      expect(res.headers.get("cache-control")).toContain("no-store");
      const token = shownKey(html);
      expect(token).toMatch(/^mck_/);
      // Shown once: the page itself never carries it again.
      await admin.get("/settings");
      expect(admin.lastHtml).not.toContain(token!);
      expect(admin.lastHtml).toContain("Deploy script");
      expect(admin.lastHtml).toContain(token!.slice(0, 10));

      const made = await api(token, "POST", "/workspaces/ops/tasks", { title: "Made with a key" });
      expect(made.status).toBe(201);
      const listed = await api(token, "GET", "/workspaces/ops/tasks?q=key");
      expect((listed.json.tasks as Array<{ title: string }>).map((t) => t.title)).toEqual(["Made with a key"]);

      const keyId = /data-key-id="([0-9a-f-]{36})"/.exec(admin.lastHtml)![1]!;
      const revoked = await admin.post("/settings", { intent: "revoke-key", key_id: keyId });
      expect([302, 303]).toContain(revoked.status);
      expect((await api(token, "GET", "/workspaces")).status).toBe(401);
      await admin.get("/settings");
      expect(admin.lastHtml).toMatch(new RegExp(`data-key-id="${keyId}" data-state="revoked"`));
    });

    it("refuses a key without a name or scope, next to the field, creating nothing", async () => {
      const { res, html } = await createKeyOnSettings(admin, { name: "", expires_in_days: "" });
      expect(res.status).toBe(400);
      expect(html).toContain("Name the key");
      expect(html).toContain("Choose at least one scope");
      expect(shownKey(html)).toBeNull();
    });
  });
}
