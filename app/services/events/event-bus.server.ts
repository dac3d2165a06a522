import { randomUUID } from "node:crypto";
import { type EventBounds, getEventBounds, getEventsWithDetails, getSettledEvents, listReadFunctions } from "#app/db/events.server";
import type { Database, RpcArgs } from "#app/db/types";
import type { Logger } from "../observability/logger.server";
import { outsideAnyRequest } from "../observability/telemetry.server";
import { sseFrame } from "./sse.server";

// One reader per process turns a wake-up into a single fetch of the new
// events, serialises each event once and hands it to every subscriber. The
// wake-ups: a write made through `watch(db)` returning (its transaction has
// committed), a NOTIFY from another instance that wrote, and a safety poll.
// Writes do not NOTIFY inside their own transactions (PostgreSQL would make
// them commit one at a time, decision 002): after a local write the bus sends
// one NOTIFY for the other instances, coalesced while one is in flight, and
// ignores its own. Writers take seqs without a global lock, so a seq can
// commit after a later one: the reader delivers in seq order and waits at a
// hole until it fills or is known to be a rollback (get_settled_events).
// Supabase over HTTP has no NOTIFY: there the poll (every second) is the feed.
//
// How far this reaches: the bus feeds the streams of its own process only.
// Several instances share live updates through the database: PostgreSQL
// LISTEN/NOTIFY between them, or on Supabase over HTTP each instance polling
// `events` by seq. The embedded database (PGlite) is single-process: one
// server owns a data dir (the data-dir lock refuses a second) and its NOTIFY
// never leaves the process, so an embedded deployment is one instance, and
// serving browsers from more than one takes PostgreSQL or Supabase.

export interface BusEvent {
  seq: number;
  type: string;
  workspace_id: string | null;
  /** The event as JSON text, serialised once for all subscribers. */
  json: string;
  /** The SSE message (id, event, data) as bytes, encoded once for all streams. */
  frame: Uint8Array;
}

type Subscriber = (event: BusEvent) => void;

const BATCH = 500;
const SAFETY_POLL_MS = 5_000;
const HOLE_RETRY_MS = 20;
const CHANNEL = "mc_events";

export class EventBus {
  /** Tells this instance's own NOTIFY apart from other instances'. */
  readonly #instance = randomUUID();
  /** Functions that cannot write (stable or immutable in SQL): calls to them wake nothing. */
  #readFunctions = new Set<string>();
  #lastSeq = 0;
  #subscribers = new Set<Subscriber>();
  #draining: Promise<void> | null = null;
  #again = false;
  #unlisten: (() => Promise<void>) | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    /** The poll interval; defaults to the transport's hint (1 s on Supabase over HTTP, which has no NOTIFY), else 5 s. */
    private readonly pollMs: number = db.pollIntervalMs ?? SAFETY_POLL_MS,
  ) {}

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  async start(): Promise<void> {
    const bounds = await this.bounds();
    this.#lastSeq = bounds.max_seq;
    this.#readFunctions = new Set(await listReadFunctions(this.db));
    this.#unlisten = await this.db.listen(CHANNEL, (from) => {
      if (from !== this.#instance) void this.poke();
    });
    this.#timer = setInterval(() => this.poke(), this.pollMs);
    this.#timer.unref();
  }

  #stopped = false;

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#holeTimer) clearTimeout(this.#holeTimer);
    this.#holeTimer = null;
    await this.#unlisten?.().catch(() => {});
    this.#unlisten = null;
    await Promise.all([this.#draining, this.#announcing]);
    this.#subscribers.clear();
  }

  #closers = new Set<() => void>();

  /** Registers what a stream does when the server shuts down (tell the client, then end). */
  onClose(fn: () => void): () => void {
    this.#closers.add(fn);
    return () => this.#closers.delete(fn);
  }

  /** Ends every open stream, each with a reconnect hint, ahead of a shutdown. */
  closeStreams(): number {
    const closers = this.#closers;
    this.#closers = new Set();
    for (const close of closers) close();
    return closers.size;
  }

  subscribe(fn: Subscriber): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  bounds(): Promise<EventBounds> {
    return getEventBounds(this.db);
  }

  /** Events after `since`, oldest first, for a client resuming from Last-Event-ID. */
  async replay(since: number, limit = BATCH): Promise<BusEvent[]> {
    const rows = await getEventsWithDetails(this.db, since, limit);
    return rows.map(toBusEvent);
  }

  /**
   * The database as the app should use it: after a call that may have written
   * returns, the bus fetches what it emitted and other instances are told.
   */
  watch<T extends Database>(db: T): T {
    const rpc = db.rpc.bind(db);
    const watched = async <R>(fn: string, args?: RpcArgs): Promise<R> => {
      const result = await rpc<R>(fn, args);
      if (!this.#readFunctions.has(fn)) this.#written();
      return result;
    };
    return new Proxy(db, { get: (target, prop) => (prop === "rpc" ? watched : (Reflect.get(target, prop) as unknown)) });
  }

  #announcing: Promise<void> | null = null;
  #announceAgain = false;

  #written(): void {
    // The fetch and the NOTIFY serve every stream and instance, not the request whose write woke them.
    outsideAnyRequest(() => {
      void this.poke();
      this.#announce();
    });
  }

  /** One NOTIFY at a time: writes that return while one is in flight share the next. */
  #announce(): void {
    if (this.#announcing) {
      this.#announceAgain = true;
      return;
    }
    this.#announcing = this.db
      .notify(CHANNEL, this.#instance)
      .catch((error: unknown) => this.log.warn({ event: "events.notify_failed", err: error }, "could not notify other instances"))
      .finally(() => {
        this.#announcing = null;
        if (this.#announceAgain && !this.#stopped) {
          this.#announceAgain = false;
          this.#announce();
        }
      });
  }

  /** Schedules a drain; coalesces bursts of wake-ups into one fetch loop. */
  poke(): Promise<void> {
    if (this.#draining) {
      this.#again = true;
      return this.#draining;
    }
    this.#draining = this.#drain().finally(() => {
      this.#draining = null;
      if (this.#again) {
        this.#again = false;
        void this.poke();
      }
    });
    return this.#draining;
  }

  /** Where the live read stopped at a hole in seq (see get_settled_events); passed back until it settles. */
  #waitFor: string | null = null;
  #settleUpto: number | null = null;
  #holeTimer: NodeJS.Timeout | null = null;

  async #drain(): Promise<void> {
    try {
      for (;;) {
        // With no stream open, only how far the log has settled matters, not each event's details.
        const page = await getSettledEvents(this.db, {
          since: this.#lastSeq,
          limit: BATCH,
          waitFor: this.#waitFor,
          settleUpto: this.#settleUpto,
          details: this.#subscribers.size > 0,
        });
        this.#waitFor = page.wait_for;
        this.#settleUpto = page.settle_upto;
        for (const row of page.events) {
          const event = toBusEvent(row);
          for (const fn of this.#subscribers) {
            try {
              fn(event);
            } catch (error) {
              this.log.warn({ event: "events.subscriber_failed", err: error }, "an event subscriber threw");
            }
          }
        }
        this.#lastSeq = Number(page.last_seq);
        if (this.#waitFor !== null && !this.#stopped) {
          // A transaction holding an earlier seq is still open, or it rolled
          // back: look again shortly either way.
          this.#holeTimer ??= setTimeout(() => {
            this.#holeTimer = null;
            void this.poke();
          }, HOLE_RETRY_MS);
          this.#holeTimer.unref();
          return;
        }
        if (!page.more) return;
      }
    } catch (error) {
      this.log.error({ event: "events.drain_failed", err: error }, "could not read new events");
    }
  }
}

function toBusEvent(row: Record<string, unknown>): BusEvent {
  const seq = Number(row.seq);
  const type = String(row.type);
  const json = JSON.stringify(row);
  return { seq, type, workspace_id: (row.workspace_id as string | null) ?? null, json, frame: sseFrame({ event: type, id: String(seq), data: json }) };
}
