import { type ClaimedGithubComment, claimGithubComments, finishGithubComment } from "#app/db/github.server";
import type { Database } from "#app/db/types";
import { commentMarker, doneCommentBody } from "#app/domain/github";
import { RETRY_BASE_MS, RETRY_CAP_MS, retryDelayMs } from "#app/domain/notifications";
import type { Logger } from "../observability/logger.server";

// Comments back on GitHub issues (decision 053). A linked task that reached
// done left a row in github_comment_outbox in the same transaction; the
// notification sender's pass (notifier.server.ts) calls sendGithubComments,
// which claims due rows with a lease, posts each with the workspace's token,
// and reports the outcome: sent, or due again after the notifications'
// backoff (30 s doubling to an hour, with jitter). Never twice: a sent row
// is never claimed again, and a retry first looks on the issue for the
// comment's hidden marker, so a post that reached GitHub before its answer
// was lost (a timeout, a crash) is recorded as sent instead of posted again.

export interface GithubCommentSettings {
  /** GITHUB_API_URL. */
  apiUrl: string;
  publicUrl: string;
  holder: string;
  timeoutMs: number;
  leaseSeconds: number;
  batch?: number;
  retryBaseMs?: number;
  retryCapMs?: number;
  random?: () => number;
}

export interface GithubCommentsResult {
  sent: number;
  failed: number;
}

interface Outcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  commentUrl: string | null;
}

const MAX_BATCHES = 10;
/** Pages of an issue's comments read when looking for an earlier attempt's marker. */
const MARKER_PAGES = 5;

function apiHeaders(token: string): Record<string, string> {
  return {
    Authorization: `Bearer ${token}`,
    Accept: "application/vnd.github+json",
    "X-GitHub-Api-Version": "2022-11-28",
    "User-Agent": "mission-control",
  };
}

function issuePath(c: ClaimedGithubComment): string {
  const [owner, name] = c.repository.split("/");
  return `/repos/${encodeURIComponent(owner ?? "")}/${encodeURIComponent(name ?? "")}/issues/${c.issue_number}/comments`;
}

/** GitHub explains a refusal in its JSON answer's message; the token never appears in what is kept. */
async function refusal(res: Response, token: string): Promise<string> {
  const text = (await res.text().catch(() => "")).slice(0, 2000);
  let message = text.trim().slice(0, 200);
  try {
    const parsed = JSON.parse(text) as { message?: string };
    if (parsed.message) message = parsed.message;
  } catch {
    // not JSON: keep the text
  }
  return `GitHub answered ${res.status}${message ? `: ${message}` : ""}`.replaceAll(token, "…");
}

function describe(error: unknown, token: string): string {
  const e = error as Error & { cause?: { code?: string } };
  const text = e.name === "TimeoutError" ? "GitHub did not answer in time" : `${e.cause?.code ? `${e.cause.code}: ` : ""}${e.message}`;
  return text.replaceAll(token, "…");
}

/** The earlier attempt's comment on the issue, if it got there. */
async function findEarlier(base: string, c: ClaimedGithubComment, timeoutMs: number): Promise<string | null> {
  const marker = commentMarker(c.id);
  // An hour before the row was made: GitHub's clock and the database's may differ a little.
  const since = new Date(Date.parse(c.created_at) - 3600_000).toISOString();
  for (let page = 1; page <= MARKER_PAGES; page++) {
    const url = `${base}${issuePath(c)}?since=${encodeURIComponent(since)}&per_page=100&page=${page}`;
    const res = await fetch(url, { headers: apiHeaders(c.token), signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(await refusal(res, c.token));
    const comments = (await res.json()) as Array<{ body?: string; html_url?: string }>;
    const found = comments.find((x) => x.body?.includes(marker));
    if (found) return found.html_url ?? "";
    if (comments.length < 100) return null;
  }
  return null;
}

async function post(c: ClaimedGithubComment, settings: GithubCommentSettings): Promise<Outcome> {
  const base = settings.apiUrl.replace(/\/+$/, "");
  try {
    if (c.attempt > 1) {
      const earlier = await findEarlier(base, c, settings.timeoutMs);
      if (earlier !== null) return { ok: true, statusCode: 200, error: null, commentUrl: earlier || null };
    }
    const res = await fetch(`${base}${issuePath(c)}`, {
      method: "POST",
      headers: { ...apiHeaders(c.token), "Content-Type": "application/json" },
      body: JSON.stringify({ body: doneCommentBody(c.id, c.facts, settings.publicUrl) }),
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    if (res.status === 201 || res.ok) {
      const answer = (await res.json().catch(() => ({}))) as { html_url?: string };
      return { ok: true, statusCode: res.status, error: null, commentUrl: answer.html_url ?? null };
    }
    return { ok: false, statusCode: res.status, error: await refusal(res, c.token), commentUrl: null };
  } catch (error) {
    return { ok: false, statusCode: null, error: describe(error, c.token), commentUrl: null };
  }
}

/** One pass over the due comments. Never throws for a comment GitHub refused: that one is retried later. */
export async function sendGithubComments(db: Database, log: Logger, settings: GithubCommentSettings): Promise<GithubCommentsResult> {
  const batch = settings.batch ?? 20;
  const result: GithubCommentsResult = { sent: 0, failed: 0 };
  for (let i = 0; i < MAX_BATCHES; i++) {
    const claimed = await claimGithubComments(db, settings.holder, batch, settings.leaseSeconds);
    await Promise.all(
      claimed.map(async (c) => {
        const outcome = await post(c, settings);
        const retryMs = outcome.ok ? 0 : retryDelayMs(c.attempt, settings.random, settings.retryBaseMs ?? RETRY_BASE_MS, settings.retryCapMs ?? RETRY_CAP_MS);
        await finishGithubComment(db, c.id, settings.holder, { ...outcome, retrySeconds: retryMs / 1000 });
        const fields = { event: outcome.ok ? "github.comment_sent" : "github.comment_failed", comment_id: c.id, task_id: c.facts.task_id, attempt: c.attempt };
        if (outcome.ok) {
          result.sent++;
          log.info({ ...fields, repository: c.repository, issue_number: c.issue_number }, "comment posted on the GitHub issue");
        } else {
          result.failed++;
          log.warn(
            { ...fields, repository: c.repository, issue_number: c.issue_number, status_code: outcome.statusCode, error: outcome.error, retry_in_ms: retryMs },
            "comment not posted on the GitHub issue; retrying later",
          );
        }
      }),
    );
    if (claimed.length < batch) break;
  }
  return result;
}
