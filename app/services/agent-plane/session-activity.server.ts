import { noteSessionActivity } from "#app/db/completion.server";
import type { Database } from "#app/db/types";
import { parseTaskSessionKey } from "#app/domain/openclaw";
import type { Logger } from "../observability/logger.server";
import type { Gateway } from "./gateway.server";

// Live transcripts (decision 036): the gateway streams many `agent` and
// `chat` events per turn (every text delta, every tool step). For a task's
// session, each burst becomes one session.updated event on our bus at most
// once a second, with the last of a burst always sent, so an open task page
// revalidates and shows what is new; pages of other tasks are not disturbed.

/** The least time between two session.updated events of one session. */
export const SESSION_EVENT_INTERVAL_MS = 1000;

export function startSessionActivity(deps: { db: Database; log: Logger; gateway: Gateway; intervalMs?: number }): { stop: () => void } {
  const { db, log, gateway } = deps;
  const interval = deps.intervalMs ?? SESSION_EVENT_INTERVAL_MS;
  /** Per session: when the last event went out, and the timer of the one waiting, if any. */
  const sessions = new Map<string, { sentAt: number; timer: ReturnType<typeof setTimeout> | null }>();

  const send = (sessionKey: string) => {
    const state = sessions.get(sessionKey);
    if (state) {
      state.sentAt = Date.now();
      state.timer = null;
    }
    noteSessionActivity(db, sessionKey).catch((error: unknown) =>
      log.warn({ event: "session.note_failed", session_key: sessionKey, err: error }, "could not announce session activity"),
    );
  };

  const unsubscribe = gateway.onSessionActivity((sessionKey) => {
    // Only Mission Control's task sessions have a page to refresh.
    if (!parseTaskSessionKey(sessionKey)) return;
    const state = sessions.get(sessionKey) ?? { sentAt: 0, timer: null };
    sessions.set(sessionKey, state);
    if (state.timer) return;
    const wait = state.sentAt + interval - Date.now();
    if (wait <= 0) {
      send(sessionKey);
      return;
    }
    state.timer = setTimeout(() => send(sessionKey), wait);
    state.timer.unref?.();
  });

  // Forget quiet sessions now and then, so the map holds only recent ones.
  const sweep = setInterval(() => {
    const cutoff = Date.now() - 60 * interval;
    for (const [key, state] of sessions) if (!state.timer && state.sentAt < cutoff) sessions.delete(key);
  }, 60 * interval);
  sweep.unref?.();

  return {
    stop() {
      unsubscribe();
      clearInterval(sweep);
      for (const state of sessions.values()) if (state.timer) clearTimeout(state.timer);
      sessions.clear();
    },
  };
}
