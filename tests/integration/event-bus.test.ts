import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BusEvent, EventBus } from "#app/services/events/event-bus.server";
import { createLogger } from "#app/services/observability/logger.server";
import { createTestPostgres, type TestPostgres } from "#tests/support/databases";
import { createTask, createWorkspace } from "#tests/support/fixtures";

// Writes do not NOTIFY inside their transactions. A write made through the
// bus's watch wakes this instance's bus when it returns and notifies the
// others; reads wake nothing. Neither bus here polls, so every delivery in
// these tests comes from those wake-ups.

describe("waking the event bus (PostgreSQL, two instances)", () => {
  let pg: TestPostgres;
  let a: EventBus;
  let b: EventBus;
  const seenA: BusEvent[] = [];
  const seenB: BusEvent[] = [];
  const notifications: string[] = [];
  let unlisten: () => Promise<void>;

  beforeAll(async () => {
    pg = await createTestPostgres({ max: 4 });
    [a, b] = [new EventBus(pg.db, createLogger("silent"), 600_000), new EventBus(pg.db, createLogger("silent"), 600_000)];
    await Promise.all([a.start(), b.start()]);
    a.subscribe((e) => seenA.push(e));
    b.subscribe((e) => seenB.push(e));
    unlisten = await pg.db.listen("mc_events", (payload) => notifications.push(payload));
  });
  afterAll(async () => {
    await unlisten();
    await Promise.all([a.stop(), b.stop()]);
    await pg.drop();
  });

  it("delivers a write made through one instance on both, at once", async () => {
    const ws = await createWorkspace(a.watch(pg.db));
    await expect.poll(() => seenA.map((e) => e.workspace_id)).toContain(ws.id);
    await expect.poll(() => seenB.map((e) => e.workspace_id)).toContain(ws.id);
    expect(notifications.length).toBeGreaterThan(0);
    expect(notifications.every((from) => from.length > 0)).toBe(true);
  });

  it("sends no NOTIFY for a call that cannot write, and none from the write's own transaction", async () => {
    const ws = await createWorkspace(pg.db);
    await new Promise((r) => setTimeout(r, 300));
    const before = notifications.length;
    await a.watch(pg.db).rpc("get_board", { p_workspace_id: ws.id });
    await createTask(pg.db, ws.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(notifications.length).toBe(before);
  });

  it("delivers a burst of writes on the other instance, each once, with at most one NOTIFY per write", async () => {
    const ws = await createWorkspace(pg.db);
    await new Promise((r) => setTimeout(r, 300));
    const before = notifications.length;
    const watched = a.watch(pg.db);
    const tasks = await Promise.all(Array.from({ length: 40 }, (_, i) => createTask(watched, ws.id, { title: `Burst ${i}` })));
    const ids = new Set(tasks.map((t) => t.id));
    const burst = () => seenB.filter((e) => ids.has((JSON.parse(e.json) as { task_id: string }).task_id));
    await expect.poll(() => burst().length).toBe(40);
    expect(new Set(burst().map((e) => e.seq)).size).toBe(40);
    const sent = notifications.length - before;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(40);
  });

  it("keeps up without details while no stream is open, then delivers what follows to a stream that opens", async () => {
    const c = new EventBus(pg.db, createLogger("silent"), 600_000);
    await c.start();
    try {
      const watched = c.watch(pg.db);
      const ws = await createWorkspace(watched);
      await createTask(watched, ws.id);
      const max = async () => (await pg.db.rpc<{ max_seq: number }>("get_event_bounds")).max_seq;
      await expect.poll(async () => c.lastSeq === (await max())).toBe(true);
      const seen: BusEvent[] = [];
      c.subscribe((e) => seen.push(e));
      const task = await createTask(watched, ws.id, { title: "After the stream opened" });
      await expect
        .poll(() => seen.map((e) => JSON.parse(e.json) as { task_id: string; task_title: string }))
        .toEqual([expect.objectContaining({ task_id: task.id, task_title: "After the stream opened" })]);
    } finally {
      await c.stop();
    }
  });
});
