import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPglite } from "#app/db/pglite.server";
import { SECRETS } from "#tests/support/secrets";
import { createTestPostgres } from "#tests/support/databases";
import { FormClient, setUpAdmin } from "#tests/support/http-client";
import { type Receiver, sentryDsn, sentryEvents, startReceiver } from "#tests/support/receiver";
import { type RunningServer, startServer } from "#tests/support/server";
import { until } from "#tests/support/until";

// Server errors in pages, on the built bundle: schema drift (as after a bad
// deploy) makes the login action's SQL call and the session lookup every
// signed-in page runs in its middleware fail. Each error must be one JSON log
// line with the request id, reach Sentry, and carry nothing of the
// statement's parameters (the email typed into the form, the session's
// hash); nothing may be printed raw on stdout or stderr.

const DRIFT = ["alter function get_login_user rename to get_login_user_gone", "alter function touch_session rename to touch_session_gone"].join(";\n");

describe.each(["embedded", "postgres"] as const)("a page's server error (%s database)", (kind) => {
  let server: RunningServer;
  let sentry: Receiver;
  let admin: FormClient;
  const cleanups: Array<() => Promise<unknown> | void> = [];

  beforeAll(async () => {
    sentry = await startReceiver();
    cleanups.push(() => sentry.close());
    const env = { ...SECRETS, SENTRY_DSN: sentryDsn(sentry), SENTRY_ENVIRONMENT: "test" };
    if (kind === "postgres") {
      const pg = await createTestPostgres();
      cleanups.push(() => pg.drop());
      server = await startServer({ env: { ...env, DATABASE_URL: pg.url } });
      cleanups.push(() => server.stop());
      admin = await setUpAdmin(server.url, server.setupUrl!);
      await pg.db.session((s) => s.exec(DRIFT));
    } else {
      // The embedded database is the server's own: drift it between two starts, while no server holds it.
      const dataDir = mkdtempSync(path.join(os.tmpdir(), "mc-page-errors-"));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      const first = await startServer({ dataDir, env, timeoutMs: 60_000 });
      admin = await setUpAdmin(first.url, first.setupUrl!);
      expect(await first.stop()).toBe(0);
      const db = await openPglite({ dataDir });
      try {
        await db.session((s) => s.exec(DRIFT));
      } finally {
        await db.close();
      }
      server = await startServer({ dataDir, env, timeoutMs: 60_000 });
      cleanups.push(() => server.stop());
    }
  }, 180_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("logs each once as JSON and reports it, without the SQL parameters: an action, a data request, a middleware", async () => {
    const id = (name: string) => `page-error-${name}-${randomUUID()}`;
    const posts = [
      { path: "/login", requestId: id("action"), secret: `canary-${randomUUID()}@example.test` },
      { path: "/login.data", requestId: id("data"), secret: `canary-${randomUUID()}@example.test` },
    ];
    const visitor = new FormClient(server.url);
    for (const { path: target, requestId, secret } of posts) {
      await visitor.get("/login");
      const res = await visitor.request(target, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url, "x-request-id": requestId },
        body: new URLSearchParams({ csrf: visitor.csrf(), email: secret, password: "a long enough password", redirectTo: "/" }),
      });
      expect(res.status, target).toBe(500);
      const body = await res.text();
      expect(body).not.toContain(secret);
      expect(body).not.toMatch(/get_login_user|at .*\.js:\d+/);
    }
    // Signed in: the layout's middleware looks the session up first.
    const session = { requestId: id("middleware"), secret: admin.cookies.get("mc_session")! };
    const page = await new FormClient(server.url).request("/", { headers: { cookie: `mc_session=${session.secret}`, "x-request-id": session.requestId } });
    expect(page.status).toBe(500);
    expect(await page.text()).not.toMatch(/touch_session/);
    const cases = [...posts.map((p) => ({ ...p, fn: /get_login_user/ })), { ...session, fn: /touch_session/ }];

    for (const { requestId, fn } of cases) {
      // The request's own log line closes it: by then its error line has been written.
      await until(`the request log of ${requestId}`, () => server.logs.some((l) => l.data.request_id === requestId && l.event === "http.request"));
      const lines = server.logs.filter((l) => l.data.request_id === requestId && l.level === "error");
      expect(lines, requestId).toHaveLength(1);
      expect(lines[0]).toMatchObject({ event: "error" });
      const err = lines[0]!.data.err as Record<string, unknown>;
      expect(String(err.message)).toMatch(fn);
      for (const field of ["query", "params", "parameters", "args", "queryOptions", "detail", "where"]) expect(err, field).not.toHaveProperty(field);
    }
    // Sentry's dedupe drops the second of two identical exceptions in a row; the others are reported.
    for (const { requestId, fn } of [cases[0]!, cases[2]!]) {
      const report = await until(`the Sentry event of ${requestId}`, () =>
        sentryEvents(sentry).find((e) => (e.tags as Record<string, string> | undefined)?.request_id === requestId),
      );
      expect((report.exception as { values: Array<{ value: string }> }).values.at(-1)!.value).toMatch(fn);
    }

    const { stdout, stderr } = server.output();
    for (const line of stdout.split("\n").filter(Boolean)) expect(() => JSON.parse(line) as unknown, line.slice(0, 200)).not.toThrow();
    expect(stderr).toBe("");
    const reports = sentry.received.map((r) => r.body).join("\n");
    // The session lookup's parameter is the SHA-256 of the token the signed cookie holds.
    const token = JSON.parse(atob(decodeURIComponent(session.secret).split(".")[0]!)) as string;
    for (const secret of [...posts.map((p) => p.secret), token, createHash("sha256").update(token).digest("hex")]) {
      expect(stdout).not.toContain(secret);
      expect(reports).not.toContain(secret);
    }
    expect(server.errors()).toHaveLength(cases.length);
  });
});
