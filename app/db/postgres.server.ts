import postgres from "postgres";
import { toAppError } from "./errors.server";
import { rpcStatement } from "./rpc-sql";
import type { RpcArgs, SqlDatabase, SqlSession } from "./types";

// PostgreSQL through a pool (postgres.js, pure JS so it bundles). Statements
// are prepared and cached per text; NOTIFY fans events out across instances.
// NOTIFY goes over a connection of its own whose commits do not wait for the
// WAL flush: PostgreSQL holds a database-wide lock from a notifying commit's
// start to its end, and a lost notification only delays a stream (the event
// itself is in the log, and the bus polls as a safety net).

export function openPostgres(url: string, options: { max?: number } = {}): SqlDatabase {
  const sql = postgres(url, {
    max: options.max ?? 10,
    prepare: true,
    onnotice: () => {},
    // JIT compiles a plan whose estimate looks big (an unanalysed table is
    // enough) and costs 100+ ms per statement; these short queries never gain.
    connection: { application_name: "mission-control", jit: "off" },
    idle_timeout: 60,
  });

  let notifier: postgres.Sql | null = null;

  return {
    kind: "postgres",
    async rpc<T>(fn: string, args?: RpcArgs): Promise<T> {
      const { text, params } = rpcStatement(fn, args, "raw");
      try {
        const rows = await sql.unsafe(text, params as never[], { prepare: true });
        return (rows[0]?.r ?? null) as T;
      } catch (error) {
        throw toAppError(error);
      }
    },
    async listen(channel, onMessage) {
      const sub = await sql.listen(channel, onMessage);
      return () => sub.unlisten();
    },
    async notify(channel, payload) {
      notifier ??= postgres(url, {
        max: 1,
        onnotice: () => {},
        connection: { application_name: "mission-control-notify", synchronous_commit: "off" },
        idle_timeout: 60,
      });
      await notifier.notify(channel, payload);
    },
    async ping() {
      await sql.unsafe("select 1");
    },
    async session(fn) {
      const reserved = await sql.reserve();
      try {
        const session: SqlSession = {
          query: async <R>(text: string, params: unknown[] = []) => (await reserved.unsafe(text, params as never[])) as unknown as R[],
          exec: async (text) => {
            await reserved.unsafe(text);
          },
        };
        return await fn(session);
      } finally {
        reserved.release();
      }
    },
    async close() {
      await Promise.all([sql.end({ timeout: 5 }), notifier?.end({ timeout: 5 })]);
    },
  };
}
