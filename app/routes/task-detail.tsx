import { Form, Link } from "react-router";
import { workspaceContext } from "#app/context.server";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { listAgents } from "#app/db/agents.server";
import { listStandingGrants, listTaskTypes, taskTypeOf } from "#app/db/governance.server";
import { stageTimeline } from "#app/db/pipelines.server";
import { getPlanningState } from "#app/db/planning.server";
import { getTask } from "#app/db/tasks.server";
import { PRIORITY_LABELS } from "#app/domain/priority";
import { STATUS_LABELS } from "#app/domain/task-status";
import { roleAtLeast } from "#app/domain/roles";
import { formatDue, isOverdue } from "#app/domain/time";
import { taskEditValues } from "#app/domain/forms/task";
import { FormError } from "#app/components/field";
import { TaskForm } from "#app/components/task-form";
import { DeliverableList } from "#app/components/deliverable-list";
import { DispatchPanel } from "#app/components/dispatch-panel";
import { GrantsPanel } from "#app/components/grants-panel";
import { PlanningPanel } from "#app/components/planning-panel";
import { StageTimeline } from "#app/components/stage-timeline";
import { UsagePanel } from "#app/components/usage-panel";
import { BudgetPanel } from "#app/components/budget-panel";
import { operator } from "#app/services/auth/operator.server";
import { found } from "#app/services/http/page-errors.server";
import { taskAction } from "./task-detail.server";
import { pathId } from "#app/services/workspace.server";
import { useActionResult } from "#app/components/use-action-result";
import { Time, useTimeZone } from "#app/components/time";
import type { Route } from "./+types/task-detail";
import { Icon } from "#app/components/icon";

export const handle = { ownHeading: true };
export const meta: Route.MetaFunction = ({ loaderData }) => [{ title: `${loaderData?.task.title ?? "Task"} · Mission Control` }];

export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { db, rt, user } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  const task = await getTask(db, pathId(params.taskId, "Task"));
  if (task?.workspace_id !== workspace.id) found(null, "Task");
  const [planning, taskType, taskTypes, grants, stageRuns] = await Promise.all([
    task!.status === "planning" ? getPlanningState(db, task!.id) : null,
    taskTypeOf(db, task!.id),
    listTaskTypes(db),
    listStandingGrants(db, task!.id),
    task!.pipeline ? stageTimeline(db, task!.id) : [],
  ]);
  return {
    workspace,
    task: task!,
    planning,
    taskType,
    taskTypes,
    grants,
    stageRuns,
    gateway: rt.gateway?.status ?? "disabled",
    agents: await listAgents(db, workspace.id),
    canEdit: user.role !== "viewer",
    // Approvers and admins raise budgets and revoke standing grants.
    isApprover: roleAtLeast(user.role, "approver"),
    now: new Date().toISOString(),
  };
}

export async function action({ request, context, params, url }: Route.ActionArgs) {
  const { rt, actor, log, user } = operator(context, request);
  const workspace = context.get(workspaceContext);
  return taskAction({ rt, log, actor, user, workspace, taskId: pathId(params.taskId, "Task"), pathname: url.pathname }, await request.formData());
}

export default function TaskDetailPage({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { workspace, task, agents, canEdit, isApprover, planning, gateway, taskType, taskTypes, grants, stageRuns } = loaderData;
  const pipeline = task.pipeline;
  const hasNextStage = Boolean(pipeline?.stages.some((s) => s.position > pipeline.position));
  const now = new Date(loaderData.now);
  const timeZone = useTimeZone();
  const overdue = task.status !== "done" && task.status !== "cancelled" && isOverdue(task.due_at, now, timeZone);
  const failed = actionData && !actionData.ok ? actionData : null;
  const editFailed = failed?.intent === "update";
  return (
    <main id="main" className="page task-page">
      <p className="crumbs">
        <Link to={`/w/${workspace.slug}`}>← Board</Link>
      </p>
      <header className="task-head">
        <h1>{task.title}</h1>
        <div className="task-facts">
          <span className={`status status-${task.status}`} data-testid="task-status">
            {STATUS_LABELS[task.status]}
          </span>
          <span className={`badge badge-${task.priority}`}>{PRIORITY_LABELS[task.priority]}</span>
          <span>{task.assignee ? `${task.assignee.emoji} ${task.assignee.name}` : "Unassigned"}</span>
          <span data-testid="task-type">{taskType ? `${taskType.name} · ${taskType.risk} risk` : "General · low risk"}</span>
          {task.due_at ? (
            <span data-testid="task-due" className={overdue ? "overdue" : undefined}>
              Due {formatDue(task.due_at, timeZone)}
              {overdue ? " (overdue)" : ""}
            </span>
          ) : null}
          <span>
            Created <Time value={task.created_at} now={now} />
          </span>
        </div>
        {task.alert_reason ? (
          <p className="alert">
            <Icon name="alert" size={14} />
            {task.alert_reason.replaceAll("_", " ")}
          </p>
        ) : null}
        {task.alert_reason === "budget_exceeded" && task.last_dispatch_error ? (
          <p className="alert-text" data-testid="budget-refusal">
            {task.last_dispatch_error} Raise that budget (workspace settings, the agent's page or below), then retry the dispatch.
          </p>
        ) : null}
      </header>

      {failed && !editFailed && failed.intent !== "budget" ? <FormError message={failed.formError} /> : null}

      {canEdit && task.allowed_statuses.length > 0 ? (
        <Form method="post" className="move-bar" aria-label="Move task">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="move" />
          <span className="muted">Move to</span>
          {task.allowed_statuses.map((s) => (
            <button key={s} type="submit" name="status" value={s} className="btn btn-small">
              {STATUS_LABELS[s]}
            </button>
          ))}
        </Form>
      ) : null}

      <div className="task-grid">
        {pipeline ? (
          <StageTimeline
            pipeline={pipeline}
            runs={stageRuns}
            canAdvance={canEdit && task.status === "review" && hasNextStage}
            now={now}
            pipelineHref={`/w/${workspace.slug}/pipelines/${pipeline.id}`}
          />
        ) : null}
        {canEdit && planning ? (
          <PlanningPanel
            questions={planning.questions}
            spec={planning.spec}
            hasAgent={Boolean(planning.openclaw_agent_id)}
            running={Boolean(planning.run_id)}
            errors={failed?.intent === "answer" ? failed.errors : {}}
          />
        ) : null}
        {canEdit && ["assigned", "in_progress", "testing", "review"].includes(task.status) ? (
          <DispatchPanel task={task} agents={agents} gateway={gateway} />
        ) : null}
        <section className="panel">
          <h2>Description</h2>
          {task.description ? <p className="prose">{task.description}</p> : <p className="muted">No description.</p>}
          {canEdit ? (
            <details className="edit" open={Boolean(editFailed)}>
              <summary>Edit task</summary>
              <TaskForm
                agents={agents}
                taskTypes={taskTypes}
                values={editFailed && failed?.values ? failed.values : taskEditValues(task, taskType?.id ?? null)}
                errors={editFailed ? (failed?.errors ?? {}) : {}}
                formError={editFailed ? failed?.formError : undefined}
                submitLabel="Save changes"
                intent="update"
              />
            </details>
          ) : null}
        </section>

        <DeliverableList deliverables={task.deliverables} base={`/w/${workspace.slug}/tasks/${task.id}`} />

        <GrantsPanel grants={grants} canRevoke={isApprover} />
        <UsagePanel task={task} />
        <BudgetPanel budget={task.budget} title="Task budget" canEdit={canEdit} canRaise={isApprover} failed={failed?.intent === "budget" ? failed : null} />
        {task.planning_spec ? (
          <section className="panel">
            <h2>Spec from planning</h2>
            <pre className="spec">{JSON.stringify(task.planning_spec, null, 2)}</pre>
          </section>
        ) : null}

        <section className="panel panel-wide">
          <h2>Activity</h2>
          <ol className="activity">
            {task.activities.map((a) => (
              <li key={a.id} className={`activity-${a.actor_type}`}>
                <Time value={a.created_at} now={now} />
                <span className="who">{a.actor_name || a.actor_type}</span>
                <span className="what">{a.message}</span>
              </li>
            ))}
          </ol>
        </section>
      </div>

      {canEdit ? (
        <details className="danger-zone">
          <summary>Delete task…</summary>
          <Form method="post">
            <AuthenticityTokenInput />
            <input type="hidden" name="intent" value="delete" />
            <p>This removes the task, its activity and deliverables. It cannot be undone.</p>
            <button type="submit" className="btn btn-danger">
              Delete task
            </button>
          </Form>
        </details>
      ) : null}
    </main>
  );
}
