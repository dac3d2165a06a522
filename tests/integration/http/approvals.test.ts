import { beforeAll, describe, expect, it } from "vitest";
import { createAgentWithToken, createTask, createWorkspace, query } from "#tests/support/fixtures";
import { FormClient, TEST_ADMIN } from "#tests/support/http-client";
import { useTestServer } from "#tests/support/test-server";

// Approvals end to end over HTTP: an agent asks, only an approver decides
// (with the digest they saw), the first decision wins, the agent's poll sees
// the result, and the board's "Needs you" lane shows what waits.
describe("approvals", () => {
  const app = useTestServer();
  let admin: FormClient;
  let operatorClient: FormClient;
  let ws: { id: string; slug: string };
  let agent: { id: string; token: string };
  let taskId: string;

  const ask = async (args: Record<string, unknown> = { env: "prod" }, on = { task: "", action: "deploy" }) => {
    const res = await fetch(`${app.url}/api/agent/approvals`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
      body: JSON.stringify({ task_id: on.task || taskId, action: on.action, args, target: "web-1", reason: "ship" }),
    });
    expect([200, 201]).toContain(res.status);
    return (await res.json()) as { id: string; digest: string; status: string };
  };
  const poll = async (id: string) =>
    (await (await fetch(`${app.url}/api/agent/approvals/${id}`, { headers: { authorization: `Bearer ${agent.token}` } })).json()) as {
      status: string;
      by: string | null;
      comment: string | null;
    };
  const decide = async (client: FormClient, intent: "approve" | "deny" | "approve_grant", id: string, digest: string, comment = "") => {
    await client.get("/approvals");
    return client.post("/approvals", { intent, approval_id: id, digest, comment });
  };
  const login = async (email: string) => {
    const client = new FormClient(app.url);
    await client.get("/login");
    expect((await client.post("/login", { email, password: TEST_ADMIN.password, redirectTo: "/" })).status).toBe(302);
    return client;
  };

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    await query(
      app.db,
      "insert into users (email, name, role, password_hash) select 'op@example.test', 'Op', 'operator', password_hash from users where role = 'admin'",
    );
    operatorClient = await login("op@example.test");
    ws = await createWorkspace(app.db);
    agent = await createAgentWithToken(app.db, ws.id, { name: "Asker" });
    taskId = (await createTask(app.db, ws.id, { title: "Needs a yes", status: "assigned", assigned_agent_id: agent.id })).id;
  });

  it("shows a pending request in the inbox, the nav count and the Needs-you lane", async () => {
    const a = await ask({ env: "staging" });
    await admin.get("/approvals");
    expect(admin.lastHtml).toContain(`data-approval-id="${a.id}"`);
    expect(admin.lastHtml).toContain("staging");
    expect(admin.lastHtml).toMatch(/data-testid="pending-approvals">1</);
    await admin.get(`/w/${ws.slug}`);
    expect(admin.lastHtml).toContain(`data-needs-you="${taskId}"`);
    expect(admin.lastHtml).toContain("1 approval waiting");
  });

  it("lets only approvers decide: an operator gets 403 and nothing changes", async () => {
    const a = await ask({ env: "staging" });
    const res = await decide(operatorClient, "approve", a.id, a.digest);
    expect(res.status).toBe(403);
    expect((await poll(a.id)).status).toBe("pending");
    await operatorClient.get("/approvals");
    expect(operatorClient.lastHtml).not.toContain(">Approve</button>");
  });

  it("approves the exact action; the agent's poll sees it with the approver's comment", async () => {
    const a = await ask({ env: "staging" });
    const res = await decide(admin, "approve", a.id, a.digest, "go ahead");
    expect(res.status).toBe(302);
    expect(await poll(a.id)).toMatchObject({ status: "approved", by: "operator", comment: "go ahead" });
    const [activity] = await query<{ message: string }>(app.db, "select message from task_activities where task_id = $1 and type = 'approval_approved'", [
      taskId,
    ]);
    expect(activity!.message).toBe("Approved deploy: go ahead");
  });

  it("refuses a decision made against another digest (the action changed)", async () => {
    const a = await ask({ env: "prod", version: 1 });
    const other = await ask({ env: "prod", version: 2 });
    expect(other.id).not.toBe(a.id);
    const res = await decide(admin, "approve", a.id, other.digest);
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("The action changed");
    expect((await poll(a.id)).status).toBe("pending");
  });

  it("lets exactly one of two racing decisions win", async () => {
    const a = await ask({ env: "race" });
    const second = await login(TEST_ADMIN.email);
    await Promise.all([admin.get("/approvals"), second.get("/approvals")]);
    const [r1, r2] = await Promise.all([
      admin.post("/approvals", { intent: "approve", approval_id: a.id, digest: a.digest, comment: "" }),
      second.post("/approvals", { intent: "deny", approval_id: a.id, digest: a.digest, comment: "" }),
    ]);
    expect([r1.status, r2.status].sort()).toEqual([302, 409]);
    const final = await poll(a.id);
    expect(["approved", "denied"]).toContain(final.status);
    expect(
      await query(app.db, "select 1 from task_activities where metadata->>'approval_id' = $1 and type in ('approval_approved', 'approval_denied')", [a.id]),
    ).toHaveLength(1);
  });

  it("denies, and refuses deciding again or deciding an expired request", async () => {
    const a = await ask({ env: "deny" });
    expect((await decide(admin, "deny", a.id, a.digest, "not now")).status).toBe(302);
    expect((await poll(a.id)).status).toBe("denied");
    expect((await decide(admin, "approve", a.id, a.digest)).status).toBe(409);
    const b = await ask({ env: "late" });
    await query(app.db, "update approvals set expires_at = now() - interval '1 second' where id = $1", [b.id]);
    expect((await poll(b.id)).status).toBe("expired");
    const late = await decide(admin, "approve", b.id, b.digest);
    expect(late.status).toBe(409);
    expect(await late.text()).toContain("expired");
  });

  it("never lets someone decide their own request", async () => {
    const a = await ask({ env: "self" });
    const [me] = await query<{ id: string }>(app.db, "select id from users where email = $1", [TEST_ADMIN.email]);
    await query(app.db, "update approvals set requested_by_user_id = $1 where id = $2", [me!.id, a.id]);
    const res = await decide(admin, "approve", a.id, a.digest);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("your own request");
  });

  it("rejects forged or malformed decisions with 400 and unknown ids with 404", async () => {
    await admin.get("/approvals");
    expect((await admin.post("/approvals", { intent: "approve", approval_id: "x", digest: "y" })).status).toBe(400);
    await admin.get("/approvals");
    expect((await admin.post("/approvals", { intent: "approve", approval_id: "00000000-0000-4000-8000-000000000000", digest: "a".repeat(64) })).status).toBe(
      404,
    );
    await admin.get("/approvals");
    expect(
      (await admin.post("/approvals", { intent: "approve", approval_id: "00000000-0000-4000-8000-000000000000", digest: "a".repeat(64), approved_by: "me" }))
        .status,
    ).toBe(400);
  });

  it("shows the risk of each request, and offers a standing grant only for low-risk work", async () => {
    const a = await ask({ env: "risk" });
    const risky = (await createTask(app.db, ws.id, { title: "Risky", status: "assigned", assigned_agent_id: agent.id })).id;
    await query(app.db, "update tasks set task_type_id = (select id from task_types where key = 'code_change') where id = $1", [risky]);
    const b = await ask({ env: "risk" }, { task: risky, action: "deploy" });
    await admin.get("/approvals");
    const card = (id: string) => admin.lastHtml.split(`data-approval-id="${id}"`)[1]!.split("</li>")[0]!;
    expect(card(a.id)).toContain("low risk");
    expect(card(a.id)).toContain("Approve &amp; allow for this task");
    expect(card(b.id)).toContain("medium risk");
    expect(card(b.id)).toContain("Code change");
    expect(card(b.id)).not.toContain("allow for this task");
    // The form is not the guard: the database refuses a grant on medium risk.
    const res = await decide(admin, "approve_grant", b.id, b.digest);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("low-risk work only");
    expect((await poll(b.id)).status).toBe("pending");
  });

  it("approve & allow: the same action on the same task then runs without asking, until revoked", async () => {
    const granted = (await createTask(app.db, ws.id, { title: "Granted", status: "assigned", assigned_agent_id: agent.id })).id;
    const other = (await createTask(app.db, ws.id, { title: "Not granted", status: "assigned", assigned_agent_id: agent.id })).id;
    const first = await ask({ file: "a.md" }, { task: granted, action: "publish_note" });
    expect((await decide(admin, "approve_grant", first.id, first.digest, "fine")).status).toBe(302);
    expect((await poll(first.id)).status).toBe("approved");

    // Other arguments, same action and task: allowed by the grant, and said so.
    const next = await ask({ file: "b.md" }, { task: granted, action: "publish_note" });
    expect(next.status).toBe("approved");
    expect(await poll(next.id)).toMatchObject({ status: "approved", by: "standing_grant" });
    // Another action on the task, or the same action on another task, still asks.
    expect((await ask({ file: "b.md" }, { task: granted, action: "delete_note" })).status).toBe("pending");
    expect((await ask({ file: "b.md" }, { task: other, action: "publish_note" })).status).toBe("pending");

    const [grant] = await query<{ id: string }>(app.db, "select id from standing_grants where task_id = $1 and revoked_at is null", [granted]);
    expect(await query(app.db, "select 1 from audit_log where kind = 'grant.created' and subject->>'grant_id' = $1", [grant!.id])).toHaveLength(1);

    // The task page lists it; an operator cannot revoke, an approver can.
    const page = `/w/${ws.slug}/tasks/${granted}`;
    await admin.get(page);
    expect(admin.lastHtml).toContain(`data-grant-id="${grant!.id}"`);
    await operatorClient.get(page);
    expect(operatorClient.lastHtml).not.toContain('value="revoke-grant"');
    expect((await operatorClient.post(page, { intent: "revoke-grant", grant_id: grant!.id })).status).toBe(403);
    await admin.get(page);
    expect((await admin.post(page, { intent: "revoke-grant", grant_id: grant!.id })).status).toBe(302);
    expect(await query(app.db, "select 1 from audit_log where kind = 'grant.revoked' and subject->>'grant_id' = $1", [grant!.id])).toHaveLength(1);
    expect((await ask({ file: "c.md" }, { task: granted, action: "publish_note" })).status).toBe("pending");
    await admin.get(page);
    expect((await admin.post(page, { intent: "revoke-grant", grant_id: grant!.id })).status).toBe(404);
  });

  it("refuses an approval that claims a standing grant nobody gave", async () => {
    await expect(
      query(
        app.db,
        `insert into approvals (task_id, action, args, target, reason, digest, expires_at, mode, status, decided_by_policy, decided_at)
                  values ($1, 'sneaky', '{}', '', '', repeat('a', 64), now() + interval '1 hour', 'policy', 'approved', 'standing_grant', now())`,
        [taskId],
      ),
    ).rejects.toThrow(/No standing grant/);
  });
});
