import { beforeAll, describe, expect, it } from "vitest";
import { createTestPostgres } from "#tests/support/databases";
import { SECRETS } from "#tests/support/secrets";
import { query } from "#tests/support/fixtures";
import { type FormClient } from "#tests/support/http-client";
import { startPostgrestRpc } from "#tests/support/postgrest-rpc";
import { startServer } from "#tests/support/server";
import { useTestServer } from "#tests/support/test-server";

// The built bundle on the Supabase HTTP transport: SUPABASE_URL points at the
// loopback PostgREST stand-in over an already migrated PostgreSQL database
// (`supabase db push` stands for that step). Forms, the event stream (fed by
// polling: no NOTIFY over HTTP) and the heartbeat (a lease row instead of an
// advisory lock) all go through .rpc().

/** Reads SSE messages until one has the wanted event type. */
async function waitForEvent(res: Response, type: string, timeoutMs = 8_000): Promise<{ id?: string; data: string }> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const timer = setTimeout(() => void reader.cancel(new Error("timed out")), timeoutMs);
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`stream ended before ${type}; got ${buffer}`);
      buffer += chunk.value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split("\n").map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]));
        if (fields.event === type) return { id: fields.id, data: fields.data ?? "" };
      }
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
}

describe("the server on Supabase over HTTP", () => {
  const app = useTestServer({ database: "supabase" });
  let admin: FormClient;

  beforeAll(async () => {
    admin = await app.setUpAdmin();
  });

  it("starts on the HTTP transport, leaving migrations to supabase db push", () => {
    const events = app.server.logs.map((l) => l.event);
    expect(events).toContain("db.migrations_external");
    expect(events).not.toContain("db.migrated");
    expect(app.server.logs.find((l) => l.event === "db.ready")?.data).toMatchObject({ transport: "supabase" });
    expect(app.supabase.rest.calls).toEqual(
      expect.arrayContaining(["ping", "get_event_bounds", "count_users", "add_setup_token", "create_first_admin", "create_session"]),
    );
  });

  it("creates a workspace and a task through forms, and the stream delivers the event by polling", async () => {
    await admin.get("/");
    expect((await admin.post("/?index", { name: "Hosted", icon: "", slug: "hosted" })).status).toBe(302);
    const [ws] = await query<{ id: string }>(app.db, "select id from workspaces where slug = 'hosted'");
    expect(ws).toBeDefined();

    const stream = await admin.request(`/api/events/stream?workspace=${ws!.id}`);
    expect(stream.status).toBe(200);
    const created = waitForEvent(stream, "task.created");
    await new Promise((r) => setTimeout(r, 200));
    await admin.get("/w/hosted/tasks/new");
    const t0 = Date.now();
    expect((await admin.post("/w/hosted/tasks/new", { title: "Over HTTP" })).status).toBe(302);
    const event = await created;
    expect(JSON.parse(event.data)).toMatchObject({ type: "task.created", task_title: "Over HTTP", workspace_id: ws!.id });
    expect(Number(event.id)).toBeGreaterThan(0);
    // Polled once a second, not the 5 s safety poll of the NOTIFY transports.
    expect(Date.now() - t0).toBeLessThan(3_500);
    expect(app.supabase.rest.calls).toContain("create_task");
  });

  it("runs the heartbeat under the lease, and skips while someone else holds it", async () => {
    const beat = async () => (await fetch(`${app.url}/api/heartbeat?token=${SECRETS.MC_API_TOKEN}`)).json() as Promise<Record<string, unknown>>;
    const before = app.supabase.rest.calls.length;
    const receipt = await beat();
    expect(receipt).toMatchObject({ run_id: expect.stringMatching(/^[0-9a-f-]{36}$/), gateway_calls: 0 });
    // The event bus's own reads (it looks for new events after each write) and the notification sender's
    // pass (on its own timer, and kicked by the run; GitHub comments go out on the same pass) interleave with the heartbeat's calls.
    const others = new Set([
      "get_settled_events",
      "produce_notifications",
      "claim_notifications",
      "finish_notification",
      "claim_github_comments",
      "finish_github_comment",
    ]);
    const calls = app.supabase.rest.calls.slice(before).filter((fn) => !others.has(fn));
    // The lease covers the quick steps, the last of which claims tasks in testing; checks and the receipt come after it.
    expect(calls[0]).toBe("acquire_heartbeat_lease");
    expect(calls.slice(calls.indexOf("claim_testing_tasks"))).toEqual(["claim_testing_tasks", "release_heartbeat_lease", "record_heartbeat_run"]);
    expect(await query(app.db, "select holder from heartbeat_lease")).toEqual([{ holder: null }]);

    // Another instance holds the lease.
    await query(app.db, "update heartbeat_lease set holder = 'other-instance:run', expires_at = now() + interval '1 minute'");
    expect(await beat()).toEqual({ skipped: "already_running" });
    await query(app.db, "update heartbeat_lease set holder = null, expires_at = '-infinity'");
    expect(await beat()).toMatchObject({ run_id: expect.any(String) });
    const runs = await query<{ n: number }>(app.db, "select count(*)::int as n from heartbeat_runs");
    expect(runs).toEqual([{ n: 2 }]);
  });
});

describe("the server on Supabase over HTTP without the schema", () => {
  it("refuses to start and says to run supabase db push", async () => {
    const pg = await createTestPostgres({ empty: true });
    const rest = await startPostgrestRpc({ databaseUrl: pg.url, key: "k" });
    try {
      const error = await startServer({ env: { SUPABASE_URL: rest.url, SUPABASE_SERVICE_ROLE_KEY: "k", ...SECRETS } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/server exited with 1/);
      expect((error as Error).message).toMatch(/supabase db push/);
    } finally {
      await rest.close();
      await pg.drop();
    }
  });

  it("refuses SUPABASE_URL without the service-role key", async () => {
    const error = await startServer({ env: { SUPABASE_URL: "http://127.0.0.1:9", ...SECRETS } }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY: set both/);
  });
});
