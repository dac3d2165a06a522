import type { SessionUser } from "#app/db/auth.server";
import type { Database } from "#app/db/types";
import { ExpiringMap } from "#app/domain/expiring-map";

// Who a session cookie belongs to, remembered for a few seconds so that a
// signed-in request's reads do not start with a database round trip
// (decision 056). An entry lives until the first of: its time to live, the
// session's own expiry, or a change announced by the database. The database
// announces (NOTIFY mc_auth, the user's id) every ended session and every
// change to a user's row (role, disabled, password, time zone) from triggers,
// so every instance on it forgets at once; the time to live bounds what a lost
// notification could leave behind. Transports without NOTIFY (Supabase over
// HTTP) get no cache: there every request asks the database.
//
// The announcement reaches this instance a moment after the write commits, so
// the request that made the change also forgets at once (forgetUser), and a
// session read from the database while anything was being forgotten is not
// kept: its row may predate the change (the generation check in `set`).

export const AUTH_CHANNEL = "mc_auth";

/** How long a session read from the database is trusted without asking again. */
export const SESSION_CACHE_TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;

export class SessionCache {
  readonly #entries: ExpiringMap<string, SessionUser>;
  #unlisten: (() => Promise<void>) | null = null;
  #generation = 0;

  constructor(
    private readonly ttlMs: number = SESSION_CACHE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.#entries = new ExpiringMap(MAX_ENTRIES, now);
  }

  /** A cache that remembers nothing (a transport without NOTIFY). */
  static disabled(): SessionCache {
    return new SessionCache(0);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Listens for the database's announcements; returns once listening. */
  async start(db: Database): Promise<void> {
    if (this.ttlMs <= 0) return;
    this.#unlisten = await db.listen(AUTH_CHANNEL, (userId) => this.forgetUser(userId));
  }

  async stop(): Promise<void> {
    await this.#unlisten?.().catch(() => {});
    this.#unlisten = null;
    this.#generation++;
    this.#entries.clear();
  }

  get(tokenHash: string): SessionUser | undefined {
    return this.#entries.get(tokenHash);
  }

  /** Taken before reading a session from the database, and handed back to `set`. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Remembers a session the database has just confirmed, never past its
   * expiry, unless something was forgotten since `readAt` (the generation
   * taken before the read): that read may have seen the row before the change.
   */
  set(tokenHash: string, user: SessionUser, expiresAt: number, readAt: number): void {
    if (this.ttlMs <= 0 || readAt !== this.#generation) return;
    this.#entries.set(tokenHash, user, Math.min(this.now() + this.ttlMs, expiresAt));
  }

  forget(tokenHash: string): void {
    this.#generation++;
    this.#entries.delete(tokenHash);
  }

  /** Forgets every session of the user (signed out, disabled, changed). */
  forgetUser(userId: string): void {
    this.#generation++;
    this.#entries.deleteWhere((user) => user.id === userId);
  }
}
