import { AUTONOMY_LABELS } from "./autonomy";
import { formatUsd } from "./money";
// Shapes of the cost and analytics RPC answers (docs/ANALYTICS.md), the
// period choices, and the formatting every figure on those pages shares.

export interface UsageFigures {
  records: number;
  tokens: number;
  input_tokens: number;
  output_tokens: number;
  cache_tokens: number;
  cost_usd: number;
  reported_usd: number;
  estimated_usd: number;
  reported_records: number;
  estimated_records: number;
  unknown_cost_records: number;
}

export type Windows = Record<"today" | "d7" | "d30", UsageFigures>;

export interface CostSummary {
  workspace_id: string;
  now: string;
  days: number;
  from: string;
  totals: Windows;
  period: UsageFigures;
  by_agent: Array<UsageFigures & { agent_id: string | null; name: string; emoji: string | null }>;
  by_model: Array<UsageFigures & { model: string }>;
  daily: Array<UsageFigures & { day: string }>;
}

export interface CostOverview {
  now: string;
  workspaces: Array<{ id: string; slug: string; name: string; icon: string; totals: Windows }>;
  totals: Windows;
}

export interface ModeFigures {
  mode: "hitl" | "hotl" | "policy";
  total: number;
  human_decided: number;
  approved: number;
  denied: number;
  expired: number;
  pending: number;
  intervention_rate: number;
  denied_rate: number;
}

export interface AgentFigures {
  agent_id: string;
  name: string;
  emoji: string;
  autonomy_level: "hitl" | "hotl" | "autonomous";
  /** Tasks the agent reported complete that reached done in the period. */
  completed: number;
  /** Its tasks a person moved to done without the agent's completion report. */
  closed_by_people: number;
  first_time: number;
  success_rate: number | null;
  handed_in: number;
  reworked: number;
  rework_events: number;
  rework_rate: number | null;
  cycle_n: number;
  cycle_p50_s: number | null;
  cycle_p90_s: number | null;
  usage: UsageFigures;
  cost_per_task: number | null;
  tokens_per_task: number | null;
  approvals: {
    requested: number;
    human_decided: number;
    wait_p50_s: number | null;
    wait_p90_s: number | null;
    per_task: number | null;
    by_mode: ModeFigures[];
  };
  promote: { suggest: true; to: "hotl" | "autonomous"; approved_in_a_row: number } | { suggest: false; considered: number; approved: number };
}

export interface AgentPerformance {
  workspace_id: string;
  now: string;
  days: number;
  from: string;
  promote_after: number;
  agents: AgentFigures[];
  /** Done in the period: by the agents' own reports, and by people (with who, by name). */
  completed: { by_agents: number; by_people: number; unassigned_by_people: number; people: Array<{ name: string; tasks: number }> };
  by_mode: ModeFigures[];
  promote: Array<{ agent_id: string; name: string; emoji: string; from: string; to: string }>;
}

export const PERIODS = [7, 30, 90] as const;
export type Period = (typeof PERIODS)[number];

/** The `?days=` choice, or the default for anything else. */
export function parsePeriod(value: string | null, fallback: Period = 30): Period {
  const n = Number(value);
  return (PERIODS as readonly number[]).includes(n) ? (n as Period) : fallback;
}

/** The one money format (see money.ts), under the name the analytics pages use. */
export const usd = (value: number | null | undefined): string => formatUsd(value);

export function count(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const n = Number(value);
  if (Math.abs(n) >= 1_000_000) return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, "")}M`;
  if (Math.abs(n) >= 10_000) return `${(n / 1000).toFixed(1).replace(/\.0$/, "")}k`;
  return n.toLocaleString("en-US", { maximumFractionDigits: 1 });
}

export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return "—";
  return `${(Number(rate) * 100).toFixed((Number(rate) * 100) % 1 === 0 ? 0 : 1)}%`;
}

/** Seconds as a short duration: 45s, 12m, 3.5h, 2.1d. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  const s = Number(seconds);
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86_400) return `${trim(s / 3600)}h`;
  return `${trim(s / 86_400)}d`;
}

function trim(n: number): string {
  return n.toFixed(1).replace(/\.0$/, "");
}

/** Where a cost figure came from, e.g. "reported $1.50 · estimated $0.25 · 1 record without cost". */
export function provenance(f: Pick<UsageFigures, "reported_usd" | "estimated_usd" | "unknown_cost_records" | "records">): string {
  if (f.records === 0) return "no usage records";
  const parts = [`reported ${usd(f.reported_usd)}`, `estimated ${usd(f.estimated_usd)}`];
  if (f.unknown_cost_records > 0) parts.push(`${f.unknown_cost_records} record${f.unknown_cost_records === 1 ? "" : "s"} without cost`);
  return parts.join(" · ");
}

/** Supervision levels and the policy mode, as the rest of the app names them (AUTONOMY_LABELS). */
export const LEVEL_LABEL: Record<string, string> = {
  ...AUTONOMY_LABELS,
  policy: "Allowed by policy",
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The period's completions in a sentence: what agents finished, and what people moved to done themselves. */
export function completionSentence(c: AgentPerformance["completed"], days: number): string {
  if (c.by_agents === 0 && c.by_people === 0) return `In the last ${days} days no task reached done.`;
  const agents = `In the last ${days} days agents finished ${plural(c.by_agents, "task")}`;
  if (c.by_people === 0) return `${agents}; every task that reached done was reported complete by its agent.`;
  const who = c.people.map((p) => `${p.name} ${p.tasks}`).join(", ");
  return `${agents}. People moved ${plural(c.by_people, "more task")} to done without an agent reporting it complete (${who}); those count for no agent.`;
}

export type RunOutcome = "completed" | "failed" | "lease_expired" | "superseded" | "moved" | "running" | "ended";

/** One agent's work as its page shows it (agent_work in SQL). */
export interface AgentWork {
  counts: { open: number; done: number; cancelled: number };
  tasks: Array<{
    id: string;
    title: string;
    status: string;
    priority: string;
    open: boolean;
    due_at: string | null;
    status_changed_at: string;
    alert_reason: string | null;
  }>;
  runs: Array<{
    task_id: string;
    title: string;
    run_id: string | null;
    started_at: string;
    ended_at: string | null;
    outcome: RunOutcome;
    moved_to: string | null;
    moved_by: string | null;
    usage: UsageFigures;
  }>;
}

/** How one of an agent's tasks stands: still open, done (by the agent's report, or by a person), or cancelled. */
export type TaskOutcome = "open" | "done" | "done_by_person" | "cancelled";

/** The agent page's read (agent_page in SQL). */
export interface AgentPage {
  counts: AgentWork["counts"];
  /** Every task assigned to the agent, for paging. */
  total: number;
  limit: number;
  offset: number;
  /** Its in-progress tasks: what it is running now. */
  current: Array<{
    task_id: string;
    title: string;
    status: string;
    run_id: string | null;
    session_key: string | null;
    started_at: string;
    lease_expires_at: string | null;
    last_activity_at: string;
    alert_reason: string | null;
    /** no_run: moved to in progress (by the agent through its API, or by a person) without a dispatched gateway run. */
    state: "running" | "stalled" | "lease_expired" | "no_run";
    usage: UsageFigures;
  }>;
  tasks: Array<
    AgentWork["tasks"][number] & {
      created_at: string;
      outcome: TaskOutcome;
      closed_at: string | null;
      closed_by: string | null;
      /** First dispatch or start (task_first_start_at); null when it never started. */
      started_at: string | null;
      /** First start → done, in seconds; null unless done after a start. */
      cycle_s: number | null;
      usage: UsageFigures;
    }
  >;
  runs: AgentWork["runs"];
}

/** How many of an agent's tasks its page lists at a time. */
export const AGENT_TASKS_PER_PAGE = 20;
/** The last page a `?tasks=` link may ask for (the SQL clamps the offset too). */
export const AGENT_TASK_PAGES_MAX = 5000;

/** The `?tasks=` page number (1-based); anything else is the first page. */
export function parseTaskPage(value: string | null): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= AGENT_TASK_PAGES_MAX ? n : 1;
}

/** A usage figure's cost in words: none recorded, recorded without a price, or the amount. */
export function costWords(u: Pick<UsageFigures, "records" | "unknown_cost_records" | "cost_usd">): string {
  if (u.records === 0) return "—";
  if (u.unknown_cost_records === u.records) return "without cost";
  return formatUsd(u.cost_usd);
}

/** A task's outcome in words. */
export function taskOutcomeLabel(
  task: Pick<AgentPage["tasks"][number], "outcome" | "status" | "closed_by" | "alert_reason">,
  statusLabel: (s: string) => string,
): string {
  switch (task.outcome) {
    case "done":
      return "Done: reported complete";
    case "done_by_person":
      return `Done${task.closed_by ? ` by ${task.closed_by}` : " by a person"}`;
    case "cancelled":
      return `Cancelled${task.closed_by ? ` by ${task.closed_by}` : ""}`;
    default:
      return task.alert_reason ? `${statusLabel(task.status)}: ${task.alert_reason.replaceAll("_", " ")}` : statusLabel(task.status);
  }
}

/** How the agent's current run stands, in words. */
export const RUN_STATE_LABELS: Record<AgentPage["current"][number]["state"], string> = {
  running: "Running",
  stalled: "Stalled: no activity for a while",
  lease_expired: "Lease expired: no result in time",
  no_run: "In progress without a gateway run",
};

/** How a run ended, in words. */
export function runOutcomeLabel(run: Pick<AgentWork["runs"][number], "outcome" | "moved_to" | "moved_by">, statusLabel: (s: string) => string): string {
  switch (run.outcome) {
    case "completed":
      return "Reported complete";
    case "failed":
      return "Failed";
    case "lease_expired":
      return "No result before the lease expired";
    case "superseded":
      return "Replaced by a new dispatch";
    case "moved":
      return `Moved to ${run.moved_to ? statusLabel(run.moved_to) : "another status"}${run.moved_by ? ` by ${run.moved_by}` : ""}`;
    case "running":
      return "Running";
    default:
      return "Ended";
  }
}

/** What an autonomy level lets the agent do, in a sentence. */
export const AUTONOMY_SENTENCE: Record<string, string> = {
  hitl: "Gated actions wait for an approver before they run.",
  hotl: "Gated actions run after a veto window unless someone vetoes them.",
  autonomous: "Gated actions run at once, unless the task type or pipeline stage asks for more supervision; high-risk work always waits for a person.",
};
