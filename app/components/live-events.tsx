import { createContext, useContext, useEffect, useRef, useState } from "react";
import { useParams, useRevalidator } from "react-router";
import { backoffDelay } from "#app/domain/backoff";
import { EVENTS, EVENT_TYPES, isEventType } from "#app/domain/events";

// Live updates: one EventSource per signed-in page (held by the app layout,
// so it survives moves between pages), resumed from the last seen id,
// reconnected with exponential backoff and jitter (1 s → 30 s). An event
// relevant to the page revalidates its loaders, so the server stays the one
// source of truth and pages without JavaScript show the same data. React
// Router drops an action's result on such a revalidation, so pages read it
// through useActionResult, which keeps it (use-action-result.ts).

export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline";

export interface LiveEvent {
  seq: number;
  type: string;
  workspace_id: string | null;
  workspace_slug: string | null;
  task_id: string | null;
}

/**
 * Whether an event changes what the current page shows, by its reach in
 * app/domain/events.ts: approvals feed the navigation's count, so they matter
 * everywhere; inside a workspace only its own events do; the cross-workspace
 * pages show a bit of everything.
 */
export function isRelevant(event: LiveEvent, workspaceSlug: string | undefined): boolean {
  if (isEventType(event.type) && EVENTS[event.type].reach === "everywhere") return true;
  return workspaceSlug === undefined || event.workspace_slug === workspaceSlug;
}

const ConnectionContext = createContext<ConnectionState>("offline");
export const useConnectionState = () => useContext(ConnectionContext);


export function LiveEvents({ children }: { children: React.ReactNode }) {
  const [state, setState] = useState<ConnectionState>("connecting");
  const revalidator = useRevalidator();
  const revalidateRef = useRef(revalidator.revalidate);
  revalidateRef.current = revalidator.revalidate;
  const slugRef = useRef<string | undefined>(undefined);
  slugRef.current = useParams().slug;

  useEffect(() => {
    let source: EventSource | null = null;
    let lastId: string | null = null;
    let attempt = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let refreshTimer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;

    // At most one reload per 120 ms: a burst of events becomes one refresh,
    // and a steady stream cannot postpone it forever.
    const refresh = () => {
      if (refreshTimer !== undefined) return;
      refreshTimer = setTimeout(() => {
        refreshTimer = undefined;
        void revalidateRef.current();
      }, 120);
    };

    const connect = () => {
      source = new EventSource(lastId ? `/api/events/stream?last_event_id=${encodeURIComponent(lastId)}` : "/api/events/stream");
      source.onopen = () => {
        attempt = 0;
        setState("live");
      };
      source.onmessage = () => {};
      source.addEventListener("resync", () => refresh());
      // The server is restarting: reconnect after its hint, resuming from lastId.
      source.addEventListener("reconnect", (e) => {
        source?.close();
        const hint = Number((JSON.parse((e as MessageEvent<string>).data) as { retry_ms?: number }).retry_ms) || 1000;
        setState("reconnecting");
        retryTimer = setTimeout(connect, hint);
      });
      source.addEventListener("ready", (e) => {
        lastId = (e as MessageEvent).lastEventId || lastId;
      });
      for (const type of EVENT_TYPES) {
        source.addEventListener(type, (e) => {
          const message = e as MessageEvent<string>;
          if (message.lastEventId) lastId = message.lastEventId;
          const event = JSON.parse(message.data) as LiveEvent;
          if (isRelevant(event, slugRef.current)) refresh();
        });
      }
      source.onerror = () => {
        source?.close();
        if (closed) return;
        setState(attempt === 0 ? "reconnecting" : "offline");
        retryTimer = setTimeout(connect, backoffDelay(attempt++));
      };
    };

    connect();
    return () => {
      closed = true;
      clearTimeout(retryTimer);
      clearTimeout(refreshTimer);
      source?.close();
    };
  }, []);

  return <ConnectionContext.Provider value={state}>{children}</ConnectionContext.Provider>;
}

export function ConnectionBadge() {
  const state = useConnectionState();
  // Only a running script can be live: without JavaScript the badge stays hidden.
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  if (!mounted) return null;
  const label = { connecting: "Connecting", live: "Live", reconnecting: "Reconnecting", offline: "Offline" }[state];
  return (
    <span className={`conn conn-${state}`} role="status" aria-live="polite" data-connection={state}>
      <span className="conn-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
