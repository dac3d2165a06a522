import type { BusEvent, EventBus } from "./event-bus.server";
import type { Logger } from "../observability/logger.server";
import { PING_FRAME, type SseMessage, sseFrame } from "./sse.server";

const REPLAY_PAGE = 500;

/**
 * Open event streams per client address on this instance. Each stream holds
 * a socket, timers and a subscriber for as long as the client likes, so one
 * client may not hold more than `max` at once; a slot is freed when its
 * stream closes, however it closes.
 */
export class StreamSlots {
  readonly #open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes a slot for `client`: its release function, or null when the client is at the cap. */
  acquire(client: string): (() => void) | null {
    const open = this.#open.get(client) ?? 0;
    if (open >= this.max) return null;
    this.#open.set(client, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#open.get(client) ?? 1) - 1;
      if (left > 0) this.#open.set(client, left);
      else this.#open.delete(client);
    };
  }
}

/**
 * One client's stream: subscribes first (buffering), replays what it missed
 * since lastId, then flushes the buffer past what was replayed, so nothing is
 * lost or sent twice across the hand-over. A gap older than retention, or an
 * id from the future (a reset database), asks the client to resync instead.
 */
export function openEventStream(opts: {
  bus: EventBus;
  log: Logger;
  /** Writes one SSE frame to this client. */
  write: (frame: Uint8Array) => void;
  abort: () => void;
  workspaceId: string | null;
  lastId: number | null;
  pingMs: number;
}): () => void {
  const { bus, log, write, workspaceId } = opts;
  const send = (message: SseMessage) => write(sseFrame(message));
  let sentUpTo = opts.lastId ?? bus.lastSeq;
  let buffer: BusEvent[] | null = [];
  let closed = false;

  const deliver = (event: BusEvent) => {
    if (event.seq <= sentUpTo) return;
    sentUpTo = event.seq;
    if (workspaceId && event.workspace_id !== workspaceId) return;
    write(event.frame);
  };
  const unsubscribe = bus.subscribe((event) => (buffer ? buffer.push(event) : deliver(event)));
  const ping = setInterval(() => write(PING_FRAME), opts.pingMs);
  // On shutdown: a reconnect hint with a spread-out delay, then the stream ends.
  const unclose = bus.onClose(() => {
    send({ event: "reconnect", data: JSON.stringify({ retry_ms: 1000 + Math.floor(Math.random() * 2000) }) });
    opts.abort();
  });

  void (async () => {
    try {
      if (opts.lastId !== null) {
        const { min_seq, max_seq } = await bus.bounds();
        if (opts.lastId > max_seq || (min_seq > 0 && opts.lastId < min_seq - 1)) {
          send({ event: "resync", id: String(max_seq), data: JSON.stringify({ reason: opts.lastId > max_seq ? "ahead" : "expired", last_seq: max_seq }) });
          // The stream goes on from the log's end: past an id from the future
          // nothing would be sent until the log caught up with it.
          sentUpTo = max_seq;
        } else {
          // The bus catches up first (a write from outside the app wakes it only
          // at its next poll). Replay stops where the live feed takes over: past
          // this seq the bus has not settled the order yet, and what it
          // delivers from here lands in the buffer.
          await bus.poke();
          const replayUpTo = bus.lastSeq;
          for (;;) {
            const page = await bus.replay(sentUpTo, REPLAY_PAGE);
            const settled = page.filter((event) => event.seq <= replayUpTo);
            for (const event of settled) deliver(event);
            if (page.length < REPLAY_PAGE || settled.length < page.length || closed) break;
          }
        }
      }
      send({ event: "ready", id: String(sentUpTo), data: JSON.stringify({ last_seq: sentUpTo }) });
      const pending = buffer ?? [];
      buffer = null;
      for (const event of pending) deliver(event);
    } catch (error) {
      log.warn({ event: "events.stream_failed", err: error }, "event stream could not start");
      opts.abort();
    }
  })();

  return () => {
    closed = true;
    clearInterval(ping);
    unsubscribe();
    unclose();
  };
}
