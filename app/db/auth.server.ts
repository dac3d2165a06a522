import type { Role } from "#app/domain/roles";
import type { Database } from "./types";

// Typed calls for operators: users, sessions (only a token's SHA-256 is
// stored), the first-admin set-up link, and the login attempt limits, which
// are counted in the database so every instance sees the same counts.

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** An IANA zone name, null until the browser reports one or the user picks one. */
  time_zone: string | null;
}

/** A user as the login check needs it; the hash never leaves the server. */
export interface LoginUser extends SessionUser {
  password_hash: string;
  disabled: boolean;
}

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  sessions: number;
  last_seen_at: string | null;
}

export interface LoginAttemptKeys {
  p_account_key: string;
  p_address_key: string;
}

export interface LoginAttempt {
  allowed: boolean;
  retry_after_s?: number;
  remaining?: number;
}

/** The session's user, extending the session, with when it now expires; null for an unknown, expired or ended one. */
export const touchSession = (db: Database, tokenHash: string, ttlSeconds: number) =>
  db.rpc<(SessionUser & { expires_at: string }) | null>("touch_session", { p_token_hash: tokenHash, p_ttl_seconds: ttlSeconds });

export interface NewSession {
  tokenHash: string;
  userId: string;
  ttlSeconds: number;
  userAgent: string;
  clientIp: string;
}

export const createSession = (db: Database, session: NewSession) =>
  db.rpc("create_session", {
    p_token_hash: session.tokenHash,
    p_user_id: session.userId,
    p_ttl_seconds: session.ttlSeconds,
    p_user_agent: session.userAgent,
    p_client_ip: session.clientIp,
  });

export const deleteSession = (db: Database, tokenHash: string) => db.rpc("delete_session", { p_token_hash: tokenHash });

/** Counts the attempt as a failure up front against both keys; loginSucceeded takes it back. */
export const beginLoginAttempt = (db: Database, keys: LoginAttemptKeys, limits: { accountMax: number; addressMax: number; windowS: number }) =>
  db.rpc<LoginAttempt>("begin_login_attempt", {
    ...keys,
    p_account_max: limits.accountMax,
    p_address_max: limits.addressMax,
    p_window_s: limits.windowS,
  });

/** Stores the zone the user reads times in; the caller has checked it with isTimeZone. */
export const setUserTimeZone = (db: Database, userId: string, timeZone: string) =>
  db.rpc<{ id: string; time_zone: string }>("set_user_time_zone", { p_user_id: userId, p_time_zone: timeZone });

export const getLoginUser = (db: Database, email: string) => db.rpc<LoginUser | null>("get_login_user", { p_email: email });

export const recordSignInFailure = (db: Database, failure: { email: string; reason: string; clientIp: string; locked: boolean }) =>
  db.rpc("record_sign_in_failure", {
    p_email: failure.email,
    p_reason: failure.reason,
    p_client_ip: failure.clientIp,
    p_locked: failure.locked,
  });

export const loginSucceeded = (db: Database, keys: LoginAttemptKeys) => db.rpc("login_succeeded", { ...keys });

export const countUsers = (db: Database) => db.rpc<{ users: number }>("count_users");

export const addSetupToken = (db: Database, tokenHash: string, ttlSeconds: number) =>
  db.rpc<{ added: boolean }>("add_setup_token", { p_token_hash: tokenHash, p_ttl_seconds: ttlSeconds });

export const checkSetupToken = (db: Database, tokenHash: string) => db.rpc<{ valid: boolean }>("check_setup_token", { p_token_hash: tokenHash });

export const createFirstAdmin = (db: Database, admin: { setupTokenHash: string; email: string; name: string; passwordHash: string }) =>
  db.rpc<{ id: string }>("create_first_admin", {
    p_setup_token_hash: admin.setupTokenHash,
    p_email: admin.email,
    p_name: admin.name,
    p_password_hash: admin.passwordHash,
  });

export const listUsers = (db: Database) => db.rpc<UserRow[]>("list_users");

export const createUser = (db: Database, user: { email: string; name: string; role: Role; passwordHash: string }, actorId: string) =>
  db.rpc("create_user", { p_email: user.email, p_name: user.name, p_role: user.role, p_password_hash: user.passwordHash, p_actor_id: actorId });

export const setUserRole = (db: Database, userId: string, role: Role, actorId: string) =>
  db.rpc("set_user_role", { p_user_id: userId, p_role: role, p_actor_id: actorId });

export const setUserDisabled = (db: Database, userId: string, disabled: boolean, actorId: string) =>
  db.rpc("set_user_disabled", { p_user_id: userId, p_disabled: disabled, p_actor_id: actorId });

export const endUserSessions = (db: Database, userId: string, actorId: string) => db.rpc("end_user_sessions", { p_user_id: userId, p_actor_id: actorId });

export const setUserPassword = (db: Database, userId: string, passwordHash: string, actorId: string) =>
  db.rpc("set_user_password", { p_user_id: userId, p_password_hash: passwordHash, p_actor_id: actorId });

/** A device a user is notified on by Web Push (decision 048); the keys are the browser's, for encrypting to it. */
export interface PushSubscriptionRow {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  user_agent: string;
  created_at: string;
  last_success_at: string | null;
  expired_at: string | null;
}

export interface NewPushSubscription {
  endpoint: string;
  p256dh: string;
  auth: string;
  userAgent: string;
}

/** Adds the device, or renews the user's own; an endpoint another user owns is a conflict (409). */
export const savePushSubscription = (db: Database, userId: string, sub: NewPushSubscription) =>
  db.rpc<PushSubscriptionRow>("save_push_subscription", {
    p_user_id: userId,
    p_endpoint: sub.endpoint,
    p_p256dh: sub.p256dh,
    p_auth: sub.auth,
    p_user_agent: sub.userAgent,
  });

/** Removes one of the user's devices by id or endpoint; not theirs or unknown is not found (404). */
export const removePushSubscription = (db: Database, userId: string, device: { id: string } | { endpoint: string }) =>
  db.rpc<{ id: string; removed: true }>("remove_push_subscription", {
    p_user_id: userId,
    p_id: "id" in device ? device.id : null,
    p_endpoint: "endpoint" in device ? device.endpoint : null,
  });

/** The push service said the endpoint is gone: it is not sent to again. */
export const markPushSubscriptionExpired = (db: Database, endpoint: string) =>
  db.rpc<{ id: string | null; expired: boolean }>("mark_push_subscription_expired", { p_endpoint: endpoint });

/** The push service accepted a message for the endpoint. */
export const recordPushSuccess = (db: Database, endpoint: string) =>
  db.rpc<{ id: string | null; recorded: boolean }>("record_push_success", { p_endpoint: endpoint });

/** The user's active devices, oldest first. */
export const listPushSubscriptions = (db: Database, userId: string) => db.rpc<PushSubscriptionRow[]>("list_push_subscriptions", { p_user_id: userId });

/** One of the user's devices, or null when it is not theirs. */
export const getPushSubscription = (db: Database, userId: string, id: string) =>
  db.rpc<PushSubscriptionRow | null>("get_push_subscription", { p_user_id: userId, p_id: id });
