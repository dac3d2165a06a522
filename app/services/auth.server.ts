import { createCookie, data, redirect } from "react-router";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { type Role, roleAtLeast } from "#app/domain/roles";
import { DUMMY_PASSWORD_HASH, randomToken, sha256Hex, verifyPassword } from "./crypto.server";
import type { Runtime } from "./runtime.server";

// Operator sessions: a random token in an httpOnly, SameSite=Lax, signed
// cookie; the database keeps only its SHA-256. A new token on every login.

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

const COOKIE_NAME = "mc_session";

function sessionCookie(rt: Runtime) {
  return createCookie(COOKIE_NAME, {
    httpOnly: true,
    sameSite: "lax",
    secure: rt.env.cookieSecure,
    path: "/",
    secrets: [rt.secrets.SESSION_SECRET],
    maxAge: rt.env.SESSION_TTL_HOURS * 3600,
  });
}

/** The session token from the request's cookie, if it carries a well-formed one (valid or not). */
export async function readSessionToken(rt: Runtime, request: Request): Promise<string | null> {
  const value: unknown = await sessionCookie(rt).parse(request.headers.get("cookie"));
  return typeof value === "string" && value.length > 20 && value.length < 100 ? value : null;
}

export async function getSessionUser(rt: Runtime, request: Request): Promise<SessionUser | null> {
  const token = await readSessionToken(rt, request);
  if (!token) return null;
  return rt.db.rpc<SessionUser | null>("touch_session", {
    p_token_hash: sha256Hex(token),
    p_ttl_seconds: rt.env.SESSION_TTL_HOURS * 3600,
  });
}

/** Creates a fresh session for the user and returns its Set-Cookie header. */
export async function startSession(rt: Runtime, userId: string, request: Request): Promise<string> {
  const token = randomToken();
  await rt.db.rpc("create_session", {
    p_token_hash: sha256Hex(token),
    p_user_id: userId,
    p_ttl_seconds: rt.env.SESSION_TTL_HOURS * 3600,
    p_user_agent: (request.headers.get("user-agent") ?? "").slice(0, 400),
  });
  return sessionCookie(rt).serialize(token);
}

export async function endSession(rt: Runtime, request: Request): Promise<string> {
  const token = await readSessionToken(rt, request);
  if (token) await rt.db.rpc("delete_session", { p_token_hash: sha256Hex(token) });
  return sessionCookie(rt).serialize("", { maxAge: 0 });
}

// Failed logins per client address and per account. A success clears the
// account's count, not the address's, so guessing across accounts stays limited.
const failuresByKey = new Map<number, RateLimiterMemory>();
function loginLimiter(points: number): RateLimiterMemory {
  let limiter = failuresByKey.get(points);
  if (!limiter) {
    limiter = new RateLimiterMemory({ points, duration: 15 * 60, blockDuration: 15 * 60 });
    failuresByKey.set(points, limiter);
  }
  return limiter;
}

export type LoginResult = { ok: true; user: SessionUser } | { ok: false; retryAfterS?: number };

export async function verifyLogin(rt: Runtime, email: string, password: string, clientIp: string): Promise<LoginResult> {
  const max = rt.env.LOGIN_MAX_FAILURES;
  // One address may fail for several people (an office, a tunnel); one account is tighter.
  const budgets: Array<[RateLimiterMemory, string, number]> = [
    [loginLimiter(max * 10), `ip:${clientIp}`, max * 10],
    [loginLimiter(max), `email:${email}`, max],
  ];
  for (const [limiter, key, points] of budgets) {
    const state = await limiter.get(key);
    if (state && state.consumedPoints >= points) {
      return { ok: false, retryAfterS: Math.max(1, Math.ceil(state.msBeforeNext / 1000)) };
    }
  }
  const user = await rt.db.rpc<(SessionUser & { password_hash: string; disabled: boolean }) | null>("get_login_user", { p_email: email });
  const valid = await verifyPassword(password, user?.password_hash ?? DUMMY_PASSWORD_HASH);
  if (!user || !valid || user.disabled) {
    await Promise.all(budgets.map(([limiter, key]) => limiter.penalty(key, 1)));
    return { ok: false };
  }
  await budgets[1]![0].delete(budgets[1]![1]);
  return { ok: true, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
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
