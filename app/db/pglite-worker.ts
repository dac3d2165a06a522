import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import type { PgliteReply, PgliteRequest, PgliteWorkerData, SerializedError } from "./pglite-protocol";

// The embedded database's own thread (decision 057): one PGlite, driven by
// the messages of app/db/pglite-protocol.ts. Requests are handed to PGlite in
// the order they arrive and PGlite runs them one at a time, as it did on the
// main thread; sessions are serialised on the main thread. A message this
// file does not know is a bug on the other side: the worker throws and dies,
// and the main thread rejects what was pending.
//
// Runs three ways: built into build/server/pglite-worker.js (PGlite's wasm and
// data files sit next to it, where PGlite looks for them), and as TypeScript
// source under vitest, tsx or Node's type stripping. Hence no `#app/` imports
// and nothing imported at run time but PGlite and Node.

function ownPort(): MessagePort {
  if (!parentPort) throw new Error("pglite-worker runs as a worker thread");
  return parentPort;
}
const port = ownPort();

// Memory for a small server (decision 057): PostgreSQL's shared buffers are
// carved out of the wasm heap and touched at start, so initdb's 128MB default
// was 128MB of resident memory before the first query. 16MB holds the hot
// pages of a team's database; the rest is read through the OS page cache.
const START_PARAMS = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"];

function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { message: String(error), name: "Error", fields: {} };
  const fields: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key !== "message" && key !== "stack" && key !== "name" && (typeof value === "string" || typeof value === "number")) fields[key] = value;
  }
  return { message: error.message, name: error.name, stack: error.stack, fields };
}

const post = (reply: PgliteReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);

async function main(): Promise<void> {
  const data = workerData as PgliteWorkerData;
  let pg: PGlite;
  try {
    pg = await PGlite.create({
      dataDir: data.pgdata,
      loadDataDir: data.load ? new Blob([data.load as Uint8Array<ArrayBuffer>]) : undefined,
      startParams: START_PARAMS,
    });
  } catch (error) {
    post({ type: "failed", error: serializeError(error) });
    port.close();
    return;
  }
  const unlisteners = new Map<number, () => Promise<void>>();

  async function handle(request: PgliteRequest): Promise<void> {
    switch (request.op) {
      case "query": {
        const result = await pg.query(request.text, request.params);
        return post({ type: "result", id: request.id, value: result.rows });
      }
      case "exec":
        await pg.exec(request.text);
        return post({ type: "result", id: request.id, value: null });
      case "rpc": {
        // Parsed here and cloned across: measured no dearer on the main thread than
        // sending jsonb as text to parse there, and cheaper here (decision 057).
        const result = await pg.query<{ r: unknown }>(request.text, request.params);
        return post({ type: "result", id: request.id, value: result.rows[0]?.r ?? null });
      }
      case "listen": {
        const { listener } = request;
        unlisteners.set(listener, await pg.listen(request.channel, (payload) => post({ type: "notification", listener, payload })));
        return post({ type: "result", id: request.id, value: null });
      }
      case "unlisten": {
        const unlisten = unlisteners.get(request.listener);
        unlisteners.delete(request.listener);
        if (unlisten && !pg.closed) await unlisten();
        return post({ type: "result", id: request.id, value: null });
      }
      case "dump": {
        const bytes = new Uint8Array(await (await pg.dumpDataDir("gzip")).arrayBuffer());
        return post({ type: "result", id: request.id, value: bytes }, [bytes.buffer]);
      }
      case "close":
        if (!pg.closed) await pg.close();
        post({ type: "result", id: request.id, value: null });
        port.close();
        return;
    }
  }

  port.on("message", (request: PgliteRequest) => {
    if (typeof request?.id !== "number" || !["query", "exec", "rpc", "listen", "unlisten", "dump", "close"].includes(request.op)) {
      throw new Error(`pglite-worker: unknown request ${JSON.stringify(request)}`);
    }
    handle(request).catch((error: unknown) => post({ type: "error", id: request.id, error: serializeError(error) }));
  });
  post({ type: "ready" });
}

void main();
