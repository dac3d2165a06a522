import type { Page } from "@playwright/test";
import { createWorkspace, expect, server, unique } from "./fixtures";

// A task as an agent leaves it mid-work: a Markdown description, stored files
// of every preview kind offered as deliverables (one an HTML report whose
// script would retitle the page and read cookies), and a request waiting for
// approval. Built through the real pages and the agent API.

/** A 1×1 PNG. */
export const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

export const HOSTILE_HTML = `<!doctype html><html><head><title>Quarterly report</title></head><body>
<h1 id="report-heading">Quarterly report</h1>
<p>Revenue grew.</p>
<script>
  document.title = "pwned";
  try { parent.document.title = "pwned"; } catch (e) {}
  document.body.setAttribute("data-cookie", String(document.cookie));
  document.getElementById("report-heading").textContent = "Script ran";
</script>
</body></html>`;

export const DESCRIPTION = [
  "Gather **three** sources and see [the docs](https://example.com/docs).",
  "",
  "Raw <script>alert(1)</script> stays text; https://example.org/plain becomes a link.",
].join("\n");

export async function richTask(page: Page, label: string) {
  const base = await createWorkspace(page, unique(label));
  await page.goto(`${base}/agents`);
  await page.getByLabel("Name").fill("Builder");
  await page.getByLabel("Emoji").fill("🛠️");
  await page.getByRole("button", { name: "Create agent" }).click();
  const token = (await page.getByTestId("agent-token").innerText()).trim();

  const title = unique("Quarterly report");
  await page.goto(`${base}/tasks/new`);
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Description").fill(DESCRIPTION);
  await page.getByLabel("Priority").selectOption("high");
  await page.getByLabel("Assignee").selectOption({ label: "🛠️ Builder" });
  await page.getByLabel("Due date").fill("2030-01-15");
  await page.getByLabel("Task type").selectOption({ label: "Research (low risk)" });
  await page.getByLabel("Start in").selectOption("assigned");
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  const taskId = page.url().split("/").pop()!;
  const url = new URL(page.url()).pathname;

  const api = `${server().url}/api/agent/tasks/${taskId}`;
  const auth = { authorization: `Bearer ${token}` };
  const started = await page.request.patch(api, { headers: auth, data: { status: "in_progress" } });
  expect(started.status(), await started.text()).toBe(200);

  const files: Array<{ name: string; mimeType: string; buffer: Buffer; title: string }> = [
    { name: "report.html", mimeType: "text/html", buffer: Buffer.from(HOSTILE_HTML), title: "HTML report" },
    { name: "chart.png", mimeType: "image/png", buffer: PNG, title: "Chart" },
    { name: "summary.md", mimeType: "text/markdown", buffer: Buffer.from("# Summary\n\n- **Up** 12%\n- See https://example.com/q3\n"), title: "Summary" },
    { name: "run.log", mimeType: "text/plain", buffer: Buffer.from("step 1 ok\nstep 2 ok\n"), title: "Run log" },
  ];
  for (const f of files) {
    const up = await page.request.post(`${api}/files`, { headers: auth, multipart: { file: { name: f.name, mimeType: f.mimeType, buffer: f.buffer } } });
    expect(up.status(), await up.text()).toBe(201);
    const { path } = (await up.json()) as { path: string };
    const added = await page.request.post(`${api}/deliverables`, { headers: auth, data: { type: "file", title: f.title, path } });
    expect(added.status(), await added.text()).toBe(201);
  }
  const ask = async (args: Record<string, unknown>) => {
    const res = await page.request.post(`${server().url}/api/agent/approvals`, {
      headers: auth,
      data: { task_id: taskId, action: "deploy", args, target: "web-1", reason: "release 1.2" },
    });
    expect(res.status(), await res.text()).toBe(201);
    return (await res.json()) as { id: string; status: string };
  };
  const poll = async (id: string) =>
    ((await (await page.request.get(`${server().url}/api/agent/approvals/${id}`, { headers: auth })).json()) as { status: string }).status;
  return { base, url, taskId, title, token, ask, poll };
}
