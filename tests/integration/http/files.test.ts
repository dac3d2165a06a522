import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentWithToken, createRunningTask, createWorkspace } from "#tests/support/fixtures";
import { SECRETS } from "#tests/support/secrets";
import { FormClient, TEST_ADMIN } from "#tests/support/http-client";
import { REPO_ROOT, type RunningServer, startServer } from "#tests/support/server";
import { useTestServer } from "#tests/support/test-server";

// Task file downloads and "reveal in file manager" over real HTTP, on the
// built bundle, PostgreSQL and a temporary FILES_DIR: exact download headers,
// roles and workspaces, and a traversal suite that must only ever answer 404
// without leaking a byte of anything outside the task's own folder.

const DOWNLOAD_HEADERS = {
  "content-type": "application/octet-stream",
  "x-content-type-options": "nosniff",
  "content-security-policy": "sandbox; default-src 'none'",
  "cache-control": "private, no-store",
};

const OUTSIDE_SECRET = "OUTSIDE-FILES-DIR-SECRET-7f3a";
const OTHER_TASK_SECRET = "OTHER-TASK-SECRET-91c2";

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** GET with the path sent byte for byte: fetch() would normalise "..", "%2e%2e" and "\". */
function rawGet(base: string, rawPath: string, cookie = ""): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: rawPath, method: "GET", headers: cookie ? { cookie } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("latin1") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

const cookieOf = (client: FormClient) => [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; ");

async function login(base: string, email: string): Promise<FormClient> {
  const client = new FormClient(base);
  await client.get("/login");
  const res = await client.post("/login", { email, password: TEST_ADMIN.password, redirectTo: "/" });
  if (res.status !== 302) throw new Error(`login answered ${res.status}`);
  return client;
}

describe("task files over HTTP", () => {
  let tmp: string;
  let filesDir: string;
  const app = useTestServer({
    env: () => {
      tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), "mc-files-")));
      filesDir = path.join(tmp, "files");
      mkdirSync(filesDir);
      writeFileSync(path.join(tmp, "outside.txt"), OUTSIDE_SECRET);
      return { FILES_DIR: filesDir };
    },
    after: () => {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    },
  });
  let admin: FormClient;
  let viewer: FormClient;
  let ws: { id: string; slug: string };
  let otherWs: { id: string; slug: string };
  let agent: { id: string; token: string };
  let task: { id: string };
  let otherTask: { id: string };
  let base: string;
  const report = "Quarterly report\n<script>alert(1)</script>\n\u00e9\u00e8\n";

  const upload = async (taskId: string, name: string, content: string) => {
    const form = new FormData();
    form.set("file", new Blob([content]), name);
    const res = await fetch(`${app.url}/api/agent/tasks/${taskId}/files`, { method: "POST", body: form, headers: { authorization: `Bearer ${agent.token}` } });
    expect(res.status).toBe(201);
    return (await res.json()) as { path: string; size: number; sha256: string };
  };

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    ws = await createWorkspace(app.db);
    otherWs = await createWorkspace(app.db);
    agent = await createAgentWithToken(app.db, ws.id, { name: "Filer" });
    task = await createRunningTask(app.db, ws.id, agent.id, { title: "Write the report" });
    otherTask = await createRunningTask(app.db, ws.id, agent.id, { title: "Other work" });
    base = `/w/${ws.slug}/tasks/${task.id}`;
    await app.db.session((s) =>
      s.query(
        "insert into users (email, name, role, password_hash) values ('viewer@example.test', 'Vic Viewer', 'viewer', (select password_hash from users where role = 'admin'))",
      ),
    );
    viewer = await login(app.url, "viewer@example.test");
  });

  it("downloads an uploaded file as the admin: same bytes, attachment headers", async () => {
    const stored = await upload(task.id, "report.txt", report);
    expect(stored.path).toBe("report.txt");
    const res = await admin.request(`${base}/files/report.txt`);
    expect(res.status).toBe(200);
    for (const [name, value] of Object.entries(DOWNLOAD_HEADERS)) expect(res.headers.get(name), name).toBe(value);
    expect(res.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''report.txt");
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(report))).toBe(true);
    const head = await admin.request(`${base}/files/report.txt`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''report.txt");
  });

  it("encodes the file name in Content-Disposition and accepts an encoded path", async () => {
    const name = "r\u00e9sum\u00e9 (final)'s*.txt";
    writeFileSync(path.join(filesDir, task.id, name), "cv");
    const res = await admin.request(`${base}/files/${encodeURIComponent(name)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%20%28final%29%27s%2A.txt");
    expect(await res.text()).toBe("cv");
    // A file in a subfolder of the task's own folder is fine too.
    mkdirSync(path.join(filesDir, task.id, "sub"));
    writeFileSync(path.join(filesDir, task.id, "sub", "inner.txt"), "inner");
    const inner = await admin.request(`${base}/files/sub/inner.txt`);
    expect(inner.status).toBe(200);
    expect(inner.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''inner.txt");
    expect(await inner.text()).toBe("inner");
  });

  it("answers 404 to every traversal, without leaking anything", async () => {
    await upload(otherTask.id, "other.txt", OTHER_TASK_SECRET);
    const taskDir = path.join(filesDir, task.id);
    symlinkSync(path.join(tmp, "outside.txt"), path.join(taskDir, "escape.txt"));
    symlinkSync(tmp, path.join(taskDir, "escape-dir"));
    symlinkSync(path.join(filesDir, otherTask.id), path.join(taskDir, "sibling"));
    symlinkSync("/etc/passwd", path.join(taskDir, "passwd-link"));
    const o = otherTask.id;
    const attempts = [
      "../../../../../../../../etc/passwd",
      `../${o}/other.txt`,
      "..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
      `..%2f${o}%2fother.txt`,
      `..%2F..%2Foutside.txt`,
      "%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      `%2e%2e%2f${o}%2fother.txt`,
      `%2e%2e/${o}/other.txt`,
      "%252e%252e%252f%252e%252e%252f%252e%252e%252fetc%252fpasswd",
      `%252e%252e%252f${o}%252fother.txt`,
      "%25252e%25252e%25252f%25252e%25252e%25252foutside.txt",
      "/etc/passwd",
      "%2fetc%2fpasswd",
      "%252fetc%252fpasswd",
      `%2F${filesDir.slice(1).split("/").join("%2F")}%2F${o}%2Fother.txt`,
      "report.txt%00",
      "report.txt%00.png",
      "%00",
      "..\\..\\..\\..\\etc\\passwd",
      "..%5c..%5c..%5c..%5cetc%5cpasswd",
      `..%5c${o}%5cother.txt`,
      "sub%5cinner.txt",
      "C:%5cWindows%5cwin.ini",
      "escape.txt",
      "escape-dir/outside.txt",
      "escape-dir/files/" + o + "/other.txt",
      "sibling/other.txt",
      "passwd-link",
      "sub",
      "",
      "does-not-exist.txt",
      "%zz",
    ];
    for (const attempt of attempts) {
      const res = await rawGet(app.url, `${base}/files/${attempt}`, cookieOf(admin));
      // A path that is not percent-encoding is refused before any route runs, whatever it names.
      expect(res.status, attempt).toBe(attempt === "%zz" ? 400 : 404);
      expect(res.headers["content-type"] ?? "", attempt).not.toContain("octet-stream");
      expect(res.headers["content-disposition"], attempt).toBeUndefined();
      for (const leak of [OUTSIDE_SECRET, OTHER_TASK_SECRET, "root:x:0:0", "Quarterly report"])
        expect(res.body, `${attempt} leaked ${leak}`).not.toContain(leak);
      expect(res.body, attempt).not.toMatch(/at .*\.[jt]s:\d+/);
    }
    // The other task's file is reachable through its own task only.
    const own = await admin.request(`/w/${ws.slug}/tasks/${o}/files/other.txt`);
    expect(own.status).toBe(200);
    expect(await own.text()).toBe(OTHER_TASK_SECRET);
    expect(app.server.errors()).toEqual([]);
  });

  it("sends signed-out visitors to the login page", async () => {
    const res = await fetch(`${app.url}${base}/files/report.txt`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/login?redirectTo=${encodeURIComponent(`${base}/files/report.txt`)}`);
    expect(await res.text()).not.toContain("Quarterly report");
  });

  it("lets a viewer download", async () => {
    const res = await viewer.request(`${base}/files/report.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''report.txt");
    expect(await res.text()).toBe(report);
  });

  it("answers 404 for another workspace's slug, unknown workspaces and malformed or unknown task ids", async () => {
    const paths = [
      `/w/${otherWs.slug}/tasks/${task.id}/files/report.txt`,
      `/w/no-such-ws/tasks/${task.id}/files/report.txt`,
      `/w/${ws.slug}/tasks/not-a-uuid/files/report.txt`,
      `/w/${ws.slug}/tasks/..%2f${task.id}/files/report.txt`,
      `/w/${ws.slug}/tasks/00000000-0000-4000-8000-000000000000/files/report.txt`,
    ];
    for (const p of paths) {
      const res = await rawGet(app.url, p, cookieOf(admin));
      expect(res.status, p).toBe(404);
      expect(res.body, p).not.toContain("Quarterly report");
    }
  });

  it("keeps reveal off unless enabled: 404 for GET and POST", async () => {
    expect((await admin.get(`${base}/reveal`)).status).toBe(404);
    await admin.get(base);
    const res = await admin.post(`${base}/reveal`, { path: "report.txt" });
    expect(res.status).toBe(404);
  });

  describe.runIf(process.platform === "linux")("reveal, enabled", () => {
    let revealServer: RunningServer;
    let bin: string;
    let argvLog: string;
    let operatorClient: FormClient;

    const reveal = async (client: FormClient, filePath: string) => {
      await client.get(base);
      return client.post(`${base}/reveal`, { path: filePath });
    };
    /** Each run of the fake opener appends its argv, NUL-separated, ending with a newline. */
    const runs = (): string[][] =>
      existsSync(argvLog)
        ? readFileSync(argvLog, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((line) => line.split("\0").slice(0, -1))
        : [];
    const pwned = () => [REPO_ROOT, tmp, filesDir, path.join(filesDir, task.id), bin].filter((dir) => existsSync(path.join(dir, "pwned")));

    beforeAll(async () => {
      bin = path.join(tmp, "bin");
      mkdirSync(bin);
      argvLog = path.join(tmp, "argv.log");
      // Records its arguments literally (printf %s), then a newline per run.
      writeFileSync(path.join(bin, "xdg-open"), `#!/bin/sh\nfor arg in "$@"; do printf '%s\\0' "$arg"; done >> '${argvLog}'\nprintf '\\n' >> '${argvLog}'\n`);
      chmodSync(path.join(bin, "xdg-open"), 0o755);
      revealServer = await startServer({
        env: { DATABASE_URL: app.pg.url, ...SECRETS, FILES_DIR: filesDir, ENABLE_FILE_REVEAL: "1", PATH: `${bin}:${process.env.PATH}` },
      });
      await app.db.session((s) =>
        s.query(
          "insert into users (email, name, role, password_hash) values ('operator@example.test', 'Olga Operator', 'operator', (select password_hash from users where role = 'admin'))",
        ),
      );
      operatorClient = await login(revealServer.url, "operator@example.test");
    });

    afterAll(async () => {
      const errors = revealServer?.errors() ?? [];
      await revealServer?.stop();
      expect(errors).toEqual([]);
    });

    it("hands the opener exactly the resolved absolute path and redirects back", async () => {
      const res = await reveal(operatorClient, "report.txt");
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe(base);
      expect(runs()).toEqual([[path.join(filesDir, task.id, "report.txt")]]);
    });

    it("never lets a shell see the name: uploaded and on-disk names with $(…) and ;", async () => {
      rmSync(argvLog, { force: true });
      const hostile = "a$(touch pwned);b `touch pwned` $HOME.txt";
      const stored = await upload(task.id, hostile, "hostile upload");
      expect(stored.path).not.toContain("$(");
      expect((await reveal(operatorClient, stored.path)).status).toBe(302);
      // The safe-name reduction may have removed the dangerous characters, so
      // put such a file on disk directly too and reveal that.
      writeFileSync(path.join(filesDir, task.id, hostile), "on disk");
      const direct = await reveal(operatorClient, hostile);
      expect(direct.status).toBe(302);
      expect(runs()).toEqual([[path.join(filesDir, task.id, stored.path)], [path.join(filesDir, task.id, hostile)]]);
      expect(pwned()).toEqual([]);
    });

    it("resolves the path like downloads: traversal, symlinks out and other tasks are 404 and run nothing", async () => {
      rmSync(argvLog, { force: true });
      for (const attempt of [
        "../../../../etc/passwd",
        `../${otherTask.id}/other.txt`,
        "..%2f..%2foutside.txt",
        "%252e%252e%252foutside.txt",
        "/etc/passwd",
        "report.txt\0",
        "escape.txt",
        "sibling/other.txt",
        "..\\outside.txt",
        "",
        "missing.txt",
      ]) {
        const res = await reveal(operatorClient, attempt);
        // A NUL character is refused with the form, before the path is looked at.
        expect(res.status, JSON.stringify(attempt)).toBe(attempt.includes("\0") ? 400 : 404);
      }
      expect(runs()).toEqual([]);
      expect(revealServer.errors()).toEqual([]);
    });

    it("needs the operator role, POST, and the task's own workspace", async () => {
      rmSync(argvLog, { force: true });
      const v = await login(revealServer.url, "viewer@example.test");
      expect((await reveal(v, "report.txt")).status).toBe(403);
      expect((await operatorClient.get(`${base}/reveal`)).status).toBe(405);
      await operatorClient.get(base);
      expect((await operatorClient.post(`/w/${otherWs.slug}/tasks/${task.id}/reveal`, { path: "report.txt" })).status).toBe(404);
      expect((await operatorClient.post(`${base}/reveal`, { path: "report.txt" }, { csrf: false })).status).toBe(403);
      expect(runs()).toEqual([]);
    });
  });
});
