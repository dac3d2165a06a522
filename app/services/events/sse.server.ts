// Server-sent events as bytes. A bus event's frame is encoded once and the
// same bytes go to every stream; each message is one chunk (one socket
// write), not one per line. remix-utils' `eventStream` has the same shape
// (signal, setup returning its cleanup) but encodes every message for every
// stream and writes it in three chunks: 1.4-1.9 times the CPU per delivered
// message one event at a time and about 5 times in a burst, which fell behind
// the 100 changes/s fan-out target. So the server keeps this writer
// (docs/decisions/023); the browser reads it with remix-utils' useEventSource.

const encoder = new TextEncoder();

export interface SseMessage {
  event?: string;
  id?: string;
  data: string;
}

/** One SSE message as bytes: `id`, `event`, then the data, one `data:` line per line. */
export function sseFrame({ event, id, data }: SseMessage): Uint8Array {
  let text = id === undefined ? "" : `id: ${id}\n`;
  if (event) text += `event: ${event}\n`;
  for (const line of data.replace(/\r\n?/g, "\n").split("\n")) text += `data: ${line}\n`;
  return encoder.encode(`${text}\n`);
}

export const PING_FRAME = sseFrame({ event: "ping", data: "" });

type StreamInit = (write: (frame: Uint8Array) => void, close: () => void) => () => void;

/** Runs `init` for one stream: `close` once, from either side, runs the cleanup once. */
function runStream(init: StreamInit, write: (frame: Uint8Array) => void, end: () => void, onGone: (close: () => void) => () => void): void {
  let closed = false;
  let cleanup: (() => void) | null = null;
  let forget: (() => void) | null = null;
  const close = () => {
    if (closed) return;
    closed = true;
    forget?.();
    cleanup?.();
    end();
  };
  cleanup = init((frame) => {
    if (!closed) write(frame);
  }, close);
  // Closed while starting: the cleanup could not run then.
  if (closed) cleanup();
  else forget = onGone(close);
}

/** Responses whose stream the production server writes straight to the socket (see writeEventStream). */
const direct = new WeakMap<Response, StreamInit>();

/**
 * A text/event-stream Response. `init` gets `write` (one frame) and `close`,
 * and returns its cleanup, which runs when the client goes or `close` is called.
 *
 * The production server writes such a stream straight to the client's socket
 * (writeEventStream): each frame one `res.write`, with no web stream, reader
 * or promise per client in between, which is what 1,000 open streams cost in
 * memory and in the time one event takes to reach them all. Anything else
 * that serves the Response (the development server) reads its body, a web
 * stream that starts only when first read.
 */
export function sseResponse(signal: AbortSignal, init: StreamInit): Response {
  let started = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (started) return;
        started = true;
        runStream(
          init,
          (frame) => controller.enqueue(frame),
          () => controller.close(),
          (close) => {
            signal.addEventListener("abort", close);
            if (signal.aborted) queueMicrotask(close);
            return () => signal.removeEventListener("abort", close);
          },
        );
      },
    },
    { highWaterMark: 0 },
  );
  const response = new Response(stream, { headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" } });
  direct.set(response, init);
  return response;
}

/** What writeEventStream needs of Node's response. */
export interface StreamTarget {
  writeHead(status: number, headers: Record<string, string>): unknown;
  flushHeaders(): void;
  write(chunk: Uint8Array): unknown;
  end(): unknown;
  once(event: "close", listener: () => void): unknown;
  off(event: "close", listener: () => void): unknown;
  readonly destroyed: boolean;
}

/**
 * Writes an event stream made by sseResponse straight to `res`; false for any
 * other Response. Resolves when the stream has ended (either side closed it).
 */
export function writeEventStream(response: Response, res: StreamTarget): Promise<void> | false {
  const init = direct.get(response);
  if (!init) return false;
  direct.delete(response);
  void response.body?.cancel().catch(() => {});
  return new Promise<void>((resolve) => {
    // Resolved once the response is closed (after its end, or the client went), never before.
    if (res.destroyed) return resolve();
    res.once("close", () => resolve());
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.flushHeaders();
    runStream(
      init,
      (frame) => void res.write(frame),
      () => void res.end(),
      (close) => {
        res.once("close", close);
        return () => res.off("close", close);
      },
    );
  });
}
