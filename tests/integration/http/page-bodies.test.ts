import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { beforeAll, describe, expect, it } from "vitest";
import { type FormClient } from "#tests/support/http-client";
import { useTestServer } from "#tests/support/test-server";

// Page bodies are capped while they stream, before anything parses them
// (1 MiB): a declared Content-Length over the cap is refused at once, a
// chunked body as soon as it passes the cap, and the server's memory does
// not follow the size of what a client sends.

const MiB = 1024 * 1024;
const FLOOD = 256 * MiB;

/** Resident and peak resident memory of a process, in bytes. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

/**
 * Posts up to `total` bytes of form body (declared up front, or chunked) and
 * stops sending as soon as the server answers; resolves with that answer.
 */
function flood(
  base: string,
  path: string,
  opts: { total: number; declare: boolean; type?: string; headers?: Record<string, string> },
): Promise<{ status: number; sent: number }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "content-type": opts.type ?? "application/x-www-form-urlencoded", origin: base, ...opts.headers };
    if (opts.declare) headers["content-length"] = String(opts.total);
    // Keep-alive, as browsers and curl send: a client that asks to close
    // instead has its connection closed right after the answer, unread body
    // and all, and may see a reset before it reads the 413.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const req = request(new URL(path, base), { method: "POST", headers, agent });
    req.on("close", () => agent.destroy());
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    let answered = false;
    req.on("response", (res) => {
      answered = true;
      res.resume();
      resolve({ status: res.statusCode!, sent });
      req.destroy();
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && sent < opts.total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe.each(["embedded", "postgres"] as const)("page body cap (%s database)", (kind) => {
  const app = useTestServer({ database: kind });
  let admin: FormClient;

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    await admin.get("/");
    expect((await admin.post("/?index", { name: "Bodies", icon: "", slug: "bodies" })).status).toBe(302);
  }, 120_000);

  it("answers 413 to a 256 MiB form, declared or chunked, without the server's memory following it", async () => {
    const pid = app.server.process.pid!;
    const before = memory(pid);
    const session = { cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
    const cases = [
      { path: "/login", declare: true },
      { path: "/login", declare: false },
      { path: "/login.data", declare: false },
      { path: "/?index", declare: false, headers: session },
      { path: "/w/bodies/tasks/new", declare: true, headers: session },
      // No page takes a post here: the method is refused (405) before the body is read.
      { path: "/nowhere", declare: true, want: 405 },
      { path: "/login", declare: false, type: "MULTIPART/FORM-DATA; boundary=x" },
    ];
    for (const c of cases) {
      const { status, sent } = await flood(app.url, c.path, { total: FLOOD, ...c });
      expect(status, JSON.stringify(c)).toBe(c.want ?? 413);
      // Refused long before the end: the client stopped sending when the answer came.
      expect(sent, JSON.stringify(c)).toBeLessThan(FLOOD / 2);
    }
    const after = memory(pid);
    // Generous: buffering one such body once would add 256 MiB.
    expect(after.peak - before.peak).toBeLessThan(64 * MiB);
    expect(after.rss - before.rss).toBeLessThan(64 * MiB);
    expect((await fetch(`${app.url}/api/health`)).status).toBe(200);
  });

  it("hands a body under the cap to the page as before", async () => {
    await admin.get("/w/bodies/tasks/new");
    const res = await admin.post("/w/bodies/tasks/new", { title: "Long", description: "d".repeat(900 * 1024) });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/At most 10,000 characters/);
    await admin.get("/w/bodies/tasks/new");
    expect((await admin.post("/w/bodies/tasks/new", { title: "Short" })).status).toBe(302);
  });
});
