import { type IncomingMessage, type Server, createServer } from "node:http";
import { gunzipSync } from "node:zlib";

// A loopback HTTP receiver standing in for an OTLP collector or a Sentry
// ingestion endpoint: it keeps every request (gunzipped) and answers 200 {}.

export interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let raw = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
      received.push({ path: req.url ?? "", headers: req.headers, body: raw.toString("utf8") });
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The DSN that points the server's Sentry client at this receiver. */
export function sentryDsn(receiver: Receiver): string {
  return `http://public@127.0.0.1:${receiver.port}/1`;
}

/** Sentry envelopes: a header line, then (item header, payload) pairs. */
export function sentryEvents(sentry: Receiver): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  for (const r of sentry.received.filter((x) => x.path.startsWith("/api/1/envelope/"))) {
    const lines = r.body.split("\n").filter(Boolean);
    for (let i = 1; i + 1 < lines.length; i += 2) {
      const header = JSON.parse(lines[i]!) as { type?: string };
      if (header.type === "event") events.push(JSON.parse(lines[i + 1]!) as Record<string, unknown>);
    }
  }
  return events;
}
