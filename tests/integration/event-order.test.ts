import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlDatabase } from "#app/db/types";
import { type BusEvent, EventBus } from "#app/services/events/event-bus.server";
import { createLogger } from "#app/services/observability/logger.server";
import { createTestPostgres, type TestPostgres } from "#tests/support/databases";

// Writers take event seqs without a global lock, so a transaction can commit
// a later seq before an earlier one's transaction ends. The bus must still
// hand events out in seq order, never skip the earlier one, and move past a
// seq whose transaction rolled back.

const ACTOR = { type: "system", name: "test" };
const emitSql = "select emit_event('task.updated', null, null, null, $1::jsonb, '{}'::jsonb) as seq";

describe("event order without a global lock (PostgreSQL)", () => {
  let pg: TestPostgres;
  let db: SqlDatabase;
  let bus: EventBus;
  const seen: number[] = [];

  beforeAll(async () => {
    pg = await createTestPostgres({ max: 4 });
    db = pg.db;
    // No safety poll during the test: every delivery comes from a wake-up.
    bus = new EventBus(pg.db, createLogger("silent"), 600_000);
    await bus.start();
    db = bus.watch(pg.db);
    bus.subscribe((e: BusEvent) => seen.push(e.seq));
  });
  afterAll(async () => {
    await bus.stop();
    await pg.drop();
  });

  const emit = async () =>
    Number(await db.rpc("emit_event", { p_type: "task.updated", p_workspace_id: null, p_task_id: null, p_agent_id: null, p_actor: ACTOR }));

  it("holds a later event back until an earlier, still open transaction commits, then delivers both in order", async () => {
    await pg.db.session(async (s) => {
      await s.query("begin");
      const [early] = await s.query<{ seq: string }>(emitSql, [JSON.stringify(ACTOR)]);
      const late = await emit();
      expect(late).toBeGreaterThan(Number(early!.seq));
      await bus.poke();
      await bus.poke();
      expect(seen).not.toContain(late);
      await s.query("commit");
      await expect.poll(() => seen.slice(-2), { timeout: 10_000 }).toEqual([Number(early!.seq), late]);
    });
  });

  it("moves past the seq of a transaction that rolled back", async () => {
    let lost = 0;
    await pg.db.session(async (s) => {
      await s.query("begin");
      const [row] = await s.query<{ seq: string }>(emitSql, [JSON.stringify(ACTOR)]);
      lost = Number(row!.seq);
      await s.query("rollback");
    });
    const next = await emit();
    await expect.poll(() => seen.at(-1), { timeout: 10_000 }).toBe(next);
    expect(seen).not.toContain(lost);
    expect(seen.filter((seq) => seq === next)).toHaveLength(1);
  });

  it("delivers every event of many concurrent writers exactly once, in seq order", async () => {
    const from = seen.length;
    const seqs = await Promise.all(Array.from({ length: 60 }, () => emit()));
    await expect.poll(() => seen.length - from, { timeout: 10_000 }).toBe(seqs.length);
    const delivered = seen.slice(from);
    expect(delivered).toEqual([...seqs].sort((a, b) => a - b));
  });
});
