import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "#app/db/api-keys.server";
import type { SqlDatabase } from "#app/db/types";
import type { ApiKeyScope } from "#app/domain/api-keys";
import { EXIT } from "#app/domain/cli-exit-codes";
import { OPERATIONS, type OperationId } from "#app/domain/operator-api";
import { newApiKey } from "#app/services/auth/api-keys.server";
import { createAgentWithToken, createTask, createUser, createWorkspace, query, rowCounts, taskRow, type TestUser } from "#tests/support/fixtures";
import { freePort } from "#tests/support/ports";
import { SECRETS } from "#tests/support/secrets";
import { REPO_ROOT } from "#tests/support/server";
import { useTestServer } from "#tests/support/test-server";

// The command line (`mc`, decision 055) run as a process, from a copy of the
// built bundle that holds only build/ (no node_modules, no sources), against
// the built server with real API keys: every command in human and --json
// output, and every exit code (0 ok, 1 unexpected, 2 usage, 3 key refused or
// forbidden, 4 not found, 5 refused, 6 server unavailable). PostgreSQL is
// enough here: the CLI speaks only HTTP, and the operator API's transports
// are tested in operator-api.test.ts and the transport suites.

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

type Json = Record<string, unknown>;

async function issueKey(db: SqlDatabase, user: TestUser, scopes: ApiKeyScope[]) {
  const token = newApiKey();
  await createApiKey(db, user.id, { name: `cli ${scopes.join("+")}`, scopes, expiresAt: null, hash: token.hash, hint: token.hint });
  return token.token;
}

function conforms(id: OperationId, body: unknown) {
  const parsed = OPERATIONS[id].response.safeParse(body);
  expect(parsed.success ? null : parsed.error.issues, `${id} response`).toBeNull();
}

describe("the mc command line against the built server", () => {
  const app = useTestServer();
  let dir: string;
  let admin: TestUser;
  let key: string;
  let readKey: string;
  let ws: { id: string; slug: string };
  let agent: { id: string; token: string };
  const seen: Run[] = [];

  /** Runs `mc` from the copied bundle with MC_URL, MC_API_KEY and MC_WORKSPACE set unless `env` overrides them. */
  function mc(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(dir, "build/cli/mc.js"), ...args], {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, MC_URL: app.url, MC_API_KEY: key, MC_WORKSPACE: ws.slug, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
      child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
      child.once("error", reject);
      child.once("close", (code) => {
        const run = { code, stdout, stderr };
        seen.push(run);
        resolve(run);
      });
    });
  }
  const parse = (run: Run) => JSON.parse(run.stdout) as Json;

  /** An approval request an agent made on one of its tasks, pending. */
  async function ask(action: string) {
    const task = await createTask(app.db, ws.id, { title: `Needs a yes: ${action}`, status: "assigned", assigned_agent_id: agent.id });
    const res = await fetch(`${app.url}/api/agent/approvals`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
      body: JSON.stringify({ task_id: task.id, action, args: { env: "prod" }, target: "web-1", reason: "ship" }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; digest: string };
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "mc-cli-"));
    cpSync(path.join(REPO_ROOT, "build"), path.join(dir, "build"), { recursive: true });
    admin = await createUser(app.db, "admin", "Ada Admin");
    key = await issueKey(app.db, admin, ["read", "write", "approve"]);
    readKey = await issueKey(app.db, admin, ["read"]);
    ws = await createWorkspace(app.db, { name: "CLI Ops" });
    agent = await createAgentWithToken(app.db, ws.id, { name: "Asker", model: "stub/model" });
  });

  afterAll(() => {
    // The key is never printed, whatever happened.
    for (const run of seen) {
      expect(run.stdout + run.stderr).not.toContain(key);
      expect(run.stdout + run.stderr).not.toContain(readKey);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("ships as one file that runs from build/ alone and prints its help and version", async () => {
    const help = await mc(["--help"]);
    expect(help.code).toBe(EXIT.ok);
    for (const name of [
      "tasks list",
      "tasks show",
      "tasks create",
      "tasks move",
      "approvals list",
      "approvals approve",
      "approvals deny",
      "agents list",
      "heartbeat run",
      "backup",
    ]) {
      expect(help.stdout).toContain(name);
    }
    expect(help.stdout).toMatch(/Exit codes: 0 ok, 1 unexpected, 2 usage/);
    const version = await mc(["--version"]);
    expect(version.code).toBe(EXIT.ok);
    const health = (await (await fetch(`${app.url}/api/health`)).json()) as { version: string };
    expect(version.stdout.trim()).toBe(health.version);
    expect(existsSync(path.join(dir, "node_modules"))).toBe(false);
  });

  it("exits 2 for a command line it cannot run, before any request", async () => {
    const before = await rowCounts(app.db);
    const cases: Array<[string[], RegExp]> = [
      [[], /Name a command/],
      [["tasks"], /Unknown command "tasks"/],
      [["tasks", "lst"], /Unknown command "tasks lst"/],
      [["tasks", "list", "--colour", "red"], /Unknown option '--colour'/],
      [["approvals", "list", "--priority", "high"], /"approvals list" does not take --priority/],
      [["tasks", "show"], /"tasks show" takes <task-id>/],
      [["tasks", "create", "Two", "words"], /quote a value with spaces/],
      [["tasks", "list", "--label", "a", "--label", "b"], /Give --label once/],
      [["tasks", "list", "--status"], /argument missing/],
      [["agents", "list", "--url", "ftp://example.test"], /must be an http/],
    ];
    for (const [args, message] of cases) {
      const run = await mc(args);
      expect(run.code, args.join(" ")).toBe(EXIT.usage);
      expect(run.stderr, args.join(" ")).toMatch(message);
      expect(run.stdout).toBe("");
    }
    const json = await mc(["tasks", "lst", "--json"]);
    expect(json.code).toBe(EXIT.usage);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: "usage", message: expect.stringMatching(/Unknown command "tasks lst"/) } });
    expect(await rowCounts(app.db)).toEqual(before);
  });

  it("exits 3 without a key, with a refused key and for a scope the key lacks, printing the API's message", async () => {
    const none = await mc(["agents", "list"], { MC_API_KEY: undefined });
    expect(none.code).toBe(EXIT.auth);
    expect(none.stderr).toMatch(/No API key: pass --key or set MC_API_KEY/);
    const bad = await mc(["agents", "list"], { MC_API_KEY: `mck_${"x".repeat(43)}` });
    expect(bad.code).toBe(EXIT.auth);
    expect(bad.stderr).toMatch(/^error: .+/);
    const badJson = await mc(["agents", "list", "--json"], { MC_API_KEY: "mck_wrong" });
    expect(badJson.code).toBe(EXIT.auth);
    expect((JSON.parse(badJson.stderr) as { error: { code: string } }).error.code).toBe("unauthorized");
    const before = await rowCounts(app.db);
    const forbidden = await mc(["tasks", "create", "Not with a read key", "--key", readKey], { MC_API_KEY: undefined });
    expect(forbidden.code).toBe(EXIT.auth);
    expect(forbidden.stderr).toMatch(/needs the write scope/);
    expect(await rowCounts(app.db)).toEqual(before);
  });

  it("exits 6 when the server cannot be reached", async () => {
    const port = await freePort();
    const run = await mc(["tasks", "list"], { MC_URL: `http://127.0.0.1:${port}` });
    expect(run.code).toBe(EXIT.unavailable);
    expect(run.stderr).toMatch(new RegExp(`Cannot reach Mission Control at http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
    const json = await mc(["tasks", "list", "--json", "--url", `http://127.0.0.1:${port}`]);
    expect(json.code).toBe(EXIT.unavailable);
    expect((JSON.parse(json.stderr) as { error: { code: string } }).error.code).toBe("unavailable");
  });

  it("runs the heartbeat and prints its receipt", async () => {
    const human = await mc(["heartbeat", "run"]);
    expect(human.code).toBe(EXIT.ok);
    expect(human.stdout).toMatch(/^Heartbeat [0-9a-f-]{36} ran in \d+ ms: /);
    const json = await mc(["heartbeat", "run", "--json"]);
    expect(json.code).toBe(EXIT.ok);
    const receipt = parse(json);
    conforms("runHeartbeat", receipt);
    const [row] = await query(app.db, "select trigger from heartbeat_runs where id = $1", [receipt.run_id]);
    expect(row).toEqual({ trigger: "manual" });
  });

  it("creates, shows, lists and moves tasks; an unknown task exits 4 and a refused move 5", async () => {
    const created = await mc([
      "tasks",
      "create",
      "Rotate the certificates",
      "--priority",
      "high",
      "--label",
      "Ops",
      "--label",
      "security",
      "--due",
      "2026-12-31",
    ]);
    expect(created.code).toBe(EXIT.ok);
    const id = /^Created task ([0-9a-f-]{36}) in inbox: Rotate the certificates$/.exec(created.stdout.trim())?.[1];
    expect(id).toBeDefined();
    expect(await taskRow(app.db, id!)).toMatchObject({ title: "Rotate the certificates", priority: "high", status: "inbox", labels: ["ops", "security"] });

    const createdJson = await mc(["tasks", "create", "Renew the domain", "--json", "--description", "Before it lapses"]);
    expect(createdJson.code).toBe(EXIT.ok);
    conforms("createTask", parse(createdJson));
    const second = (parse(createdJson).task as { id: string }).id;

    const shown = await mc(["tasks", "show", id!]);
    expect(shown.code).toBe(EXIT.ok);
    expect(shown.stdout).toMatch(new RegExp(`^id: +${id}$`, "m"));
    expect(shown.stdout).toMatch(/^status: +inbox$/m);
    expect(shown.stdout).toMatch(/^labels: +ops, security$/m);
    expect(shown.stdout).toMatch(/^due: +2026-12-31$/m);
    expect(shown.stdout).toMatch(/^can move to: +assigned, cancelled, planning$/m);
    const shownJson = await mc(["tasks", "show", second, "--json"]);
    conforms("getTask", parse(shownJson));
    expect((parse(shownJson).task as { description: string }).description).toBe("Before it lapses");

    const list = await mc(["tasks", "list"]);
    expect(list.code).toBe(EXIT.ok);
    const [header, ...rows] = list.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^ID +STATUS +PRIORITY +ASSIGNEE +DUE +TITLE$/);
    expect(rows).toHaveLength(2);
    // Aligned: every row's status starts where the header's does.
    const at = header!.indexOf("STATUS");
    for (const row of rows) expect(row.slice(at)).toMatch(/^inbox /);
    expect(list.stdout).toContain("Rotate the certificates");
    const filtered = await mc(["tasks", "list", "--json", "--priority", "high", "--search", "certificates"]);
    expect(filtered.code).toBe(EXIT.ok);
    conforms("listTasks", parse(filtered));
    expect((parse(filtered).tasks as Array<{ id: string }>).map((t) => t.id)).toEqual([id]);
    const empty = await mc(["tasks", "list", "--status", "done"]);
    expect(empty.stdout.trim()).toBe("No tasks.");

    const moved = await mc(["tasks", "move", id!, "cancelled"]);
    expect(moved.code).toBe(EXIT.ok);
    expect(moved.stdout.trim()).toBe(`Moved task ${id} to cancelled.`);
    const movedJson = await mc(["tasks", "move", second, "planning", "--json"]);
    conforms("moveTask", parse(movedJson));

    const before = await rowCounts(app.db);
    const refused = await mc(["tasks", "move", id!, "done"]);
    expect(refused.code).toBe(EXIT.refused);
    expect(refused.stderr).toMatch(/^error: .+\n {2}allowed: inbox\n$/);
    const refusedJson = await mc(["tasks", "move", id!, "done", "--json"]);
    expect(refusedJson.code).toBe(EXIT.refused);
    expect(JSON.parse(refusedJson.stderr)).toMatchObject({ error: { code: "conflict", details: { allowed: ["inbox"] } } });
    const invalid = await mc(["tasks", "move", id!, "sideways"]);
    expect(invalid.code).toBe(EXIT.refused);
    expect(invalid.stderr).toMatch(/status: Use one of planning, inbox/);
    const badInput = await mc(["tasks", "create", "x".repeat(600)]);
    expect(badInput.code).toBe(EXIT.refused);
    expect(await rowCounts(app.db)).toEqual(before);
    expect((await taskRow(app.db, id!)).status).toBe("cancelled");

    const unknown = await mc(["tasks", "show", "00000000-0000-4000-8000-000000000000"]);
    expect(unknown.code).toBe(EXIT.notFound);
    expect(unknown.stderr.trim()).toBe("error: No task with that id.");
    expect((await mc(["tasks", "move", "not-a-uuid", "inbox"])).code).toBe(EXIT.notFound);
    expect((await mc(["tasks", "list"], { MC_WORKSPACE: "no-such-workspace" })).code).toBe(EXIT.notFound);
  });

  it("lists agents", async () => {
    const human = await mc(["agents", "list"]);
    expect(human.code).toBe(EXIT.ok);
    const lines = human.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID +NAME +STATUS +AUTONOMY +ACTIVE +MODEL$/);
    expect(lines[1]).toMatch(new RegExp(`^${agent.id} +Asker +standby +\\w+ +\\d+ +stub/model$`));
    const json = await mc(["agents", "list", "--json"]);
    conforms("listAgents", parse(json));
    expect(json.stdout).not.toContain(agent.token);
  });

  it("lists, approves and denies approval requests; a decided one is refused with 5 and an unknown one is 4", async () => {
    const first = await ask("deploy");
    const second = await ask("migrate");
    const list = await mc(["approvals", "list"]);
    expect(list.code).toBe(EXIT.ok);
    expect(list.stdout).toMatch(/^ID +RISK +ACTION +TARGET +EXPIRES +TASK$/m);
    expect(list.stdout).toMatch(new RegExp(`^${first.id} +\\w+ +deploy +web-1 +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC +Needs a yes: deploy$`, "m"));
    const listJson = await mc(["approvals", "list", "--json"]);
    conforms("listApprovals", parse(listJson));

    const approved = await mc(["approvals", "approve", first.id, "--comment", "ship it"]);
    expect(approved.code).toBe(EXIT.ok);
    expect(approved.stdout.trim()).toBe(`Approved ${first.id}: deploy on web-1 (now approved).`);
    const [row] = await query(app.db, "select status, decided_by, comment from approvals where id = $1", [first.id]);
    expect(row).toEqual({ status: "approved", decided_by: admin.id, comment: "ship it" });

    // A digest that is not the request's: the action changed since it was seen.
    const stale = await mc(["approvals", "deny", second.id, "--digest", "0".repeat(64)]);
    expect(stale.code).toBe(EXIT.refused);
    expect(stale.stderr).toMatch(/The action changed since you looked at it/);
    const denied = await mc(["approvals", "deny", second.id, "--digest", second.digest, "--json"]);
    expect(denied.code).toBe(EXIT.ok);
    conforms("decideApproval", parse(denied));
    expect((parse(denied).approval as { status: string }).status).toBe("denied");

    const again = await mc(["approvals", "approve", first.id]);
    expect(again.code).toBe(EXIT.refused);
    const decided = await mc(["approvals", "list", "--decided"]);
    expect(decided.stdout).toMatch(/^ID +STATUS +RISK +ACTION +TARGET +DECIDED BY +TASK$/m);
    expect(decided.stdout).toMatch(new RegExp(`^${first.id} +approved .+Ada Admin`, "m"));
    expect((await mc(["approvals", "list"])).stdout.trim()).toBe("Nothing waits for a decision.");
    const unknown = await mc(["approvals", "approve", "00000000-0000-4000-8000-000000000000"]);
    expect(unknown.code).toBe(EXIT.notFound);
    expect(unknown.stderr.trim()).toBe("error: No approval with that id.");
    const readOnly = await mc(["approvals", "deny", second.id, "--key", readKey], { MC_API_KEY: undefined });
    expect(readOnly.code).toBe(EXIT.auth);
  });

  it("picks the only workspace, and asks which one when there are several", async () => {
    const all = (await query<{ n: number }>(app.db, "select count(*)::int as n from workspaces"))[0]!.n;
    if (all === 1) expect((await mc(["agents", "list"], { MC_WORKSPACE: undefined })).code).toBe(EXIT.ok);
    const other = await createWorkspace(app.db, { name: "CLI Dev" });
    const ask = await mc(["agents", "list"], { MC_WORKSPACE: undefined });
    expect(ask.code).toBe(EXIT.usage);
    expect(ask.stderr).toContain(`name one with --workspace or MC_WORKSPACE`);
    expect(ask.stderr).toContain(other.slug);
    const named = await mc(["agents", "list", "--workspace", other.slug], { MC_WORKSPACE: undefined });
    expect(named.code).toBe(EXIT.ok);
    expect(named.stdout.trim()).toBe("No agents.");
  });

  it("backs the database up on the server's machine with the bundle's own backup, and exits 1 when it cannot", async () => {
    const out = path.join(dir, "cli-backup.dump");
    const env = { ...SECRETS, DATABASE_URL: app.pg.url, DATA_DIR: path.join(dir, "data"), MC_API_KEY: undefined };
    const human = await mc(["backup", "--out", out], env);
    expect(human.stderr).toBe("");
    expect(human.code).toBe(EXIT.ok);
    expect(human.stdout.trim()).toBe(`Backed up the database to ${out}`);
    expect(readFileSync(out).subarray(0, 5).toString("latin1")).toBe("PGDMP");
    const json = await mc(["backup", "--json"], env);
    expect(json.code).toBe(EXIT.ok);
    const file = (parse(json) as { file: string }).file;
    expect(file.startsWith(path.join(dir, "data", "backups") + path.sep)).toBe(true);
    expect(existsSync(file)).toBe(true);

    const port = await freePort();
    const down = await mc(["backup"], { ...env, DATABASE_URL: `postgres://mc:secret@127.0.0.1:${port}/mc` });
    expect(down.code).toBe(EXIT.unexpected);
    expect(down.stderr).toMatch(/^error: pg_dump failed/);
    expect(down.stderr).not.toContain("secret@");
  });
});
