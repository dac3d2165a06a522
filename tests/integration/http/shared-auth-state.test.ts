import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPostgres, type TestPostgres } from "#tests/support/databases";
import { FormClient, TEST_ADMIN, setUpAdmin } from "#tests/support/http-client";
import { type RunningServer, startServer } from "#tests/support/server";
import { SECRETS } from "#tests/support/secrets";
import { until } from "#tests/support/until";

// Set-up links and sign-in lockouts live in the database: every instance on
// it sees the same ones, and a restart keeps them.

async function login(server: RunningServer, email: string, password: string): Promise<Response> {
  const client = new FormClient(server.url);
  await client.get("/login");
  return client.post("/login", { email, password, redirectTo: "/" });
}

async function statuses(servers: RunningServer[], email: string, password: string, times: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < times; i++) seen.push((await login(servers[i % servers.length]!, email, password)).status);
  return seen;
}

describe("two instances on one PostgreSQL database", () => {
  let pg: TestPostgres;
  let a: RunningServer;
  let b: RunningServer;
  const links: string[] = [];
  const errors: unknown[] = [];

  const start = () => startServer({ env: { DATABASE_URL: pg.url } });
  const restartA = async () => {
    errors.push(...a.errors());
    await a.stop();
    a = await start();
  };
  /** A printed link, pointed at one instance (the link names the instance that printed it). */
  const on = (server: RunningServer, link: string) => new URL(new URL(link).pathname + new URL(link).search, server.url).toString();
  const setupPage = (server: RunningServer, link: string) => fetch(on(server, link), { redirect: "manual" });

  beforeAll(async () => {
    pg = await createTestPostgres();
    a = await start();
    b = await start();
  });

  afterAll(async () => {
    errors.push(...(a?.errors() ?? []), ...(b?.errors() ?? []));
    await Promise.all([a?.stop(), b?.stop()]);
    await pg?.drop();
    expect(errors).toEqual([]);
  });

  // These steps run in order: one database, one first admin.
  it("prints a set-up link on each instance, and each works on both", async () => {
    links.push(a.setupUrl!, b.setupUrl!);
    expect(new Set(links).size).toBe(2);
    for (const link of links) for (const server of [a, b]) expect((await setupPage(server, link)).status).toBe(200);
  });

  it("voids no earlier link when an instance restarts", async () => {
    await restartA();
    links.push(a.setupUrl!);
    expect(new Set(links).size).toBe(3);
    for (const link of links) for (const server of [a, b]) expect((await setupPage(server, link)).status).toBe(200);
  });

  it("creates the admin with the first link used; every other link then says set-up is done", async () => {
    await setUpAdmin(b.url, on(b, links[0]!));
    const late = new FormClient(a.url);
    for (const link of links) {
      const page = await setupPage(a, link);
      expect(page.status).toBe(302);
      expect(page.headers.get("location")).toBe("/login?setup=done");
    }
    expect((await late.get("/login?setup=done")).status).toBe(200);
    expect(late.lastHtml).toContain("Set-up is already complete. Sign in instead.");
    const token = new URL(links[2]!).searchParams.get("token")!;
    const res = await late.post("/setup", {
      token,
      name: "Eve",
      email: "eve@example.test",
      password: "another long password",
      confirm: "another long password",
    });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login?setup=done");
    const users = await pg.db.session((s) => s.query<{ email: string }>("select email from users"));
    expect(users).toEqual([{ email: TEST_ADMIN.email }]);
  });

  it("forgets an account's failures after a correct password", async () => {
    expect(await statuses([a, b], TEST_ADMIN.email, "wrong password", 9)).toEqual(Array(9).fill(401));
    expect((await login(b, TEST_ADMIN.email, TEST_ADMIN.password)).status).toBe(302);
    // A fresh budget of 10: nine failures more are still plain refusals.
    expect(await statuses([b, a], TEST_ADMIN.email, "wrong password", 9)).toEqual(Array(9).fill(401));
  });

  it("locks the account on both instances after 10 failures split across them, even for the right password", async () => {
    // One more makes 10 since the success.
    expect((await login(a, TEST_ADMIN.email, "wrong password")).status).toBe(401);
    for (const server of [a, b]) {
      const locked = await login(server, TEST_ADMIN.email, TEST_ADMIN.password);
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(800);
      expect(await locked.text()).toContain("Too many failed attempts.");
    }
    // Another account from the same address is not locked.
    expect((await login(a, "someone@example.test", "wrong password")).status).toBe(401);
  });

  it("keeps the lockout when an instance restarts", async () => {
    await restartA();
    expect((await login(a, TEST_ADMIN.email, TEST_ADMIN.password)).status).toBe(429);
    expect((await login(b, TEST_ADMIN.email, TEST_ADMIN.password)).status).toBe(429);
  });
});

describe("the embedded database", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "mc-lockout-"));
  let server: RunningServer;
  const errors: unknown[] = [];
  // A fresh data dir migrates the embedded database first: slower to start.
  const start = () => startServer({ dataDir, env: { LOGIN_MAX_FAILURES: "3" }, timeoutMs: 90_000 });

  beforeAll(async () => {
    server = await start();
    await setUpAdmin(server.url, server.setupUrl!);
  }, 120_000);

  afterAll(async () => {
    errors.push(...(server?.errors() ?? []));
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    expect(errors).toEqual([]);
  });

  it("keeps a lockout across a restart", async () => {
    expect(await statuses([server], TEST_ADMIN.email, "wrong password", 3)).toEqual([401, 401, 401]);
    expect((await login(server, TEST_ADMIN.email, TEST_ADMIN.password)).status).toBe(429);
    errors.push(...server.errors());
    await server.stop();
    server = await start();
    expect(server.setupUrl).toBeNull();
    expect((await login(server, TEST_ADMIN.email, TEST_ADMIN.password)).status).toBe(429);
  }, 120_000);
});

// Each instance remembers a confirmed session for a few seconds (decision 056);
// the database announces every ended session and changed user, so another
// instance stops honouring a session well inside that time to live.
describe("sessions remembered by two instances", () => {
  let pg: TestPostgres;
  let a: RunningServer;
  let b: RunningServer;
  const OLIVE = { name: "Olive", email: "olive@example.test", password: "olive's long password" };
  /** Well under the cache's 10 s: a change that arrives in this time was announced, not aged out. */
  const ANNOUNCED_WITHIN_MS = 5_000;

  const signIn = async (server: RunningServer): Promise<FormClient> => {
    const client = new FormClient(server.url);
    await client.get("/login");
    expect((await client.post("/login", { email: OLIVE.email, password: OLIVE.password, redirectTo: "/" })).status).toBe(302);
    return client;
  };
  /** The same browser's cookies sent to another instance. */
  const onOther = (client: FormClient, server: RunningServer): FormClient => {
    const copy = new FormClient(server.url);
    for (const [k, v] of client.cookies) copy.cookies.set(k, v);
    return copy;
  };
  const status = async (client: FormClient, path: string) => (await client.get(path)).status;
  const HOME = "/settings";
  const oliveId = async () => (await pg.db.session((s) => s.query<{ id: string }>("select id from users where email = $1", [OLIVE.email])))[0]!.id;

  let admin: FormClient;
  beforeAll(async () => {
    pg = await createTestPostgres();
    // One secret on both, as instances behind one address have: a cookie either set is good on the other.
    const env = { ...SECRETS, DATABASE_URL: pg.url };
    [a, b] = await Promise.all([startServer({ env }), startServer({ env })]);
    admin = await setUpAdmin(a.url, a.setupUrl!);
    await admin.get("/admin/users");
    expect((await admin.post("/admin/users", { intent: "create", ...OLIVE, role: "operator" })).status).toBe(302);
  });

  afterAll(async () => {
    const errors = [...(a?.errors() ?? []), ...(b?.errors() ?? [])];
    await Promise.all([a?.stop(), b?.stop()]);
    await pg?.drop();
    expect(errors).toEqual([]);
  });

  it("a role changed on one instance applies on the other at once", async () => {
    const olive = onOther(await signIn(a), b);
    expect(await status(olive, HOME)).toBe(200);
    expect(await status(olive, "/admin/users")).toBe(403);
    await admin.get("/admin/users");
    expect((await admin.post("/admin/users", { intent: "role", user_id: await oliveId(), role: "admin" })).status).toBe(302);
    await until("the new role on the other instance", async () => (await status(olive, "/admin/users")) === 200, ANNOUNCED_WITHIN_MS);
  });

  it("a session signed out on one instance is refused by the other at once", async () => {
    const onA = await signIn(a);
    const onB = onOther(onA, b);
    expect(await status(onB, HOME)).toBe(200);
    await onA.get(HOME);
    expect((await onA.post("/logout", {})).status).toBe(302);
    await until("the ended session refused on the other instance", async () => (await status(onB, HOME)) === 302, ANNOUNCED_WITHIN_MS);
  });

  it("a user disabled on one instance is signed out of the other at once", async () => {
    const olive = onOther(await signIn(a), b);
    expect(await status(olive, HOME)).toBe(200);
    await admin.get("/admin/users");
    expect((await admin.post("/admin/users", { intent: "disable", user_id: await oliveId() })).status).toBe(302);
    await until("the disabled user refused on the other instance", async () => (await status(olive, HOME)) === 302, ANNOUNCED_WITHIN_MS);
    expect((await olive.get(HOME)).headers.get("location")).toMatch(/^\/login/);
  });
});
