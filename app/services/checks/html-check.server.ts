import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { type CdpEvent, CdpPipe } from "./cdp-pipe.server";
import { CHROMIUM_FLAGS } from "./chromium-flags";
import { type CheckPolicy, type CheckResult, type DeliverableInput, fail, pass } from "./types.server";

// Renders an HTML deliverable offline in headless Chromium, screenshots it and
// collects console errors.
//
// Why the DevTools protocol over --remote-debugging-pipe rather than
// `--enable-logging=stderr --v=0`: with this Chromium (156, Debian) every
// console message is logged to stderr as "INFO:CONSOLE" whatever its level,
// so console.error cannot be told from console.log there. CDP reports
// Runtime.consoleAPICalled with its type ("error"), Runtime.exceptionThrown
// for uncaught errors and rejections, and Log.entryAdded for failed loads.
//
// The network is cut three ways: every request goes through a proxy on the
// discard port (refused at once), "<-loopback>" removes Chromium's implicit
// proxy bypass for localhost, and the host resolver answers NOTFOUND for every
// name, so not even a DNS query leaves. The profile is a fresh temp dir that
// is deleted afterwards. The browser runs in its own process group, killed
// whole on timeout.

const DEFAULT_TIMEOUT_MS = 30_000;
/** After "load": time for timers, promise rejections and failed fetches to report. */
const SETTLE_MS = 500;
const WIDTH = 1280;
const HEIGHT = 800;
const MAX_ERRORS = 50;

const BASE_FLAGS = ["--headless", ...CHROMIUM_FLAGS];

function browserArgs(userDataDir: string): string[] {
  return [
    ...BASE_FLAGS,
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    `--user-data-dir=${userDataDir}`,
    `--window-size=${WIDTH},${HEIGHT}`,
    "--remote-debugging-pipe",
    "about:blank",
  ];
}

type RemoteObject = { type?: string; value?: unknown; description?: string; unserializableValue?: string };

function formatArg(arg: RemoteObject): string {
  if (arg.type === "string") return String(arg.value);
  if (arg.unserializableValue) return arg.unserializableValue;
  if (arg.value !== undefined) return JSON.stringify(arg.value);
  return arg.description ?? arg.type ?? "?";
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.slice(0, 500);
}

/** Turns page events into error messages; remote requests the sandbox blocked are listed apart. */
class ConsoleCollector {
  readonly errors: string[] = [];
  readonly blocked: string[] = [];

  handle(event: CdpEvent): void {
    const p = event.params;
    if (event.method === "Runtime.consoleAPICalled" && (p.type === "error" || p.type === "assert")) {
      const args = (p.args as RemoteObject[] | undefined) ?? [];
      this.add(args.map(formatArg).join(" ") || `console.${String(p.type)}()`);
    } else if (event.method === "Runtime.exceptionThrown") {
      const d = p.exceptionDetails as { text?: string; exception?: RemoteObject } | undefined;
      const described = d?.exception?.description ?? (d?.exception ? formatArg(d.exception) : "");
      this.add([d?.text ?? "Uncaught", described].filter(Boolean).join(" "));
    } else if (event.method === "Log.entryAdded") {
      const entry = p.entry as { level?: string; source?: string; text?: string; url?: string } | undefined;
      if (entry?.level !== "error") return;
      // Remote loads fail because the check runs offline, not because the
      // deliverable is broken: reported, not counted. A missing local file is.
      if (entry.source === "network" && entry.url && !entry.url.startsWith("file:")) {
        if (this.blocked.length < MAX_ERRORS) this.blocked.push(entry.url);
        return;
      }
      this.add(`${entry.text ?? "error"}${entry.url ? ` (${entry.url})` : ""}`);
    }
  }

  private add(message: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push(firstLine(message));
  }
}

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 80) || "_";
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    // Negative pid: the group this spawn created (detached), i.e. only our
    // browser and its renderer/zygote/utility helpers.
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // Group already gone.
  }
}

class RenderFailure extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

async function render(child: ChildProcess, fileUrl: string, collector: ConsoleCollector): Promise<Buffer> {
  const cdp = new CdpPipe(child.stdio[3] as Writable, child.stdio[4] as Readable);
  child.once("exit", () => cdp.close(new Error("browser exited")));

  const { targetInfos } = (await cdp.send("Target.getTargets")) as { targetInfos: Array<{ targetId: string; type: string }> };
  let targetId = targetInfos.find((t) => t.type === "page")?.targetId;
  if (!targetId) targetId = ((await cdp.send("Target.createTarget", { url: "about:blank" })) as { targetId: string }).targetId;
  const { sessionId } = (await cdp.send("Target.attachToTarget", { targetId, flatten: true })) as { sessionId: string };

  cdp.onEvent((event) => {
    if (event.sessionId === sessionId) collector.handle(event);
  });
  await cdp.send("Runtime.enable", {}, sessionId);
  await cdp.send("Log.enable", {}, sessionId);
  await cdp.send("Page.enable", {}, sessionId);
  await cdp.send("Emulation.setDeviceMetricsOverride", { width: WIDTH, height: HEIGHT, deviceScaleFactor: 1, mobile: false }, sessionId);

  const loaded = cdp.waitFor((e) => e.sessionId === sessionId && e.method === "Page.loadEventFired");
  const nav = (await cdp.send("Page.navigate", { url: fileUrl }, sessionId)) as { errorText?: string };
  if (nav.errorText) throw new RenderFailure("html_load_failed", `The page could not be loaded (${nav.errorText}).`);
  await loaded;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

  const shot = (await cdp.send("Page.captureScreenshot", { format: "png" }, sessionId)) as { data: string };
  // A graceful close lets Chromium reap its own helpers; the caller still
  // kills the group if it lingers.
  cdp.send("Browser.close").catch(() => {});
  return Buffer.from(shot.data, "base64");
}

export async function checkHtml(item: DeliverableInput, realPath: string, policy: CheckPolicy): Promise<CheckResult> {
  const id = item.id;
  if (!policy.chromiumPath) {
    return { deliverable_id: id, kind: "skipped", ok: true, reason: null, message: "No browser is configured, so the page was not rendered." };
  }
  const timeoutMs = policy.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), "mc-chromium-"));
  const collector = new ConsoleCollector();
  let child: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stderrTail = "";
  let graceMs = 0; // only a browser that rendered is given time to close itself
  try {
    await mkdir(policy.screenshotDir, { recursive: true });
    const screenshotPath = path.join(policy.screenshotDir, `${safeName(policy.taskId)}-${safeName(id)}.png`);

    child = spawn(policy.chromiumPath, browserArgs(userDataDir), {
      stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"],
      detached: true, // own process group, so killGroup reaches every helper
    });
    const browser = child;
    // Drained so a chatty browser never blocks on a full stderr pipe.
    browser.stderr?.setEncoding("utf8");
    browser.stderr?.on("data", (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-2000);
    });

    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RenderFailure("html_timeout", `The page did not finish loading within ${timeoutMs} ms.`)), timeoutMs);
      browser.once("error", (error) => reject(new RenderFailure("html_load_failed", `The browser could not be started (${error.message}).`)));
      browser.once("exit", (code, signal) => reject(new RenderFailure("html_load_failed", `The browser exited early (${signal ?? code}).`)));
    });
    // No pid: spawn failed (e.g. ENOENT); `stopped` rejects with why.
    if (browser.pid === undefined) await stopped;
    const png = await Promise.race([render(browser, pathToFileURL(realPath).href, collector), stopped]);
    graceMs = 1000;

    const partial = `${screenshotPath}.${process.pid}.partial`;
    await writeFile(partial, png);
    await rename(partial, screenshotPath); // readers never see a half-written image

    const details = { console_errors: collector.errors, blocked_requests: collector.blocked, screenshot_path: screenshotPath };
    if (collector.errors.length > 0) {
      const count = collector.errors.length;
      return fail(id, "html", "html_console_errors", `The page logged ${count} console error${count === 1 ? "" : "s"}; first: ${collector.errors[0]}`, details);
    }
    const offline = collector.blocked.length > 0 ? ` (${collector.blocked.length} network request(s) blocked: pages are checked offline)` : "";
    return pass(id, "html", `The page loaded without console errors${offline}.`, details);
  } catch (error) {
    const failure = error instanceof RenderFailure ? error : new RenderFailure("html_load_failed", `The page could not be rendered (${error instanceof Error ? error.message : String(error)}).`);
    return fail(id, "html", failure.reason, failure.message, {
      console_errors: collector.errors,
      blocked_requests: collector.blocked,
      browser_stderr: stderrTail.slice(-500),
    });
  } finally {
    clearTimeout(timer);
    if (child) await stopBrowser(child, graceMs);
    await rm(userDataDir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
  }
}

/**
 * Waits up to `graceMs` for the browser to exit by itself (after Browser.close),
 * then asks with SIGTERM (Chromium then reaps its own helpers), then kills the
 * whole group, even if the main process already exited: helpers (zygote,
 * utility processes) can outlive it. At most graceMs + 3 s.
 */
async function stopBrowser(child: ChildProcess, graceMs: number): Promise<void> {
  const running = () => child.exitCode === null && child.signalCode === null;
  const waitExit = (ms: number) =>
    new Promise<void>((resolve) => {
      if (!running()) return resolve();
      const timer = setTimeout(resolve, ms);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  if (graceMs > 0) await waitExit(graceMs);
  if (running()) {
    child.kill("SIGTERM");
    await waitExit(1000);
  }
  killGroup(child);
  await waitExit(2000);
}
