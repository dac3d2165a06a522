import { randomUUID } from "node:crypto";
import { acquireHeartbeatLease, releaseHeartbeatLease } from "#app/db/heartbeat.server";
import type { Database } from "#app/db/types";
import type { Logger } from "../observability/logger.server";

// The heartbeat's exclusion on a transport with no sessions (Supabase over
// HTTP), where an advisory lock cannot be held across calls: a lease row
// (heartbeat_lease, taken with acquire_heartbeat_lease) that this run renews
// while it works and gives back at the end. A holder that dies lets the lease
// expire after LEASE_SECONDS, so the next run goes ahead.

export const LEASE_SECONDS = 120;
const RENEW_MS = (LEASE_SECONDS * 1000) / 3;

export async function withHeartbeatLease<T>(db: Database, log: Logger, instance: string, fn: () => Promise<T>): Promise<T | { skipped: "already_running" }> {
  const holder = `${instance}:${randomUUID()}`;
  const lease = await acquireHeartbeatLease(db, holder, LEASE_SECONDS);
  if (!lease?.acquired) return { skipped: "already_running" };
  const renew = setInterval(() => {
    acquireHeartbeatLease(db, holder, LEASE_SECONDS).catch((error: unknown) =>
      log.warn({ event: "heartbeat.lease_renew_failed", err: error }, "could not renew the heartbeat lease"),
    );
  }, RENEW_MS);
  renew.unref();
  try {
    return await fn();
  } finally {
    clearInterval(renew);
    await releaseHeartbeatLease(db, holder).catch((error: unknown) =>
      log.warn({ event: "heartbeat.lease_release_failed", err: error }, "could not release the heartbeat lease; it expires on its own"),
    );
  }
}
