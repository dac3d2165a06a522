// Notifications (decision 047): the kinds a user can hear about, which are
// urgent (sent during quiet hours too), the channels they go to, and the
// words and link of each message. Which event makes which kind, and who hears
// of it, is decided in SQL (supabase/sql/18_notifications.sql, whose
// notification_kinds() a test compares with this list).

import { backoffDelay } from "./backoff";

export const NOTIFICATION_KINDS = {
  approval_waiting: { label: "An approval is waiting for you", urgent: false, choosable: true },
  approval_expiring: { label: "An approval you can decide is about to expire", urgent: true, choosable: true },
  veto_opened: { label: "A veto window opened (the action runs unless someone vetoes it)", urgent: true, choosable: true },
  task_stalled: { label: "A running task stalled", urgent: false, choosable: true },
  task_parked: { label: "A task was parked after failed dispatches", urgent: false, choosable: true },
  budget_warning: { label: "A budget is 80% spent", urgent: false, choosable: true },
  budget_refused: { label: "A task was refused for its budget", urgent: false, choosable: true },
  mention: { label: "Someone mentioned you", urgent: false, choosable: true },
  task_done: { label: "A task is done", urgent: false, choosable: true },
  task_failed: { label: "A task's run or checks failed", urgent: false, choosable: true },
  emergency_stop: { label: "The emergency stop was set", urgent: true, choosable: true },
  // The "Send a test" button's message: always sent, never listed.
  channel_test: { label: "A test message", urgent: true, choosable: false },
} as const satisfies Record<string, { label: string; urgent: boolean; choosable: boolean }>;

export type NotificationKind = keyof typeof NOTIFICATION_KINDS;

/** Every kind, in the order of the SQL list and the preferences page. */
export const NOTIFICATION_KIND_NAMES = Object.keys(NOTIFICATION_KINDS) as NotificationKind[];

/** The kinds a user picks from on the preferences page. */
export const CHOOSABLE_KINDS = NOTIFICATION_KIND_NAMES.filter((k) => NOTIFICATION_KINDS[k].choosable);

export function isNotificationKind(value: string): value is NotificationKind {
  return Object.hasOwn(NOTIFICATION_KINDS, value);
}

export const CHANNEL_KINDS = {
  webhook: { label: "Webhook (signed JSON)" },
  slack: { label: "Slack (incoming webhook)" },
  telegram: { label: "Telegram (bot)" },
  email: { label: "Email" },
} as const;

export type ChannelKind = keyof typeof CHANNEL_KINDS;
export const CHANNEL_KIND_NAMES = Object.keys(CHANNEL_KINDS) as ChannelKind[];

/** After this many failed attempts in a row a channel is shown as failing (its messages keep retrying). */
export const CHANNEL_FAILING_AFTER = 5;

/** Retries: 30 s doubling to an hour, with jitter, so a receiver that is down is not hammered. */
export const RETRY_BASE_MS = 30_000;
export const RETRY_CAP_MS = 60 * 60_000;

/** How long until the next attempt after `attempt` (1 for the first) failed. */
export function retryDelayMs(attempt: number, random: () => number = Math.random, baseMs = RETRY_BASE_MS, capMs = RETRY_CAP_MS): number {
  return backoffDelay(Math.max(0, attempt - 1), random, baseMs, capMs);
}

/** Signed webhook headers; receivers reject a timestamp more than this far from their clock. */
export const WEBHOOK_SIGNATURE_HEADER = "X-MC-Signature";
export const WEBHOOK_TIMESTAMP_HEADER = "X-MC-Timestamp";
export const WEBHOOK_DELIVERY_HEADER = "X-MC-Delivery-Id";
export const WEBHOOK_TOLERANCE_S = 300;

/** The exact bytes a webhook signature covers: `<unix seconds>.<raw body>`. */
export function signedPayload(timestamp: number, body: string): string {
  return `${timestamp}.${body}`;
}

/** What SQL stores about the occasion (notification_facts); every field optional. */
export interface NotificationFacts {
  event_type?: string;
  seq?: number;
  at?: string;
  workspace_slug?: string;
  workspace_name?: string;
  task_id?: string;
  task_title?: string;
  approval_id?: string;
  action?: string;
  command?: string;
  expires_at?: string;
  veto_until?: string;
  actor_name?: string;
  message?: string;
  reason?: string;
  comment_id?: string;
  excerpt?: string;
  channel_name?: string;
}

export interface NotificationMessage {
  kind: NotificationKind;
  title: string;
  text: string;
  /** The absolute address of what it is about. */
  url: string;
}

const quoted = (title: string | undefined) => (title ? `“${title}”` : "a task");

/** The settings pages: preferences and channels, and one channel with its delivery log. */
export const NOTIFICATIONS_PATH = "/settings/notifications";
export const channelPath = (id: string) => `${NOTIFICATIONS_PATH}/${id}`;

/** The page a notification is about, as a path inside the app. */
export function notificationPath(kind: NotificationKind, facts: NotificationFacts): string {
  const task = facts.workspace_slug && facts.task_id ? `/w/${facts.workspace_slug}/tasks/${facts.task_id}` : null;
  switch (kind) {
    case "approval_waiting":
    case "approval_expiring":
    case "veto_opened":
      return facts.approval_id ? `/approvals/${facts.approval_id}` : "/approvals";
    case "budget_warning":
    case "budget_refused":
      return facts.workspace_slug ? `/w/${facts.workspace_slug}/costs` : "/costs";
    case "emergency_stop":
      return "/heartbeat";
    case "channel_test":
      return NOTIFICATIONS_PATH;
    default:
      return task ?? (facts.workspace_slug ? `/w/${facts.workspace_slug}` : "/");
  }
}

/** The words of a notification and its link, from the facts SQL stored. */
export function notificationMessage(kind: NotificationKind, facts: NotificationFacts, baseUrl: string): NotificationMessage {
  const url = `${baseUrl.replace(/\/+$/, "")}${notificationPath(kind, facts)}`;
  const task = quoted(facts.task_title);
  const where = facts.workspace_name ? ` in ${facts.workspace_name}` : "";
  const what = facts.command ? `run \`${facts.command}\`` : (facts.action ?? "an action");
  const [title, text] = ((): [string, string] => {
    switch (kind) {
      case "approval_waiting":
        return ["Approval needed", `${task}${where} asks to ${what}. It waits for an approver.`];
      case "approval_expiring":
        return ["Approval about to expire", `${task}${where} asks to ${what}; the request expires at ${facts.expires_at ?? "soon"}.`];
      case "veto_opened":
        return ["Veto window open", `${task}${where} will ${what} unless someone vetoes it by ${facts.veto_until ?? "the end of the window"}.`];
      case "task_stalled":
        return ["Task stalled", `${task}${where} shows no activity from its agent.`];
      case "task_parked":
        return ["Task parked", `${task}${where} could not be dispatched and is parked until someone retries${facts.reason ? ` (${facts.reason})` : ""}.`];
      case "budget_warning":
        return ["Budget warning", facts.message ?? `A budget${where} is 80% spent.`];
      case "budget_refused":
        return ["Refused for its budget", `${task}${where} was not dispatched: ${facts.reason ?? "its budget is spent"}.`];
      case "mention":
        return ["You were mentioned", `${facts.actor_name ?? "Someone"} mentioned you on ${task}${where}${facts.excerpt ? `: “${facts.excerpt}”` : "."}`];
      case "task_done":
        return ["Task done", `${task}${where} is done.`];
      case "task_failed":
        return ["Task failed", `${task}${where} failed${facts.reason ? `: ${facts.reason}` : ""}. It goes back to its agent.`];
      case "emergency_stop":
        return ["Emergency stop", `${facts.actor_name ?? "An admin"} stopped all dispatch${facts.reason ? `: ${facts.reason}` : "."}`];
      case "channel_test":
        return ["Test notification", `This is a test from Mission Control${facts.channel_name ? ` for the channel “${facts.channel_name}”` : ""}. It works.`];
    }
  })();
  return { kind, title, text, url };
}

/** "22:00" ↔ minutes after midnight. */
export function minutesOfDay(text: string): number | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

export function clockTime(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** A secret as pages show it: only its last four characters. */
export function secretHint(hint: string | null): string {
  return hint ? `…${hint}` : "";
}

/** A Slack or webhook URL as the channel list shows it: the path may carry a token, so only the origin. */
export function displayTarget(kind: ChannelKind, target: string): string {
  if (kind === "email" || kind === "telegram") return target;
  try {
    const url = new URL(target);
    return url.pathname.length > 1 ? `${url.origin}/…` : url.origin;
  } catch {
    return "";
  }
}
