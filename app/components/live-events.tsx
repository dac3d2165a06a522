import { createContext, useCallback, useContext, useEffect, useRef, useState } from "react";
import { useParams, useRevalidator } from "react-router";
import { type EventSourceMap, EventSourceProvider, useEventSource } from "remix-utils/sse/react";
import { backoffDelay } from "#app/domain/backoff";
import { type ConnectionState, type LiveEvent, STREAM_MESSAGES, STREAM_URL, type StreamMessage, readMessages, streamUrl } from "#app/domain/live-stream";

// Live updates: one stream per signed-in page (held by the app layout, so it
// survives moves between pages), read through remix-utils' useEventSource,
// resumed from the last seen seq, reconnected with exponential backoff and
// jitter (1 s → 30 s). An event relevant to the page revalidates its
// loaders, so the server stays the one source of truth and pages without
// JavaScript show the same data. React Router drops an action's result on
// such a revalidation, so pages read it through useActionResult, which keeps
// it (use-action-result.ts).

export { type ConnectionState, type LiveEvent, type StreamMessage, isRelevant, readMessages } from "#app/domain/live-stream";

const ConnectionContext = createContext<ConnectionState>("offline");
export const useConnectionState = () => useContext(ConnectionContext);

export function LiveEvents({ children }: { children: React.ReactNode }) {
  // The page's own map of event sources: its one entry is the stream every
  // subscription below shares, which this component watches and closes.
  const [sources] = useState<EventSourceMap>(() => new Map());
  return (
    <EventSourceProvider value={sources}>
      <LiveStream sources={sources}>{children}</LiveStream>
    </EventSourceProvider>
  );
}

interface Connection {
  url: string;
  /** False while a reconnect waits out its delay. */
  enabled: boolean;
}

function LiveStream({ sources, children }: { sources: EventSourceMap; children: React.ReactNode }) {
  const [state, setState] = useState<ConnectionState>("connecting");
  const [connection, setConnection] = useState<Connection>({ url: STREAM_URL, enabled: true });
  const revalidator = useRevalidator();
  const revalidateRef = useRef(revalidator.revalidate);
  revalidateRef.current = revalidator.revalidate;
  const slugRef = useRef<string | undefined>(undefined);
  const params = useParams();
  slugRef.current = params.slug;
  const taskRef = useRef<string | undefined>(undefined);
  taskRef.current = params.taskId;
  const seen = useRef<number | null>(null);
  const attempt = useRef(0);
  const pending = useRef<StreamMessage[]>([]);
  const retryTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const refreshTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  // At most one reload per 120 ms: a burst of events becomes one refresh,
  // and a steady stream cannot postpone it forever.
  const refresh = useCallback(() => {
    if (refreshTimer.current !== undefined) return;
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = undefined;
      void revalidateRef.current();
    }, 120);
  }, []);

  /** Closes the stream now and opens a new one after `delay`, resuming from what was seen. */
  const reconnect = useCallback(
    (delay: number) => {
      for (const { source } of sources.values()) source.close();
      clearTimeout(retryTimer.current);
      setConnection((c) => ({ ...c, enabled: false }));
      retryTimer.current = setTimeout(() => setConnection({ url: streamUrl(seen.current), enabled: true }), delay);
    },
    [sources],
  );

  const receive = useCallback(
    (type: string, data: string) => {
      if (type === "reconnect") {
        // The server is restarting: reconnect after its hint, resuming from what was seen.
        setState("reconnecting");
        reconnect(Number((JSON.parse(data) as { retry_ms?: number }).retry_ms) || 1000);
        return;
      }
      const parsed = JSON.parse(data) as LiveEvent & { last_seq: number };
      pending.current.push(type === "ready" || type === "resync" ? { kind: type, last_seq: Number(parsed.last_seq) } : { kind: "event", event: parsed });
      // Every subscription whose message came in the same render reports in
      // this round of effects; read them together, in seq order.
      if (pending.current.length > 1) return;
      queueMicrotask(() => {
        const batch = pending.current;
        pending.current = [];
        const read = readMessages(seen.current, batch, slugRef.current, taskRef.current);
        seen.current = read.seen;
        if (read.reload) refresh();
      });
    },
    [reconnect, refresh],
  );

  // The subscriptions' effects (children, so they run first) have opened the
  // stream: watch it for the connection state and for failures.
  useEffect(() => {
    if (!connection.enabled) return;
    const source = sources.values().next().value?.source;
    if (!source) return;
    const opened = () => {
      attempt.current = 0;
      setState("live");
    };
    // Closed at once (the browser's own retry has no backoff); ours resumes from the seq seen.
    const failed = () => {
      setState(attempt.current === 0 ? "reconnecting" : "offline");
      reconnect(backoffDelay(attempt.current++));
    };
    source.addEventListener("open", opened);
    source.addEventListener("error", failed);
    return () => {
      source.removeEventListener("open", opened);
      source.removeEventListener("error", failed);
    };
  }, [connection, sources, reconnect]);

  useEffect(
    () => () => {
      clearTimeout(retryTimer.current);
      clearTimeout(refreshTimer.current);
    },
    [],
  );

  return (
    <ConnectionContext.Provider value={state}>
      {STREAM_MESSAGES.map((event) => (
        <Subscription key={event} url={connection.url} enabled={connection.enabled} event={event} onMessage={receive} />
      ))}
      {children}
    </ConnectionContext.Provider>
  );
}

/** One message type on the shared stream: hands each new message to `onMessage`. */
function Subscription({ url, enabled, event, onMessage }: { url: string; enabled: boolean; event: string; onMessage: (type: string, data: string) => void }) {
  const data = useEventSource(url, { event, enabled });
  const onMessageRef = useRef(onMessage);
  onMessageRef.current = onMessage;
  useEffect(() => {
    if (data !== null) onMessageRef.current(event, data);
  }, [data, event]);
  return null;
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
