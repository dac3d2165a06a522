import type { Readable, Writable } from "node:stream";

// The smallest Chrome DevTools Protocol client that works over
// --remote-debugging-pipe: Chromium reads commands from its fd 3 and writes
// replies and events to its fd 4, each message JSON terminated by a NUL byte.
// A pipe (unlike --remote-debugging-port) opens no socket anyone else could
// connect to, and needs no port or WebSocket library.

export interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

interface Pending {
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: Error) => void;
}

export class CdpPipe {
  private nextId = 1;
  private buffer = "";
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: CdpEvent) => void>();
  private closedWith: Error | null = null;

  constructor(
    private readonly input: Writable,
    output: Readable,
  ) {
    output.setEncoding("utf8");
    output.on("data", (chunk: string) => this.receive(chunk));
    output.on("close", () => this.close(new Error("browser closed the DevTools pipe")));
    // EPIPE when the browser dies mid-write: surfaced through close() instead.
    input.on("error", (error) => this.close(error));
    output.on("error", (error) => this.close(error));
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  onEvent(listener: (event: CdpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first event matching `test`. */
  waitFor(test: (event: CdpEvent) => boolean): Promise<CdpEvent> {
    return new Promise((resolve) => {
      const off = this.onEvent((event) => {
        if (!test(event)) return;
        off();
        resolve(event);
      });
    });
  }

  close(error: Error = new Error("DevTools pipe closed")): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf("\0")) >= 0) {
      const text = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 1);
      let message: {
        id?: number;
        result?: Record<string, unknown>;
        error?: { message?: string };
        method?: string;
        params?: Record<string, unknown>;
        sessionId?: string;
      };
      try {
        message = JSON.parse(text);
      } catch {
        continue;
      }
      if (typeof message.id === "number") {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(`CDP: ${message.error.message ?? "error"}`));
        else waiter?.resolve(message.result ?? {});
      } else if (message.method) {
        const event: CdpEvent = { method: message.method, params: message.params ?? {}, ...(message.sessionId ? { sessionId: message.sessionId } : {}) };
        for (const listener of this.listeners) listener(event);
      }
    }
  }
}
