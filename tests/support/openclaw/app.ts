import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { expect, inject } from "vitest";
import { openPostgres } from "#app/db/postgres.server";
import type { SqlDatabase } from "#app/db/types";
import { createWorkspace } from "#tests/support/fixtures";
import { SECRETS } from "#tests/support/secrets";
import { adminUrl, databaseUrl, dropDatabase } from "#tests/support/admin";
import { type FormClient, setUpAdmin } from "#tests/support/http-client";
import { type RunningServer, startServer } from "#tests/support/server";
import { until as poll } from "#tests/support/until";

// The built bundle on a fresh PostgreSQL database, connected to the suite's
// real OpenClaw gateway, with a signed-in admin and a workspace: what every
// gateway contract test starts from.

export const PUBLIC_URL = "http://mc.example.test";

/** Polls as the gateway tests do: up to a minute (runs go through the model), every 200 ms. */
export const until = <T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000) => poll(what, probe, timeoutMs, 200);

export interface HeartbeatReceipt {
  actions: Array<{ task_id: string | null; action: string; ok: boolean; reason: string | null }>;
  gateway_calls: number;
}

export interface GatewayApp {
  server: RunningServer;
  db: SqlDatabase;
  admin: FormClient;
  ws: { id: string; slug: string };
  heartbeat(): Promise<HeartbeatReceipt>;
  gatewayStatus(): Promise<string>;
  /** Stops the server, drops the database, and fails the file if the server logged an error. */
  stop(): Promise<void>;
}

/** `env` adds to (or overrides) the server's environment, e.g. an OTLP endpoint. */
export async function startGatewayApp(options: { env?: Record<string, string> } = {}): Promise<GatewayApp> {
  const name = `mc_gw_${randomBytes(4).toString("hex")}`;
  const withAdmin = async (fn: (sql: postgres.Sql) => Promise<unknown>) => {
    const sql = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    try {
      await fn(sql);
    } finally {
      await sql.end();
    }
  };
  await withAdmin((sql) => sql.unsafe(`create database ${name}`));
  const server = await startServer({
    env: {
      DATABASE_URL: databaseUrl(name),
      ...SECRETS,
      PUBLIC_URL,
      OPENCLAW_GATEWAY_URL: inject("gatewayUrl"),
      OPENCLAW_GATEWAY_TOKEN: inject("gatewayToken"),
      ...options.env,
    },
  });
  const db = openPostgres(databaseUrl(name), { max: 3 });
  const heartbeat = async () => (await (await fetch(`${server.url}/api/heartbeat?token=${SECRETS.MC_API_TOKEN}`)).json()) as HeartbeatReceipt;
  const gatewayStatus = async () => ((await (await fetch(`${server.url}/api/health`)).json()) as { gateway: string }).gateway;
  await until("the gateway connection", async () => (await gatewayStatus()) === "connected");
  const admin = await setUpAdmin(server.url, server.setupUrl!);
  const ws = await createWorkspace(db);
  return {
    server,
    db,
    admin,
    ws,
    heartbeat,
    gatewayStatus,
    async stop() {
      const errors = server.errors();
      await server.stop();
      await db.close();
      await withAdmin((sql) => dropDatabase(sql, name));
      expect(errors).toEqual([]);
    },
  };
}
