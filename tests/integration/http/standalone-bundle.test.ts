import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setUpAdmin } from "#tests/support/http-client";
import { REPO_ROOT, type RunningServer, startServer } from "#tests/support/server";

// The bundle must run from a directory holding only build/: no node_modules,
// no sources. It starts on the embedded database with zero configuration.
describe("standalone bundle", () => {
  let dir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "mc-standalone-"));
    cpSync(path.join(REPO_ROOT, "build"), path.join(dir, "build"), { recursive: true });
    server = await startServer({ root: dir, dataDir: path.join(dir, "data") });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("holds only build/ and answers health", async () => {
    expect(readdirSync(dir).sort()).toEqual(["build", "data"]);
    expect(existsSync(path.join(dir, "node_modules"))).toBe(false);
    const res = await fetch(`${server.url}/api/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: "ok", db: "ok", gateway: "disabled", last_heartbeat_at: null });
    expect(typeof body.version).toBe("string");
    expect(typeof body.uptime_s).toBe("number");
  });

  it("generates its secrets into the data dir with mode 0600", async () => {
    const { statSync } = await import("node:fs");
    const mode = statSync(path.join(dir, "data", "secrets.json")).mode & 0o777;
    expect(mode).toBe(0o600);
    expect(server.logs.some((l) => l.event === "secrets.generated")).toBe(true);
  });

  it("creates the admin, a workspace and a task through form posts", async () => {
    expect(server.setupUrl).toMatch(/\/setup\?token=/);
    const client = await setUpAdmin(server.url, server.setupUrl!);
    await client.get("/");
    const created = await client.post("/?index", { name: "Standalone Ops", icon: "", slug: "" });
    expect(created.status).toBe(302);
    expect(created.headers.get("location")).toBe("/w/standalone-ops");
    await client.get("/w/standalone-ops/tasks/new");
    const task = await client.post("/w/standalone-ops/tasks/new", {
      title: "Ship the bundle",
      description: "",
      priority: "urgent",
      assigned_agent_id: "",
      due_at: "",
      status: "inbox",
    });
    expect(task.status).toBe(302);
    expect(task.headers.get("location")).toMatch(/^\/w\/standalone-ops\/tasks\/[0-9a-f-]{36}$/);
    const board = await client.get("/w/standalone-ops");
    expect(board.status).toBe(200);
    expect(client.lastHtml).toContain("Ship the bundle");
  });

  it("refuses a second process on the same data dir, with a clear message", async () => {
    await expect(startServer({ root: dir, dataDir: path.join(dir, "data"), timeoutMs: 20_000 })).rejects.toThrow(/Another Mission Control process \(pid \d+/);
  });

  it("stops cleanly on SIGTERM and releases the lock", async () => {
    expect(existsSync(path.join(dir, "data", "mission-control.lock"))).toBe(true);
    expect(await server.stop()).toBe(0);
    expect(existsSync(path.join(dir, "data", "mission-control.lock"))).toBe(false);
    expect(server.errors()).toEqual([]);
    // And it comes back on the same data: no set-up link the second time.
    server = await startServer({ root: dir, dataDir: path.join(dir, "data") });
    expect(server.setupUrl).toBeNull();
  });
});
