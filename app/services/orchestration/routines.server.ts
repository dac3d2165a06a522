import type { HeartbeatAction } from "#app/db/heartbeat.server";
import { listDueRoutines, runRoutine } from "#app/db/routines.server";
import type { Database } from "#app/db/types";
import { catchUp } from "#app/domain/routines";
import type { Logger } from "../observability/logger.server";

// The heartbeat's routine step (decision 046): one indexed read of the due
// routines (nothing more when none is due), then each one's turn, computed
// here from its schedule and written by run_routine, which creates the task
// exactly once per occurrence even when two heartbeats reach it together.

/** How many due routines one heartbeat runs; the rest wait for the next. */
const ROUTINES_PER_RUN = 50;

export async function runDueRoutines({ db, log }: { db: Database; log: Logger }, now: () => Date = () => new Date()): Promise<HeartbeatAction[]> {
  const due = await listDueRoutines(db, ROUTINES_PER_RUN);
  const actions: HeartbeatAction[] = [];
  for (const routine of due) {
    try {
      const dueAt = new Date(routine.next_run_at);
      const turn = catchUp(routine.schedule, routine.time_zone, dueAt, now());
      if (!turn) continue;
      const result = await runRoutine(db, { routineId: routine.id, dueAt, ...turn });
      if (!result.created) continue;
      log.info(
        { event: "routine.ran", routine_id: routine.id, task_id: result.task_id, occurrence_at: turn.occurrence.toISOString(), skipped: turn.skippedTotal },
        "routine created a task",
      );
      actions.push({
        task_id: result.task_id,
        action: "routine_task_created",
        reason: turn.skippedTotal > 0 ? `${turn.skippedTotal} missed runs skipped` : null,
        ok: true,
      });
    } catch (error) {
      log.warn({ event: "routine.failed", routine_id: routine.id, err: error }, "a routine could not create its task");
      actions.push({ task_id: null, action: "routine_failed", reason: error instanceof Error ? error.message.slice(0, 200) : "error", ok: false });
    }
  }
  return actions;
}
