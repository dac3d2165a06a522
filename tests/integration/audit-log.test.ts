import { beforeAll, describe, expect, it } from "vitest";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import type { Agent } from "#app/db/agents.server";
import type { Workspace } from "#app/db/workspaces.server";
import { SYSTEM, createAgent, createTask, createWorkspace, query } from "#tests/support/fixtures";

interface Verification {
  ok: boolean;
  rows: number;
  broken_at?: number;
  reason?: string;
}

// The audit log: every decision, dispatch, override and autonomy change is
// chained in the same transaction; any edit is detected.
describe.each(TRANSPORTS)("audit log on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let agent: Agent;
  const verify = () => db().rpc<Verification>("verify_audit_log");
  const kinds = async () => (await query<{ kind: string }>(db(), "select kind from audit_log order by seq")).map((r) => r.kind);

  beforeAll(async () => {
    ws = await createWorkspace(db());
    agent = await createAgent(db(), ws.id, { name: "Audited", openclaw_agent_id: "main" });
  });

  it("records dispatches, manual moves, approval decisions and autonomy changes in one chain", async () => {
    const task = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id });
    const [claimed] = await db().rpc<Array<{ session_key: string }>>("claim_tasks_for_dispatch", { p_limit: 1, p_claim_seconds: 60, p_task_id: task.id });
    await db().rpc("mark_task_dispatched", { p_task_id: task.id, p_run_id: "r1", p_session_key: claimed!.session_key, p_lease_seconds: 60 });
    await db().rpc("update_task", { p_task_id: task.id, p_fields: { status: "review" }, p_actor: { type: "user", name: "Op" } });
    const [approver] = await query<{ id: string }>(
      db(),
      "insert into users (email, name, role, password_hash) values ('ap@a.test', 'Ap', 'approver', 'h') returning id",
    );
    const approval = await db().rpc<{ id: string; digest: string }>("agent_request_action", {
      p_agent_id: agent.id,
      p_task_id: task.id,
      p_action: "deploy",
      p_args: {},
      p_target: "",
      p_reason: "",
      p_digest: "b".repeat(64),
      p_ttl_seconds: 60,
    });
    await db().rpc("decide_approval", {
      p_approval_id: approval.id,
      p_decision: "approved",
      p_user_id: approver!.id,
      p_digest: approval.digest,
      p_comment: "ok",
    });
    await query(db(), "update agents set autonomy_level = 'hotl' where id = $1", [agent.id]);
    expect(await kinds()).toEqual(["agent.created", "task.dispatched", "task.status_override", "approval.approved", "agent.autonomy_changed"]);
    expect(await verify()).toMatchObject({ ok: true, rows: 5 });
    // A decision names the person (from the users table), not just an id or a role.
    const [decision] = await query<{ actor: Record<string, string> }>(db(), "select actor from audit_log where kind = 'approval.approved'");
    expect(decision!.actor).toEqual({ type: "user", id: approver!.id, name: "Ap", email: "ap@a.test" });
  });

  it("refuses updates and deletes", async () => {
    await expect(db().session((s) => s.query("update audit_log set kind = 'x.y'"))).rejects.toThrow("the audit log is append-only");
    await expect(db().session((s) => s.query("delete from audit_log"))).rejects.toThrow("the audit log is append-only");
    expect((await verify()).ok).toBe(true);
  });

  it("detects an altered row and a removed row", async () => {
    await db().rpc("append_audit", { p_kind: "test.extra", p_actor: SYSTEM, p_subject: {}, p_data: { n: 1 } });
    // Tamper as an attacker with database access would: around the trigger.
    await db().session(async (s) => {
      await s.exec("alter table audit_log disable trigger audit_log_append_only");
      await s.query("update audit_log set data = '{\"comment\":\"forged\"}' where kind = 'approval.approved'");
      await s.exec("alter table audit_log enable trigger audit_log_append_only");
    });
    const altered = await verify();
    expect(altered).toMatchObject({ ok: false, reason: "row_altered" });
    await db().session(async (s) => {
      await s.exec("alter table audit_log disable trigger audit_log_append_only");
      await s.query('update audit_log set data = \'{"action":"deploy","digest":"' + "b".repeat(64) + '","comment":"ok"}\' where kind = \'approval.approved\'');
      await s.query("delete from audit_log where kind = 'task.status_override'");
      await s.exec("alter table audit_log enable trigger audit_log_append_only");
    });
    expect(await verify()).toMatchObject({ ok: false, reason: "chain_broken" });
  });
});
