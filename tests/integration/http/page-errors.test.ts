import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPglite } from "#app/db/pglite.server";
import { SECRETS } from "#tests/support/agent-plane";
import { createTestPostgres } from "#tests/support/databases";
import { FormClient } from "#tests/support/http-client";
import { type Receiver, sentryDsn, sentryEvents, startReceiver } from "#tests/support/receiver";
import { type RunningServer, startServer } from "#tests/support/server";
import { until } from "#tests/support/until";

// A server error in a page's action, on the built bundle: schema drift (as
// after a bad deploy) makes the login action's SQL call fail. The error must
// be one JSON log line with the request id, reach Sentry, and carry nothing
// of the statement's parameters (here, the email typed into the form), and
// nothing may be printed raw on stdout or stderr.

const DRIFT = "alter function get_login_user rename to get_login_user_gone";

describe.each(["embedded", "postgres"] as const)("a page's server error (%s database)", (kind) => {
  let server: RunningServer;
  let sentry: Receiver;
  const cleanups: Array<() => Promise<unknown> | void> = [];

  beforeAll(async () => {
    sentry = await startReceiver();
    cleanups.push(() => sentry.close());
    const env = { ...SECRETS, SENTRY_DSN: sentryDsn(sentry), SENTRY_ENVIRONMENT: "test" };
    if (kind === "postgres") {
      const pg = await createTestPostgres();
      cleanups.push(() => pg.drop());
      await pg.db.session((s) => s.exec(DRIFT));
      server = await startServer({ env: { ...env, DATABASE_URL: pg.url } });
    } else {
      // The embedded database is the server's own: migrate it with a first start, drift it while no server holds it.
      const dataDir = mkdtempSync(path.join(os.tmpdir(), "mc-page-errors-"));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      const first = await startServer({ dataDir, env, timeoutMs: 60_000 });
      expect(await first.stop()).toBe(0);
      const db = await openPglite({ dataDir });
      try {
        await db.session((s) => s.exec(DRIFT));
      } finally {
        await db.close();
      }
      server = await startServer({ dataDir, env, timeoutMs: 60_000 });
    }
    cleanups.push(() => server.stop());
  }, 180_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("logs it once as JSON and reports it, without the SQL parameters, for a document and a data request", async () => {
    const cases = [
      { path: "/login", requestId: `page-error-doc-${randomUUID()}`, email: `canary-${randomUUID()}@example.test` },
      { path: "/login.data", requestId: `page-error-data-${randomUUID()}`, email: `canary-${randomUUID()}@example.test` },
    ];
    const client = new FormClient(server.url);
    for (const { path: target, requestId, email } of cases) {
      await client.get("/login");
      const res = await client.request(target, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url, "x-request-id": requestId },
        body: new URLSearchParams({ csrf: client.csrf(), email, password: "a long enough password", redirectTo: "/" }),
      });
      expect(res.status, target).toBe(500);
      const body = await res.text();
      expect(body).not.toContain(email);
      expect(body).not.toMatch(/get_login_user|at .*\.js:\d+/);
    }

    // Sentry's dedupe drops the second of two identical exceptions in a row: the first one is reported.
    const report = await until("the Sentry event", () =>
      sentryEvents(sentry).find((e) => (e.tags as Record<string, string> | undefined)?.request_id === cases[0]!.requestId),
    );
    expect((report.exception as { values: Array<{ value: string }> }).values.at(-1)!.value).toMatch(/get_login_user/);

    for (const { requestId } of cases) {
      // The request's own log line closes it: by then its error line has been written.
      await until(`the request log of ${requestId}`, () => server.logs.some((l) => l.request_id === requestId && l.event === "http.request"));
      const lines = server.logs.filter((l) => l.request_id === requestId && l.level === "error");
      expect(lines, requestId).toHaveLength(1);
      const err = lines[0]!.err as Record<string, unknown>;
      expect(lines[0]).toMatchObject({ event: "error" });
      expect(String(err.message)).toMatch(/get_login_user/);
      for (const field of ["query", "params", "parameters", "args", "queryOptions", "detail", "where"]) expect(err, field).not.toHaveProperty(field);
    }

    const { stdout, stderr } = server.output();
    for (const line of stdout.split("\n").filter(Boolean)) expect(() => JSON.parse(line) as unknown, line.slice(0, 200)).not.toThrow();
    expect(stderr).toBe("");
    const reports = sentry.received.map((r) => r.body).join("\n");
    for (const { email } of cases) {
      expect(stdout).not.toContain(email);
      expect(reports).not.toContain(email);
    }
    expect(server.errors()).toHaveLength(cases.length);
  });
});
