import { beforeAll, describe, expect, it } from "vitest";
import { auditLogFacets, searchAuditLog } from "#app/db/audit.server";
import type { Workspace } from "#app/db/workspaces.server";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { type TestUser, createAgent, createTask, createUser, createWorkspace, query, userActor } from "#tests/support/fixtures";

// The audit page's read: filters (who, action or area, workspace, days in the
// reader's zone, text), pages by seq, and the names of who acted and of what
// an entry concerns.
describe.each(TRANSPORTS)("searching the audit log on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let other: Workspace;
  let agentId: string;
  let taskId: string;
  let ada: TestUser;

  beforeAll(async () => {
    ada = await createUser(db(), "admin", "Ada Admin");
    ws = await createWorkspace(db(), { name: "Audited space" });
    other = await createWorkspace(db(), { name: "Elsewhere" });
    agentId = (await createAgent(db(), ws.id, { name: "Scribe" })).id;
    await createAgent(db(), other.id, { name: "Far away" });
    const task = await createTask(db(), ws.id, { title: "Write the minutes" });
    taskId = task.id;
    // A person's move (task.status_override) and an autonomy change by that person.
    await query(db(), "select update_task($1, $2::text::jsonb, $3::text::jsonb)", [
      task.id,
      JSON.stringify({ status: "planning" }),
      JSON.stringify(userActor(ada)),
    ]);
    await query(db(), "update agents set autonomy_level = 'hotl' where id = $1", [agentId]);
    // Twelve old entries from the heartbeat, dated 2026-01-10 (UTC).
    for (let i = 0; i < 12; i++)
      await query(db(), 'select append_audit(\'test.tick\', \'{"type":"system","name":"heartbeat"}\'::jsonb, \'{}\'::jsonb, $1::text::jsonb)', [
        JSON.stringify({ n: i }),
      ]);
  });

  it("names who acted and links what the entry concerns", async () => {
    const page = await searchAuditLog(db(), { action: "task.status_override" }, null, 10, "UTC");
    expect(page.entries).toHaveLength(1);
    expect(page.entries[0]).toMatchObject({
      kind: "task.status_override",
      actor_name: "Ada Admin",
      refs: { task: { id: taskId, title: "Write the minutes" }, workspace: { id: ws.id, slug: ws.slug, name: "Audited space" } },
    });
    const created = await searchAuditLog(db(), { action: "agent.created", workspace_id: ws.id }, null, 10, "UTC");
    expect(created.entries.map((e) => e.refs.agent?.name)).toEqual(["Scribe"]);
  });

  it("filters by who acted, by area, by workspace and by text", async () => {
    const byAda = await searchAuditLog(db(), { actor: `user:${ada.id}` }, null, 50, "UTC");
    expect(byAda.entries.length).toBeGreaterThan(0);
    expect(byAda.entries.every((e) => e.actor.id === ada.id)).toBe(true);
    const heartbeat = await searchAuditLog(db(), { actor: "system:heartbeat" }, null, 50, "UTC");
    expect(heartbeat.entries).toHaveLength(12);
    const agents = await searchAuditLog(db(), { action: "agent" }, null, 50, "UTC");
    expect(new Set(agents.entries.map((e) => e.kind))).toEqual(new Set(["agent.created", "agent.autonomy_changed"]));
    const elsewhere = await searchAuditLog(db(), { workspace_id: other.id }, null, 50, "UTC");
    expect(elsewhere.entries.map((e) => [e.kind, e.refs.agent?.name])).toEqual([["agent.created", "Far away"]]);
    const text = await searchAuditLog(db(), { q: "MINUTES" }, null, 50, "UTC");
    expect(text.entries.map((e) => e.kind)).toContain("task.status_override");
    const byName = await searchAuditLog(db(), { q: "ada adm" }, null, 50, "UTC");
    expect(byName.entries.every((e) => e.actor.id === ada.id || JSON.stringify(e).toLowerCase().includes("ada adm"))).toBe(true);
    expect(byName.entries.length).toBeGreaterThan(0);
  });

  it("filters by calendar days in the reader's time zone", async () => {
    await query(db(), "alter table audit_log disable trigger audit_log_append_only");
    // 23:30 UTC on 2026-01-10 is already 2026-01-11 in Berlin.
    await query(db(), "update audit_log set at = '2026-01-10T23:30:00Z' where kind = 'test.tick'");
    await query(db(), "alter table audit_log enable trigger audit_log_append_only");
    const utc = await searchAuditLog(db(), { from: "2026-01-10", to: "2026-01-10" }, null, 50, "UTC");
    expect(utc.entries).toHaveLength(12);
    const berlin = await searchAuditLog(db(), { from: "2026-01-10", to: "2026-01-10" }, null, 50, "Europe/Berlin");
    expect(berlin.entries).toHaveLength(0);
    const berlinNext = await searchAuditLog(db(), { from: "2026-01-11", to: "2026-01-11" }, null, 50, "Europe/Berlin");
    expect(berlinNext.entries).toHaveLength(12);
  });

  it("pages newest first and says where the next page starts", async () => {
    const first = await searchAuditLog(db(), { action: "test" }, null, 5, "UTC");
    expect(first.entries).toHaveLength(5);
    expect(first.next_before).toBe(first.entries.at(-1)!.seq);
    const second = await searchAuditLog(db(), { action: "test" }, first.next_before, 5, "UTC");
    const third = await searchAuditLog(db(), { action: "test" }, second.next_before, 5, "UTC");
    expect(third.entries).toHaveLength(2);
    expect(third.next_before).toBeNull();
    const seqs = [...first.entries, ...second.entries, ...third.entries].map((e) => e.seq);
    expect(seqs).toEqual(seqs.toSorted((a, b) => b - a));
    expect(new Set(seqs).size).toBe(12);
  });

  it("offers every action, actor and workspace as a filter choice", async () => {
    const facets = await auditLogFacets(db());
    expect(facets.kinds).toEqual(expect.arrayContaining(["agent.created", "task.status_override", "test.tick"]));
    expect(facets.actors).toEqual(
      expect.arrayContaining([
        { key: `user:${ada.id}`, type: "user", name: "Ada Admin" },
        { key: "system:heartbeat", type: "system", name: "heartbeat" },
      ]),
    );
    expect(facets.workspaces.map((w) => w.name)).toEqual(expect.arrayContaining(["Audited space", "Elsewhere"]));
  });
});
