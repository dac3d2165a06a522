import type { DoneCommentFacts, IssueTaskFields } from "#app/domain/github";
import type { Database } from "./types";

// Typed calls for GitHub issues as tasks (decision 053): the workspace's
// connection, the webhook's one write, and the outbox of comments back.

/** A comment back as the settings page lists it. */
export interface GithubCommentRow {
  id: string;
  issue_number: number;
  status: "pending" | "sent";
  attempts: number;
  last_error: string | null;
  last_status_code: number | null;
  comment_url: string | null;
  deliver_after: string;
  created_at: string;
  sent_at: string | null;
  title: string | null;
}

/** The connection as the settings page shows it: the secrets only as their last four characters. */
export interface GithubIntegration {
  repository: string;
  label_types: Record<string, string>;
  secret_hint: string;
  has_token: boolean;
  token_hint: string | null;
  created_at: string;
  updated_at: string;
  pending_comments: number;
  recent_comments: GithubCommentRow[];
}

/** What the webhook needs to verify a delivery from this repository. */
export interface GithubWebhookTarget {
  workspace_id: string;
  repository: string;
  webhook_secret: string;
  label_types: Record<string, string>;
}

export interface GithubSettingsFields {
  repository: string;
  label_types: Record<string, string>;
  /** Null keeps the stored secret. */
  webhook_secret: string | null;
  /** Null keeps the stored token. */
  token: string | null;
  clear_token: boolean;
}

export type IssueEventResult =
  { duplicate: true } | { task_id?: string; outcome?: "created" | "updated" | "unchanged" | "stale" | "ignored"; ignored?: string; changed?: string[] };

export interface ClaimedGithubComment {
  id: string;
  repository: string;
  issue_number: number;
  facts: DoneCommentFacts;
  attempt: number;
  created_at: string;
  token: string;
}

export const getGithubIntegration = (db: Database, workspaceId: string) =>
  db.rpc<GithubIntegration | null>("get_github_integration", { p_workspace_id: workspaceId });

export const githubIntegrationForRepository = (db: Database, repository: string) =>
  db.rpc<GithubWebhookTarget | null>("github_integration_for_repository", { p_repository: repository });

export const saveGithubIntegration = (db: Database, workspaceId: string, userId: string, fields: GithubSettingsFields) =>
  db.rpc<GithubIntegration>("save_github_integration", { p_workspace_id: workspaceId, p_user_id: userId, p_fields: fields });

export const deleteGithubIntegration = (db: Database, workspaceId: string, userId: string) =>
  db.rpc<{ deleted: true; dropped_comments: number }>("delete_github_integration", { p_workspace_id: workspaceId, p_user_id: userId });

export const applyGithubIssueEvent = (
  db: Database,
  input: { workspaceId: string; deliveryId: string; action: string; issue: IssueTaskFields; windowS: number },
) =>
  db.rpc<IssueEventResult>("apply_github_issue_event", {
    p_workspace_id: input.workspaceId,
    p_delivery_id: input.deliveryId,
    p_action: input.action,
    p_issue: input.issue,
    p_window_s: input.windowS,
  });

export const claimGithubComments = (db: Database, holder: string, limit: number, leaseSeconds: number) =>
  db.rpc<ClaimedGithubComment[]>("claim_github_comments", { p_holder: holder, p_limit: limit, p_lease_seconds: leaseSeconds });

export const finishGithubComment = (
  db: Database,
  id: string,
  holder: string,
  outcome: { ok: boolean; statusCode: number | null; error: string | null; retrySeconds: number; commentUrl: string | null },
) =>
  db.rpc<{ id: string; recorded: boolean; status: "sent" | "pending" }>("finish_github_comment", {
    p_id: id,
    p_holder: holder,
    p_ok: outcome.ok,
    p_status_code: outcome.statusCode,
    p_error: outcome.error,
    p_retry_seconds: outcome.retrySeconds,
    p_comment_url: outcome.commentUrl,
  });
