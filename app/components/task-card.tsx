import { Form, Link } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { TaskCard as Card } from "#app/db/tasks.server";
import { PRIORITY_LABELS } from "#app/domain/priority";
import { STATUS_LABELS, allowedTransitions } from "#app/domain/task-status";
import { formatAge, formatDateTime, formatDue, isDueToday, isOverdue } from "#app/domain/time";
import { useTimeZone } from "./time";
import { formatCost } from "#app/domain/costs";
import { StageChips } from "./stage-chips";
import { Icon } from "./icon";

/** A board card: what it is, who has it, how old, what is wrong, and a small move menu. */
export function TaskCard({ task, base, canEdit, now }: { task: Card; base: string; canEdit: boolean; now: Date }) {
  const timeZone = useTimeZone();
  const open = task.status !== "done" && task.status !== "cancelled";
  const overdue = open && isOverdue(task.due_at, now, timeZone);
  const dueToday = open && !overdue && isDueToday(task.due_at, now, timeZone);
  const cost = formatCost(task.estimated_cost, task.cost_provenance);
  return (
    <article className={`card prio-${task.priority}`} data-task-id={task.id} draggable={canEdit || undefined}>
      <Link to={`${base}/tasks/${task.id}`} className="card-title">
        {task.title}
      </Link>
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
            <Form method="post" className="move-options" aria-label={`Move ${task.title} to`}>
              <AuthenticityTokenInput />
              <input type="hidden" name="intent" value="move" />
              <input type="hidden" name="taskId" value={task.id} />
              {allowedTransitions(task.status).map((s) => (
                <button key={s} type="submit" name="status" value={s} className="btn btn-small">
                  {STATUS_LABELS[s]}
                </button>
              ))}
            </Form>
          </details>
        ) : null}
      </div>
      {task.pipeline ? <StageChips pipeline={task.pipeline} /> : null}
      {task.alert_reason ? (
        <p className="alert" role="note">
          <Icon name="alert" size={14} />
          {task.alert_reason.replaceAll("_", " ")}
        </p>
      ) : null}
    </article>
  );
}
