import type { BrowserContext } from "@playwright/test";
import { AUTH_FILE, createWorkspace, expect, test, unique } from "./fixtures";

// The live stream as the browser keeps it: when it drops, the badge says so,
// the client retries with backoff, resumes from the last seq it saw, and the
// replay brings the page up to date.

test.use({ storageState: AUTH_FILE });

/** The log's last seq, from the `ready` of a stream opened with the operator's session. */
async function lastSeq(context: BrowserContext, url: string): Promise<number> {
  const cookie = (await context.cookies(url)).map((c) => `${c.name}=${c.value}`).join("; ");
  const res = await fetch(`${url}/api/events/stream`, { headers: { cookie } });
  expect(res.status).toBe(200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    for (;;) {
      const ready = /id: (\d+)\nevent: ready\n/.exec(text);
      if (ready) return Number(ready[1]);
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`stream ended before ready: ${text}`);
      text += chunk.value;
    }
  } finally {
    await reader.cancel();
  }
}

test("a dropped stream shows it, reconnects from the last seq it saw, and the replay updates the page", async ({
  page,
  context,
  browser,
  baseURL,
  consoleProblems,
}) => {
  const base = await createWorkspace(page, unique("Reconnect"));
  const seq = await lastSeq(context, baseURL!);

  // This page's streams: the first ends after its `ready` (a dropped
  // connection), the next ones are refused until the test lets them through.
  const streams: string[] = [];
  let refuse = true;
  await page.route("**/api/events/stream**", async (route) => {
    streams.push(route.request().url());
    if (streams.length === 1) {
      await route.fulfill({ status: 200, contentType: "text/event-stream", body: `id: ${seq}\nevent: ready\ndata: {"last_seq":${seq}}\n\n` });
    } else if (refuse) {
      await route.abort("connectionrefused");
    } else {
      await route.continue();
    }
  });
  await page.goto(base);
  // Two failures in a row: the first says reconnecting, the second offline.
  await expect(page.locator(".conn")).toHaveText("Offline");

  // Meanwhile another operator renames the workspace.
  const renamed = unique("Renamed while offline");
  const otherContext = await browser.newContext({ storageState: AUTH_FILE });
  const other = await otherContext.newPage();
  await other.goto(`${base}/settings`);
  await other.getByLabel("Name").fill(renamed);
  await other.getByRole("button", { name: "Save", exact: true }).click();
  await expect(other.locator(".ws-name")).toContainText(renamed);
  await otherContext.close();
  await expect(page.locator(".ws-name")).not.toContainText(renamed);

  refuse = false;
  await expect(page.locator(".conn")).toHaveText("Live", { timeout: 15_000 });
  await expect(page.locator(".ws-name")).toContainText(renamed);
  // Every retry resumed from the seq the dropped stream had reached.
  expect(streams.length).toBeGreaterThanOrEqual(3);
  expect(new URL(streams[0]!).searchParams.get("last_event_id")).toBeNull();
  for (const url of streams.slice(1)) expect(new URL(url).searchParams.get("last_event_id")).toBe(String(seq));

  // Chromium reports each refused retry on the console; those are the only errors this page may show.
  const refusal = "console.error: Failed to load resource: net::ERR_CONNECTION_REFUSED";
  expect(consoleProblems.filter((p) => p === refusal)).toHaveLength(streams.length - 2);
  consoleProblems.splice(0, consoleProblems.length, ...consoleProblems.filter((p) => p !== refusal));
});
