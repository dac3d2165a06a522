import type { RateLimiterAbstract } from "rate-limiter-flexible";

// What an instance keeps in memory so that most requests cost the shared
// (PostgreSQL) rate-limit store no round trip. See docs/decisions/012.

const SWEEP_AT = 10_000;

/** Drops expired entries once a map has grown large (many distinct clients). */
function sweep<V extends { until: number }>(map: Map<string, V>): void {
  if (map.size < SWEEP_AT) return;
  const now = Date.now();
  for (const [key, value] of map) if (value.until <= now) map.delete(key);
}

interface Lease {
  left: number;
  until: number;
  /** Set while the lease is being taken from the store; others wait for it. */
  taking?: Promise<void>;
}

/**
 * A key's budget taken from the shared store `size` points at a time and
 * spent here, one request per point, until it runs out or the store's window
 * ends. One request per key takes the next lease; the rest wait for it. When
 * the store refuses a lease, every waiting request is refused (429). The
 * price: with several instances, a client can be refused up to size − 1
 * points early per other instance holding a lease of its budget.
 */
export class LeasedBudget {
  #leases = new Map<string, Lease>();

  constructor(
    private readonly store: RateLimiterAbstract,
    readonly size: number,
  ) {}

  async consume(key: string): Promise<void> {
    for (;;) {
      const lease = this.#leases.get(key);
      if (lease?.taking) {
        await lease.taking;
        continue;
      }
      if (lease && lease.left > 0 && lease.until > Date.now()) {
        lease.left--;
        return;
      }
      sweep(this.#leases);
      const next: Lease = { left: 0, until: 0 };
      next.taking = this.store.consume(key, this.size).then(
        (res) => {
          next.left = this.size;
          next.until = Date.now() + res.msBeforeNext;
          next.taking = undefined;
        },
        (error: unknown) => {
          this.#leases.delete(key);
          throw error;
        },
      );
      this.#leases.set(key, next);
      await next.taking;
    }
  }
}

/** Points per lease: none for small budgets (exact), at most 50 for large ones. */
export function leaseSize(pointsPerWindow: number): number {
  return Math.max(1, Math.min(50, Math.floor(pointsPerWindow / 100)));
}
