import postgres from "postgres";
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { AppError } from "#app/domain/errors";
import type { Env } from "#app/env.server";
import type { Logger } from "../observability/logger.server";
import { LeasedBudget, leaseSize } from "./rate-limit-local.server";

// Rate limits per client on every write path (forms, agent API, webhook,
// heartbeat) and a tighter budget for failed authentication. In memory for a
// single instance; in PostgreSQL (the rate_limits table) when DATABASE_URL is
// set, so several instances share one budget. If the database store fails,
// an in-memory limiter stands in rather than letting traffic through unchecked.
// The failure budget is spent only by refused credentials, so it throttles a
// client's failures without ever refusing a valid credential (decision 017).

export type LimitClass = "write" | "heartbeat" | "auth_failure";

export interface RateLimits {
  /** Spends one point; throws a 429 AppError (with retry_after_s) when the budget is gone. */
  consume(cls: LimitClass, key: string): Promise<void>;
  close(): Promise<void>;
}

export function createRateLimits(env: Env, log: Logger): RateLimits {
  const per: Record<LimitClass, number> = {
    write: env.RATE_LIMIT_WRITES_PER_MIN,
    heartbeat: env.RATE_LIMIT_HEARTBEATS_PER_MIN,
    auth_failure: env.RATE_LIMIT_AUTH_FAILURES_PER_MIN,
  };
  // Every write from one agent (or one client address) updates the same
  // counter row, so each waited for the previous one's WAL flush: ~300
  // writes/s in all. A counter lost to a crash only forgets a minute of
  // budget, so its commits need not wait for the disk.
  const sql = env.DATABASE_URL
    ? postgres(env.DATABASE_URL, {
        max: 4,
        onnotice: () => {},
        connection: { application_name: "mission-control-limits", synchronous_commit: "off", jit: "off" },
      })
    : null;
  const limiters = Object.fromEntries(
    (Object.keys(per) as LimitClass[]).map((cls) => {
      const opts = { keyPrefix: `mc:${cls}`, points: per[cls], duration: 60 };
      const memory = new RateLimiterMemory(opts);
      if (!sql) return [cls, memory];
      return [
        cls,
        new RateLimiterPostgres({
          ...opts,
          // A client that has spent its failure budget is refused from memory
          // for the rest of the window: a flood of bad credentials costs the
          // shared store one write per instance, not one per request.
          ...(cls === "auth_failure" ? { inMemoryBlockOnConsumed: per[cls] } : {}),
          storeClient: poolAdapter(sql),
          storeType: "pool",
          tableName: "rate_limits",
          tableCreated: true,
          clearExpiredByTimeout: false,
          insuranceLimiter: memory,
        }),
      ];
    }),
  ) as Record<LimitClass, RateLimiterAbstract>;

  // Shared budgets cost a round trip per request only rarely: write and
  // heartbeat budgets are leased in blocks (rate-limit-local.server.ts), and
  // the failure budget is touched only by failures.
  const leased = Object.fromEntries(
    (Object.keys(per) as LimitClass[])
      .filter((cls) => sql && cls !== "auth_failure" && leaseSize(per[cls]) > 1)
      .map((cls) => [cls, new LeasedBudget(limiters[cls], leaseSize(per[cls]))]),
  ) as Partial<Record<LimitClass, LeasedBudget>>;

  const refuse = (res: RateLimiterRes, cls: LimitClass): never => {
    const retry = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    throw new AppError("rate_limited", cls === "auth_failure" ? "Too many failed attempts; wait before trying again." : "Too many requests; slow down.", {
      retry_after_s: retry,
    });
  };

  return {
    async consume(cls, key) {
      try {
        await (leased[cls] ? leased[cls].consume(key) : limiters[cls].consume(key, 1));
      } catch (error) {
        if (error instanceof RateLimiterRes) refuse(error, cls);
        log.warn({ event: "rate_limit.store_failed", err: error }, "rate-limit store failed");
      }
    },
    async close() {
      await sql?.end({ timeout: 2 });
    },
  };
}

/** rate-limiter-flexible's "pool" store needs only `query({text, values}) → {rows, rowCount}`. */
function poolAdapter(sql: postgres.Sql) {
  return {
    async query(q: { text: string; values?: unknown[] }) {
      const rows = await sql.unsafe(q.text, (q.values ?? []) as never[]);
      return { rows, rowCount: rows.count };
    },
  };
}
