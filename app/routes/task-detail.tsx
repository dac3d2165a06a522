import type { ReactNode } from "react";
import { Form, Link, data } from "react-router";
import { workspaceContext } from "#app/context.server";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { listAgents } from "#app/db/agents.server";
import { listStandingGrants, listTaskTypes, taskTypeOf } from "#app/db/governance.server";
import { stageTimeline } from "#app/db/pipelines.server";
import { getPlanningState } from "#app/db/planning.server";
import { getTask } from "#app/db/tasks.server";
import { PRIORITIES, PRIORITY_LABELS } from "#app/domain/priority";
import { STATUS_LABELS } from "#app/domain/task-status";
import { roleAtLeast } from "#app/domain/roles";
import { dateInputValue, formatDue, isOverdue } from "#app/domain/time";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { INLINE_FIELDS, type InlineField, isInlineField } from "#app/domain/forms/task";
import { FormError } from "#app/components/field";
import { ConfirmAction } from "#app/components/confirm-action";
import { SubmitButton } from "#app/components/submit-button";
import { DELETED_TASK_UNDO_S } from "#app/domain/toast";
import { DeliverableList } from "#app/components/deliverable-list";
import { InlineFieldRow } from "#app/components/inline-field";
import { TaskApprovals } from "#app/components/task-approvals";
import { TaskCommands } from "#app/components/task-commands";
import { TaskLinksPanel } from "#app/components/task-links";
import { TaskTimeline } from "#app/components/task-timeline";
import { isUuid } from "#app/domain/ids";
import { CheckResults } from "#app/components/check-results";
import { TaskUploads } from "#app/components/task-uploads";
import { DispatchPanel } from "#app/components/dispatch-panel";
import { GrantsPanel } from "#app/components/grants-panel";
import { PlanningPanel } from "#app/components/planning-panel";
import { StageTimeline } from "#app/components/stage-timeline";
import { UsagePanel } from "#app/components/usage-panel";
import { BudgetPanel } from "#app/components/budget-panel";
import { operator } from "#app/services/auth/operator.server";
import { found } from "#app/services/http/page-errors.server";
import { taskAction, taskUpload } from "./task-detail.server";
import { taskPageData } from "./task-detail-data.server";
import { mediaType } from "#app/services/http/csrf.server";
import { pathId } from "#app/services/workspace.server";
import { useActionResult } from "#app/components/use-action-result";
import { Time, useTimeZone } from "#app/components/time";
import type { Route } from "./+types/task-detail";
import { LabelChips } from "#app/components/task-card";
import { Icon } from "#app/components/icon";
import { TranscriptPanel } from "#app/components/transcript-panel";
import { parseTranscriptCursor } from "#app/domain/transcript";
import { steerRefusal } from "#app/domain/forms/steer";
import { taskTranscript } from "#app/services/agent-plane/transcripts.server";

export const handle = { ownHeading: true };

/** The link forms' intents: their errors show in the links panel. */
const LINK_INTENTS = ["add-blocker", "remove-blocker", "set-parent"];
export const meta: Route.MetaFunction = ({ loaderData }) => [{ title: `${loaderData?.task.title ?? "Task"} · Mission Control` }];

export async function loader({ request, context, params, url }: Route.LoaderArgs) {
  const { db, rt, user } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  const task = await getTask(db, pathId(params.taskId, "Task"));
  if (task?.workspace_id !== workspace.id) found(null, "Task");
  const taskBase = `/w/${workspace.slug}/tasks/${task!.id}`;
  const cursor = parseTranscriptCursor(url.searchParams.get("transcript_before"));
  if (!cursor.ok) throw data({ message: cursor.message }, { status: 400 });
  const gw = await rt.gateways.forTask(task!.id);
  const [planning, taskType, taskTypes, grants, stageRuns, extras, transcript] = await Promise.all([
    task!.status === "planning" ? getPlanningState(db, task!.id) : null,
    taskTypeOf(db, task!.id),
    listTaskTypes(db),
    listStandingGrants(db, task!.id),
    task!.pipeline ? stageTimeline(db, task!.id) : [],
    taskPageData(db, rt.env.filesDir, task!, taskBase),
    taskTranscript(gw, task!, cursor.offset),
  ]);
  const canEdit = user.role !== "viewer";
  const edit = url.searchParams.get("edit");
  const saved = url.searchParams.get("saved");
  return {
    workspace,
    task: task!,
    planning,
    taskType,
    taskTypes,
    grants,
    stageRuns,
    gateway: gw?.status ?? "disabled",
    ...extras,
    transcript,
    /** The steer form is offered where a message can go (a stop in effect is said when it is sent). */
    canSteer: canEdit && steerRefusal(task!, null) === null,
    taskBase,
    agents: await listAgents(db, workspace.id),
    canEdit,
    /** The field whose form is open (`?edit=`), for those who may edit. */
    editing: canEdit && isInlineField(edit) ? edit : null,
    /** The comment whose edit form is open (`?comment=`), for its author to edit. */
    editingComment: canEdit && isUuid(url.searchParams.get("comment")) ? url.searchParams.get("comment")!.toLowerCase() : null,
    /** What the last save confirmed (`?saved=`). */
    saved: isInlineField(saved) || saved === "upload" ? saved : null,
    userId: user.id,
    role: user.role,
    isAdmin: user.role === "admin",
    uploadMaxBytes: rt.env.UPLOAD_MAX_BYTES,
    // Approvers and admins raise budgets and revoke standing grants.
    isApprover: roleAtLeast(user.role, "approver"),
    now: new Date().toISOString(),
  };
}

export async function action({ request, context, params, url }: Route.ActionArgs) {
  const { rt, actor, log, user } = operator(context, request);
  const workspace = context.get(workspaceContext);
  const ctx = { rt, log, actor, user, workspace, taskId: pathId(params.taskId, "Task"), pathname: url.pathname };
  // The attach form is the page's one multipart form: its file streams to disk instead of being read whole.
  if (mediaType(request.headers.get("content-type")) === "multipart/form-data") return taskUpload(ctx, request);
  return taskAction(ctx, await request.formData());
}

export default function TaskDetailPage({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { workspace, task, agents, canEdit, isApprover, planning, gateway, taskType, taskTypes, grants, stageRuns } = loaderData;
  const { approvals, commands, links, checks, uploads, previews, descriptionHtml, activityHtml, taskBase, saved, userId, role, isAdmin } = loaderData;
  const { comments, commentHtml } = loaderData;
  const pipeline = task.pipeline;
  const hasNextStage = Boolean(pipeline?.stages.some((s) => s.position > pipeline.position));
  const now = new Date(loaderData.now);
  const timeZone = useTimeZone();
  const overdue = task.status !== "done" && task.status !== "cancelled" && isOverdue(task.due_at, now, timeZone);
  const failed = actionData && !actionData.ok ? actionData : null;
  // A refused in-place edit keeps its field's form open, with what was typed and why.
  const failedField = failed?.intent?.startsWith("edit-") ? failed.intent.slice("edit-".length) : null;
  const editing: InlineField | null = failedField && isInlineField(failedField) ? failedField : loaderData.editing;
  const pathname = taskBase;
  // The database's refusal says it in words; the form's own rules name the field.
  const fieldError = (name: string) => {
    if (failedField !== editing || !failed) return undefined;
    const specific = failed.formError && failed.formError !== GENERIC_REFUSAL ? failed.formError : undefined;
    return specific ?? failed.errors[name] ?? failed.formError;
  };
  const typed = (name: string, current: string) => (failedField === editing && failed?.values ? (failed.values[name] ?? current) : current);
  const row = (field: InlineField, label: string, value: ReactNode, editor: ReactNode, block = false) => (
    <InlineFieldRow
      key={field}
      field={field}
      label={label}
      value={value}
      editor={editor}
      canEdit={canEdit}
      editing={editing === field}
      saved={saved === field}
      error={editing === field ? fieldError(inputName[field]) : undefined}
      pathname={pathname}
      block={block}
    />
  );
  const pageFailure =
    failed &&
    !failedField &&
    !["budget", "upload", "approve", "deny", "approve_grant", "move", "delete", "steer", "comment", "comment-edit", ...LINK_INTENTS].includes(
      failed.intent ?? "",
    )
      ? failed
      : null;
  const decisionFailure = failed && ["approve", "deny", "approve_grant"].includes(failed.intent ?? "") ? failed : null;
  const steerFailure = failed?.intent === "steer" ? failed : null;
  return (
    <main id="main" className="page task-page">
      <p className="crumbs">
        <Link to={`/w/${workspace.slug}`} reloadDocument>
          ← Board
        </Link>
      </p>
      <header className="task-head">
        {row(
          "title",
          "Title",
          <h1>{task.title}</h1>,
          <input
            name="title"
            aria-label="Title"
            defaultValue={typed("title", task.title)}
            maxLength={COLUMN_LIMITS.tasks.title}
            required
            autoFocus
            aria-invalid={fieldError("title") ? true : undefined}
          />,
          true,
        )}
        <div className="task-facts">
          <div className="inline-field">
            <span className="inline-field-label">Status</span>
            <span className="inline-field-value">
              <span className={`status status-${task.status}`} data-testid="task-status">
                {STATUS_LABELS[task.status]}
              </span>
            </span>
          </div>
          {row(
            "assignee",
            "Assignee",
            <span data-testid="task-assignee">{task.assignee ? `${task.assignee.emoji} ${task.assignee.name}` : "Unassigned"}</span>,
            <select
              name="assigned_agent_id"
              aria-invalid={fieldError("assigned_agent_id") ? true : undefined}
              aria-label="Assignee"
              defaultValue={typed("assigned_agent_id", task.assignee?.id ?? "")}
              autoFocus
            >
              <option value="">Unassigned</option>
              {agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {`${a.emoji} ${a.name}`}
                </option>
              ))}
            </select>,
          )}
          {row(
            "priority",
            "Priority",
            <span className={`badge badge-${task.priority}`} data-testid="task-priority">
              {PRIORITY_LABELS[task.priority]}
            </span>,
            <select
              name="priority"
              aria-invalid={fieldError("priority") ? true : undefined}
              aria-label="Priority"
              defaultValue={typed("priority", task.priority)}
              autoFocus
            >
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {PRIORITY_LABELS[p]}
                </option>
              ))}
            </select>,
          )}
          {row(
            "due",
            "Due",
            task.due_at ? (
              <span data-testid="task-due" className={overdue ? "overdue" : undefined}>
                {formatDue(task.due_at, timeZone)}
                {overdue ? " (overdue)" : ""}
              </span>
            ) : (
              <span className="muted" data-testid="task-due">
                No due date
              </span>
            ),
            <input
              type="date"
              name="due_at"
              aria-invalid={fieldError("due_at") ? true : undefined}
              aria-label="Due date"
              defaultValue={typed("due_at", dateInputValue(task.due_at))}
              autoFocus
              aria-describedby="due-hint"
            />,
          )}
          {row(
            "type",
            "Type",
            <span data-testid="task-type">{taskType ? `${taskType.name} · ${taskType.risk} risk` : "General · low risk"}</span>,
            <select
              name="task_type_id"
              aria-invalid={fieldError("task_type_id") ? true : undefined}
              aria-label="Task type"
              defaultValue={typed("task_type_id", taskType?.id ?? "")}
              autoFocus
            >
              <option value="">General (low risk)</option>
              {taskTypes.map((t) => (
                <option key={t.id} value={t.id}>{`${t.name} (${t.risk} risk)`}</option>
              ))}
            </select>,
          )}
          <div className="inline-field">
            <span className="inline-field-label">Created</span>
            <span className="inline-field-value">
              <Time value={task.created_at} now={now} />
            </span>
          </div>
        </div>
        {task.labels.length > 0 ? (
          <div className="task-labels" data-testid="task-labels">
            <LabelChips labels={task.labels} />
          </div>
        ) : null}
        {editing === "due" ? (
          <p className="muted" id="due-hint">
            Leave it empty for no due date.
          </p>
        ) : null}
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

      {pageFailure ? <FormError message={pageFailure.formError} /> : null}

      {canEdit && task.allowed_statuses.length > 0 ? (
        <Form method="post" className="move-bar" aria-label="Move task">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="move" />
          <span className="muted">Move to</span>
          {task.allowed_statuses.map((s) => (
            <SubmitButton key={s} name="status" value={s} className="btn btn-small">
              {STATUS_LABELS[s]}
            </SubmitButton>
          ))}
          {/* A refused move (a gate, a rule) shows here, beside the buttons that caused it. */}
          {failed?.intent === "move" ? <FormError message={failed.formError} /> : null}
        </Form>
      ) : null}

      <div className="task-grid">
        <TaskApprovals approvals={approvals} canDecide={isApprover} userId={userId} role={role} now={now} formError={decisionFailure?.formError} />
        <TaskCommands commands={commands} now={now} />
        <TranscriptPanel
          transcript={loaderData.transcript}
          base={taskBase}
          now={now}
          pendingExecApprovals={approvals.filter((a) => a.status === "pending" && a.action.startsWith("exec:")).length}
          commands={commands}
          steer={{
            show: loaderData.canSteer,
            error: steerFailure?.formError,
            fieldError: steerFailure?.errors.message,
            value: steerFailure?.values?.message,
            resetKey: `${task.activities.filter((a) => a.type === "steer" || a.type === "steer_failed").length}`,
          }}
        />
        {canEdit && planning ? (
          <PlanningPanel
            questions={planning.questions}
            spec={planning.spec}
            hasAgent={Boolean(planning.openclaw_agent_id)}
            running={Boolean(planning.run_id)}
            errors={failed?.intent === "answer" ? failed.errors : {}}
          />
        ) : null}
        <section className="panel description-panel" aria-labelledby="field-description-label">
          {row(
            "description",
            "Description",
            descriptionHtml ? (
              // Safe HTML: the output of the server's Markdown module (raw HTML off, links vetted).
              <div className="markdown" data-testid="task-description" dangerouslySetInnerHTML={{ __html: descriptionHtml }} />
            ) : (
              <span className="muted" data-testid="task-description">
                No description.
              </span>
            ),
            <>
              <textarea
                name="description"
                aria-invalid={fieldError("description") ? true : undefined}
                aria-label="Description"
                rows={8}
                defaultValue={typed("description", task.description)}
                maxLength={COLUMN_LIMITS.tasks.description}
                autoFocus
                aria-describedby="description-hint"
              />
              <span className="muted" id="description-hint">
                Markdown: **bold**, lists, `code`, [links](https://example.com); plain addresses become links.
              </span>
            </>,
            true,
          )}
        </section>

        <TaskLinksPanel
          links={links}
          taskId={task.id}
          base={`/w/${workspace.slug}`}
          canEdit={canEdit}
          error={failed && LINK_INTENTS.includes(failed.intent ?? "") ? (failed.formError ?? Object.values(failed.errors ?? {})[0]) : undefined}
        />

        <CheckResults checks={checks} now={now} settingsHref={`/w/${workspace.slug}/settings#url-allowlist`} />

        <DeliverableList deliverables={task.deliverables} base={taskBase} previews={previews} />

        <TaskUploads
          uploads={uploads}
          base={taskBase}
          previews={previews}
          canUpload={canEdit && task.status !== "done" && task.status !== "cancelled"}
          canRemove={(u) => canEdit && (isAdmin || u.uploaded_by === userId)}
          maxBytes={loaderData.uploadMaxBytes}
          saved={saved === "upload"}
          error={failed?.intent === "upload" || failed?.intent === "delete-upload" ? failed.formError : undefined}
          now={now}
        />

        {pipeline ? (
          <StageTimeline
            pipeline={pipeline}
            runs={stageRuns}
            canAdvance={canEdit && task.status === "review" && hasNextStage}
            now={now}
            pipelineHref={`/w/${workspace.slug}/pipelines/${pipeline.id}`}
          />
        ) : null}
        {canEdit && ["assigned", "in_progress", "testing", "review"].includes(task.status) ? (
          <DispatchPanel task={task} agents={agents} gateway={gateway} />
        ) : null}
        <GrantsPanel grants={grants} canRevoke={isApprover} />
        {task.usage.length === 0 && Number(task.token_usage) === 0 ? (
          <p className="panel-empty muted" data-testid="no-usage">
            No tokens used yet.
          </p>
        ) : (
          <UsagePanel task={task} />
        )}
        <BudgetPanel budget={task.budget} title="Task budget" canEdit={canEdit} canRaise={isApprover} failed={failed?.intent === "budget" ? failed : null} />
        {task.planning_spec ? (
          <section className="panel">
            <h2>Spec from planning</h2>
            <pre className="spec">{JSON.stringify(task.planning_spec, null, 2)}</pre>
          </section>
        ) : null}

        <TaskTimeline
          activities={task.activities}
          activityHtml={activityHtml}
          comments={comments}
          commentHtml={commentHtml}
          userId={userId}
          canComment={canEdit}
          editing={loaderData.editingComment}
          failure={
            failed && (failed.intent === "comment" || failed.intent === "comment-edit")
              ? { intent: failed.intent, message: failed.formError ?? Object.values(failed.errors ?? {})[0], values: failed.values }
              : null
          }
          pathname={taskBase}
          now={now}
        />
      </div>

      {canEdit ? (
        <ConfirmAction
          className="danger-zone"
          label="Delete task…"
          warning={`The task leaves the board with its activity and deliverables; its spend still counts. You can undo this for ${DELETED_TASK_UNDO_S / 60} minutes.`}
          confirmLabel="Delete task"
          intent="delete"
          error={failed?.intent === "delete" ? failed.formError : undefined}
        />
      ) : null}
    </main>
  );
}

/** invalidForm's words when only field errors say what is wrong. */
const GENERIC_REFUSAL = "Please correct the highlighted fields.";

/** The form field each in-place edit posts. */
const inputName: Record<InlineField, string> = INLINE_FIELDS;
