import { Form, Link } from "react-router";
import { workspaceContext } from "#app/context.server";
import { type FeedEvent, getWorkspaceFeed } from "#app/db/events.server";
import { operator } from "#app/services/auth/operator.server";
import { Time } from "#app/components/time";
import { systemName } from "#app/domain/audit";
import { formatUsd } from "#app/domain/money";
import { STATUS_LABELS, type TaskStatus } from "#app/domain/task-status";
import type { Route } from "./+types/feed";

export const meta: Route.MetaFunction = () => [{ title: "Live feed · Mission Control" }];

const KINDS = ["task", "agent"] as const;
type Kind = (typeof KINDS)[number];

export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { db } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  const kindParam = url.searchParams.get("kind");
  const kind = (KINDS as readonly string[]).includes(kindParam ?? "") ? (kindParam as Kind) : null;
  const beforeParam = Number(url.searchParams.get("before"));
  const before = Number.isSafeInteger(beforeParam) && beforeParam > 0 ? beforeParam : null;
  const events = await getWorkspaceFeed(db, workspace.id, kind, before, 50);
  return { workspace, events, kind, now: new Date().toISOString() };
}

export default function Feed({ loaderData }: Route.ComponentProps) {
  const { workspace, events, kind } = loaderData;
  const now = new Date(loaderData.now);
  const base = `/w/${workspace.slug}`;
  const oldest = events.at(-1)?.seq;
  return (
    <main id="main" className="page">
      <Form method="get" className="filters" aria-label="Filter the feed">
        <label htmlFor="kind">Show</label>
        <select id="kind" name="kind" defaultValue={kind ?? ""}>
          <option value="">Everything</option>
          <option value="task">Tasks</option>
          <option value="agent">Agents</option>
        </select>
        <button type="submit" className="btn btn-small">
          Filter
        </button>
      </Form>
      {events.length === 0 ? <p className="empty">No events yet.</p> : null}
      <ol className="feed" aria-live="polite">
        {events.map((e) => (
          <li key={e.seq} className={`feed-item feed-${e.type.split(".")[0]}`} data-seq={e.seq}>
            <Time value={e.created_at} now={now} />
            <span className="who">{e.actor.type === "user" || e.actor.type === "agent" ? e.actor.name || "Someone" : systemName(e.actor.name)}</span>
            <span className="what">{describe(e, base)}</span>
          </li>
        ))}
      </ol>
      {oldest && events.length === 50 ? (
        <p>
          <Link to={`?${new URLSearchParams({ ...(kind ? { kind } : {}), before: String(oldest) })}`}>Older events →</Link>
        </p>
      ) : null}
    </main>
  );
}

const statusLabel = (s: string) => STATUS_LABELS[s as TaskStatus] ?? s.replaceAll("_", " ");

function describe(e: FeedEvent, base: string): React.ReactNode {
  const task = e.task_id && e.task_title ? <Link to={`${base}/tasks/${e.task_id}`}>{e.task_title}</Link> : (e.task_title ?? "a task");
  const p = e.payload as Record<string, string | undefined>;
  switch (e.type) {
    case "task.created":
      return <>created {task}</>;
    case "task.updated":
      return p.from_status && p.status && p.from_status !== p.status ? (
        <>
          moved {task} from {statusLabel(p.from_status)} to {statusLabel(p.status)}
        </>
      ) : (
        <>updated {task}</>
      );
    case "task.deleted":
      return <>deleted {e.task_title ?? "a task"}</>;
    case "activity.created":
      return (
        <>
          on {task}: {p.message}
        </>
      );
    case "usage.recorded":
      return (
        <>
          reported usage on {task}: {Number(p.tokens ?? 0).toLocaleString("en-US")} tokens
          {p.cost_usd === null || p.cost_usd === undefined ? "" : `, ${formatUsd(p.cost_usd)}`}
        </>
      );
    case "deliverable.created":
      return <>added a deliverable to {task}</>;
    case "agent.created":
      return <>added agent {e.agent_name}</>;
    case "agent.updated":
      return (
        <>
          updated agent {e.agent_name}
          {p.status ? ` (${p.status})` : ""}
        </>
      );
    case "agent.deleted":
      return <>removed agent {e.agent_name}</>;
    case "approval.escalated":
      return (
        <>
          escalated {p.action ?? "an action"} on {task} to the admins: it waits for a decision
        </>
      );
    case "budget.warning":
      return <>{p.message ?? "a budget is nearly spent"}</>;
    default:
      return <>{e.type.replace(".", " ")}</>;
  }
}
