// The bare limit: a minimal node:http server doing one database round trip
// per request (an INSERT … RETURNING of an activity-sized row), with the same
// database and driver as the app. Throughput scenarios report the app as a
// share of this. Run as `node bench/bare-server.ts` with BARE_DB=pglite|postgres.
//
//   POST /         one INSERT, answers 201 {"id"}
//   GET  /events   an SSE stream: `event: ready` at once, then every frame /fanout writes
//   POST /fanout   one INSERT, then one frame (the row's id) written to every open stream; answers 201
//
// The fan-out endpoint is the floor for the app's live updates: no event
// bus, no per-client filtering, one shared frame, one socket write a client.
import { type ServerResponse, createServer } from "node:http";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";

const TABLE = `create table if not exists bench_bare (id bigserial primary key, task_id uuid not null, type text not null,
  message text not null, metadata jsonb not null default '{}', created_at timestamptz not null default now())`;
const INSERT = "insert into bench_bare (task_id, type, message, metadata) values ($1, $2, $3, $4) returning id";

type Insert = (params: unknown[]) => Promise<unknown>;

async function open(): Promise<Insert> {
  if (process.env.BARE_DB === "postgres") {
    const sql = postgres(process.env.BARE_URL!, { max: 10, prepare: true, onnotice: () => {} });
    await sql.unsafe(TABLE);
    return async (params) => (await sql.unsafe(INSERT, params as never[], { prepare: true }))[0]?.id;
  }
  const pg = await PGlite.create({ dataDir: process.env.BARE_DATA_DIR || undefined });
  await pg.exec(TABLE);
  return async (params) => (await pg.query<{ id: number }>(INSERT, params)).rows[0]?.id;
}

const insert = await open();
const streams = new Set<ServerResponse>();

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url?.startsWith("/events")) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    res.write("event: ready\nid: 0\ndata: {}\n\n");
    streams.add(res);
    req.on("close", () => streams.delete(res));
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { task_id?: string; type?: string; message?: string };
    insert([body.task_id ?? "00000000-0000-4000-8000-000000000000", body.type ?? "progress", body.message ?? "", "{}"]).then(
      (id) => {
        if (req.url?.startsWith("/fanout")) {
          const frame = `id: ${String(id)}\nevent: activity.created\ndata: ${JSON.stringify({ id: String(id), type: body.type ?? "progress", message: body.message ?? "" })}\n\n`;
          for (const s of streams) s.write(frame);
        }
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ id: String(id) }));
      },
      () => {
        res.writeHead(500);
        res.end();
      },
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === "object" && address ? address.port : 0 })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
