import { Link } from "react-router";
import { Time } from "#app/components/time";
import { type AgentPage, RUN_STATE_LABELS, costWords, count, duration, taskOutcomeLabel } from "#app/domain/analytics";
import { STATUS_LABELS, type TaskStatus } from "#app/domain/task-status";

// The agent page's work panels: what it runs now, and its tasks with how each
// came out, its cycle time and its cost, a page at a time.

const statusLabel = (s: string) => STATUS_LABELS[s as TaskStatus] ?? s;

export function AgentNow({ current, base, now }: { current: AgentPage["current"]; base: string; now: string }) {
  return (
    <section className="panel" aria-labelledby="agent-now-h" data-testid="agent-now">
      <h2 id="agent-now-h">Now</h2>
      {current.length === 0 ? (
        <p className="empty">Not running anything.</p>
      ) : (
        <ol className="agent-run-list">
          {current.map((r) => (
            <li key={r.task_id} data-state={r.state}>
              <div className="run-head">
                <Link to={`${base}/tasks/${r.task_id}`}>{r.title}</Link>
                <span className={`chip status-${r.status}`}>{statusLabel(r.status)}</span>
                <span className={`chip run-${r.state}`}>{RUN_STATE_LABELS[r.state]}</span>
              </div>
              <dl className="run-facts">
                <div>
                  <dt>Started</dt>
                  <dd>
                    <Time value={r.started_at} absolute />
                  </dd>
                </div>
                <div>
                  <dt>Last activity</dt>
                  <dd>
                    <Time value={r.last_activity_at} now={now} />
                  </dd>
                </div>
                <div>
                  <dt>Tokens so far</dt>
                  <dd>{r.usage.records === 0 ? "none recorded" : count(r.usage.tokens)}</dd>
                </div>
                <div>
                  <dt>Cost so far</dt>
                  <dd>{costWords(r.usage)}</dd>
                </div>
              </dl>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function AgentTaskTable({ page, base, path, pageNumber }: { page: AgentPage; base: string; path: string; pageNumber: number }) {
  const { counts } = page;
  const first = page.offset + 1;
  const last = page.offset + page.tasks.length;
  const pageLink = (n: number) => (n <= 1 ? path : `${path}?tasks=${n}`);
  return (
    <section className="panel" aria-labelledby="agent-tasks-h" data-testid="agent-tasks">
      <h2 id="agent-tasks-h">Tasks</h2>
      <p className="muted">
        {counts.open} open · {counts.done} done · {counts.cancelled} cancelled. Cycle time runs from the first dispatch (or start) to done, as on the analytics
        page; cost is the task's whole usage.
      </p>
      {page.tasks.length === 0 ? (
        <p className="empty">{page.total === 0 ? "No tasks are assigned to this agent." : "No tasks on this page."}</p>
      ) : (
        <div className="table-scroll" tabIndex={0}>
          <table className="table stack agent-task-table">
            <thead>
              <tr>
                <th>Task</th>
                <th>Outcome</th>
                <th>Started</th>
                <th>Cycle time</th>
                <th>Cost</th>
              </tr>
            </thead>
            <tbody>
              {page.tasks.map((t) => (
                <tr key={t.id} data-outcome={t.outcome}>
                  <td data-label="Task">
                    <Link to={`${base}/tasks/${t.id}`}>{t.title}</Link>
                  </td>
                  <td data-label="Outcome">
                    <span className={`chip outcome-${t.outcome}`}>{taskOutcomeLabel(t, statusLabel)}</span>
                  </td>
                  <td data-label="Started">{t.started_at ? <Time value={t.started_at} absolute /> : "not yet"}</td>
                  <td data-label="Cycle time">{t.cycle_s === null ? "—" : duration(t.cycle_s)}</td>
                  <td data-label="Cost">{costWords(t.usage)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.total > page.limit ? (
        <nav className="audit-pages" aria-label="Task pages">
          <span className="muted">{page.tasks.length > 0 ? `${first}–${last} of ${page.total}` : `${page.total} in all`}</span>
          <span>
            {pageNumber > 1 ? <Link to={pageLink(pageNumber - 1)}>← Newer tasks</Link> : null}
            {pageNumber > 1 && last < page.total ? " · " : null}
            {last < page.total ? (
              <Link to={pageLink(pageNumber + 1)} data-testid="agent-tasks-more">
                More tasks →
              </Link>
            ) : null}
          </span>
        </nav>
      ) : null}
    </section>
  );
}
