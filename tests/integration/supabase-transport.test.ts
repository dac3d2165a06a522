import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MigrationError, migrate } from "#app/db/migrations.server";
import { SchemaMissingError, prepareSchema } from "#app/db/schema.server";
import { SupabaseRpcError, openSupabase } from "#app/db/supabase.server";
import type { Database } from "#app/db/types";
import { AppError } from "#app/domain/errors";
import { EventBus, type BusEvent } from "#app/services/events/event-bus.server";
import { withHeartbeatLease } from "#app/services/orchestration/heartbeat-lease.server";
import { createLogger } from "#app/services/observability/logger.server";
import { createTestPostgres, createTestSupabase, type TestPostgres, type TestSupabase } from "#tests/support/databases";
import type { Workspace } from "#app/db/workspaces.server";
import { SYSTEM, appError, createAgent, createTask, createWorkspace, maxSeq, query } from "#tests/support/fixtures";
import { startPostgrestRpc, type PostgrestRpcServer } from "#tests/support/postgrest-rpc";

// The contract of the Supabase HTTP transport (supabase-js .rpc() through the
// loopback PostgREST stand-in onto a real PostgreSQL): the same results and
// errors as the SQL transports, no sessions, events read back by seq, the
// heartbeat lease. The shared suites (tasks, events, …) also run over it.

const log = createLogger("silent");

describe("supabase transport", () => {
  let sb: TestSupabase;
  let http: Database;
  let ws: Workspace;

  beforeAll(async () => {
    sb = await createTestSupabase();
    http = openSupabase({ url: sb.rest.url, serviceRoleKey: sb.rest.key });
    ws = await createWorkspace(sb.db);
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("goes over HTTP: kind, poll hint, no session, ping, a no-op listen and close", async () => {
    expect(http.kind).toBe("supabase");
    expect(http.pollIntervalMs).toBe(1_000);
    expect("session" in http).toBe(false);
    const before = sb.rest.calls.length;
    await http.ping();
    expect(sb.rest.calls.slice(before)).toEqual(["ping"]);
    const unlisten = await http.listen("mc_events", () => {
      throw new Error("no NOTIFY over HTTP");
    });
    await unlisten();
    await http.close();
  });

  describe("errors", () => {
    it("maps a domain error (P0001 + hint) to the AppError with its JSON details", async () => {
      const { id } = await createTask(sb.db, ws.id);
      const error = await appError(http.rpc("update_task", { p_task_id: id, p_fields: { status: "assigned" }, p_actor: SYSTEM }));
      expect(error).toMatchObject({
        code: "invalid",
        status: 400,
        message: "Choose an agent before assigning the task.",
        details: { fields: { assigned_agent_id: "Required while the task is assigned or in progress" } },
      });
    });

    it("maps not_found", async () => {
      const missing = await appError(http.rpc("delete_task", { p_task_id: "00000000-0000-4000-8000-000000000000", p_actor: SYSTEM }));
      expect(missing).toMatchObject({ code: "not_found", status: 404 });
    });

    it("maps a unique violation (23505, HTTP 409) to conflict and names the constraint", async () => {
      const slug = `dup-${Date.now()}`;
      await http.rpc("create_workspace", { p_name: "A", p_slug: slug, p_icon: "", p_actor: SYSTEM });
      const token = { hash: "b".repeat(64), hint: "dup" };
      await createAgent(sb.db, ws.id, {}, token);
      expect(await appError(createAgent(sb.db, ws.id, {}, token))).toMatchObject({
        code: "conflict",
        status: 409,
        details: { constraint: "agents_api_token_hash_key" },
      });
    });

    it("maps a foreign-key violation (23503) to conflict", async () => {
      const error = await appError(
        http.rpc("create_task", { p_workspace_id: "00000000-0000-4000-8000-000000000000", p_fields: { title: "orphan" }, p_actor: SYSTEM }),
      );
      expect(["conflict", "not_found"]).toContain(error.code);
    });

    it("maps a malformed value (22P02) to invalid", async () => {
      expect(await appError(http.rpc("get_task_by_id", { p_task_id: "not-a-uuid" }))).toMatchObject({ code: "invalid", status: 400 });
    });

    it("leaves an unknown function as a server fault carrying PostgREST's code", async () => {
      const error = await http.rpc("no_such_function", { p_x: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SupabaseRpcError);
      expect(error).not.toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: "PGRST202", message: expect.stringContaining("no_such_function") });
    });

    it("reports a wrong key as an error, not as data", async () => {
      const wrong = openSupabase({ url: sb.rest.url, serviceRoleKey: "wrong" });
      await expect(wrong.ping()).rejects.toBeInstanceOf(SupabaseRpcError);
      const res = await fetch(`${sb.rest.url}/rest/v1/rpc/ping`, { method: "POST", headers: { apikey: sb.rest.key }, body: "{}" });
      expect(res.status).toBe(401);
    });

    it("reports an unreachable endpoint as an error", async () => {
      const gone = openSupabase({ url: "http://127.0.0.1:9", serviceRoleKey: "k" });
      await expect(gone.ping()).rejects.toBeInstanceOf(SupabaseRpcError);
    });
  });

  describe("arguments", () => {
    it("sends jsonb as objects, booleans as booleans, nulls as nulls and Dates as ISO strings", async () => {
      const [admin, target] = await query<{ id: string }>(
        sb.db,
        "insert into users (email, name, role, password_hash) values ('sa@p.test', 'A', 'admin', 'h'), ('sb@p.test', 'B', 'viewer', 'h') returning id",
      );
      await http.rpc("set_user_disabled", { p_user_id: target!.id, p_disabled: true, p_actor_id: admin!.id });
      expect((await query<{ d: boolean }>(sb.db, "select disabled_at is not null as d from users where id = $1", [target!.id]))[0]!.d).toBe(true);
      await http.rpc("set_user_disabled", { p_user_id: target!.id, p_disabled: false, p_actor_id: admin!.id });
      expect((await query<{ d: boolean }>(sb.db, "select disabled_at is not null as d from users where id = $1", [target!.id]))[0]!.d).toBe(false);

      const due = new Date("2026-12-31T10:00:00.000Z");
      const { id } = await http.rpc<{ id: string }>("create_task", {
        p_workspace_id: ws.id,
        p_fields: { title: 'It\'s "quoted"', description: null, due_at: due, tags: { nested: [1, true, null] } },
        p_actor: { type: "system", name: "t", nested: { deep: [1, 2] } },
      });
      const task = await http.rpc<{ title: string; description: string; due_at: string }>("get_task_by_id", { p_task_id: id });
      expect(task.title).toBe('It\'s "quoted"');
      expect(new Date(task.due_at).toISOString()).toBe(due.toISOString());
    });

    it("leaves undefined arguments out so SQL defaults apply", async () => {
      const seq = await maxSeq(sb.db);
      for (let i = 0; i < 3; i++) await createTask(sb.db, ws.id);
      const all = await http.rpc<unknown[]>("get_events_with_details", { p_since: seq, p_limit: undefined });
      expect(all).toHaveLength(3);
      expect(await http.rpc<unknown[]>("get_events_with_details", { p_since: seq, p_limit: 2 })).toHaveLength(2);
    });

    it("returns SQL null as null and scalars as themselves", async () => {
      expect(await http.rpc("touch_session", { p_token_hash: "c".repeat(64), p_ttl_seconds: 60 })).toBeNull();
      expect(await http.rpc("count_users")).toEqual({ users: expect.any(Number) });
    });
  });

  it("runs a task's whole life over HTTP, and its events read back by seq", async () => {
    const seq = await maxSeq(sb.db);
    const agent = await createAgent(sb.db, ws.id, { name: "Lifer" });
    const { id } = await createTask(sb.db, ws.id, { title: "Life", assigned_agent_id: agent.id });
    for (const status of ["assigned", "in_progress", "review", "done"]) {
      await http.rpc("update_task", { p_task_id: id, p_fields: { status }, p_actor: SYSTEM });
    }
    const task = await http.rpc<{ status: string; activities: Array<{ type: string }> }>("get_task_by_id", { p_task_id: id });
    expect(task.status).toBe("done");
    expect(task.activities.filter((a) => a.type === "status_changed")).toHaveLength(4);
    const events = await http.rpc<Array<{ seq: number; type: string; task_title: string | null }>>("get_events_with_details", { p_since: seq });
    expect(events.map((e) => e.type)).toEqual(["agent.created", "task.created", "task.updated", "task.updated", "task.updated", "task.updated"]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => seq + 1 + i));
    const board = await http.rpc<{ counts: Record<string, number> }>("get_board", { p_workspace_id: ws.id, p_limits: { done: 5 } });
    expect(board.counts.done).toBeGreaterThanOrEqual(1);
  });

  it("feeds the event bus by polling, about once a second", async () => {
    const bus = new EventBus(http, log);
    await bus.start();
    const seen: BusEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    try {
      const t0 = Date.now();
      const { id } = await createTask(sb.db, ws.id, { title: "Polled" });
      await expect.poll(() => seen.map((e) => JSON.parse(e.json) as { task_id: string }).some((e) => e.task_id === id), { timeout: 4_000 }).toBe(true);
      expect(Date.now() - t0).toBeLessThan(3_000);
    } finally {
      await bus.stop();
    }
  });

  describe("heartbeat lease", () => {
    it("lets one holder in at a time, renews for the same holder, and releases", async () => {
      expect(await http.rpc("acquire_heartbeat_lease", { p_holder: "a", p_seconds: 60 })).toMatchObject({ acquired: true, holder: "a" });
      expect(await http.rpc("acquire_heartbeat_lease", { p_holder: "b", p_seconds: 60 })).toMatchObject({ acquired: false, holder: "a" });
      expect(await http.rpc("acquire_heartbeat_lease", { p_holder: "a", p_seconds: 60 })).toMatchObject({ acquired: true });
      expect(await http.rpc("release_heartbeat_lease", { p_holder: "b" })).toEqual({ released: false });
      expect(await http.rpc("release_heartbeat_lease", { p_holder: "a" })).toEqual({ released: true });
      expect(await http.rpc("acquire_heartbeat_lease", { p_holder: "b", p_seconds: 60 })).toMatchObject({ acquired: true });
      await http.rpc("release_heartbeat_lease", { p_holder: "b" });
      expect(await appError(http.rpc("acquire_heartbeat_lease", { p_holder: "", p_seconds: 60 }))).toMatchObject({ code: "invalid" });
    });

    it("hands an expired lease to the next holder", async () => {
      await query(sb.db, "update heartbeat_lease set holder = 'dead', expires_at = now() - interval '1 second'");
      expect(await http.rpc("acquire_heartbeat_lease", { p_holder: "next", p_seconds: 60 })).toMatchObject({ acquired: true, holder: "next" });
      await http.rpc("release_heartbeat_lease", { p_holder: "next" });
    });

    it("gives exactly one of many concurrent callers the lease", async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => http.rpc<{ acquired: boolean }>("acquire_heartbeat_lease", { p_holder: `h${i}`, p_seconds: 60 })),
      );
      expect(results.filter((r) => r.acquired)).toHaveLength(1);
      await query(sb.db, "update heartbeat_lease set holder = null, expires_at = '-infinity'");
    });

    it("runs the work under the lease, skips while it is held elsewhere, and releases after a failure", async () => {
      expect(await withHeartbeatLease(http, log, "test", async () => "ran")).toBe("ran");
      await query(sb.db, "update heartbeat_lease set holder = 'other', expires_at = now() + interval '1 minute'");
      expect(await withHeartbeatLease(http, log, "test", async () => "ran")).toEqual({ skipped: "already_running" });
      await query(sb.db, "update heartbeat_lease set holder = null, expires_at = '-infinity'");
      await expect(withHeartbeatLease(http, log, "test", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
      expect(await query(sb.db, "select holder from heartbeat_lease")).toEqual([{ holder: null }]);
    });
  });

  it("refuses to run migrations (supabase db push owns them) and checks the schema instead", async () => {
    await expect(migrate(http, { migrations: [], functions: [] })).rejects.toBeInstanceOf(MigrationError);
    await expect(prepareSchema(http, undefined, log)).resolves.toBeUndefined();
  });
});

describe("supabase transport on a project without the schema", () => {
  let pg: TestPostgres;
  let rest: PostgrestRpcServer;
  beforeAll(async () => {
    pg = await createTestPostgres({ empty: true });
    rest = await startPostgrestRpc({ databaseUrl: pg.url, key: "k" });
  });
  afterAll(async () => {
    await rest?.close();
    await pg?.drop();
  });

  it("refuses to start with a message that says to run supabase db push", async () => {
    const db = openSupabase({ url: rest.url, serviceRoleKey: "k" });
    const error = await prepareSchema(db, undefined, log).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaMissingError);
    expect((error as Error).message).toMatch(/schema is missing.*supabase db push/s);
  });
});
