import { data, redirect } from "react-router";
import { appCookie } from "#app/services/http/cookies.server";
import {
  beginLoginAttempt,
  createSession,
  deleteSession,
  getLoginUser,
  loginSucceeded,
  recordSignInFailure,
  type SessionUser,
  touchSession,
} from "#app/db/auth.server";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { type Role, roleAtLeast } from "#app/domain/roles";
import type { Database } from "#app/db/types";
import type { Env } from "#app/env.server";
import { DUMMY_PASSWORD_HASH, randomToken, sha256Hex, verifyPassword } from "./crypto.server";
import type { Secrets } from "./secrets.server";
import type { SessionCache } from "./session-cache.server";

// Operator sessions: a random token in an httpOnly, SameSite=Lax, signed
// cookie; the database keeps only its SHA-256. A new token on every login.

const COOKIE_NAME = "mc_session";

/** What the session cookie is made of: its signing secret, lifetime and Secure flag. */
export interface SessionCookieDeps {
  settings: Pick<Env, "cookieSecure" | "SESSION_TTL_HOURS">;
  secrets: Pick<Secrets, "SESSION_SECRET">;
}

/** Reading, starting and ending a session also touch its row. */
export interface SessionDeps extends SessionCookieDeps {
  db: Database;
  /** The process's memory of recently confirmed sessions (decision 056); absent, every read asks the database. */
  sessions?: SessionCache;
}

function sessionCookie({ settings, secrets }: SessionCookieDeps) {
  return appCookie(COOKIE_NAME, { secure: settings.cookieSecure, secret: secrets.SESSION_SECRET, maxAge: settings.SESSION_TTL_HOURS * 3600 });
}

/** The session token from the request's cookie, if it carries a well-formed one (valid or not). */
export async function readSessionToken(deps: SessionCookieDeps, request: Request): Promise<string | null> {
  const value: unknown = await sessionCookie(deps).parse(request.headers.get("cookie"));
  return typeof value === "string" && value.length > 20 && value.length < 100 ? value : null;
}

export async function getSessionUser(deps: SessionDeps, request: Request): Promise<SessionUser | null> {
  const token = await readSessionToken(deps, request);
  if (!token) return null;
  const hash = sha256Hex(token);
  const remembered = deps.sessions?.get(hash);
  if (remembered) return remembered;
  const generation = deps.sessions?.generation ?? 0;
  const touched = await touchSession(deps.db, hash, deps.settings.SESSION_TTL_HOURS * 3600);
  if (!touched) return null;
  const { expires_at, ...user } = touched;
  deps.sessions?.set(hash, user, Date.parse(expires_at), generation);
  return user;
}

/** Creates a fresh session for the user (audited with the client address) and returns its Set-Cookie header. */
export async function startSession(deps: SessionDeps, userId: string, request: Request, clientIp: string): Promise<string> {
  const token = randomToken();
  await createSession(deps.db, {
    tokenHash: sha256Hex(token),
    userId,
    ttlSeconds: deps.settings.SESSION_TTL_HOURS * 3600,
    userAgent: (request.headers.get("user-agent") ?? "").slice(0, COLUMN_LIMITS.sessions.user_agent),
    clientIp,
  });
  return sessionCookie(deps).serialize(token);
}

/** Ends this browser's session (the database audits the sign-out) and clears the cookie. */
export async function endSession(deps: SessionDeps, request: Request): Promise<string> {
  const token = await readSessionToken(deps, request);
  if (token) {
    const hash = sha256Hex(token);
    await deleteSession(deps.db, hash);
    deps.sessions?.forget(hash);
  }
  return sessionCookie(deps).serialize("", { maxAge: 0 });
}

// Failed logins per account and per client address, counted in the database
// (begin_login_attempt) so that every instance on it, and a restarted one,
// sees the same counts. One address may fail for several people (an office,
// a tunnel), so its budget is ten times an account's.
const LOGIN_WINDOW_S = 15 * 60;

export type LoginResult = { ok: true; user: SessionUser } | { ok: false; retryAfterS?: number };

export interface LoginDeps {
  db: Database;
  settings: Pick<Env, "LOGIN_MAX_FAILURES">;
}

export async function verifyLogin({ db, settings }: LoginDeps, email: string, password: string, clientIp: string): Promise<LoginResult> {
  const max = settings.LOGIN_MAX_FAILURES;
  // Emails are hashed so that the limits table holds no addresses of people.
  const keys = { p_account_key: `mc:login:account:${sha256Hex(email)}`, p_address_key: `mc:login:address:${clientIp}` };
  const attempt = await beginLoginAttempt(db, keys, { accountMax: max, addressMax: max * 10, windowS: LOGIN_WINDOW_S });
  if (!attempt.allowed) return { ok: false, retryAfterS: attempt.retry_after_s ?? LOGIN_WINDOW_S };
  const user = await getLoginUser(db, email);
  const valid = await verifyPassword(password, user?.password_hash ?? DUMMY_PASSWORD_HASH);
  // The attempt already counts as a failure; only a success takes it back.
  if (!user || !valid || user.disabled) {
    // Audited without the password; attempts the lockout turns away never get this far.
    await recordSignInFailure(db, {
      email,
      reason: !user ? "unknown_user" : !valid ? "wrong_password" : "disabled",
      clientIp,
      locked: (attempt.remaining ?? 1) <= 0,
    });
    return { ok: false };
  }
  await loginSucceeded(db, keys);
  return { ok: true, user: { id: user.id, email: user.email, name: user.name, role: user.role, time_zone: user.time_zone } };
}

/** Throws a redirect to the login page, or a 403, when the user may not act. */
export function requireRole(user: SessionUser | null, role: Role, request: Request): SessionUser {
  if (!user) {
    const url = new URL(request.url);
    throw redirect(`/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
  }
  if (!roleAtLeast(user.role, role)) {
    throw data({ message: `This needs the ${role} role; you are signed in as ${user.role}.` }, { status: 403 });
  }
  return user;
}
