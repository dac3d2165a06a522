import { beforeAll, describe, expect, it } from "vitest";
import type { SqlDatabase } from "#app/db/types";
import { RPC_TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import type { Workspace } from "#app/db/workspaces.server";
import { SYSTEM, createAgent, createTask, createWorkspace, eventsAfter, hash64, maxSeq, query, rowCounts, updateTask } from "#tests/support/fixtures";

type EventJson = {
  seq: number;
  type: string;
  workspace_id: string | null;
  workspace_slug: string | null;
  task_id: string | null;
  task_title: string | null;
  agent_id: string | null;
  agent_name: string | null;
  actor: { type: string; id: string | null; name: string };
  payload: Record<string, unknown>;
};

const USER = { type: "user", id: "7d5a6b0e-1f2c-4d3e-8a9b-0c1d2e3f4a5b", name: "Ada" };

/** Each write, after any set-up it needs, and the one event type it must emit. */
type Write = {
  type: string;
  setup?: (db: SqlDatabase, ws: Workspace) => Promise<string>;
  run: (db: SqlDatabase, ws: Workspace, id: string) => Promise<unknown>;
};
const newAgent = async (db: SqlDatabase, ws: Workspace) => (await createAgent(db, ws.id)).id;
const newTask = async (db: SqlDatabase, ws: Workspace) => (await createTask(db, ws.id)).id;

const WRITES: Record<string, Write> = {
  create_workspace: { type: "workspace.created", run: (db) => createWorkspace(db) },
  update_workspace: {
    type: "workspace.updated",
    run: (db, ws) => db.rpc("update_workspace", { p_workspace_id: ws.id, p_name: "Renamed", p_icon: "", p_actor: SYSTEM }),
  },
  delete_workspace: {
    type: "workspace.deleted",
    setup: async (db) => (await createWorkspace(db)).id,
    run: (db, _ws, id) => db.rpc("delete_workspace", { p_workspace_id: id, p_actor: SYSTEM }),
  },
  create_agent: { type: "agent.created", run: (db, ws) => createAgent(db, ws.id) },
  update_agent: {
    type: "agent.updated",
    setup: newAgent,
    run: (db, _ws, id) => db.rpc("update_agent", { p_agent_id: id, p_fields: { status: "offline" }, p_actor: SYSTEM }),
  },
  rotate_agent_token: {
    type: "agent.updated",
    setup: newAgent,
    run: (db, _ws, id) => db.rpc("rotate_agent_token", { p_agent_id: id, p_token_hash: hash64(), p_token_hint: "h", p_actor: SYSTEM }),
  },
  delete_agent: {
    type: "agent.deleted",
    setup: newAgent,
    run: (db, _ws, id) => db.rpc("delete_agent", { p_agent_id: id, p_actor: SYSTEM }),
  },
  create_task: { type: "task.created", run: (db, ws) => createTask(db, ws.id) },
  update_task: { type: "task.updated", setup: newTask, run: (db, _ws, id) => updateTask(db, id, { title: "changed", status: "planning" }) },
  delete_task: { type: "task.deleted", setup: newTask, run: (db, _ws, id) => db.rpc("delete_task", { p_task_id: id, p_actor: SYSTEM }) },
  log_task_activity: {
    type: "activity.created",
    setup: newTask,
    run: (db, _ws, id) => db.rpc("log_task_activity", { p_task_id: id, p_type: "comment", p_message: "hi", p_metadata: {}, p_actor: SYSTEM }),
  },
};

describe.each(RPC_TRANSPORTS)("events on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  beforeAll(async () => {
    ws = await createWorkspace(db());
  });

  it.each(Object.entries(WRITES))("%s emits exactly one event of its type", async (_fn, write) => {
    const id = (await write.setup?.(db(), ws)) ?? "";
    const seq = await maxSeq(db());
    await write.run(db(), ws, id);
    const events = await eventsAfter(db(), seq);
    expect(events.map((e) => e.type)).toEqual([write.type]);
    expect(events[0]!.actor_type).toBe("system");
  });

  it("auth writes emit no events", async () => {
    const seq = await maxSeq(db());
    await db().rpc("add_setup_token", { p_token_hash: hash64(), p_ttl_seconds: 60 });
    await db().rpc("delete_session", { p_token_hash: hash64() });
    expect(await eventsAfter(db(), seq)).toEqual([]);
  });

  it("numbers events in increasing order", async () => {
    const seq = await maxSeq(db());
    for (let i = 0; i < 5; i++) await createTask(db(), ws.id);
    const seqs = (await eventsAfter(db(), seq)).map((e) => e.seq);
    expect(seqs).toHaveLength(5);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(5);
    expect(seqs[0]).toBeGreaterThan(seq);
  });

  it("writes the event in the write's transaction: a rollback removes both", async () => {
    const before = await rowCounts(db());
    await db().session(async (s) => {
      await s.exec("begin");
      await s.query("select create_workspace(p_name => 'Ghost', p_slug => 'ghost', p_icon => '', p_actor => '{}'::jsonb)");
      const [inside] = await s.query<{ n: number }>("select count(*)::int as n from events where payload->>'slug' = 'ghost'");
      expect(inside!.n).toBe(1);
      await s.exec("rollback");
    });
    expect(await rowCounts(db())).toEqual(before);
  });

  it("records the acting user", async () => {
    const seq = await maxSeq(db());
    await db().rpc("update_workspace", { p_workspace_id: ws.id, p_name: ws.name, p_icon: "", p_actor: USER });
    const [event] = await db().rpc<EventJson[]>("get_events_with_details", { p_since: seq });
    expect(event!.actor).toEqual(USER);
  });

  it("refuses to change an event", async () => {
    await createTask(db(), ws.id);
    const error = await query(db(), "update events set type = 'task.rewritten' where seq = (select max(seq) from events)").catch((e: unknown) => e);
    expect(error).toMatchObject({ message: "events are append-only", code: "P0001", hint: "forbidden" });
  });

  // Writes do not NOTIFY (the app announces them after commit); the bus needs to know which calls cannot write.
  it("lists the functions that cannot write, and only those", async () => {
    const reads = await db().rpc<string[]>("list_read_functions");
    expect(reads).toEqual(expect.arrayContaining(["get_board", "get_events_with_details", "authenticate_agent", "list_workspaces"]));
    for (const writer of ["create_task", "emit_event", "agent_add_activity", "agent_add_activity_with_token", "get_settled_events", "touch_task_activity"]) {
      expect(reads).not.toContain(writer);
    }
  });

  it("settles the log without details when asked (the bus with no stream open)", async () => {
    const since = await maxSeq(db());
    for (let i = 0; i < 3; i++) await createTask(db(), ws.id);
    const bare = await db().rpc<{ events: unknown[]; last_seq: number; more: boolean; wait_for: string | null }>("get_settled_events", {
      p_since: since,
      p_limit: 2,
      p_details: false,
    });
    expect(bare).toMatchObject({ events: [], last_seq: since + 2, more: true, wait_for: null });
    const full = await db().rpc<{ events: Array<{ seq: number }>; last_seq: number; more: boolean }>("get_settled_events", { p_since: since + 2 });
    expect(full.events.map((e) => e.seq)).toEqual([since + 3]);
    expect(full).toMatchObject({ last_seq: since + 3, more: false });
  });

  describe("get_events_with_details", () => {
    it("returns events after a seq, oldest first, with names resolved", async () => {
      const seq = await maxSeq(db());
      const agent = await createAgent(db(), ws.id, { name: "Scout" });
      const task = await createTask(db(), ws.id, { title: "Named", status: "assigned", assigned_agent_id: agent.id });
      const events = await db().rpc<EventJson[]>("get_events_with_details", { p_since: seq });
      expect(events.map((e) => [e.type, e.workspace_slug, e.agent_name, e.task_title])).toEqual([
        ["agent.created", ws.slug, "Scout", null],
        ["task.created", ws.slug, "Scout", "Named"],
      ]);
      expect(events[1]).toMatchObject({ task_id: task.id, agent_id: agent.id, payload: { title: "Named", status: "assigned" } });
      expect(events[0]!.seq).toBe(seq + 1);
    });

    it("falls back to the payload's name for deleted tasks", async () => {
      const task = await createTask(db(), ws.id, { title: "Gone soon" });
      const seq = await maxSeq(db());
      await db().rpc("delete_task", { p_task_id: task.id, p_actor: SYSTEM });
      const [event] = await db().rpc<EventJson[]>("get_events_with_details", { p_since: seq });
      expect(event).toMatchObject({ type: "task.deleted", task_id: task.id, task_title: "Gone soon" });
    });

    it("honours the limit, at least one", async () => {
      const seq = await maxSeq(db());
      for (let i = 0; i < 3; i++) await createTask(db(), ws.id);
      expect((await db().rpc<EventJson[]>("get_events_with_details", { p_since: seq, p_limit: 2 })).map((e) => e.seq)).toEqual([seq + 1, seq + 2]);
      expect(await db().rpc<EventJson[]>("get_events_with_details", { p_since: seq, p_limit: 0 })).toHaveLength(1);
      expect(await db().rpc<EventJson[]>("get_events_with_details", { p_since: seq + 3 })).toEqual([]);
    });

    it("reports the seq bounds", async () => {
      const bounds = await db().rpc<{ min_seq: number; max_seq: number }>("get_event_bounds");
      expect(bounds.max_seq).toBe(await maxSeq(db()));
      expect(bounds.min_seq).toBeGreaterThanOrEqual(1);
      expect(bounds.min_seq).toBeLessThanOrEqual(bounds.max_seq);
    });
  });

  describe("get_workspace_feed", () => {
    let feedWs: Workspace;
    beforeAll(async () => {
      feedWs = await createWorkspace(db());
      const agent = await createAgent(db(), feedWs.id);
      const task = await createTask(db(), feedWs.id);
      await db().rpc("log_task_activity", { p_task_id: task.id, p_type: "comment", p_message: "note", p_metadata: {}, p_actor: SYSTEM });
      await db().rpc("update_agent", { p_agent_id: agent.id, p_fields: { status: "working" }, p_actor: SYSTEM });
      await createTask(db(), ws.id); // another workspace
    });
    const feed = (args: { p_kind?: string | null; p_before?: number | null; p_limit?: number }) =>
      db().rpc<EventJson[]>("get_workspace_feed", { p_workspace_id: feedWs.id, p_kind: null, p_before: null, p_limit: 50, ...args });

    it("lists one workspace's events, newest first", async () => {
      expect((await feed({})).map((e) => e.type)).toEqual(["agent.updated", "activity.created", "task.created", "agent.created", "workspace.created"]);
    });

    it("narrows to task or agent events", async () => {
      expect((await feed({ p_kind: "task" })).map((e) => e.type)).toEqual(["activity.created", "task.created"]);
      expect((await feed({ p_kind: "agent" })).map((e) => e.type)).toEqual(["agent.updated", "agent.created"]);
    });

    it("pages backwards with before", async () => {
      const all = await feed({});
      const page1 = await feed({ p_limit: 2 });
      const page2 = await feed({ p_limit: 2, p_before: page1.at(-1)!.seq });
      const page3 = await feed({ p_limit: 2, p_before: page2.at(-1)!.seq });
      expect([...page1, ...page2, ...page3].map((e) => e.seq)).toEqual(all.map((e) => e.seq));
      expect(await feed({ p_before: all.at(-1)!.seq })).toEqual([]);
    });
  });
});
