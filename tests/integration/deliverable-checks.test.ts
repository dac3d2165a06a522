import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CheckPolicy, type DeliverableInput, checkDeliverables, hostAllowed, refusePath } from "#app/services/orchestration/deliverable-checks.server";

// Real files in a temp dir, a real loopback HTTP server and the real Debian
// Chromium: the checks are only worth something against the real things.

const TASK = "task-1";
const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const isRoot = process.getuid?.() === 0;

/**
 * Processes of a checking browser: those started with the private HOME it is
 * given (under the temp dir), and their descendants (Chromium's zygote starts
 * renderers with an emptied environment).
 */
function browserProcesses(): Array<{ pid: number; uid: number; renderer: boolean; seccomp: number }> {
  const all = new Map<number, { ppid: number; uid: number; renderer: boolean; seccomp: number; ours: boolean }>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, "utf8");
      const environ = readFileSync(`/proc/${name}/environ`, "latin1").split("\0");
      all.set(Number(name), {
        ppid: Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]),
        uid: Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]),
        renderer: readFileSync(`/proc/${name}/cmdline`, "latin1").includes("--type=renderer"),
        seccomp: Number(/^Seccomp:\s+(\d+)/m.exec(status)?.[1]),
        ours: environ.some((e) => e.startsWith(`HOME=${path.join(os.tmpdir(), "mc-check-")}`)),
      });
    } catch {
      // Gone meanwhile.
    }
  }
  const ours = (pid: number, depth = 0): boolean => {
    const p = all.get(pid);
    return !!p && (p.ours || (depth < 10 && ours(p.ppid, depth + 1)));
  };
  return [...all].filter(([pid]) => ours(pid)).map(([pid, p]) => ({ pid, uid: p.uid, renderer: p.renderer, seccomp: p.seccomp }));
}

/** Every process of the browsers this file started has exited (a killed process takes a moment to go). */
async function allGone(): Promise<void> {
  for (let i = 0; i < 50 && browserProcesses().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(browserProcesses()).toEqual([]);
}

let root: string;
let filesDir: string;
let dataDir: string;
let screenshotDir: string;
let server: http.Server;
let origin: string;
let port: number;
const hits: string[] = [];

function fileItem(p: string, type: DeliverableInput["type"] = "file"): DeliverableInput {
  return { id: `d-${Math.random().toString(36).slice(2, 8)}`, type, title: `deliverable ${p}`, path: p, url: null };
}

function urlItem(url: string): DeliverableInput {
  return { id: `u-${Math.random().toString(36).slice(2, 8)}`, type: "url", title: `link ${url}`, path: null, url };
}

function policy(extra: Partial<CheckPolicy> = {}): CheckPolicy {
  return { filesDir, dataDir, taskId: TASK, allowedHosts: [], chromiumPath: null, screenshotDir, ...extra };
}

/** Test-only policy that may reach the loopback server. */
function localPolicy(extra: Partial<CheckPolicy> = {}): CheckPolicy {
  return policy({ allowedHosts: ["127.0.0.1"], allowPrivateAddresses: true, ...extra });
}

async function checkOne(item: DeliverableInput, p: CheckPolicy) {
  const outcome = await checkDeliverables([item], p);
  return outcome.results;
}

let savedTmpDir: string | undefined;
let ownTmpDir: string | undefined;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "mc-deliverables-"));
  // The browsers this file starts get their private folders here, so
  // browserProcesses() sees only them, not those of test files running alongside.
  // Enterable (not listable) by the unprivileged account the browser runs as.
  savedTmpDir = process.env.TMPDIR;
  ownTmpDir = await mkdtemp(path.join(os.tmpdir(), "mc-deliverables-tmp-"));
  await chmod(ownTmpDir, 0o711);
  process.env.TMPDIR = ownTmpDir;
  dataDir = path.join(root, "data");
  filesDir = path.join(dataDir, "files");
  screenshotDir = path.join(dataDir, "checks", TASK);
  const base = path.join(filesDir, TASK);
  await mkdir(path.join(base, "sub", "dir"), { recursive: true });
  await mkdir(path.join(base, "folder"));
  await mkdir(path.join(filesDir, "task-10"));
  await writeFile(path.join(base, "report.md"), "# Report\n");
  await writeFile(path.join(base, "sub", "dir", "notes.txt"), "notes");
  await writeFile(path.join(base, "100%.txt"), "a literal percent sign");
  await writeFile(path.join(base, "empty.txt"), "");
  await writeFile(path.join(filesDir, "secret.txt"), "outside the base");
  await writeFile(path.join(filesDir, "task-10", "x.txt"), "another task's file");
  await symlink(path.join("..", "secret.txt"), path.join(base, "link.txt"));
  await symlink(filesDir, path.join(base, "linkdir"));
  await symlink(path.join("..", "task-10", "x.txt"), path.join(base, "sibling-link.txt"));
  await symlink("report.md", path.join(base, "inner-link.txt"));

  await writeFile(
    path.join(base, "clean.html"),
    `<!doctype html><html><head><title>ok</title></head><body style="background:#2a6"><h1>Hello</h1><script>console.log("all good"); console.warn("just a warning");</script></body></html>`,
  );
  await writeFile(
    path.join(base, "broken.html"),
    `<!doctype html><html><body><p>broken</p><script>console.error("first problem"); console.error("second", 42); throw new Error("kaboom");</script></body></html>`,
  );
  await writeFile(
    path.join(base, "missing-script.html"),
    `<!doctype html><html><body><script src="missing.js"></script><script src="https://cdn.example.com/lib.js"></script></body></html>`,
  );
  await writeFile(path.join(base, "spin.htm"), `<!doctype html><html><body><script>for (;;) {}</script></body></html>`);

  server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    hits.push(url);
    const redirect = (to: string, status = 302) => {
      res.writeHead(status, { location: to });
      res.end();
    };
    if (url === "/ok") return void res.end("hello");
    if (url === "/missing") return void res.writeHead(404).end("nope");
    if (url === "/error") return void res.writeHead(500).end("boom");
    if (url === "/host") return void res.end(req.headers.host);
    if (url === "/r/1") return redirect("/r/2", 301);
    if (url === "/r/2") return redirect(`${origin}/r/3`, 307);
    if (url === "/r/3") return redirect("../ok", 308);
    if (url.startsWith("/loop/")) return redirect(`/loop/${Number(url.slice(6)) + 1}`);
    if (url === "/away") return redirect("http://evil.example.net/steal");
    if (url === "/to-file") return redirect("file:///etc/passwd");
    if (url === "/no-location") return void res.writeHead(302).end();
    if (url === "/slow") return; // never answers; closed in afterAll
    if (url === "/huge") {
      // 64 MiB on demand: the checker must stop reading long before the end.
      res.writeHead(200, { "content-type": "application/octet-stream" });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < 1024 && res.write(chunk)) sent++;
        if (sent >= 1024) res.end();
      };
      res.on("drain", pump);
      return pump();
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;

  // Written now that the port is known: every request it makes must fail.
  await writeFile(
    path.join(base, "network.html"),
    `<!doctype html><html><body><p>offline</p>
<img src="${origin}/beacon-img">
<script>
const targets = ["${origin}/beacon-fetch", "http://example.com/"];
for (const t of targets) {
  fetch(t, { mode: "no-cors" }).then(() => console.error("NETWORK REACHED " + t), () => console.log("blocked " + t));
}
</script></body></html>`,
  );
});

afterAll(async () => {
  if (savedTmpDir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpDir;
  if (ownTmpDir) await rm(ownTmpDir, { recursive: true, force: true });
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (root) await rm(root, { recursive: true, force: true });
});

describe("refusePath", () => {
  it.each([
    ["../secret.txt", "path_outside_base", "dot_dot"],
    ["a/../../x", "path_outside_base", "dot_dot"],
    ["..\\secret.txt", "path_outside_base", "dot_dot"],
    ["/etc/passwd", "path_outside_base", "absolute"],
    ["\\\\server\\share", "path_outside_base", "absolute"],
    ["C:\\Windows\\win.ini", "path_outside_base", "absolute"],
    ["%2e%2e%2fsecret.txt", "path_outside_base", "encoded_traversal"],
    ["%2E%2E/secret.txt", "path_outside_base", "encoded_traversal"],
    ["..%2fsecret.txt", "path_outside_base", "encoded_traversal"],
    ["%252e%252e%252fsecret.txt", "path_outside_base", "encoded_traversal"],
    ["%25252e%25252e%25252fsecret.txt", "path_outside_base", "encoded_traversal"],
    ["%2fetc%2fpasswd", "path_outside_base", "encoded_absolute"],
    ["report.md\0.png", "path_invalid", "nul_byte"],
    ["report.md%00.png", "path_invalid", "nul_byte"],
    ["report.md%2500.png", "path_invalid", "nul_byte"],
    ["", "path_invalid", "empty"],
  ])("refuses %j (%s)", (raw, reason, rule) => {
    expect(refusePath(raw)).toEqual({ reason, rule });
  });

  it.each(["report.md", "./report.md", "sub/dir/notes.txt", "100%.txt", "a..b.txt", "..hidden", "%zz"])("accepts %j", (raw) => {
    expect(refusePath(raw)).toBeNull();
  });
});

describe("file deliverables", () => {
  it.each(["report.md", "./report.md", "sub/dir/notes.txt", "inner-link.txt", "100%.txt"])("passes an existing non-empty file %j", async (p) => {
    const [result] = await checkOne(fileItem(p), policy());
    expect(result).toMatchObject({ kind: "file", ok: true, reason: null });
    expect(result!.details?.size).toBeGreaterThan(0);
  });

  it("checks an artifact that has a path as a file", async () => {
    const [result] = await checkOne(fileItem("report.md", "artifact"), policy());
    expect(result).toMatchObject({ kind: "file", ok: true });
  });

  it.each([
    ["empty.txt", "file_empty"],
    ["nope.txt", "file_missing"],
    ["sub/nope/x.txt", "file_missing"],
    ["report.md/x", "file_missing"],
    ["folder", "file_not_regular"],
    ["../secret.txt", "path_outside_base"],
    ["sub/../../secret.txt", "path_outside_base"],
    ["%2e%2e%2fsecret.txt", "path_outside_base"],
    ["%252e%252e%252fsecret.txt", "path_outside_base"],
    ["report.md\0", "path_invalid"],
    ["link.txt", "path_outside_base"],
    ["linkdir/secret.txt", "path_outside_base"],
    ["sibling-link.txt", "path_outside_base"],
  ])("fails %j with %s", async (p, reason) => {
    const [result] = await checkOne(fileItem(p), policy());
    expect(result).toMatchObject({ kind: "file", ok: false, reason });
    expect(result!.message).toMatch(/\.$/);
  });

  it("refuses an absolute path even when it points at a real file inside the base", async () => {
    for (const p of [path.join(filesDir, TASK, "report.md"), path.join(filesDir, "secret.txt")]) {
      const [result] = await checkOne(fileItem(p), policy());
      expect(result).toMatchObject({ ok: false, reason: "path_outside_base" });
    }
  });

  it("treats a missing task folder as missing files", async () => {
    const [result] = await checkOne(fileItem("report.md"), policy({ taskId: "no-such-task" }));
    expect(result).toMatchObject({ ok: false, reason: "file_missing" });
  });

  it("refuses a task id that is not a single folder name", async () => {
    for (const taskId of ["..", "a/b", ""]) {
      const [result] = await checkOne(fileItem("report.md"), policy({ taskId }));
      expect(result).toMatchObject({ ok: false, reason: "path_outside_base" });
    }
  });
});

describe("hostAllowed", () => {
  it("matches exact hosts and subdomain wildcards", () => {
    const list = ["example.com", "*.docs.example.org", "127.0.0.1", "[::1]"];
    expect(hostAllowed("example.com", list)).toBe(true);
    expect(hostAllowed("EXAMPLE.com.", list)).toBe(true);
    expect(hostAllowed("www.example.com", list)).toBe(false);
    expect(hostAllowed("a.docs.example.org", list)).toBe(true);
    expect(hostAllowed("a.b.docs.example.org", list)).toBe(true);
    expect(hostAllowed("docs.example.org", list)).toBe(false);
    expect(hostAllowed("evildocs.example.org", list)).toBe(false);
    expect(hostAllowed("docs.example.org.evil.com", list)).toBe(false);
    expect(hostAllowed("127.0.0.1", list)).toBe(true);
    expect(hostAllowed("[::1]", list)).toBe(true);
    expect(hostAllowed("::1", list)).toBe(true);
    expect(hostAllowed("127.0.0.2", list)).toBe(false);
    expect(hostAllowed("", list)).toBe(false);
    expect(hostAllowed("example.com", [])).toBe(false);
    expect(hostAllowed("1.0.0.127", ["*.0.0.127"])).toBe(false);
  });
});

describe("URL deliverables against a loopback server", () => {
  it("passes a 200", async () => {
    const [result] = await checkOne(urlItem(`${origin}/ok`), localPolicy());
    expect(result).toMatchObject({ kind: "url", ok: true, reason: null, details: { status: 200, bytes_read: 5, truncated: false } });
  });

  it.each([
    ["/missing", "url_status_404"],
    ["/error", "url_status_500"],
  ])("fails %s with %s", async (p, reason) => {
    const [result] = await checkOne(urlItem(`${origin}${p}`), localPolicy());
    expect(result).toMatchObject({ kind: "url", ok: false, reason });
  });

  it("follows a redirect chain by hand (absolute, relative and 301/307/308)", async () => {
    const [result] = await checkOne(urlItem(`${origin}/r/1`), localPolicy());
    expect(result).toMatchObject({ ok: true, details: { status: 200, final_url: `${origin}/ok` } });
    expect(result!.details?.redirects).toEqual([`${origin}/r/2`, `${origin}/r/3`, `${origin}/ok`]);
  });

  it("stops after 5 redirects", async () => {
    const before = hits.filter((h) => h.startsWith("/loop/")).length;
    const [result] = await checkOne(urlItem(`${origin}/loop/0`), localPolicy());
    expect(result).toMatchObject({ ok: false, reason: "url_too_many_redirects" });
    expect(hits.filter((h) => h.startsWith("/loop/")).length - before).toBe(6);
  });

  it("refuses a redirect to a host that is not allowed, without contacting it", async () => {
    let lookups = 0;
    const [result] = await checkOne(
      urlItem(`${origin}/away`),
      localPolicy({
        lookup: async () => {
          lookups++;
          return [{ address: "127.0.0.1", family: 4 }];
        },
      }),
    );
    expect(result).toMatchObject({ ok: false, reason: "url_host_not_allowed", details: { host: "evil.example.net" } });
    expect(result!.message).toContain("redirect");
    expect(lookups).toBe(0);
  });

  it("refuses a redirect to another scheme, and one without a location", async () => {
    const [toFile] = await checkOne(urlItem(`${origin}/to-file`), localPolicy());
    expect(toFile).toMatchObject({ ok: false, reason: "url_scheme_not_allowed" });
    const [bare] = await checkOne(urlItem(`${origin}/no-location`), localPolicy());
    expect(bare).toMatchObject({ ok: false, reason: "url_redirect_invalid" });
  });

  it("times out a server that never answers", async () => {
    const started = Date.now();
    const [result] = await checkOne(urlItem(`${origin}/slow`), localPolicy({ timeoutMs: 400 }));
    expect(result).toMatchObject({ ok: false, reason: "url_timeout" });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("reads at most 1 MiB of a huge body", async () => {
    const [result] = await checkOne(urlItem(`${origin}/huge`), localPolicy());
    expect(result).toMatchObject({ ok: true, details: { status: 200, truncated: true, bytes_read: 1024 * 1024 } });
  });

  it("connects to the vetted address, not whatever DNS says later (pinning)", async () => {
    const asked: string[] = [];
    const [result] = await checkOne(
      urlItem(`http://pinned.invalid:${port}/host`),
      localPolicy({
        allowedHosts: ["pinned.invalid"],
        lookup: async (host) => {
          asked.push(host);
          return [{ address: "127.0.0.1", family: 4 }];
        },
      }),
    );
    // ".invalid" never resolves in real DNS: reaching the server proves the socket used our answer.
    expect(result).toMatchObject({ ok: true, details: { status: 200 } });
    expect(asked).toEqual(["pinned.invalid"]);
  });

  it("refuses a connection error cleanly", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const [result] = await checkOne(urlItem(`http://127.0.0.1:${deadPort}/`), localPolicy());
    expect(result).toMatchObject({ ok: false, reason: "url_request_failed", details: { code: "ECONNREFUSED" } });
  });
});

describe("URL deliverables: SSRF guard with the production policy", () => {
  it.each(["10.0.0.1", "169.254.169.254", "::1", "fd00::1", "::ffff:127.0.0.1", "127.0.0.1", "100.64.0.1", "0.0.0.0"])(
    "refuses a host resolving to %s",
    async (address) => {
      const family = address.includes(":") ? 6 : 4;
      const [result] = await checkOne(
        urlItem("http://intranet.example.test/report"),
        policy({ allowedHosts: ["intranet.example.test"], lookup: async () => [{ address, family }] }),
      );
      expect(result).toMatchObject({ kind: "url", ok: false, reason: "url_private_address" });
      expect(result!.details?.addresses).toEqual([expect.objectContaining({ address })]);
    },
  );

  it("refuses when any one of several addresses is private", async () => {
    const [result] = await checkOne(
      urlItem("https://mixed.example.test/"),
      policy({
        allowedHosts: ["mixed.example.test"],
        lookup: async () => [
          { address: "93.184.215.14", family: 4 },
          { address: "10.1.2.3", family: 4 },
        ],
      }),
    );
    expect(result).toMatchObject({ ok: false, reason: "url_private_address", details: { addresses: [{ address: "10.1.2.3", class: "private" }] } });
  });

  it("refuses private IP literals without sending anything", async () => {
    const before = hits.length;
    for (const [url, host] of [
      [`${origin}/ok`, "127.0.0.1"],
      [`http://[::1]:${port}/ok`, "[::1]"],
      [`http://[::ffff:127.0.0.1]:${port}/ok`, "[::ffff:7f00:1]"],
      ["http://169.254.169.254/latest/meta-data/", "169.254.169.254"],
    ] as const) {
      const [result] = await checkOne(urlItem(url), policy({ allowedHosts: [host] }));
      expect(result, url).toMatchObject({ ok: false, reason: "url_private_address" });
    }
    expect(hits.length).toBe(before);
  });

  it("refuses localhost through real DNS", async () => {
    const [result] = await checkOne(urlItem(`http://localhost:${port}/ok`), policy({ allowedHosts: ["localhost"] }));
    expect(result).toMatchObject({ ok: false, reason: "url_private_address" });
  });

  it("refuses hosts not on the allowlist, and everything when it is empty", async () => {
    const [other] = await checkOne(urlItem(`${origin}/ok`), localPolicy({ allowedHosts: ["example.com"] }));
    expect(other).toMatchObject({ ok: false, reason: "url_host_not_allowed" });
    const [none] = await checkOne(urlItem(`${origin}/ok`), localPolicy({ allowedHosts: [] }));
    expect(none).toMatchObject({ ok: false, reason: "url_host_not_allowed" });
  });

  it("refuses other schemes and garbage", async () => {
    for (const url of ["ftp://127.0.0.1/x", "file:///etc/passwd", "javascript:alert(1)", "gopher://127.0.0.1:6379/_INFO"]) {
      const [result] = await checkOne(urlItem(url), localPolicy());
      expect(result, url).toMatchObject({ ok: false, reason: "url_scheme_not_allowed" });
    }
    const [bad] = await checkOne(urlItem("not a url"), localPolicy());
    expect(bad).toMatchObject({ ok: false, reason: "url_invalid" });
  });
});

describe("HTML deliverables in headless Chromium", () => {
  async function png(file: string) {
    const bytes = await readFile(file);
    return { signature: bytes.subarray(0, 8).toString("hex"), width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), size: bytes.length };
  }

  it.skipIf(!hasChromium)("renders a clean page and keeps a screenshot", async () => {
    const item = fileItem("clean.html");
    const outcome = await checkDeliverables([item], policy({ chromiumPath: CHROMIUM }));
    expect(outcome).toMatchObject({ ok: true, checkable: 2 });
    const [file, html] = outcome.results;
    expect(file).toMatchObject({ kind: "file", ok: true });
    expect(html).toMatchObject({ kind: "html", ok: true, reason: null, details: { console_errors: [] } });
    const shot = path.join(screenshotDir, String(html!.details?.screenshot));
    expect(await png(shot)).toMatchObject({ signature: "89504e470d0a1a0a", width: 1280, height: 800 });
    expect((await png(shot)).size).toBeGreaterThan(1000);
  });

  it.skipIf(!hasChromium)("fails a page that logs errors and throws, listing the messages", async () => {
    const outcome = await checkDeliverables([fileItem("broken.html")], policy({ chromiumPath: CHROMIUM }));
    expect(outcome.ok).toBe(false);
    const html = outcome.results.find((r) => r.kind === "html")!;
    expect(html).toMatchObject({ ok: false, reason: "html_console_errors" });
    const errors = html.details?.console_errors as string[];
    expect(errors).toEqual(["first problem", "second 42", expect.stringMatching(/^Uncaught Error: kaboom/)]);
    expect(html.message).toContain("3 console errors");
    expect(existsSync(path.join(screenshotDir, String(html.details?.screenshot)))).toBe(true);
  });

  it.skipIf(!hasChromium)("renders offline: no request reaches the network", async () => {
    const before = hits.filter((h) => h.startsWith("/beacon")).length;
    const outcome = await checkDeliverables([fileItem("network.html")], policy({ chromiumPath: CHROMIUM }));
    const html = outcome.results.find((r) => r.kind === "html")!;
    // The page logs an error only if a fetch succeeded.
    expect(html).toMatchObject({ ok: true, details: { console_errors: [] } });
    expect(html.details?.blocked_requests).toEqual(expect.arrayContaining(["http://example.com/", `${origin}/beacon-fetch`]));
    expect(hits.filter((h) => h.startsWith("/beacon")).length).toBe(before);
  });

  it.skipIf(!hasChromium)("counts a missing local script as an error, a blocked remote one not", async () => {
    const outcome = await checkDeliverables([fileItem("missing-script.html")], policy({ chromiumPath: CHROMIUM }));
    const html = outcome.results.find((r) => r.kind === "html")!;
    expect(html).toMatchObject({ ok: false, reason: "html_console_errors", details: { blocked_requests: ["https://cdn.example.com/lib.js"] } });
    expect(html.details?.console_errors).toEqual([expect.stringMatching(/ERR_FILE_NOT_FOUND.*missing\.js/)]);
  });

  it.skipIf(!hasChromium)("kills a page that never finishes loading", async () => {
    const started = Date.now();
    const outcome = await checkDeliverables([fileItem("spin.htm")], policy({ chromiumPath: CHROMIUM, timeoutMs: 3000 }));
    expect(outcome.results.find((r) => r.kind === "html")).toMatchObject({ ok: false, reason: "html_timeout" });
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it.skipIf(!hasChromium)("times out with a reason that names the limit, and kills the whole browser", async () => {
    const outcome = await checkDeliverables([fileItem("spin.htm")], policy({ chromiumPath: CHROMIUM, timeoutMs: 2000 }));
    const html = outcome.results.find((r) => r.kind === "html")!;
    expect(html).toMatchObject({ ok: false, reason: "html_timeout", message: "Rendering timed out after 2 s." });
    expect(outcome.verdict).toBe("fail");
    await allGone();
  });

  it.skipIf(!hasChromium || !isRoot)("renders as an unprivileged account when the server is root: root-only files stay unreadable", async () => {
    // Two scripts outside the task's folder, loaded by absolute file URL: one
    // anyone may read, one only root may. Both log an error when they run.
    const open = await mkdtemp(path.join(os.tmpdir(), "mc-open-"));
    await chmod(open, 0o755);
    await writeFile(path.join(open, "open.js"), `console.error("open script ran");`, { mode: 0o644 });
    const secret = path.join(root, "secret");
    await mkdir(secret, { mode: 0o700 });
    await writeFile(path.join(secret, "root-only.js"), `console.error("root-only script ran");`, { mode: 0o600 });
    await writeFile(
      path.join(filesDir, TASK, "privileged.html"),
      `<!doctype html><html><body><script src="${pathToFileURL(path.join(open, "open.js")).href}"></script><script src="${pathToFileURL(path.join(secret, "root-only.js")).href}"></script></body></html>`,
    );
    try {
      const outcome = await checkDeliverables([fileItem("privileged.html")], policy({ chromiumPath: CHROMIUM }));
      const html = outcome.results.find((r) => r.kind === "html")!;
      expect(html.details).toMatchObject({ browser_user: "nobody" });
      const errors = html.details?.console_errors as string[];
      // The technique works (a readable absolute script runs) ...
      expect(errors).toContain("open script ran");
      // ... and the root-only one could not even be read.
      expect(errors).not.toContain("root-only script ran");
      expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/ERR_(ACCESS_DENIED|FILE_NOT_FOUND).*root-only\.js/)]));
    } finally {
      await rm(open, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasChromium || !isRoot)("runs the renderer as nobody, with Chromium's sandbox when the host allows it", async () => {
    // Watch /proc while a page spins: every process of a checking browser
    // (found by its private HOME) must belong to the unprivileged account.
    const seen = new Map<number, { uid: number; renderer: boolean; seccomp: number }>();
    const rendering = checkDeliverables([fileItem("spin.htm")], policy({ chromiumPath: CHROMIUM, timeoutMs: 6000 }));
    let done = false;
    void rendering.finally(() => (done = true));
    // Sampled until the check ends, each process's latest state kept: a
    // renderer seen in its first moments has not entered its sandbox yet.
    while (!done) {
      for (const p of browserProcesses()) seen.set(p.pid, p);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const outcome = await rendering;
    const html = outcome.results.find((r) => r.kind === "html")!;
    expect(html).toMatchObject({ reason: "html_timeout", details: { browser_user: "nobody" } });
    const nobody = Number(
      (await readFile("/etc/passwd", "utf8"))
        .split("\n")
        .find((l) => l.startsWith("nobody:"))!
        .split(":")[2],
    );
    const renderers = [...seen.values()].filter((p) => p.renderer);
    expect(renderers.length).toBeGreaterThan(0);
    for (const p of seen.values()) expect(p.uid).toBe(nobody);
    // Seccomp mode 2 (filter): the renderer is inside Chromium's sandbox.
    if (html.details?.sandbox === true) for (const p of renderers) expect(p.seccomp).toBe(2);
    await allGone();
  });

  it("skips the render when no browser is configured", async () => {
    const outcome = await checkDeliverables([fileItem("clean.html")], policy({ chromiumPath: null }));
    expect(outcome).toMatchObject({ ok: true, checkable: 1 });
    expect(outcome.results.map((r) => [r.kind, r.ok])).toEqual([
      ["file", true],
      ["skipped", true],
    ]);
  });

  it("fails the render when the browser cannot start", async () => {
    const outcome = await checkDeliverables([fileItem("clean.html")], policy({ chromiumPath: path.join(root, "no-such-browser") }));
    expect(outcome.ok).toBe(false);
    const html = outcome.results.find((r) => r.kind === "html");
    expect(html).toMatchObject({ ok: false, reason: "html_load_failed" });
    expect(html?.message).toContain("could not be started");
  });

  it("does not render an HTML file that failed its file check", async () => {
    const outcome = await checkDeliverables([fileItem("missing.html")], policy({ chromiumPath: CHROMIUM }));
    expect(outcome.results).toEqual([expect.objectContaining({ kind: "file", ok: false, reason: "file_missing" })]);
  });
});

describe("checkDeliverables", () => {
  it("skips what has nothing to check and judges the rest", async () => {
    const items: DeliverableInput[] = [
      { id: "a", type: "artifact", title: "model weights", path: null, url: null },
      { id: "b", type: "url", title: "dashboard", path: null, url: null },
      fileItem("report.md"),
      urlItem(`${origin}/ok`),
    ];
    const outcome = await checkDeliverables(items, localPolicy());
    expect(outcome).toMatchObject({ ok: true, checkable: 2 });
    expect(outcome.results.map((r) => r.kind)).toEqual(["skipped", "skipped", "file", "url"]);

    const failing = await checkDeliverables([...items, fileItem("empty.txt")], localPolicy());
    expect(failing).toMatchObject({ ok: false, checkable: 3 });
  });

  it("checks at most maxDeliverables and reports the rest unchecked (verdict partial)", async () => {
    const items = [
      fileItem("report.md"),
      { id: "n", type: "artifact" as const, title: "no path", path: null, url: null },
      fileItem("sub/dir/notes.txt"),
      fileItem("empty.txt"),
      fileItem("nope.txt"),
    ];
    const outcome = await checkDeliverables(items, policy({ maxDeliverables: 2 }));
    expect(outcome).toMatchObject({ verdict: "partial", ok: true, checkable: 2, unchecked: 2 });
    expect(outcome.results.map((r) => [r.kind, r.ok, r.details?.unchecked ?? null])).toEqual([
      ["file", true, null],
      ["skipped", true, null],
      ["file", true, null],
      ["skipped", true, "over_cap"],
      ["skipped", true, "over_cap"],
    ]);
    expect(outcome.results[3]!.message).toBe('"deliverable empty.txt" was not checked: at most 2 deliverables are checked per task.');
    // What was checked still decides a failure.
    expect((await checkDeliverables([fileItem("empty.txt"), fileItem("report.md"), fileItem("nope.txt")], policy({ maxDeliverables: 2 }))).verdict).toBe(
      "fail",
    );
  });

  it("starts nothing after the task's deadline", async () => {
    const outcome = await checkDeliverables([fileItem("report.md"), urlItem(`${origin}/ok`)], localPolicy({ deadline: Date.now() - 1 }));
    expect(outcome).toMatchObject({ verdict: "partial", checkable: 0, unchecked: 2 });
    expect(outcome.results.every((r) => r.kind === "skipped" && r.details?.unchecked === "out_of_time")).toBe(true);
  });

  it.skipIf(!hasChromium)("cuts a render at the task's deadline, fails it, and leaves the rest unchecked", async () => {
    const outcome = await checkDeliverables([fileItem("spin.htm"), fileItem("report.md")], policy({ chromiumPath: CHROMIUM, deadline: Date.now() + 2500 }));
    expect(outcome).toMatchObject({ verdict: "fail", unchecked: 1 });
    expect(outcome.results.find((r) => r.kind === "html")).toMatchObject({
      ok: false,
      reason: "html_timeout",
      message: expect.stringMatching(/^Rendering timed out after [\d.]+ s\.$/),
    });
    expect(outcome.results.at(-1)).toMatchObject({ kind: "skipped", details: { unchecked: "out_of_time" } });
    await allGone();
  });

  it.skipIf(!hasChromium)("stops a render when its signal fires, killing the browser", async () => {
    const controller = new AbortController();
    const rendering = checkDeliverables([fileItem("spin.htm")], policy({ chromiumPath: CHROMIUM, signal: controller.signal }));
    while (browserProcesses().every((p) => !p.renderer)) await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    const outcome = await rendering;
    expect(outcome.stopped).toBe(true);
    expect(outcome.results.find((r) => r.kind === "html")).toMatchObject({ ok: false, reason: "check_stopped" });
    expect((await checkDeliverables([fileItem("report.md")], policy({ signal: controller.signal }))).stopped).toBe(true);
    await allGone();
  });

  it.skipIf(!hasChromium)("never names a server path in a result: page URLs are relative to the task's folder, Node's errors scrubbed", async () => {
    const missing = await checkDeliverables([fileItem("missing-script.html")], policy({ chromiumPath: CHROMIUM }));
    expect(missing.results.find((r) => r.kind === "html")?.details?.console_errors).toEqual([expect.stringMatching(/ERR_FILE_NOT_FOUND \(missing\.js\)$/)]);
    // A screenshot folder that cannot be created: Node's message names the path it tried.
    const blocked = path.join(dataDir, "not-a-folder");
    await writeFile(blocked, "a file where the screenshot folder should be");
    const broken = await checkDeliverables([fileItem("clean.html")], policy({ chromiumPath: CHROMIUM, screenshotDir: path.join(blocked, "shots") }));
    const html = broken.results.find((r) => r.kind === "html")!;
    expect(html).toMatchObject({ ok: false, reason: "html_load_failed", message: expect.stringContaining("<data>/not-a-folder/shots") });
    for (const outcome of [missing, broken]) {
      const text = JSON.stringify(outcome);
      for (const dir of [root, dataDir, filesDir, os.tmpdir() + "/"]) expect(text).not.toContain(dir);
    }
  });

  it("passes vacuously when nothing is checkable", async () => {
    expect(await checkDeliverables([], policy())).toEqual({ verdict: "none_checkable", ok: true, checkable: 0, unchecked: 0, stopped: false, results: [] });
  });
});
