import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { TaskCard as Card } from "#app/db/tasks.server";
import { PRIORITY_LABELS } from "#app/domain/priority";
import { STATUS_LABELS, allowedTransitions } from "#app/domain/task-status";
import { formatAge, formatDateTime, formatDue, isDueToday, isOverdue } from "#app/domain/time";
import { useTimeZone } from "./time";
import { formatCost } from "#app/domain/costs";
import { StageChips } from "./stage-chips";
import { Icon } from "./icon";

/**
 * A board card: what it is, who has it, how old, what is wrong, and a small
 * move menu. The board does not hydrate, so it is plain links, forms and
 * buttons (the router's components would only cost render time; the board's
 * script shows a pending move). `up` and `down` are the `before` values that move the card one
 * place up or down its lane (null: to the end); absent, that button is not
 * offered.
 */
export function TaskCard(props: {
  task: Card;
  base: string;
  /** Where the move forms post: the board's own action, resolved once per lane (useFormAction). */
  action: string;
  canEdit: boolean;
  now: Date;
  up?: string;
  down?: string | null;
  refusal?: string;
}) {
  const { task, base, action, canEdit, now, up, down, refusal } = props;
  const timeZone = useTimeZone();
  const open = task.status !== "done" && task.status !== "cancelled";
  const overdue = open && isOverdue(task.due_at, now, timeZone);
  const dueToday = open && !overdue && isDueToday(task.due_at, now, timeZone);
  const cost = formatCost(task.estimated_cost, task.cost_provenance);
  return (
    <article
      id={`task-${task.id}`}
      className={`card prio-${task.priority}${refusal ? " is-refused" : ""}`}
      data-task-id={task.id}
      draggable={canEdit || undefined}
    >
      <a href={`${base}/tasks/${task.id}`} className="card-title">
        {task.title}
      </a>
      <div className="card-meta">
        <span className={`badge badge-${task.priority}`} title="Priority">
          {PRIORITY_LABELS[task.priority]}
        </span>
        {task.assignee ? (
          <span className="assignee" title={`Assigned to ${task.assignee.name}`}>
            <span aria-hidden="true">{task.assignee.emoji}</span> {task.assignee.name}
          </span>
        ) : (
          <span className="assignee muted">Unassigned</span>
        )}
        <time className="age" dateTime={task.created_at} title={`Created ${formatDateTime(task.created_at, timeZone)}`}>
          {formatAge(task.created_at, now)}
        </time>
        {task.due_at ? (
          <span className={overdue ? "due overdue" : dueToday ? "due due-today" : "due"} title={overdue ? "Overdue" : "Due date"}>
            {dueToday ? "due today" : `due ${formatDue(task.due_at, timeZone)}`}
          </span>
        ) : null}
        {cost ? (
          <span className="cost" data-testid="card-cost" title={cost.endsWith(" est.") ? "Estimated, at least in part, from the price table" : "Reported cost"}>
            {cost}
          </span>
        ) : task.cost_provenance === "included" ? (
          <span className="cost muted" data-testid="card-cost" title="Included in a subscription: tokens, no dollars">
            {Number(task.token_usage).toLocaleString("en-US")} tok
          </span>
        ) : null}
        {canEdit ? (
          // One small disclosure instead of a select and a button on every card: two tab stops a card, and no script needed.
          <details className="move-menu">
            <summary className="btn btn-ghost btn-small" title="Move to another lane">
              Move<span className="sr-only"> {task.title}</span>
            </summary>
            <form method="post" action={action} className="move-options" aria-label={`Move ${task.title} to`}>
              <AuthenticityTokenInput />
              <input type="hidden" name="intent" value="move" />
              <input type="hidden" name="taskId" value={task.id} />
              {allowedTransitions(task.status).map((s) => (
                <button key={s} type="submit" name="status" value={s} className="btn btn-small">
                  {STATUS_LABELS[s]}
                </button>
              ))}
            </form>
            {up !== undefined || down !== undefined ? (
              <form method="post" action={action} className="move-options move-order" aria-label={`Reorder ${task.title}`}>
                <AuthenticityTokenInput />
                <input type="hidden" name="intent" value="move" />
                <input type="hidden" name="taskId" value={task.id} />
                <input type="hidden" name="status" value={task.status} />
                {up !== undefined ? (
                  <button type="submit" name="before" value={up} className="btn btn-small btn-ghost">
                    ↑ Move up
                  </button>
                ) : null}
                {down !== undefined ? (
                  <button type="submit" name="before" value={down ?? ""} className="btn btn-small btn-ghost">
                    ↓ Move down
                  </button>
                ) : null}
              </form>
            ) : null}
          </details>
        ) : null}
      </div>
      {task.labels?.length ? <LabelChips labels={task.labels} /> : null}
      {refusal ? (
        <p className="card-refusal" role="alert" data-testid="card-refusal">
          {refusal}
        </p>
      ) : null}
      {task.pipeline ? <StageChips pipeline={task.pipeline} /> : null}
      {task.blocked || task.subtasks ? (
        <p className="card-links">
          {task.blocked ? (
            <span className="chip chip-blocked" data-testid="card-blocked" title="Waits on a task that is not done: not dispatched meanwhile">
              Blocked
            </span>
          ) : null}
          {task.subtasks ? <span className="muted">{`${task.subtasks.done}/${task.subtasks.total} subtasks`}</span> : null}
        </p>
      ) : null}
      {task.alert_reason ? (
        <p className="alert" role="note">
          <Icon name="alert" size={14} />
          {task.alert_reason.replaceAll("_", " ")}
        </p>
      ) : null}
    </article>
  );
}

/** A task's labels as small chips (cards, the list view, the task page). */
export function LabelChips({ labels }: { labels: readonly string[] }) {
  return (
    <ul className="label-chips" aria-label="Labels">
      {labels.map((label) => (
        <li key={label} className="label-chip">
          {label}
        </li>
      ))}
    </ul>
  );
}
