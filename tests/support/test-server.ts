import { afterAll, beforeAll, expect } from "vitest";
import type { SqlDatabase } from "#app/db/types";
import { createTestPostgres, createTestSupabase, type TestPostgres, type TestSupabase } from "./databases";
import { FormClient, TEST_ADMIN, setUpAdmin } from "./http-client";
import { SECRETS } from "./secrets";
import { type RunningServer, type StartOptions, startServer } from "./server";

// The one harness for HTTP tests: the built server started for the enclosing
// describe block (beforeAll) on a fresh database, stopped in afterAll, which
// also fails the block if the server logged an error. On PostgreSQL (and on
// Supabase, which runs on a PostgreSQL test database) the test reaches the same
// database through `db`, to set up and assert with the fixtures; the embedded
// database belongs to the server process alone. Suites whose subject is the
// process itself (a kill, a restart, a copied bundle) start it with startServer.

export interface TestServerOptions extends Omit<StartOptions, "env" | "dataDir"> {
  /** PostgreSQL (the default), the embedded database in its own data directory, or Supabase over HTTP. */
  database?: "postgres" | "embedded" | "supabase";
  /** Instances started together on the one database (not on the embedded one, which is one process's). */
  instances?: number;
  /**
   * Added to SECRETS (and the database's settings) in every instance's
   * environment. A function runs when the servers are about to start, for what
   * the environment names that must exist first (a folder, a stand-in receiver).
   */
  env?: Env | (() => Env | Promise<Env>);
  /** Runs after the servers stopped and the database is gone (close what `env` opened). */
  after?: () => unknown;
  /** The suite provokes errors on purpose (and checks them itself): the error log lines do not fail it. */
  allowLoggedErrors?: boolean;
}

type Env = Record<string, string | undefined>;

export interface TestServer {
  /** The first instance. */
  readonly server: RunningServer;
  /** Every instance, in start order. */
  readonly servers: RunningServer[];
  readonly url: string;
  /** The PostgreSQL database the servers run on (behind the Supabase stand-in on Supabase). */
  readonly pg: TestPostgres;
  /** That database for the test: rpc through the servers' own transport, SQL on a direct session. */
  readonly db: SqlDatabase;
  /** On Supabase: the PostgREST stand-in the servers call (its `calls` record every function called). */
  readonly supabase: TestSupabase;
  /** Creates the first admin through the set-up page; the signed-in client. */
  setUpAdmin(): Promise<FormClient>;
  /** Adds a user with the admin's password (set up the admin first) and signs them in. */
  signIn(user: { email: string; name: string; role: string }): Promise<FormClient>;
}

export function useTestServer(options: TestServerOptions = {}): TestServer {
  const { database = "postgres", instances = 1, env, after, allowLoggedErrors = false, timeoutMs = 60_000, ...start } = options;
  if (database === "embedded" && instances > 1) throw new Error("the embedded database serves one process: start one instance");
  let pg: TestPostgres | undefined;
  let sb: TestSupabase | undefined;
  let servers: RunningServer[] = [];

  beforeAll(async () => {
    let databaseEnv: Env = {};
    if (database === "postgres") {
      pg = await createTestPostgres();
      databaseEnv = { DATABASE_URL: pg.url };
    } else if (database === "supabase") {
      sb = await createTestSupabase();
      pg = sb.pg;
      databaseEnv = { SUPABASE_URL: sb.rest.url, SUPABASE_SERVICE_ROLE_KEY: sb.rest.key };
    }
    const extra = typeof env === "function" ? await env() : env;
    const started = await Promise.allSettled(
      Array.from({ length: instances }, () => startServer({ ...start, timeoutMs, env: { ...SECRETS, ...databaseEnv, ...extra } })),
    );
    servers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
  }, timeoutMs * 2);

  afterAll(async () => {
    const errors = servers.flatMap((s) => s.errors());
    try {
      await Promise.all(servers.map((s) => s.stop()));
      await (sb ? sb.close() : pg?.drop());
    } finally {
      await after?.();
    }
    if (!allowLoggedErrors) expect(errors).toEqual([]);
  });

  const first = () => {
    const server = servers[0];
    if (!server) throw new Error("the test server has not started yet (use it inside tests and later hooks)");
    return server;
  };
  const postgres = () => {
    if (!pg) throw new Error(database === "embedded" ? "the embedded database belongs to the server process" : "the test server has not started yet");
    return pg;
  };

  return {
    get server() {
      return first();
    },
    get servers() {
      first();
      return servers;
    },
    get url() {
      return first().url;
    },
    get pg() {
      return postgres();
    },
    get db() {
      return sb?.db ?? postgres().db;
    },
    get supabase() {
      if (!sb) throw new Error("not on the Supabase transport");
      return sb;
    },
    setUpAdmin: () => setUpAdmin(first().url, first().setupUrl!),
    async signIn(user) {
      await postgres().db.session((s) =>
        s.query("insert into users (email, name, role, password_hash) select $1, $2, $3, password_hash from users where role = 'admin'", [
          user.email,
          user.name,
          user.role,
        ]),
      );
      const client = new FormClient(first().url);
      await client.get("/login");
      const res = await client.post("/login", { email: user.email, password: TEST_ADMIN.password, redirectTo: "/" });
      if (res.status !== 302) throw new Error(`signing in ${user.email} answered ${res.status}`);
      return client;
    },
  };
}
