import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgres } from "#app/db/postgres.server";
import { createRoutine, createTaskTemplate, deleteTaskTemplate, getRoutine, listDueRoutines, runRoutine, setRoutinePaused } from "#app/db/routines.server";
import type { SqlDatabase } from "#app/db/types";
import type { Workspace } from "#app/db/workspaces.server";
import { catchUp } from "#app/domain/routines";
import { runDueRoutines } from "#app/services/orchestration/routines.server";
import { createLogger } from "#app/services/observability/logger.server";
import { TRANSPORTS, openTestDatabase } from "#tests/support/databases";
import { SYSTEM, appError, createAgent, createWorkspace, query } from "#tests/support/fixtures";

// Routines in SQL (decision 046): an occurrence creates its task exactly once
// however many heartbeat instances reach it together, a long gap creates only
// the latest missed run (the others recorded as skipped), a paused routine
// creates nothing, and a template stays inside its workspace.
describe.each(TRANSPORTS)("routines on %s", (kind) => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  /** A second instance: its own connection pool on PostgreSQL; the same database on PGlite (one connection). */
  let second: SqlDatabase;
  let ws: Workspace;
  let other: Workspace;
  const db = () => opened.db;
  const log = createLogger("silent");
  const template = (fields: Record<string, unknown> = {}) =>
    createTaskTemplate(
      db(),
      ws.id,
      {
        name: "Weekly report",
        title: "Write the weekly report",
        description: "",
        priority: "high",
        status: "inbox",
        assigned_agent_id: null,
        task_type_id: null,
        labels: ["report"],
        ...fields,
      },
      SYSTEM,
    );
  /** A routine every hour whose next run was `hoursAgo` hours back. */
  const routine = async (hoursAgo: number) => {
    const t = await template();
    const due = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - hoursAgo * 3_600_000);
    return createRoutine(db(), ws.id, { name: "Hourly", template_id: t.id, schedule: "0 * * * *", time_zone: "UTC" }, due, SYSTEM);
  };
  const runs = (routineId: string) =>
    query<{ outcome: string; task_id: string | null; skipped_before: number }>(
      db(),
      "select outcome, task_id, skipped_before from routine_runs where routine_id = $1 order by occurrence_at",
      [routineId],
    );

  beforeAll(async () => {
    opened = await openTestDatabase(kind);
    second = kind === "postgres" ? openPostgres(opened.url!) : opened.db;
    ws = await createWorkspace(db());
    other = await createWorkspace(db());
  });
  afterAll(async () => {
    if (second !== opened.db) await second.close();
    await opened.close();
  });

  it("creates an occurrence's task exactly once when two instances run it at the same moment", async () => {
    const r = await routine(0);
    const dueAt = new Date(r.next_run_at);
    const turn = catchUp(r.schedule, r.time_zone, dueAt, new Date())!;
    const results = await Promise.all([runRoutine(db(), { routineId: r.id, dueAt, ...turn }), runRoutine(second, { routineId: r.id, dueAt, ...turn })]);
    expect(results.map((x) => x.created).sort()).toEqual([false, true]);
    const rows = await runs(r.id);
    expect(rows).toHaveLength(1);
    const tasks = await query<{ title: string; priority: string; labels: string[] }>(db(), "select title, priority, labels from tasks where id = $1", [
      rows[0]!.task_id,
    ]);
    expect(tasks).toEqual([{ title: "Write the weekly report", priority: "high", labels: ["report"] }]);
    const after = (await getRoutine(db(), r.id, 10))!;
    expect(new Date(after.next_run_at).getTime()).toBe(turn.next.getTime());
    expect(after.runs[0]!.task?.title).toBe("Write the weekly report");

    // The whole heartbeat step, on both instances at once: nothing more is due, nothing more is created.
    await Promise.all([runDueRoutines({ db: db(), log }), runDueRoutines({ db: second, log })]);
    expect(await runs(r.id)).toHaveLength(1);
    // Even a caller that read the same stored next run again finds the occurrence taken.
    await query(db(), "update routines set next_run_at = $2 where id = $1", [r.id, dueAt.toISOString()]);
    expect((await runRoutine(second, { routineId: r.id, dueAt, ...turn })).created).toBe(false);
    expect(await runs(r.id)).toHaveLength(1);
  });

  it("after a long gap creates only the latest missed occurrence and records the others as skipped", async () => {
    const r = await routine(72);
    const actions = await runDueRoutines({ db: db(), log });
    const mine = actions.filter((a) => a.action === "routine_task_created");
    expect(mine.length).toBeGreaterThanOrEqual(1);
    const rows = await runs(r.id);
    const created = rows.filter((x) => x.outcome === "created");
    expect(created).toHaveLength(1);
    expect(created[0]!.skipped_before).toBe(72);
    expect(rows.filter((x) => x.outcome === "skipped")).toHaveLength(20);
    expect(rows.at(-1)!.outcome).toBe("created");
    expect((await query(db(), "select 1 from tasks t join routine_runs x on x.task_id = t.id where x.routine_id = $1", [r.id])).length).toBe(1);
    expect(await listDueRoutines(db(), 10)).toEqual([]);
  });

  it("creates nothing for a paused routine, and resumes from the next run after now", async () => {
    const r = await routine(5);
    await setRoutinePaused(db(), r.id, true, null, SYSTEM);
    expect((await listDueRoutines(db(), 10)).map((x) => x.id)).not.toContain(r.id);
    await runDueRoutines({ db: db(), log });
    const dueAt = new Date(r.next_run_at);
    expect(await runRoutine(db(), { routineId: r.id, dueAt, ...catchUp(r.schedule, r.time_zone, dueAt, new Date())! })).toMatchObject({
      created: false,
      reason: "paused",
    });
    expect(await runs(r.id)).toEqual([]);
    const next = new Date(Math.ceil((Date.now() + 1) / 3_600_000) * 3_600_000);
    const resumed = await setRoutinePaused(db(), r.id, false, next, SYSTEM);
    expect(resumed.paused_at).toBeNull();
    expect(new Date(resumed.next_run_at).getTime()).toBe(next.getTime());
    await runDueRoutines({ db: db(), log });
    expect(await runs(r.id)).toEqual([]);
  });

  it("keeps a template inside its workspace and refuses deleting one a routine uses", async () => {
    const stranger = await createAgent(db(), other.id, { name: "Stranger" });
    const refused = await appError(template({ assigned_agent_id: stranger.id, status: "assigned" }));
    expect(refused.code).toBe("invalid");
    expect(refused.details).toMatchObject({ fields: { assigned_agent_id: "Unknown agent" } });
    expect((await appError(template({ task_type_id: "00000000-0000-4000-8000-000000000000" }))).code).toBe("invalid");
    const theirs = await createTaskTemplate(
      db(),
      other.id,
      { name: "Theirs", title: "T", description: "", priority: "normal", status: "inbox", assigned_agent_id: null, task_type_id: null, labels: [] },
      SYSTEM,
    );
    const cross = await appError(
      createRoutine(db(), ws.id, { name: "Cross", template_id: theirs.id, schedule: "@daily", time_zone: "UTC" }, new Date(), SYSTEM),
    );
    expect(cross.details).toMatchObject({ fields: { template_id: "Choose a template from the list" } });
    const r = await routine(-1);
    const used = await appError(deleteTaskTemplate(db(), r.template_id, SYSTEM));
    expect(used.code).toBe("conflict");
    expect(used.message).toContain("“Hourly”");
    expect(await query(db(), "select 1 from task_templates where id = $1", [r.template_id])).toHaveLength(1);
  });
});
