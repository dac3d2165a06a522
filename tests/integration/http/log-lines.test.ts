import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { createLogger, type LogLine } from "#app/services/observability/logger.server";
import { createAgent, createRunningTask, createTask, createWorkspace, query } from "#tests/support/fixtures";
import type { FormClient } from "#tests/support/http-client";
import { SECRETS } from "#tests/support/secrets";
import { REPO_ROOT } from "#tests/support/server";
import { useTestServer } from "#tests/support/test-server";
import { until } from "#tests/support/until";

const run = promisify(execFile);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The journalctl | jq recipes of the production guide, as written there. */
function documentedRecipes(): string[] {
  const guide = readFileSync(path.join(REPO_ROOT, "docs/PRODUCTION_SETUP.md"), "utf8");
  return guide.split("\n").filter((line) => line.startsWith("journalctl -u mission-control -o cat"));
}

function expectShape(line: LogLine) {
  expect(Object.keys(line)).toEqual(["timestamp", "level", "event", "data"]);
  expect(line.timestamp).toMatch(ISO);
  expect(["debug", "info", "warn", "error", "fatal"]).toContain(line.level);
  expect(typeof line.event).toBe("string");
  expect(typeof line.data).toBe("object");
}

// The server's real stdout: a task moved over HTTP and a heartbeat run, each
// a line {timestamp, level, event, data} whose data starts with the request's id.
describe("log lines of real requests", () => {
  const app = useTestServer();
  let admin: FormClient;
  let ws: { id: string; slug: string };
  let moveId: string;
  let beatId: string;
  let moved: { id: string };
  let requeued: { id: string };

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    ws = await createWorkspace(app.db);
    const agent = await createAgent(app.db, ws.id, { name: "Logged", openclaw_agent_id: "main" });
    moved = await createTask(app.db, ws.id, { title: "Logged move", assigned_agent_id: agent.id });
    await admin.get(`/w/${ws.slug}`);
    const res = await admin.post(`/w/${ws.slug}?index`, { intent: "move", taskId: moved.id, status: "planning" });
    expect(res.status).toBe(302);
    moveId = res.headers.get("x-request-id")!;

    requeued = await createRunningTask(app.db, ws.id, agent.id);
    await query(app.db, "update tasks set lease_expires_at = now() - interval '1 minute' where id = $1", [requeued.id]);
    beatId = `beat-${requeued.id}`;
    const beat = await fetch(`${app.url}/api/heartbeat?token=${SECRETS.MC_API_TOKEN}`, { headers: { "x-request-id": beatId } });
    expect(beat.status).toBe(200);
    // Each request's own line comes last: by then the lines it caused are written.
    for (const id of [moveId, beatId])
      await until(`the request line of ${id}`, () => app.server.logs.some((l) => l.event === "http.request" && l.data.request_id === id));
  });

  it("every line the server wrote has the shape, and nothing but JSON lines reached stdout", () => {
    expect(app.server.logs.length).toBeGreaterThan(5);
    for (const line of app.server.logs) expectShape(line);
    const { stdout } = app.server.output();
    for (const raw of stdout.split("\n").filter(Boolean)) expect(Object.keys(JSON.parse(raw) as object)).toEqual(["timestamp", "level", "event", "data"]);
  });

  it("a task moved over HTTP: one task.state_changed line with the request id", () => {
    expect(moveId).toMatch(/^[0-9a-f-]{36}$/);
    const lines = app.server.logs.filter((l) => l.data.request_id === moveId);
    const change = lines.filter((l) => l.event === "task.state_changed");
    expect(change).toHaveLength(1);
    expect(change[0]).toMatchObject({ level: "info", data: { task_id: moved.id, from: "inbox", to: "planning", actor: "user" } });
    expect(Object.keys(change[0]!.data)[0]).toBe("request_id");
    expect(lines.find((l) => l.event === "http.request")?.data).toMatchObject({ method: "POST", status: 302 });
  });

  it("a heartbeat run: heartbeat.run and the task it requeued, with the request id", () => {
    const lines = app.server.logs.filter((l) => l.data.request_id === beatId);
    // Two actions: the requeue, and the dispatch it made ready skipped (no gateway here).
    expect(lines.find((l) => l.event === "heartbeat.run")).toMatchObject({
      level: "info",
      data: { request_id: beatId, trigger: "cron", actions: 2, gateway_calls: 0, duration_ms: expect.any(Number), run_id: expect.any(String) },
    });
    expect(lines.find((l) => l.event === "task.state_changed")).toMatchObject({
      data: { request_id: beatId, task_id: requeued.id, to: "assigned", via: "heartbeat", reason: "lease_expired" },
    });
    // The token in the query string never reaches the log.
    expect(JSON.stringify(lines)).not.toContain(SECRETS.MC_API_TOKEN);
  });

  it("the production guide's jq recipes work on these lines", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mc-journal-"));
    try {
      // The journal as `journalctl -o cat` shows it: the server's stdout, a line
      // of stderr that is not JSON, and an error line from the same logger.
      const errorLines: string[] = [];
      createLogger("info", { write: (l: string) => errorLines.push(l) })
        .child({ request_id: "req-error-0001" })
        .error({ event: "error", err: new Error("the database went away") }, "api handler failed");
      const journal = path.join(dir, "journal");
      writeFileSync(journal, `${app.server.output().stdout}(node:1) Warning: not a JSON line\n${errorLines.join("")}`);

      const recipes = documentedRecipes();
      expect(recipes.length).toBeGreaterThanOrEqual(10);
      const outputs = new Map<string, string>();
      for (const recipe of recipes) {
        // Everything up to the first pipe reads the journal; here it reads the file.
        const script = recipe.replace(/^journalctl [^|]*\|/, 'cat "$JOURNAL" |');
        const { stdout, stderr } = await run("bash", ["--norc", "--noprofile", "-o", "pipefail", "-c", script], {
          env: { PATH: process.env.PATH, JOURNAL: journal, RID: moveId, TASK: requeued.id },
        });
        expect(stderr, recipe).toBe("");
        outputs.set(recipe, stdout);
      }
      const out = (needle: string) => [...outputs].find(([recipe]) => recipe.includes(needle))![1];
      const json = (text: string) =>
        text
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>);

      expect(out('"setup.link"').trim()).toMatch(/^http:\/\/.+\/setup\?/);
      expect(out(" -f ")).toContain(" info task.state_changed task moved");
      expect(json(out('.level == "error"'))).toEqual([
        { timestamp: expect.stringMatching(ISO), event: "error", request_id: "req-error-0001", msg: "api handler failed", error: "the database went away" },
      ]);
      const request = json(out('"$RID"'));
      expect(request.map((l) => l.event)).toEqual(["task.state_changed", "http.request"]);
      expect(json(out('.event == "task.state_changed"'))).toEqual(
        expect.arrayContaining([
          { timestamp: expect.any(String), task: moved.id, from: "inbox", to: "planning", by: "user" },
          { timestamp: expect.any(String), task: requeued.id, from: null, to: "assigned", by: "heartbeat" },
        ]),
      );
      expect(json(out('"$TASK"'))).toContainEqual({
        timestamp: expect.any(String),
        event: "task.state_changed",
        to: "assigned",
        msg: "heartbeat moved a task",
      });
      expect(out("agent.dispatch")).toBe("");
      expect(json(out('"heartbeat.run"'))).toEqual([{ timestamp: expect.any(String), trigger: "cron", actions: 2, ms: expect.any(Number) }]);
      expect(json(out(".data.ms > 1000")).every((l) => Number(l.ms) > 1000)).toBe(true);
      expect(out("uniq -c")).toMatch(/^\s+\d+ http\.request$/m);
      expect(out('"server.listening"')).toMatch(/^\d{4}-\d{2}-\d{2}T\S+Z \S+$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
