import type { ChildProcess } from "node:child_process";
import { mkdir, realpath, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { type PathRoot, scrubPaths } from "#app/domain/path-scrub";
import { CHECK_BROWSER_FLAGS, browserLaunch, privateDir, spawnBrowser, StageTooLarge, stageFolder, stopBrowser } from "./browser.server";
import { type CdpEvent, CdpPipe } from "./cdp-pipe.server";
import { type CheckPolicy, type CheckResult, type DeliverableInput, checkTimeout, fail, pass, seconds } from "./types.server";

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
// name, so not even a DNS query leaves. The browser runs as an unprivileged
// account with Chromium's sandbox when the host allows it (browser.server.ts),
// from a private folder holding its profile and a copy of the task's folder,
// deleted afterwards; it runs in its own process group, killed whole at the
// deadline. Page scripts stay on: the check reports uncaught exceptions and
// console.error calls, which only running the page can show.

const DEFAULT_TIMEOUT_MS = 30_000;
/** After "load": time for timers, promise rejections and failed fetches to report. */
const SETTLE_MS = 500;
const WIDTH = 1280;
const HEIGHT = 800;
const MAX_ERRORS = 50;

function browserArgs(userDataDir: string): string[] {
  return [
    ...CHECK_BROWSER_FLAGS,
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

  constructor(private readonly roots: PathRoot[]) {}

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
        if (this.blocked.length < MAX_ERRORS) this.blocked.push(scrubPaths(entry.url, this.roots));
        return;
      }
      this.add(`${entry.text ?? "error"}${entry.url ? ` (${entry.url})` : ""}`);
    }
  }

  private add(message: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push(firstLine(scrubPaths(message, this.roots)));
  }
}

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 80) || "_";
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
  const launch = await browserLaunch(policy.chromiumPath, policy.browserUser ?? "nobody", policy.log);
  if ("refused" in launch) {
    return {
      deliverable_id: id,
      kind: "skipped",
      ok: true,
      reason: null,
      message: "The page was not rendered: the server cannot run a browser safely (see its log).",
    };
  }
  const timeoutMs = checkTimeout(policy, DEFAULT_TIMEOUT_MS);
  const workDir = await privateDir(launch.user);
  const pageRoot = path.join(workDir, "page");
  // The copy the page renders from stands for the task's folder in everything reported.
  const pageRoots: PathRoot[] = [
    { root: pathToFileURL(pageRoot).href, as: "" },
    { root: pageRoot, as: "" },
  ];
  const collector = new ConsoleCollector(pageRoots);
  const sandbox = { browser_user: launch.user?.name ?? null, sandbox: launch.sandbox };
  let child: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  let stderrTail = "";
  let graceMs = 0; // only a browser that rendered is given time to close itself
  try {
    // One deadline from here on: copying the folder and starting the browser count too.
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RenderFailure("html_timeout", `Rendering timed out after ${seconds(timeoutMs)} s.`)), timeoutMs);
      onAbort = () => reject(new RenderFailure("check_stopped", "The check was stopped before it finished."));
      if (policy.signal?.aborted) onAbort();
      else policy.signal?.addEventListener("abort", onAbort, { once: true });
    });
    stopped.catch(() => {});

    // Bounded (STAGE_MAX_BYTES), so awaited whole: a copy never outlives its folder.
    const base = await realpath(path.resolve(policy.filesDir, policy.taskId));
    await stageFolder(base, pageRoot, launch.user);
    const page = path.join(pageRoot, path.relative(base, realPath));

    child = spawnBrowser(launch, browserArgs(path.join(workDir, "profile")), workDir, ["ignore", "ignore", "pipe", "pipe", "pipe"]);
    const browser = child;
    // Drained so a chatty browser never blocks on a full stderr pipe.
    browser.stderr?.setEncoding("utf8");
    browser.stderr?.on("data", (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-2000);
    });
    const exited = new Promise<never>((_, reject) => {
      browser.once("error", (error: NodeJS.ErrnoException) =>
        reject(new RenderFailure("html_load_failed", `The browser could not be started (${error.code ?? "error"}).`)),
      );
      browser.once("exit", (code, signal) => reject(new RenderFailure("html_load_failed", `The browser exited early (${signal ?? code}).`)));
    });
    // No pid: spawn failed (e.g. ENOENT); `exited` rejects with why.
    if (browser.pid === undefined) await exited;
    const png = await Promise.race([render(browser, pathToFileURL(page).href, collector), stopped, exited]);
    graceMs = 1000;

    await mkdir(policy.screenshotDir, { recursive: true });
    const screenshot = `${safeName(policy.taskId)}-${safeName(id)}.png`;
    const screenshotPath = path.join(policy.screenshotDir, screenshot);
    const partial = `${screenshotPath}.${process.pid}.partial`;
    await writeFile(partial, png);
    await rename(partial, screenshotPath); // readers never see a half-written image

    const details = { console_errors: collector.errors, blocked_requests: collector.blocked, screenshot, ...sandbox };
    if (collector.errors.length > 0) {
      const count = collector.errors.length;
      return fail(id, "html", "html_console_errors", `The page logged ${count} console error${count === 1 ? "" : "s"}; first: ${collector.errors[0]}`, details);
    }
    const offline = collector.blocked.length > 0 ? ` (${collector.blocked.length} network request(s) blocked: pages are checked offline)` : "";
    return pass(id, "html", `The page loaded without console errors${offline}.`, details);
  } catch (error) {
    const failure =
      error instanceof RenderFailure
        ? error
        : error instanceof StageTooLarge
          ? new RenderFailure(
              "html_folder_too_large",
              `The page was not rendered: the task's folder holds ${error.message}, and pages render from a private copy of it.`,
            )
          : new RenderFailure("html_load_failed", `The page could not be rendered (${error instanceof Error ? error.message : String(error)}).`);
    return fail(id, "html", failure.reason, scrubPaths(failure.message, pageRoots), {
      console_errors: collector.errors,
      blocked_requests: collector.blocked,
      browser_stderr: scrubPaths(stderrTail.slice(-500), pageRoots),
      ...sandbox,
    });
  } finally {
    clearTimeout(timer);
    if (onAbort) policy.signal?.removeEventListener("abort", onAbort);
    if (child) await stopBrowser(child, graceMs);
    await rm(workDir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
  }
}
