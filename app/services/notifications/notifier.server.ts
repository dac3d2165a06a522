import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { markPushSubscriptionExpired, recordPushSuccess } from "#app/db/auth.server";
import { claimNotifications, finishNotification, produceNotifications } from "#app/db/notifications.server";
import type { Database } from "#app/db/types";
import type { Env } from "#app/env.server";
import { CHANNEL_FAILING_AFTER, RETRY_BASE_MS, RETRY_CAP_MS, notificationMessage, retryDelayMs } from "#app/domain/notifications";
import type { Logger } from "../observability/logger.server";
import { sendGithubComments } from "../integrations/github-comments.server";
import { closeSenders, deliver, type SendSettings, type WebPushDelivery } from "./senders.server";
import { sendWebPush } from "./web-push.server";

// The notification sender (decision 047). Each tick: the producer step turns
// settled events (and approvals about to expire) into outbox rows; then due
// rows are claimed with a lease and sent in parallel, each with a timeout,
// and each outcome is reported (sent, or due again after a backoff). It runs
// on its own timer and the heartbeat kicks it; neither ever waits for it, so
// a slow receiver holds up neither the heartbeat nor a request. Rows stay in
// the database until sent: a restart loses nothing, and a row claimed by a
// process that died is claimed again once its lease has passed.
// The same passes post the comments back on GitHub issues (decision 053),
// from their own outbox, with the same leases, timeout and backoff.

export type NotifierSettings = Pick<
  Env,
  "publicUrl" | "TESTING_URL_ALLOWLIST" | "TELEGRAM_API_URL" | "SMTP_URL" | "SMTP_FROM" | "NOTIFY_INTERVAL_S" | "NOTIFY_EXPIRY_WINDOW_MINUTES"
> &
  // The comments back on GitHub issues go out on the same passes (decision 053).
  Partial<Pick<Env, "GITHUB_API_URL">>;

export interface NotifierDeps {
  db: Database;
  log: Logger;
  settings: NotifierSettings;
}

export interface NotifierOptions {
  /** Rows claimed per batch. */
  batch?: number;
  /** Per attempt; the lease is this plus a margin, so a live sender always finishes before its lease ends. */
  sendTimeoutMs?: number;
  retryBaseMs?: number;
  retryCapMs?: number;
  random?: () => number;
  holder?: string;
  /** Sends one Web Push message (default: this server's VAPID keys and allowlist). */
  webPushSend?: WebPushDelivery["send"];
}

export interface TickResult {
  enqueued: number;
  sent: number;
  failed: number;
  /** Comments back on GitHub issues (decision 053). */
  comments: { sent: number; failed: number };
}

const LEASE_MARGIN_S = 30;
const MAX_BATCHES_PER_TICK = 10;
const PRODUCE_LIMIT = 1000;

export interface Notifier {
  /** One pass; concurrent calls share the pass in flight and run once more after it. */
  tick(): Promise<TickResult>;
  /** Asks for a pass soon, without waiting for it. */
  kick(): void;
  stop(): Promise<void>;
}

export function createNotifier({ db, log, settings }: NotifierDeps, options: NotifierOptions = {}): Notifier {
  const batch = options.batch ?? 20;
  const timeoutMs = options.sendTimeoutMs ?? 10_000;
  const leaseSeconds = Math.ceil(timeoutMs / 1000) + LEASE_MARGIN_S;
  const holder = options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const send: SendSettings = {
    allowedHosts: settings.TESTING_URL_ALLOWLIST,
    telegramApiUrl: settings.TELEGRAM_API_URL,
    smtpUrl: settings.SMTP_URL,
    smtpFrom: settings.SMTP_FROM,
    timeoutMs,
    webPush: {
      send: options.webPushSend ?? ((subscription, payload) => sendWebPush(subscription, payload, { signal: AbortSignal.timeout(timeoutMs) })),
      gone: async (endpoint) => void (await markPushSubscriptionExpired(db, endpoint)),
      delivered: async (endpoint) => void (await recordPushSuccess(db, endpoint)),
    },
  };
  let inFlight: Promise<TickResult> | null = null;
  let again = false;
  let stopped = false;

  async function pass(): Promise<TickResult> {
    const result: TickResult = { enqueued: 0, sent: 0, failed: 0, comments: { sent: 0, failed: 0 } };
    for (let i = 0; i < MAX_BATCHES_PER_TICK; i++) {
      const produced = await produceNotifications(db, PRODUCE_LIMIT, settings.NOTIFY_EXPIRY_WINDOW_MINUTES * 60);
      result.enqueued += produced.enqueued;
      if (!produced.more) break;
    }
    for (let i = 0; i < MAX_BATCHES_PER_TICK && !stopped; i++) {
      const claimed = await claimNotifications(db, holder, batch, leaseSeconds);
      await Promise.all(
        claimed.map(async (n) => {
          const started = performance.now();
          const message = notificationMessage(n.kind, n.facts, settings.publicUrl);
          const outcome = await deliver(n, message, send).catch((error: unknown) => ({
            ok: false,
            statusCode: null,
            error: error instanceof Error ? error.message : String(error),
          }));
          const retryMs = outcome.ok ? 0 : retryDelayMs(n.attempt, options.random, options.retryBaseMs ?? RETRY_BASE_MS, options.retryCapMs ?? RETRY_CAP_MS);
          const finished = await finishNotification(db, n.id, holder, {
            ok: outcome.ok,
            statusCode: outcome.statusCode,
            error: outcome.error,
            retrySeconds: retryMs / 1000,
            durationMs: Math.round(performance.now() - started),
            failAfter: CHANNEL_FAILING_AFTER,
          });
          if (outcome.ok) result.sent++;
          else result.failed++;
          const fields = {
            event: outcome.ok ? "notification.sent" : "notification.failed",
            notification_id: n.id,
            kind: n.kind,
            channel: n.channel_kind,
            attempt: n.attempt,
          };
          if (outcome.ok) log.info(fields, "notification sent");
          else
            log.warn(
              { ...fields, status_code: outcome.statusCode, error: outcome.error, retry_in_ms: retryMs, channel_failing: finished.channel_failing ?? false },
              "notification not delivered; retrying later",
            );
        }),
      );
      if (claimed.length < batch) break;
    }
    if (!stopped) {
      // Its own outbox and claims; a fault there leaves the notifications of this pass as they are.
      try {
        result.comments = await sendGithubComments(db, log, {
          apiUrl: settings.GITHUB_API_URL ?? "https://api.github.com",
          publicUrl: settings.publicUrl,
          holder,
          timeoutMs,
          leaseSeconds,
          batch,
          random: options.random,
          retryBaseMs: options.retryBaseMs,
          retryCapMs: options.retryCapMs,
        });
      } catch (error) {
        log.warn({ event: "github.comments_failed", err: error }, "GitHub comment pass failed; the next one retries");
      }
    }
    return result;
  }

  function tick(): Promise<TickResult> {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    const run = pass().finally(() => {
      inFlight = null;
      if (again && !stopped) {
        again = false;
        kick();
      }
    });
    inFlight = run;
    return run;
  }

  function kick(): void {
    if (stopped) return;
    tick().catch((error: unknown) => log.warn({ event: "notification.tick_failed", err: error }, "notification pass failed; the next one retries"));
  }

  let timer: NodeJS.Timeout | null = null;
  if (settings.NOTIFY_INTERVAL_S > 0) {
    timer = setInterval(kick, settings.NOTIFY_INTERVAL_S * 1000);
    timer.unref();
  }

  return {
    tick,
    kick,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await inFlight?.catch(() => {});
      closeSenders();
    },
  };
}

/** The process's notifier, for the heartbeat and the settings pages to kick. */
let current: Notifier | null = null;

export function setCurrentNotifier(notifier: Notifier | null): void {
  current = notifier;
}

/** Asks the process's notifier for a pass soon; never waits and never throws. */
export function kickNotifier(): void {
  current?.kick();
}
