import { createContext, useContext, useEffect, useRef, useState } from "react";
import { useRevalidator } from "react-router";
import { backoffDelay } from "#app/domain/backoff";

// Live updates: one EventSource per page, resumed from the last seen id,
// reconnected with exponential backoff and jitter (1 s → 30 s). Any event
// relevant to the page revalidates its loaders, so the server stays the one
// source of truth and pages without JavaScript show the same data.

export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline";

export interface LiveEvent {
  seq: number;
  type: string;
  workspace_id: string | null;
  task_id: string | null;
}

const ConnectionContext = createContext<ConnectionState>("offline");
export const useConnectionState = () => useContext(ConnectionContext);


export function LiveEvents({
  workspaceId,
  onEvent,
  children,
}: {
  workspaceId?: string;
  onEvent?: (event: LiveEvent) => boolean | void;
  children: React.ReactNode;
}) {
  const [state, setState] = useState<ConnectionState>("connecting");
  const revalidator = useRevalidator();
  const revalidateRef = useRef(revalidator.revalidate);
  revalidateRef.current = revalidator.revalidate;
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  useEffect(() => {
    let source: EventSource | null = null;
    let lastId: string | null = null;
    let attempt = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let refreshTimer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;

    const refresh = () => {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => void revalidateRef.current(), 120);
    };

    const connect = () => {
      const params = new URLSearchParams();
      if (workspaceId) params.set("workspace", workspaceId);
      if (lastId) params.set("last_event_id", lastId);
      source = new EventSource(`/api/events/stream?${params}`);
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
          if (onEventRef.current?.(event) !== false) refresh();
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
  }, [workspaceId]);

  return <ConnectionContext.Provider value={state}>{children}</ConnectionContext.Provider>;
}

const EVENT_TYPES = [
  "task.created",
  "task.updated",
  "task.deleted",
  "activity.created",
  "deliverable.created",
  "agent.created",
  "agent.updated",
  "agent.deleted",
  "workspace.created",
  "workspace.updated",
  "workspace.deleted",
  "approval.requested",
  "approval.resolved",
  "usage.recorded",
  "heartbeat.completed",
];

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
