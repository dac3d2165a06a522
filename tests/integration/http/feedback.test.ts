import { beforeAll, describe, expect, it } from "vitest";
import { FormClient } from "#tests/support/http-client";
import { useTestServer } from "#tests/support/test-server";

// Feedback over real HTTP on the built bundle, on the embedded database and
// on PostgreSQL: the flash cookie (set on the redirect, shown once, cleared,
// signed), undo of a move through the same gated path (and its refusal),
// a refused move on its card, delete and its undo, and bad input.

/** The toast's Undo: a plain POST form to `action`. */
const undoForm = (action: string) => new RegExp(`<form class="toast-undo"[^>]*action="${action.replace(/[?]/g, "\\?")}" method="post">`);

/** The toast region's text, without tags ("" when it is empty). */
function toastText(html: string): string {
  const region = /<div id="toasts"[\s\S]*?(?=<script|$)/.exec(html)?.[0] ?? "";
  return region
    .replace(/<[^>]+>/g, " ")
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}

function status(html: string): string {
  return /data-testid="task-status"[^>]*>([^<]+)</.exec(html)?.[1] ?? "";
}

describe.each(["embedded", "postgres"] as const)("feedback on the %s database", (database) => {
  const app = useTestServer({ database });
  let admin: FormClient;
  let agentId: string;
  const slug = "fb";

  async function newTask(title: string): Promise<string> {
    await admin.get(`/w/${slug}/tasks/new`);
    const res = await admin.post(`/w/${slug}/tasks/new`, { title, assigned_agent_id: agentId });
    expect(res.status).toBe(302);
    return res.headers.get("location")!.split("/").pop()!;
  }

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    await admin.get("/");
    expect((await admin.post("/?index", { name: "Feedback", icon: "💬", slug })).status).toBe(302);
    await admin.get(`/w/${slug}/agents`);
    const agent = await admin.post(`/w/${slug}/agents`, {
      intent: "create",
      name: "Echo",
      role: "",
      emoji: "",
      model: "",
      openclaw_agent_id: "main",
      status: "standby",
    });
    expect(agent.status).toBe(201);
    agentId = /href="\/w\/fb\/agents\/([0-9a-f-]{36})"/.exec(admin.lastHtml)![1]!;
  });

  it("sets a signed flash on the redirect, shows it once and clears it", async () => {
    const taskId = await newTask("Flash me");
    // Creating the task already left a toast; the task page shows it and clears it.
    const created = await admin.get(`/w/${slug}/tasks/${taskId}`);
    expect(toastText(await created.text())).toContain("Task “Flash me” created.");
    expect(admin.cookies.has("mc_flash")).toBe(false);

    await admin.get(`/w/${slug}`);
    const moved = await admin.post(`/w/${slug}?index`, { intent: "move", taskId, status: "assigned" });
    expect(moved.status).toBe(302);
    expect(moved.headers.get("location")).toBe(`/w/${slug}`);
    expect(moved.headers.get("x-mc-toast")).toBeNull();
    const cookie = moved.headers.getSetCookie().find((c) => c.startsWith("mc_flash="));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Max-Age=60/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    // The value is signed: the message is not readable as plain text, and an altered one shows nothing.
    const saved = admin.cookies.get("mc_flash")!;
    const forged = new FormClient(app.url);
    for (const [k, v] of admin.cookies) forged.cookies.set(k, v);
    const payload = JSON.parse(Buffer.from(decodeURIComponent(saved).split(".")[0]!, "base64").toString("utf8")) as string;
    const altered = Buffer.from(JSON.stringify(payload.replace("Assigned", "Done")), "utf8").toString("base64");
    forged.cookies.set("mc_flash", encodeURIComponent(`${altered}.${decodeURIComponent(saved).split(".").slice(1).join(".")}`));
    expect(toastText(await (await forged.get(`/w/${slug}`)).text())).toBe("");

    const board = await admin.get(`/w/${slug}`);
    const html = await board.text();
    expect(toastText(html)).toContain("Moved “Flash me” to Assigned.");
    expect(html).toContain('role="status"');
    // The undo is a plain form: the board's move, back to where the task was.
    expect(html).toMatch(undoForm(`/w/${slug}?index`));
    expect(html).toContain(`name="taskId" value="${taskId}"`);
    expect(html).toContain('name="status" value="inbox"');
    expect(board.headers.getSetCookie().some((c) => c.startsWith("mc_flash=;") && /Max-Age=0/i.test(c))).toBe(true);
    expect(toastText(await (await admin.get(`/w/${slug}`)).text())).toBe("");
  });

  it("undoes a move through the same gated path, and says when the gate refuses", async () => {
    const taskId = await newTask("Undo me");
    await admin.get(`/w/${slug}`);
    expect((await admin.post(`/w/${slug}?index`, { intent: "move", taskId, status: "assigned" })).status).toBe(302);
    await admin.get(`/w/${slug}`);
    const undone = await admin.post(`/w/${slug}?index`, { intent: "move", taskId, status: "inbox", undo: "1" });
    expect(undone.status).toBe(302);
    const board = await (await admin.get(`/w/${slug}`)).text();
    expect(toastText(board)).toContain("Moved “Undo me” back to Inbox.");
    expect(board).not.toContain("toast-undo");
    expect(status(await (await admin.get(`/w/${slug}/tasks/${taskId}`)).text())).toBe("Inbox");

    // An undo the rules no longer allow (the task moved on since) is refused on its card, and changes nothing.
    await admin.get(`/w/${slug}`);
    const refused = await admin.post(`/w/${slug}?index`, { intent: "move", taskId, status: "review", undo: "1" });
    expect(refused.status).toBe(409);
    const html = await refused.text();
    const card = new RegExp(
      `id="task-${taskId}"[^>]*class="[^"]*is-refused[\\s\\S]*?data-testid="card-refusal"[^>]*>Couldn&#x27;t undo the move: A task in Inbox cannot move to Review`,
    );
    expect(html).toMatch(card);
    expect(toastText(html)).toContain("Couldn't undo the move");
    expect(html).toContain('role="alert"');
    expect(status(await (await admin.get(`/w/${slug}/tasks/${taskId}`)).text())).toBe("Inbox");
  });

  it("offers the undo on the task page too, back to the task page", async () => {
    const taskId = await newTask("From the page");
    const page = `/w/${slug}/tasks/${taskId}`;
    await admin.get(page);
    const moved = await admin.post(page, { intent: "move", status: "assigned" });
    expect(moved.headers.get("location")).toBe(page);
    const html = await (await admin.get(page)).text();
    expect(toastText(html)).toContain("Moved “From the page” to Assigned.");
    expect(html).toMatch(undoForm(page));
    const undone = await admin.post(page, { intent: "move", status: "inbox", undo: "1" });
    expect(undone.status).toBe(302);
    expect(status(await (await admin.get(page)).text())).toBe("Inbox");
  });

  it("deletes a task with an undo that restores it as it was", async () => {
    const taskId = await newTask("Delete me");
    const page = `/w/${slug}/tasks/${taskId}`;
    await admin.get(page);
    await admin.post(page, { intent: "move", status: "assigned" });
    const before = await (await admin.get(page)).text();
    const deleted = await admin.post(page, { intent: "delete" });
    expect(deleted.status).toBe(302);
    expect(deleted.headers.get("location")).toBe(`/w/${slug}`);
    const board = await (await admin.get(`/w/${slug}`)).text();
    expect(toastText(board)).toContain("Deleted “Delete me”.");
    expect(board).toMatch(undoForm(page));
    expect(board).toContain('name="intent" value="restore"');
    expect(board).not.toContain(`data-task-id="${taskId}"`);
    expect((await admin.get(page)).status).toBe(404);

    const restored = await admin.post(page, { intent: "restore" });
    expect(restored.status).toBe(302);
    expect(restored.headers.get("location")).toBe(page);
    const after = await (await admin.get(page)).text();
    expect(toastText(after)).toContain("Restored “Delete me”.");
    expect(status(after)).toBe("Assigned");
    // The activity is all there, as before the delete.
    const activity = (html: string) => /<ol class="activity">([\s\S]*?)<\/ol>/.exec(html)?.[1];
    expect(activity(after)).toBe(activity(before));
    expect(await (await admin.get(`/w/${slug}`)).text()).toContain(`data-task-id="${taskId}"`);

    // A second undo, or one for a task that does not exist, is a clear 4xx.
    await admin.get(page);
    expect((await admin.post(page, { intent: "restore" })).status).toBe(409);
    const missing = `/w/${slug}/tasks/00000000-0000-4000-8000-000000000000`;
    expect((await admin.post(missing, { intent: "restore" })).status).toBe(404);
  });

  it("refuses bad input with a 4xx that changes nothing and leaves no flash", async () => {
    const taskId = await newTask("Stay put");
    await admin.get(`/w/${slug}`);
    for (const fields of <Array<Record<string, string>>>[
      { intent: "move", taskId, status: "nowhere" },
      { intent: "move", taskId, status: "assigned", undo: "yes" },
      { intent: "move", taskId: "not-a-uuid", status: "assigned" },
    ]) {
      const res = await admin.post(`/w/${slug}?index`, fields);
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(res.headers.getSetCookie().some((c) => c.startsWith("mc_flash=") && !/Max-Age=0/i.test(c))).toBe(false);
    }
    expect(status(await (await admin.get(`/w/${slug}/tasks/${taskId}`)).text())).toBe("Inbox");
  });

  it("carries the flash through a JavaScript submission too (a data request, then the loaders)", async () => {
    const taskId = await newTask("By script");
    await admin.get(`/w/${slug}`);
    const res = await admin.request(`/w/${slug}.data?index`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: app.url },
      body: new URLSearchParams({ csrf: admin.csrf(), intent: "move", taskId, status: "assigned" }),
    });
    expect(res.status).toBeLessThan(400);
    expect(res.headers.get("x-mc-toast")).toBeNull();
    expect(admin.cookies.has("mc_flash")).toBe(true);
    const loaders = await admin.request(`/w/${slug}.data`);
    const first = await loaders.text();
    expect(first).toContain("Moved “By script” to Assigned.");
    // A live update's revalidation racing the loads after the submission gets the same toast (the page shows an id once).
    expect(admin.cookies.has("mc_flash")).toBe(true);
    expect(await (await admin.request(`/w/${slug}.data`)).text()).toContain("Moved “By script” to Assigned.");
    // A page load shows it and clears it.
    expect(toastText(await (await admin.get(`/w/${slug}`)).text())).toContain("Moved “By script” to Assigned.");
    expect(admin.cookies.has("mc_flash")).toBe(false);
  });
});
