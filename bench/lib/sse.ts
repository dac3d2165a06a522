import { type ClientRequest, request } from "node:http";

// A lean SSE client for thousands of streams in one process: it only tracks
// the ids it sees (seq numbers) and when each arrived.

export interface SseClient {
  ready: Promise<number>;
  /** seq → arrival time (performance.now()). */
  seen: Map<number, number>;
  close(): void;
}

export function openSse(url: string, headers: Record<string, string> = {}): SseClient {
  const seen = new Map<number, number>();
  let req: ClientRequest;
  let closed = false;
  const ready = new Promise<number>((resolve, reject) => {
    req = request(url, { headers: { accept: "text/event-stream", ...headers }, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding("utf8");
      let buf = "";
      res.on("data", (chunk: string) => {
        const now = performance.now();
        buf += chunk;
        let end;
        while ((end = buf.indexOf("\n\n")) >= 0) {
          const message = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const event = /^event: ?(.*)$/m.exec(message)?.[1];
          const id = /^id: ?(\d+)$/m.exec(message)?.[1];
          if (event === "ready") resolve(Number(id));
          else if (id !== undefined && event !== "ping") seen.set(Number(id), now);
        }
      });
      res.on("error", () => {});
    });
    req.on("error", (error) => {
      if (!closed) reject(error);
    });
    req.end();
  });
  return {
    ready,
    seen,
    close() {
      closed = true;
      req.destroy();
    },
  };
}
