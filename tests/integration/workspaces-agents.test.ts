import { describe, expect, it } from "vitest";
import { RPC_TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { SYSTEM, appError, createAgent, createTask, createWorkspace, eventsAfter, hash64, maxSeq, query, rowCounts, unique } from "#tests/support/fixtures";

describe.each(RPC_TRANSPORTS)("workspaces on %s", (kind) => {
  const db = useTestDatabase(kind);

  it("creates a workspace, trimming the name and defaulting the icon", async () => {
    const slug = unique("lab");
    const ws = await db().rpc("create_workspace", { p_name: "  Lab  ", p_slug: slug, p_icon: "", p_actor: SYSTEM });
    expect(ws).toEqual({ id: expect.any(String), slug, name: "Lab", icon: "🛰️" });
    expect(await db().rpc("get_workspace_by_slug", { p_slug: slug })).toMatchObject({ slug, name: "Lab", created_at: expect.any(String) });
  });

  it("returns null for an unknown slug", async () => {
    expect(await db().rpc("get_workspace_by_slug", { p_slug: "no-such-workspace" })).toBeNull();
  });

  it("refuses a taken slug with a field error and writes nothing", async () => {
    const ws = await createWorkspace(db());
    const before = await rowCounts(db());
    const error = await appError(createWorkspace(db(), { slug: ws.slug }));
    expect(error).toMatchObject({ code: "conflict", status: 409, details: { fields: { slug: "Already taken" } } });
    expect(await rowCounts(db())).toEqual(before);
  });

  it.each([
    ["a slug the pattern refuses", { slug: "Bad Slug" }],
    ["an empty name", { name: "   " }],
    ["a name over 80 characters", { name: "x".repeat(81) }],
    ["an icon over 8 characters", { icon: "x".repeat(9) }],
  ])("refuses %s as invalid", async (_label, fields) => {
    const before = await rowCounts(db());
    expect(await appError(createWorkspace(db(), fields))).toMatchObject({ code: "invalid", status: 400 });
    expect(await rowCounts(db())).toEqual(before);
  });

  it("lists workspaces by name with task counts per status and agent counts", async () => {
    const ws = await createWorkspace(db(), { name: "mmb created first" });
    const agent = await createAgent(db(), ws.id);
    await createTask(db(), ws.id);
    await createTask(db(), ws.id);
    await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id });
    const later = await createWorkspace(db(), { name: "mma created second" });
    const list = await db().rpc<Array<Record<string, unknown>>>("list_workspaces");
    // Sorted by name (lower case on both so the server's collation does not matter).
    expect(list.findIndex((w) => w.id === later.id)).toBeLessThan(list.findIndex((w) => w.id === ws.id));
    expect(list.find((w) => w.id === ws.id)).toEqual({
      id: ws.id,
      slug: ws.slug,
      name: "mmb created first",
      icon: "🛰️",
      created_at: expect.any(String),
      task_counts: { inbox: 2, assigned: 1 },
      task_total: 3,
      agent_count: 1,
      spend: { d30: { cost_usd: 0, records: 0, provenance: null }, total: { cost_usd: 0, records: 0, provenance: null } },
    });
  });

  it("gives each card its spend from the ledger: the last 30 UTC days and in all, with where it comes from", async () => {
    const usage = (wsId: string, cost: number | null, provenance: string, daysAgo: number) =>
      query(
        db(),
        `insert into usage_records (workspace_id, source, model, input_tokens, output_tokens, cost_usd, provenance, created_at)
         values ($1, 'agent_api', 'gpt-test', 100, 10, $2, $3, now() - make_interval(days => $4::int))`,
        [wsId, cost, provenance, daysAgo],
      );
    const mixed = await createWorkspace(db());
    await usage(mixed.id, 1.5, "reported", 0);
    await usage(mixed.id, 0.25, "estimated", 10);
    await usage(mixed.id, 10, "reported", 40);
    await usage(mixed.id, null, "unpriced", 50);
    const old = await createWorkspace(db());
    await usage(old.id, 2.345678, "reported", 45);
    const included = await createWorkspace(db());
    await usage(included.id, 0, "included", 1);
    // Day 29 back is inside the window, day 31 outside (UTC days, as on the Costs page).
    const edge = await createWorkspace(db());
    await usage(edge.id, 1, "reported", 31);
    await query(
      db(),
      `insert into usage_records (workspace_id, source, model, input_tokens, output_tokens, cost_usd, provenance, created_at)
       values ($1, 'agent_api', 'gpt-test', 1, 1, 3, 'reported', date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - interval '29 days')`,
      [edge.id],
    );

    const list =
      await db().rpc<Array<{ id: string; spend: Record<string, { cost_usd: number; records: number; provenance: string | null }> }>>("list_workspaces");
    const spend = (id: string) => {
      const s = list.find((w) => w.id === id)!.spend;
      return Object.fromEntries(Object.entries(s).map(([k, f]) => [k, { ...f, cost_usd: Number(f.cost_usd) }]));
    };
    expect(spend(mixed.id)).toEqual({
      d30: { cost_usd: 1.75, records: 2, provenance: "estimated" },
      total: { cost_usd: 11.75, records: 4, provenance: "estimated" },
    });
    expect(spend(old.id)).toEqual({
      d30: { cost_usd: 0, records: 0, provenance: null },
      total: { cost_usd: 2.345678, records: 1, provenance: "reported" },
    });
    expect(spend(included.id)).toEqual({
      d30: { cost_usd: 0, records: 1, provenance: "included" },
      total: { cost_usd: 0, records: 1, provenance: "included" },
    });
    expect(spend(edge.id)).toEqual({
      d30: { cost_usd: 3, records: 1, provenance: "reported" },
      total: { cost_usd: 4, records: 2, provenance: "reported" },
    });
  });

  it("updates name and icon, keeping the icon when none is given", async () => {
    const ws = await createWorkspace(db(), { icon: "🧪" });
    const seq = await maxSeq(db());
    const updated = await db().rpc("update_workspace", { p_workspace_id: ws.id, p_name: " Renamed ", p_icon: "", p_actor: SYSTEM });
    expect(updated).toEqual({ id: ws.id, slug: ws.slug, name: "Renamed", icon: "🧪" });
    expect((await eventsAfter(db(), seq)).map((e) => [e.type, e.workspace_id, e.payload])).toEqual([
      ["workspace.updated", ws.id, { name: "Renamed", icon: "🧪" }],
    ]);
  });

  it("answers not_found for an unknown workspace", async () => {
    const id = crypto.randomUUID();
    for (const call of [
      db().rpc("update_workspace", { p_workspace_id: id, p_name: "x", p_icon: "", p_actor: SYSTEM }),
      db().rpc("delete_workspace", { p_workspace_id: id, p_actor: SYSTEM }),
    ]) {
      expect(await appError(call)).toMatchObject({ code: "not_found", status: 404, message: "Workspace not found." });
    }
  });

  it("refuses to delete a workspace that still has tasks or agents, naming the counts", async () => {
    const ws = await createWorkspace(db());
    await createAgent(db(), ws.id);
    await createTask(db(), ws.id);
    await createTask(db(), ws.id);
    const before = await rowCounts(db());
    const error = await appError(db().rpc("delete_workspace", { p_workspace_id: ws.id, p_actor: SYSTEM }));
    expect(error).toMatchObject({ code: "conflict", status: 409, details: { tasks: 2, agents: 1 } });
    expect(error.message).toBe("This workspace still has 2 task(s) and 1 agent(s). Delete or move them first.");
    expect(await rowCounts(db())).toEqual(before);
  });

  it("deletes an empty workspace and records it", async () => {
    const ws = await createWorkspace(db());
    const seq = await maxSeq(db());
    expect(await db().rpc("delete_workspace", { p_workspace_id: ws.id, p_actor: SYSTEM })).toEqual({ id: ws.id, deleted: true });
    expect(await db().rpc("get_workspace_by_slug", { p_slug: ws.slug })).toBeNull();
    expect((await eventsAfter(db(), seq)).map((e) => [e.type, e.workspace_id])).toEqual([["workspace.deleted", ws.id]]);
  });
});

describe.each(RPC_TRANSPORTS)("agents on %s", (kind) => {
  const db = useTestDatabase(kind);

  it("creates an agent with defaults, never returning the token hash", async () => {
    const ws = await createWorkspace(db());
    const hash = hash64();
    const agent = await createAgent(db(), ws.id, { name: "  Scout  ", emoji: "", openclaw_agent_id: "" }, { hash, hint: "mc_ab12" });
    expect(agent).toMatchObject({
      workspace_id: ws.id,
      name: "Scout",
      role: "",
      emoji: "🤖",
      model: "",
      openclaw_agent_id: null,
      status: "standby",
      autonomy_level: "hitl",
      has_token: true,
      token_hint: "mc_ab12",
      token_created_at: expect.any(String),
    });
    expect(JSON.stringify(agent)).not.toContain(hash);
    expect(await db().rpc("get_agent", { p_agent_id: agent.id })).toEqual(agent);
  });

  it("returns null for an unknown agent", async () => {
    expect(await db().rpc("get_agent", { p_agent_id: crypto.randomUUID() })).toBeNull();
  });

  it("keeps names unique per workspace, ignoring case and spaces", async () => {
    const ws = await createWorkspace(db());
    const other = await createWorkspace(db());
    await createAgent(db(), ws.id, { name: "Scout" });
    const before = await rowCounts(db());
    const error = await appError(createAgent(db(), ws.id, { name: " scout " }));
    expect(error).toMatchObject({ code: "conflict", details: { fields: { name: "Already used in this workspace" } } });
    expect(error.fieldErrors).toEqual({ name: "Already used in this workspace" });
    expect(await rowCounts(db())).toEqual(before);
    // Another workspace may reuse the name.
    await expect(createAgent(db(), other.id, { name: "Scout" })).resolves.toMatchObject({ name: "Scout" });
  });

  it("refuses an agent for an unknown workspace", async () => {
    expect(await appError(createAgent(db(), crypto.randomUUID()))).toMatchObject({ code: "not_found" });
  });

  it("refuses values the table does not allow", async () => {
    const ws = await createWorkspace(db());
    for (const fields of [{ status: "busy" }, { openclaw_agent_id: "-bad" }, { role: "x".repeat(201) }, { name: "" }]) {
      expect(await appError(createAgent(db(), ws.id, fields))).toMatchObject({ code: "invalid" });
    }
  });

  it("updates only the given fields and records which", async () => {
    const ws = await createWorkspace(db());
    const agent = await createAgent(db(), ws.id, { name: "Scout", role: "Research", model: "m1" });
    const seq = await maxSeq(db());
    const updated = await db().rpc("update_agent", { p_agent_id: agent.id, p_fields: { status: "working", emoji: "" }, p_actor: SYSTEM });
    expect(updated).toMatchObject({ name: "Scout", role: "Research", model: "m1", status: "working", emoji: "🤖" });
    const events = await eventsAfter(db(), seq);
    expect(events.map((e) => [e.type, e.agent_id, e.payload])).toEqual([
      ["agent.updated", agent.id, { name: "Scout", status: "working", fields: expect.arrayContaining(["status", "emoji"]) }],
    ]);
  });

  it("refuses renaming onto another agent's name but allows keeping its own", async () => {
    const ws = await createWorkspace(db());
    const a = await createAgent(db(), ws.id, { name: "Alpha" });
    await createAgent(db(), ws.id, { name: "Beta" });
    const error = await appError(db().rpc("update_agent", { p_agent_id: a.id, p_fields: { name: "BETA" }, p_actor: SYSTEM }));
    expect(error).toMatchObject({ code: "conflict", details: { fields: { name: "Already used in this workspace" } } });
    await expect(db().rpc("update_agent", { p_agent_id: a.id, p_fields: { name: "alpha" }, p_actor: SYSTEM })).resolves.toMatchObject({
      name: "alpha",
    });
  });

  it("rotates the token, changing only hint and time", async () => {
    const ws = await createWorkspace(db());
    const agent = await createAgent(db(), ws.id);
    expect(agent).toMatchObject({ has_token: false, token_hint: null, token_created_at: null });
    const seq = await maxSeq(db());
    const rotated = await db().rpc("rotate_agent_token", { p_agent_id: agent.id, p_token_hash: hash64(), p_token_hint: "mc_zz99", p_actor: SYSTEM });
    expect(rotated).toMatchObject({ id: agent.id, has_token: true, token_hint: "mc_zz99", token_created_at: expect.any(String) });
    expect((await eventsAfter(db(), seq)).map((e) => [e.type, e.payload])).toEqual([["agent.updated", { name: agent.name, token_rotated: true }]]);
    const missing = db().rpc("rotate_agent_token", { p_agent_id: crypto.randomUUID(), p_token_hash: hash64(), p_token_hint: "x", p_actor: SYSTEM });
    expect(await appError(missing)).toMatchObject({ code: "not_found" });
  });

  it("refuses a token hash that is not a SHA-256 hex digest", async () => {
    const ws = await createWorkspace(db());
    expect(await appError(createAgent(db(), ws.id, {}, { hash: "plaintext-token", hint: "x" }))).toMatchObject({ code: "invalid" });
  });

  it("lists agents by name with their active task counts", async () => {
    const ws = await createWorkspace(db());
    const b = await createAgent(db(), ws.id, { name: "bravo" });
    const a = await createAgent(db(), ws.id, { name: "Alpha" });
    await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: b.id });
    await createTask(db(), ws.id, { status: "inbox", assigned_agent_id: b.id });
    const list = await db().rpc<Array<{ id: string; active_tasks: number }>>("list_agents", { p_workspace_id: ws.id });
    expect(list.map((x) => [x.id, x.active_tasks])).toEqual([
      [a.id, 0],
      [b.id, 1],
    ]);
  });

  it("refuses to delete an agent with assigned work, then deletes it once free", async () => {
    const ws = await createWorkspace(db());
    const agent = await createAgent(db(), ws.id, { name: "Busy" });
    const task = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id });
    const before = await rowCounts(db());
    const error = await appError(db().rpc("delete_agent", { p_agent_id: agent.id, p_actor: SYSTEM }));
    expect(error).toMatchObject({ code: "conflict", details: { active_tasks: 1 } });
    expect(error.message).toBe("Busy has 1 assigned or running task(s). Reassign them first.");
    expect(await rowCounts(db())).toEqual(before);

    await db().rpc("update_task", { p_task_id: task.id, p_fields: { status: "inbox" }, p_actor: SYSTEM });
    const seq = await maxSeq(db());
    expect(await db().rpc("delete_agent", { p_agent_id: agent.id, p_actor: SYSTEM })).toEqual({ id: agent.id, deleted: true });
    expect((await eventsAfter(db(), seq)).map((e) => [e.type, e.agent_id, e.payload])).toEqual([["agent.deleted", agent.id, { name: "Busy" }]]);
    // The task stays, unassigned.
    expect(await db().rpc("get_task_by_id", { p_task_id: task.id })).toMatchObject({ status: "inbox", assignee: null });
  });
});
