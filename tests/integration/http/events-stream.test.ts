import { type IncomingMessage, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentWithToken, createRunningTask, createTask, createWorkspace } from "#tests/support/fixtures";
import { SECRETS } from "#tests/support/secrets";
import { type RunningServer } from "#tests/support/server";
import { until } from "#tests/support/until";
import { getEventBounds } from "#app/db/events.server";
import { useTestServer } from "#tests/support/test-server";

interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** Reads SSE messages from a response until `until` returns true or time runs out. */
async function readEvents(res: Response, until: (messages: SseMessage[]) => boolean, timeoutMs = 10_000): Promise<SseMessage[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const messages: SseMessage[] = [];
  let buffer = "";
  const deadline = Date.now() + timeoutMs;
  try {
    while (!until(messages)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out; got ${JSON.stringify(messages)}`);
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(messages)}`)), remaining)),
      ]);
      if (chunk.done) break;
      buffer += chunk.value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message: SseMessage = { data: "" };
        for (const line of block.split("\n")) {
          const [field, ...rest] = line.split(":");
          const value = rest.join(":").replace(/^ /, "");
          if (field === "id") message.id = value;
          else if (field === "event") message.event = value;
          else if (field === "data") message.data += value;
        }
        messages.push(message);
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return messages;
}

describe("GET /api/events/stream", () => {
  const token = "t".repeat(40);
  // Two instances on one database: events written through one reach streams on the other.
  const app = useTestServer({
    instances: 2,
    env: { MC_API_TOKEN: token, WEBHOOK_SECRET: "w".repeat(40), SESSION_SECRET: "s".repeat(40), SSE_PING_SECONDS: "1" },
  });
  let a: RunningServer;
  let b: RunningServer;
  let workspaceId: string;

  beforeAll(async () => {
    [a, b] = [app.servers[0]!, app.servers[1]!];
    workspaceId = (await createWorkspace(app.db, { name: "Live", slug: "live" })).id;
  });

  it("requires a session or the API token", async () => {
    const res = await fetch(`${a.url}/api/events/stream`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "Sign in, or pass the API token." } });
    expect((await fetch(`${a.url}/api/events/stream?token=wrong`)).status).toBe(401);
  });

  it("rejects a malformed Last-Event-ID or workspace filter with 400", async () => {
    const bad = await fetch(`${a.url}/api/events/stream?token=${token}`, { headers: { "Last-Event-ID": "abc" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("invalid");
    expect((await fetch(`${a.url}/api/events/stream?token=${token}&workspace=x`)).status).toBe(400);
  });

  it("pushes a write made through one instance to streams on every instance, with id = seq and the event type", async () => {
    const agent = await createAgentWithToken(app.db, workspaceId, { name: "Reporter" });
    const task = await createRunningTask(app.db, workspaceId, agent.id);
    const streams = await Promise.all([a, b].map((s) => fetch(`${s.url}/api/events/stream?token=${token}&workspace=${workspaceId}`)));
    for (const res of streams) {
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/event-stream");
    }
    // Within 3 s: sooner than the safety poll (5 s) would bring it.
    const reads = streams.map((res) => readEvents(res, (m) => m.some((x) => x.event === "activity.created"), 3_000));
    await new Promise((r) => setTimeout(r, 300));
    // Instance a wakes its own bus when the write returns and notifies b; neither waits for the safety poll (5 s).
    const posted = await fetch(`${a.url}/api/agent/tasks/${task.id}/activities`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
      body: JSON.stringify({ message: "Fan out" }),
    });
    expect(posted.status).toBe(201);
    for (const messages of await Promise.all(reads)) {
      const event = messages.find((m) => m.event === "activity.created")!;
      const data = JSON.parse(event.data) as { seq: number; task_id: string; type: string; payload: { message: string } };
      expect(Number(event.id)).toBe(data.seq);
      expect(data).toMatchObject({ task_id: task.id, type: "activity.created", payload: { message: "Fan out" } });
    }
  });

  // Written from outside the app (no instance was woken): the resuming stream still gets them.
  it("replays what was missed after Last-Event-ID, in order, without duplicates", async () => {
    const bounds = await getEventBounds(app.db);
    for (let i = 1; i <= 3; i++) {
      await createTask(app.db, workspaceId, { title: `Missed ${i}` });
    }
    const res = await fetch(`${b.url}/api/events/stream?token=${token}`, { headers: { "Last-Event-ID": String(bounds.max_seq) } });
    const messages = await readEvents(res, (m) => m.some((x) => x.event === "ready"));
    const created = messages.filter((m) => m.event === "task.created").map((m) => (JSON.parse(m.data) as { task_title: string }).task_title);
    expect(created).toEqual(["Missed 1", "Missed 2", "Missed 3"]);
    const ids = messages.filter((m) => m.event !== "ready").map((m) => Number(m.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("asks the client to resync when its id is from the future, then goes on from the log's end", async () => {
    const res = await fetch(`${a.url}/api/events/stream?token=${token}&last_event_id=999999999`);
    const reading = readEvents(res, (m) => m.some((x) => x.event === "task.created"));
    await new Promise((r) => setTimeout(r, 300));
    await createTask(app.db, workspaceId, { title: "After a resync" });
    await app.db.notify("mc_events", "another instance");
    const messages = await reading;
    const resync = JSON.parse(messages.find((m) => m.event === "resync")!.data) as { reason: string; last_seq: number };
    expect(resync.reason).toBe("ahead");
    expect(Number(messages.find((m) => m.event === "ready")!.id)).toBe(resync.last_seq);
    const created = messages.find((m) => m.event === "task.created")!;
    expect(Number(created.id)).toBeGreaterThan(resync.last_seq);
    expect(JSON.parse(created.data)).toMatchObject({ task_title: "After a resync" });
  });

  it("keeps an idle stream alive with a ping", async () => {
    const res = await fetch(`${a.url}/api/events/stream?token=${token}`, { headers: { Authorization: `Bearer ${token}` } });
    const messages = await readEvents(res, (m) => m.some((x) => x.event === "ping"), 5_000);
    expect(messages.find((m) => m.event === "ping")).toEqual({ event: "ping", data: "" });
  });
});

interface OpenedStream {
  status: number;
  headers: IncomingMessage["headers"];
  /** The answer's body when it was not a stream. */
  body: string;
  close(): void;
}

/** Opens one stream from the given loopback source address; a refusal is read to its end. */
function openStream(base: string, localAddress = "127.0.0.1"): Promise<OpenedStream> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/events/stream?token=${SECRETS.MC_API_TOKEN}`, { agent: false, localAddress }, (res) => {
      const close = () => req.destroy();
      if (res.statusCode === 200) return resolve({ status: 200, headers: res.headers, body: "", close });
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body, close }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe.each(["embedded", "postgres"] as const)("event streams per client (%s database)", (kind) => {
  const app = useTestServer({ database: kind });
  const open: OpenedStream[] = [];

  // Before the harness stops the server (after hooks run last-registered first).
  afterAll(() => {
    for (const stream of open) stream.close();
  });

  it("holds one client to 20 open streams by default (429 + Retry-After beyond), others unaffected, a closed stream frees its slot", async () => {
    for (let i = 0; i < 20; i++) open.push(await openStream(app.url));
    expect(open.map((s) => s.status)).toEqual(Array(20).fill(200));

    const refused = await openStream(app.url);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    expect(JSON.parse(refused.body)).toEqual({
      error: { code: "rate_limited", message: "This client already has 20 event streams open; close one first.", details: { retry_after_s: 10 } },
    });

    // Another client address on the same machine has its own budget.
    const neighbour = await openStream(app.url, "127.0.0.2");
    open.push(neighbour);
    expect(neighbour.status).toBe(200);

    open.shift()!.close();
    const reopened = await until("a freed slot", async () => {
      const attempt = await openStream(app.url);
      if (attempt.status === 200) return attempt;
      expect(attempt.status).toBe(429);
      return null;
    });
    open.push(reopened);
    expect((await openStream(app.url)).status).toBe(429);
  });
});
