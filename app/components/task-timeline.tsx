import { Form, Link } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { CommentMention, ListedComment } from "#app/db/comments.server";
import type { Activity } from "#app/db/tasks.server";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { FormError } from "./field";
import { SubmitButton } from "./submit-button";
import { Time } from "./time";

/** What became of a mention, in words. */
const DELIVERY_WORDS: Record<CommentMention["delivery"], string> = {
  delivered: "delivered to the running session",
  queued: "queued for the task's next dispatch",
  dispatched: "sent with the task's dispatch",
  notified: "notified",
  none: "not delivered",
};

export interface CommentFailure {
  intent: string;
  message?: string;
  values?: Record<string, string>;
}

type Entry = { at: string; activity: Activity; comment?: never } | { at: string; comment: ListedComment; activity?: never };

/**
 * The task's timeline (decision 045): its activity and its comments in one
 * list, newest first. Comments are Markdown rendered on the server; each
 * says who it mentioned and what became of that. Authors edit their own with
 * a plain form (`?comment=<id>` opens it, so no JavaScript is needed) and
 * delete them, leaving a tombstone.
 */
export function TaskTimeline(props: {
  activities: Activity[];
  activityHtml: Record<string, string>;
  comments: ListedComment[];
  commentHtml: Record<string, { body: string; history: string[] }>;
  /** The signed-in user: their own comments can be changed. */
  userId: string;
  canComment: boolean;
  /** The comment whose edit form is open. */
  editing: string | null;
  failure: CommentFailure | null;
  pathname: string;
  now: Date;
}) {
  const { activities, activityHtml, comments, commentHtml, userId, canComment, failure, pathname, now } = props;
  const editing = failure?.intent === "comment-edit" ? (failure.values?.comment_id ?? props.editing) : props.editing;
  const entries: Entry[] = [...activities.map((a) => ({ at: a.created_at, activity: a })), ...comments.map((c) => ({ at: c.created_at, comment: c }))];
  entries.sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0));
  const byId = new Map(comments.map((c) => [c.id, c]));
  const newFailure = failure?.intent === "comment" ? failure : null;
  return (
    <section className="panel panel-wide" id="timeline" aria-labelledby="activity-heading">
      <h2 id="activity-heading">Activity</h2>
      {canComment ? (
        // Keyed by the comment count so the box empties once a comment is posted (with JavaScript the page is not reloaded).
        <Form method="post" className="comment-form" key={comments.length} action={pathname}>
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="comment" />
          <label htmlFor="comment-body">Comment</label>
          <textarea
            id="comment-body"
            name="body"
            rows={3}
            required
            maxLength={COLUMN_LIMITS.task_comments.body}
            defaultValue={newFailure?.values?.body ?? ""}
            aria-invalid={newFailure ? true : undefined}
            aria-describedby="comment-hint"
          />
          <span className="muted" id="comment-hint">
            Markdown. Mention an agent (@its-name) to send it the comment, or a person (@their e-mail or the part before the @).
          </span>
          <FormError message={newFailure?.message} />
          <SubmitButton className="btn btn-small btn-primary" pendingLabel="Posting…">
            Post comment
          </SubmitButton>
        </Form>
      ) : null}
      {entries.length === 0 ? <p className="muted">Nothing has happened yet.</p> : null}
      <ol className="activity">
        {entries.map((e) =>
          e.activity ? (
            <li key={e.activity.id} className={`activity-${e.activity.actor_type}`}>
              <Time value={e.activity.created_at} now={now} />
              <span className="who">{e.activity.actor_name || e.activity.actor_type}</span>
              {activityHtml[e.activity.id] !== undefined ? (
                // Safe HTML: the output of the server's Markdown module.
                <span className="what markdown-inline" dangerouslySetInnerHTML={{ __html: activityHtml[e.activity.id]! }} />
              ) : (
                <span className="what">{e.activity.message}</span>
              )}
            </li>
          ) : (
            <CommentItem
              key={e.comment.id}
              comment={e.comment}
              html={commentHtml[e.comment.id]}
              replyTo={e.comment.in_reply_to ? byId.get(e.comment.in_reply_to) : undefined}
              own={canComment && e.comment.author.type === "user" && e.comment.author.id === userId}
              editing={editing === e.comment.id}
              failure={failure?.intent === "comment-edit" && editing === e.comment.id ? failure : null}
              pathname={pathname}
              now={now}
            />
          ),
        )}
      </ol>
    </section>
  );
}

function CommentItem(props: {
  comment: ListedComment;
  html: { body: string; history: string[] } | undefined;
  replyTo: ListedComment | undefined;
  own: boolean;
  editing: boolean;
  failure: CommentFailure | null;
  pathname: string;
  now: Date;
}) {
  const { comment: c, html, replyTo, own, editing, failure, pathname, now } = props;
  const anchor = `comment-${c.id}`;
  return (
    <li id={anchor} className={`comment activity-${c.author.type}`} data-comment={c.id}>
      <Time value={c.created_at} now={now} />
      <span className="who">{c.author.name || c.author.type}</span>
      <div className="what">
        {replyTo ? (
          <p className="comment-reply muted">
            <a href={`#comment-${replyTo.id}`}>{`In reply to ${replyTo.author.name || "a comment"}`}</a>
          </p>
        ) : null}
        {c.deleted_at ? (
          <p className="comment-deleted muted" data-testid="comment-deleted">
            Comment deleted.
          </p>
        ) : editing ? (
          <Form method="post" className="comment-form" action={pathname}>
            <AuthenticityTokenInput />
            <input type="hidden" name="intent" value="comment-edit" />
            <input type="hidden" name="comment_id" value={c.id} />
            <textarea
              name="body"
              aria-label="Edit comment"
              rows={4}
              required
              maxLength={COLUMN_LIMITS.task_comments.body}
              defaultValue={failure?.values?.body ?? c.body}
              aria-invalid={failure ? true : undefined}
              autoFocus
            />
            <FormError message={failure?.message} />
            <div className="comment-actions">
              <SubmitButton className="btn btn-small btn-primary" pendingLabel="Saving…">
                Save comment
              </SubmitButton>
              <Link to={`${pathname}#${anchor}`} className="btn btn-small">
                Cancel
              </Link>
            </div>
          </Form>
        ) : (
          // Safe HTML: the output of the server's Markdown module (raw HTML off, links vetted).
          <div className="markdown comment-body" data-testid="comment-body" dangerouslySetInnerHTML={{ __html: html?.body ?? "" }} />
        )}
        {!c.deleted_at && c.edited_at ? (
          <details className="comment-history">
            <summary>{`Edited · ${c.history.length} earlier ${c.history.length === 1 ? "version" : "versions"}`}</summary>
            <ol>
              {c.history.map((h, i) => (
                <li key={h.replaced_at}>
                  <Time value={h.replaced_at} now={now} />
                  <div className="markdown" dangerouslySetInnerHTML={{ __html: html?.history[i] ?? "" }} />
                </li>
              ))}
            </ol>
          </details>
        ) : null}
        {c.mentions.length > 0 && !c.deleted_at ? (
          <ul className="comment-mentions" aria-label="Mentions">
            {c.mentions.map((m) => (
              <li key={m.id} data-mention={m.handle} data-delivery={m.delivery}>
                {`@${m.handle} (${m.name}): ${DELIVERY_WORDS[m.delivery]}`}
              </li>
            ))}
          </ul>
        ) : null}
        {own && !c.deleted_at && !editing ? (
          <div className="comment-actions">
            <Link to={`${pathname}?comment=${c.id}#${anchor}`} className="btn btn-small">
              Edit
            </Link>
            <Form method="post" className="inline-form" action={pathname}>
              <AuthenticityTokenInput />
              <input type="hidden" name="intent" value="comment-delete" />
              <input type="hidden" name="comment_id" value={c.id} />
              <SubmitButton className="btn btn-small" pendingLabel="Deleting…">
                Delete
              </SubmitButton>
            </Form>
          </div>
        ) : null}
      </div>
    </li>
  );
}
