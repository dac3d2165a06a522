import { Form, Link } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { TaskLink, TaskLinks } from "#app/db/tasks.server";
import { INPUT_LIMITS } from "#app/domain/field-limits";
import { STATUS_LABELS } from "#app/domain/task-status";
import { FormError } from "./field";
import { SubmitButton } from "./submit-button";

function LinkRow({ link, base }: { link: TaskLink; base: string }) {
  return (
    <>
      <Link to={`${base}/tasks/${link.id}`}>{link.title}</Link> <span className={`status status-${link.status}`}>{STATUS_LABELS[link.status]}</span>
    </>
  );
}

/**
 * What the task waits on and what waits on it, its parent and its subtasks
 * (decision 044), each a plain form: a task is named by its id or its page's
 * address, so linking needs no picker and no JavaScript. A task that waits on
 * an open one says so here and is not dispatched.
 */
export function TaskLinksPanel(props: { links: TaskLinks; taskId: string; base: string; canEdit: boolean; error?: string }) {
  const { links, taskId, base, canEdit, error } = props;
  const { blocked_by, blocking, parent, subtasks, progress } = links;
  return (
    <section className="panel panel-wide task-links" id="links" aria-labelledby="links-heading">
      <h2 id="links-heading">Dependencies and subtasks</h2>
      <FormError message={error} />
      {links.blocked ? (
        <p className="blocked-note" data-testid="blocked-note" role="note">
          Blocked: waits on {blocked_by.filter((b) => b.open).length === 1 ? "a task" : "tasks"} not done yet, so it is not dispatched.
        </p>
      ) : null}
      <h3>Waits on</h3>
      {blocked_by.length === 0 ? <p className="muted">Nothing.</p> : null}
      <ul className="link-list">
        {blocked_by.map((b) => (
          <li key={b.id} data-blocker={b.id}>
            <LinkRow link={b} base={base} />
            {canEdit ? (
              <Form method="post" className="inline-form">
                <AuthenticityTokenInput />
                <input type="hidden" name="intent" value="remove-blocker" />
                <input type="hidden" name="blocked_by" value={b.id} />
                <SubmitButton className="btn btn-small" pendingLabel="Removing…" aria-label={`Stop waiting on ${b.title}`}>
                  Remove
                </SubmitButton>
              </Form>
            ) : null}
          </li>
        ))}
      </ul>
      {canEdit ? (
        // Keyed by the links so the field empties once a link is added (with JavaScript the page is not reloaded).
        <Form method="post" className="inline-form link-form" key={blocked_by.map((b) => b.id).join()}>
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="add-blocker" />
          <label>
            Wait on task (address or id)
            <input name="blocked_by" required maxLength={INPUT_LIMITS.taskReference} placeholder={`${base}/tasks/…`} autoComplete="off" />
          </label>
          <SubmitButton className="btn btn-small" pendingLabel="Adding…">
            Add dependency
          </SubmitButton>
        </Form>
      ) : null}
      {blocking.length > 0 ? (
        <>
          <h3>Waiting on this task</h3>
          <ul className="link-list">
            {blocking.map((b) => (
              <li key={b.id}>
                <LinkRow link={b} base={base} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h3>Parent</h3>
      <p>{parent ? <LinkRow link={parent} base={base} /> : <span className="muted">None.</span>}</p>
      {canEdit ? (
        <Form method="post" className="inline-form link-form">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="set-parent" />
          <label>
            Subtask of (address or id; empty for none)
            <input name="parent_id" maxLength={INPUT_LIMITS.taskReference} defaultValue={parent?.id ?? ""} autoComplete="off" />
          </label>
          <SubmitButton className="btn btn-small" pendingLabel="Saving…">
            Set parent
          </SubmitButton>
        </Form>
      ) : null}
      <h3>
        Subtasks{" "}
        {progress.total > 0 ? (
          <span className="muted" data-testid="subtask-progress">
            {`${progress.done} of ${progress.total} done`}
          </span>
        ) : null}
      </h3>
      {progress.total > 0 ? <progress max={progress.total} value={progress.done} aria-label="Subtasks done" /> : null}
      {subtasks.length === 0 ? <p className="muted">None.</p> : null}
      <ul className="link-list">
        {subtasks.map((s) => (
          <li key={s.id}>
            <LinkRow link={s} base={base} />
          </li>
        ))}
      </ul>
      {canEdit ? (
        <p>
          <Link className="btn btn-small" to={`${base}/tasks/new?parent=${taskId}`}>
            New subtask
          </Link>
        </p>
      ) : null}
    </section>
  );
}
