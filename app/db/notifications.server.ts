import type { ChannelKind, NotificationFacts, NotificationKind } from "#app/domain/notifications";
import type { Database } from "./types";

// Typed calls for notifications (decision 047): the producer step over the
// events log, the sender's claim and outcome, and the settings pages' reads
// and writes (supabase/sql/18_notifications.sql).

export interface NotificationChannel {
  id: string;
  kind: ChannelKind;
  name: string;
  target: string;
  /** The last four characters of the secret (a webhook's signing secret, a Telegram bot token), else null. */
  secret_hint: string | null;
  enabled: boolean;
  failing: boolean;
  failing_since: string | null;
  consecutive_failures: number;
  last_error: string | null;
  created_at: string;
  pending: number;
}

export interface NotificationSettings {
  kinds: NotificationKind[];
  quiet_start: number | null;
  quiet_end: number | null;
  time_zone: string | null;
  channels: NotificationChannel[];
}

export interface NotificationDelivery {
  id: string;
  outbox_id: string;
  kind: NotificationKind;
  facts: NotificationFacts;
  attempt: number;
  replay: boolean;
  ok: boolean;
  status_code: number | null;
  error: string | null;
  duration_ms: number | null;
  created_at: string;
}

export interface WaitingNotification {
  id: string;
  kind: NotificationKind;
  facts: NotificationFacts;
  attempts: number;
  deliver_after: string;
  last_error: string | null;
}

export interface NotificationChannelDetail extends NotificationChannel {
  /** A webhook's full signing secret (its owner verifies with it); null for other kinds. */
  signing_secret: string | null;
  deliveries: NotificationDelivery[];
  waiting: WaitingNotification[];
}

/** A claimed outbox row, with what the sender needs to deliver it. */
export interface ClaimedNotification {
  id: string;
  occasion: string;
  kind: NotificationKind;
  urgent: boolean;
  facts: NotificationFacts;
  /** This attempt's number (1 for the first). */
  attempt: number;
  channel_kind: ChannelKind | "web_push";
  target_key: string;
  replay: boolean;
  created_at: string;
  user: { id: string; name: string };
  /** The channel, for every kind but web_push (whose target_key names the subscription). */
  channel: { id: string; kind: ChannelKind; name: string; target: string; secret: string | null } | null;
  /** The device, for web_push. */
  push: { id: string; endpoint: string; p256dh: string; auth: string } | null;
}

export const produceNotifications = (db: Database, limit: number, expiryWindowSeconds: number) =>
  db.rpc<{ enqueued: number; last_seq: number; more: boolean }>("produce_notifications", { p_limit: limit, p_expiry_window_s: expiryWindowSeconds });

export const claimNotifications = (db: Database, holder: string, limit: number, leaseSeconds: number) =>
  db.rpc<ClaimedNotification[]>("claim_notifications", { p_holder: holder, p_limit: limit, p_lease_seconds: leaseSeconds });

export interface AttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  retrySeconds: number;
  durationMs: number;
  failAfter: number;
}

export const finishNotification = (db: Database, id: string, holder: string, o: AttemptOutcome) =>
  db.rpc<{ id: string; recorded: boolean; status?: "sent" | "pending"; channel_failing?: boolean }>("finish_notification", {
    p_id: id,
    p_holder: holder,
    p_ok: o.ok,
    p_status_code: o.statusCode,
    p_error: o.error,
    p_retry_seconds: o.retrySeconds,
    p_duration_ms: o.durationMs,
    p_fail_after: o.failAfter,
  });

export const getNotificationSettings = (db: Database, userId: string) =>
  db.rpc<NotificationSettings | null>("get_notification_settings", { p_user_id: userId });

export const setNotificationPreferences = (
  db: Database,
  userId: string,
  input: { kinds: string[]; quiet_start: number | null; quiet_end: number | null; enabled_channels: string[] },
) =>
  db.rpc<NotificationSettings>("set_notification_preferences", {
    p_user_id: userId,
    p_kinds: input.kinds,
    p_quiet_start: input.quiet_start,
    p_quiet_end: input.quiet_end,
    p_enabled_channels: input.enabled_channels,
  });

export const createNotificationChannel = (db: Database, userId: string, input: { kind: ChannelKind; name: string; target: string; secret: string | null }) =>
  db.rpc<NotificationChannel>("create_notification_channel", {
    p_user_id: userId,
    p_kind: input.kind,
    p_name: input.name,
    p_target: input.target,
    p_secret: input.secret,
  });

export const deleteNotificationChannel = (db: Database, userId: string, channelId: string) =>
  db.rpc<{ id: string; deleted: boolean }>("delete_notification_channel", { p_user_id: userId, p_channel_id: channelId });

export const getNotificationChannel = (db: Database, userId: string, channelId: string, limit = 50) =>
  db.rpc<NotificationChannelDetail | null>("get_notification_channel", { p_user_id: userId, p_channel_id: channelId, p_limit: limit });

export const enqueueChannelTest = (db: Database, userId: string, channelId: string) =>
  db.rpc<{ id: string }>("enqueue_channel_test", { p_user_id: userId, p_channel_id: channelId });

export const replayNotificationDelivery = (db: Database, userId: string, deliveryId: string) =>
  db.rpc<{ id: string; replay_of: string }>("replay_notification_delivery", { p_user_id: userId, p_delivery_id: deliveryId });
