import { afterAll, beforeAll, expect } from "vitest";
import type { SqlDatabase } from "#app/db/types";
import { createTestPostgres, type TestPostgres } from "./databases";
import { FormClient, TEST_ADMIN, setUpAdmin } from "./http-client";
import { SECRETS } from "./secrets";
import { type RunningServer, type StartOptions, startServer } from "./server";

// The one harness for HTTP tests: the built server started for the enclosing
// describe block (beforeAll) on a fresh database, stopped in afterAll, which
// also fails the block if the server logged an error. On PostgreSQL the test
// reaches the same database through `db`, to set up and assert with the
// fixtures; the embedded database belongs to the server process alone.

export interface TestServerOptions extends Omit<StartOptions, "env"> {
  /** PostgreSQL (the default) or the embedded database in its own data directory. */
  database?: "postgres" | "embedded";
  /**
   * Added to SECRETS (and DATABASE_URL) in the server's environment. A function
   * runs when the server is about to start, for what the environment names that
   * must exist first (a folder, a stand-in receiver).
   */
  env?: Env | (() => Env | Promise<Env>);
  /** Runs after the server stopped and its database is gone (close what `env` opened). */
  after?: () => unknown;
  /** The suite provokes errors on purpose (and checks them itself): the error log lines do not fail it. */
  allowLoggedErrors?: boolean;
}

type Env = Record<string, string | undefined>;

export interface TestServer {
  readonly server: RunningServer;
  readonly url: string;
  /** The server's PostgreSQL database (not on the embedded database). */
  readonly pg: TestPostgres;
  readonly db: SqlDatabase;
  /** Creates the first admin through the set-up page; the signed-in client. */
  setUpAdmin(): Promise<FormClient>;
  /** Adds a user with the admin's password (set up the admin first) and signs them in. */
  signIn(user: { email: string; name: string; role: string }): Promise<FormClient>;
}

export function useTestServer(options: TestServerOptions = {}): TestServer {
  const { database = "postgres", env, after, allowLoggedErrors = false, timeoutMs = 60_000, ...start } = options;
  let pg: TestPostgres | undefined;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    if (database === "postgres") pg = await createTestPostgres();
    const extra = typeof env === "function" ? await env() : env;
    server = await startServer({ ...start, timeoutMs, env: { ...SECRETS, ...(pg ? { DATABASE_URL: pg.url } : {}), ...extra } });
  }, timeoutMs * 2);

  afterAll(async () => {
    const errors = server?.errors() ?? [];
    try {
      await server?.stop();
      await pg?.drop();
    } finally {
      await after?.();
    }
    if (!allowLoggedErrors) expect(errors).toEqual([]);
  });

  const started = () => {
    if (!server) throw new Error("the test server has not started yet (use it inside tests and later hooks)");
    return server;
  };
  const database_ = () => {
    if (!pg) throw new Error(database === "embedded" ? "the embedded database belongs to the server process" : "the test server has not started yet");
    return pg;
  };

  return {
    get server() {
      return started();
    },
    get url() {
      return started().url;
    },
    get pg() {
      return database_();
    },
    get db() {
      return database_().db;
    },
    setUpAdmin: () => setUpAdmin(started().url, started().setupUrl!),
    async signIn(user) {
      await database_().db.session((s) =>
        s.query("insert into users (email, name, role, password_hash) select $1, $2, $3, password_hash from users where role = 'admin'", [user.email, user.name, user.role]),
      );
      const client = new FormClient(started().url);
      await client.get("/login");
      const res = await client.post("/login", { email: user.email, password: TEST_ADMIN.password, redirectTo: "/" });
      if (res.status !== 302) throw new Error(`signing in ${user.email} answered ${res.status}`);
      return client;
    },
  };
}
