// GitHub issues as tasks, and the comment a finished task leaves on its
// issue (decision 053): the webhook's rules that need no crypto and no I/O,
// an issue's fields in task terms, and the comment's text.

import { COLUMN_LIMITS, LABEL_LIMITS } from "./field-limits";
import { labelProblem, normaliseLabel } from "./labels";

/** Issue deliveries are small (a body is at most 65,536 characters); anything larger is refused with 413. */
export const GITHUB_WEBHOOK_MAX_BYTES = 1024 * 1024;

/**
 * GitHub signs the body only and sends no timestamp, so the issue's own
 * `updated_at` stands in for one: an event whose issue was last updated more
 * than this long ago is refused (a captured body sent again, or a redelivery
 * long after the fact).
 */
export const GITHUB_EVENT_WINDOW_S = 3600;

/** The `issues` actions that create or update the linked task; the others are acknowledged and ignored. */
export const ISSUE_ACTIONS = ["opened", "edited", "labeled", "unlabeled", "closed", "reopened"] as const;
export type IssueAction = (typeof ISSUE_ACTIONS)[number];

export function isIssueAction(value: string): value is IssueAction {
  return (ISSUE_ACTIONS as readonly string[]).includes(value);
}

/** The prefix a delivery id is remembered under leaves this much of webhook_deliveries.delivery_id. */
const DELIVERY_ID_MAX = COLUMN_LIMITS.webhook_deliveries.delivery_id - "github:".length;
const DELIVERY_ID = new RegExp(`^[A-Za-z0-9._:-]{1,${DELIVERY_ID_MAX}}$`);

/** X-GitHub-Delivery (a GUID): the id, or why it is refused. */
export function parseGithubDelivery(value: string | null): { ok: true; id: string } | { ok: false; reason: string } {
  if (value === null || value.trim() === "") return { ok: false, reason: "X-GitHub-Delivery is required." };
  if (!DELIVERY_ID.test(value.trim())) return { ok: false, reason: `X-GitHub-Delivery must be 1–${DELIVERY_ID_MAX} letters, digits, '.', '_', ':' or '-'.` };
  return { ok: true, id: value.trim() };
}

/** owner/name as GitHub allows them. */
export const REPOSITORY_PATTERN = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** Task type keys, as task_types.key allows them. */
export const TASK_TYPE_KEY_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

/** An issue as the webhook reads it (the rest of GitHub's payload is not used). */
export interface GithubIssue {
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  html_url: string;
  updated_at: string;
  labels: Array<{ name: string }>;
}

/** What apply_github_issue_event takes: the issue in task terms. */
export interface IssueTaskFields {
  repository: string;
  number: number;
  url: string;
  updated_at: string;
  title: string;
  description: string;
  labels: string[];
  task_type_key: string | null;
  state: "open" | "closed";
}

const ELLIPSIS = "…";

/** The issue's labels as task labels: normalised, each once, the ones a task cannot hold left out, at most ten. */
export function issueLabels(labels: ReadonlyArray<{ name: string }>): string[] {
  const out: string[] = [];
  for (const { name } of labels) {
    const label = normaliseLabel(name);
    if (labelProblem(label) !== null || out.includes(label)) continue;
    out.push(label);
    if (out.length === LABEL_LIMITS.perTask) break;
  }
  return out;
}

/** The task type of the first of the issue's labels (in GitHub's order) that the map names. */
export function issueTaskType(labels: ReadonlyArray<{ name: string }>, labelTypes: Readonly<Record<string, string>>): string | null {
  for (const { name } of labels) {
    const key = labelTypes[normaliseLabel(name)];
    if (key) return key;
  }
  return null;
}

/** The task's description: the issue's body, cut to fit, then where it came from. */
export function issueDescription(repository: string, issue: Pick<GithubIssue, "number" | "body" | "html_url">): string {
  const footer = `\n\n---\nGitHub issue ${repository}#${issue.number}: ${issue.html_url}`;
  const room = COLUMN_LIMITS.tasks.description - footer.length;
  const body = (issue.body ?? "").replace(/\r\n/g, "\n").trim();
  const cut = body.length > room ? `${body.slice(0, room - ELLIPSIS.length)}${ELLIPSIS}` : body;
  return cut === "" ? footer.trimStart() : cut + footer;
}

export function issueTitle(issue: Pick<GithubIssue, "number" | "title">): string {
  const title = issue.title.replace(/\s+/g, " ").trim();
  if (title === "") return `Issue #${issue.number}`;
  const max = COLUMN_LIMITS.tasks.title;
  return title.length > max ? `${title.slice(0, max - ELLIPSIS.length)}${ELLIPSIS}` : title;
}

export function issueTaskFields(repository: string, issue: GithubIssue, labelTypes: Readonly<Record<string, string>>): IssueTaskFields {
  return {
    repository,
    number: issue.number,
    url: issue.html_url.slice(0, COLUMN_LIMITS.github_issue_links.issue_url),
    updated_at: issue.updated_at,
    title: issueTitle(issue),
    description: issueDescription(repository, issue),
    labels: issueLabels(issue.labels),
    task_type_key: issueTaskType(issue.labels, labelTypes),
    state: issue.state,
  };
}

/** What a done comment is written from (the outbox row's facts). */
export interface DoneCommentFacts {
  task_id: string;
  title: string;
  workspace_slug?: string;
  workspace_name?: string;
  summary?: string;
  token_usage?: number | string;
  estimated_cost?: number | string;
}

/** The hidden line that names a comment's outbox row: a retry finds it on the issue instead of posting twice. */
export function commentMarker(outboxId: string): string {
  return `<!-- mission-control:comment:${outboxId} -->`;
}

/** The comment a finished task leaves on its issue (GitHub-flavoured Markdown). */
export function doneCommentBody(outboxId: string, facts: DoneCommentFacts, publicUrl: string): string {
  const link = facts.workspace_slug ? `${publicUrl.replace(/\/+$/, "")}/w/${facts.workspace_slug}/tasks/${facts.task_id}` : null;
  const lines = [`**Done in Mission Control:** ${facts.title}`];
  const summary = facts.summary?.trim();
  if (summary) lines.push("", ...summary.split("\n").map((line) => `> ${line}`));
  if (link) lines.push("", `[Open the task](${link})`);
  lines.push("", commentMarker(outboxId));
  return lines.join("\n");
}

/** The label map as the settings form shows it: "label = type", one a line. */
export function labelTypesText(labelTypes: Readonly<Record<string, string>>): string {
  return Object.entries(labelTypes)
    .map(([label, type]) => `${label} = ${type}`)
    .join("\n");
}
