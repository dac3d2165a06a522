import type { TaskPipeline } from "#app/db/tasks.server";

/** Compact stage chips: done stages dimmed, the current one highlighted; wraps on a phone. */
export function StageChips({ pipeline }: { pipeline: TaskPipeline }) {
  return (
    <ol className="stage-chips" aria-label={`${pipeline.name}: stage ${pipeline.position} of ${pipeline.stages.length}`}>
      {pipeline.stages.map((s) => {
        const state = s.position < pipeline.position ? "past" : s.position === pipeline.position ? "current" : "next";
        return (
          <li key={s.id} className={`stage-chip stage-${state}`} aria-current={state === "current" ? "step" : undefined} title={`${s.position}. ${s.name}`}>
            {state === "current" ? s.name : s.position}
          </li>
        );
      })}
    </ol>
  );
}
