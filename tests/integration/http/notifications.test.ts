import { beforeAll, describe, expect, it } from "vitest";
import { CHOOSABLE_KINDS } from "#app/domain/notifications";
import { query } from "#tests/support/fixtures";
import type { FormClient } from "#tests/support/http-client";
import { type Receiver, startReceiver } from "#tests/support/receiver";
import { useTestServer } from "#tests/support/test-server";
import { until } from "#tests/support/until";

// The notification settings over HTTP (decision 047): the preferences form
// and the channel forms as plain posts with their CSRF token, bad input
// refused with a 4xx that writes nothing, a test message through the
// server's own sender to a loopback receiver (allowlisted), its delivery log
// and a replay, and another user's channel out of reach.
describe("notification settings over HTTP", () => {
  let hook: Receiver;
  const app = useTestServer({
    env: async () => {
      hook = await startReceiver();
      return { TESTING_URL_ALLOWLIST: "127.0.0.1", NOTIFY_INTERVAL_S: "1", PUBLIC_URL: "https://mc.example.test" };
    },
    after: () => hook?.close(),
  });
  let admin: FormClient;
  let other: FormClient;
  const PAGE = "/settings/notifications";

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    other = await app.signIn({ email: "viewer@notify.test", name: "Vic Viewer", role: "viewer" });
  });

  const post = async (client: FormClient, path: string, fields: Record<string, string>) => {
    await client.get(path);
    return client.post(path, fields);
  };
  const prefs = () =>
    query<{ kinds: string[]; quiet_start: number | null; quiet_end: number | null }>(
      app.db,
      "select kinds, quiet_start, quiet_end from notification_preferences",
    );
  const channelCount = async () => Number((await query<{ n: string }>(app.db, "select count(*) as n from notification_channels"))[0]!.n);
  const allKinds = (except: string[] = []) => Object.fromEntries(CHOOSABLE_KINDS.filter((k) => !except.includes(k)).map((k) => [`kind_${k}`, "on"]));

  it("saves preferences and quiet hours, and refuses bad ones without changing anything", async () => {
    const page = await admin.get(PAGE);
    expect(page.status).toBe(200);
    expect(admin.lastHtml).toContain('data-testid="preferences-form"');
    const saved = await post(admin, PAGE, { intent: "preferences", ...allKinds(["task_done"]), quiet_start: "22:00", quiet_end: "07:00" });
    expect(saved.status).toBe(302);
    expect(saved.headers.get("location")).toBe(`${PAGE}?saved=1`);
    const [row] = await prefs();
    expect(row!.kinds).not.toContain("task_done");
    expect(row!.kinds).toContain("approval_waiting");
    expect([row!.quiet_start, row!.quiet_end]).toEqual([22 * 60, 7 * 60]);

    const bads: Array<Record<string, string>> = [
      { quiet_start: "25:00", quiet_end: "07:00" },
      { quiet_start: "22:00", quiet_end: "" },
      { quiet_start: "08:00", quiet_end: "08:00" },
      { quiet_start: "late", quiet_end: "07:00" },
      { kind_nonsense: "on" },
      { kind_mention: "yes" },
    ];
    for (const bad of bads) {
      const res = await post(admin, PAGE, { intent: "preferences", ...allKinds(), ...bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect(await prefs()).toEqual([row]);
    // Without the CSRF token: refused.
    await admin.get(PAGE);
    expect((await admin.post(PAGE, { intent: "preferences" }, { csrf: false })).status).toBe(403);
    expect(await prefs()).toEqual([row]);
  });

  it("refuses bad channels with a 400 and writes nothing", async () => {
    const before = await channelCount();
    const cases: Array<[Record<string, string>, string]> = [
      [{ intent: "add-webhook", kind: "webhook", name: "Private", url: "http://10.0.0.7/hook" }, "private or local address"],
      [{ intent: "add-webhook", kind: "webhook", name: "Metadata", url: "http://169.254.169.254/latest/meta-data" }, "private or local address"],
      [{ intent: "add-webhook", kind: "webhook", name: "Bad", url: "not a url" }, "Use an http or https URL"],
      [{ intent: "add-slack", kind: "slack", name: "Ftp", url: "ftp://example.com/x" }, "Use an http or https URL"],
      [{ intent: "add-webhook", kind: "webhook", name: "", url: `${hook.url}/x` }, "Give the channel a name"],
      [{ intent: "add-telegram", kind: "telegram", name: "Bot", bot_token: "nope", chat_id: "42" }, "bot token"],
      [{ intent: "add-telegram", kind: "telegram", name: "Bot", bot_token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ", chat_id: "chat" }, "chat id"],
      [{ intent: "add-email", kind: "email", name: "Mail", email: "not-an-address" }, "email address"],
      [{ intent: "add-email", kind: "email", name: "Mail", email: "ops@example.com" }, "SMTP_URL"],
      [{ intent: "add-pager", kind: "pager", name: "Pager" }, "Choose a channel kind"],
    ];
    for (const [fields, message] of cases) {
      const res = await post(admin, PAGE, fields);
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(await res.text(), JSON.stringify(fields)).toContain(message);
    }
    expect(await channelCount()).toBe(before);
  });

  it("adds a webhook, sends a test through the sender, logs it, and replays it on request", async () => {
    const added = await post(admin, PAGE, { intent: "add-webhook", kind: "webhook", name: "Ops hook", url: `${hook.url}/mc` });
    expect(added.status).toBe(302);
    const channelPage = added.headers.get("location")!;
    expect(channelPage).toMatch(new RegExp(`^${PAGE}/[0-9a-f-]{36}$`));
    const channelId = channelPage.split("/").pop()!;
    await admin.get(channelPage);
    expect(admin.lastHtml).toContain('data-testid="signing-secret"');
    expect(admin.lastHtml).toContain("Nothing sent yet.");

    expect((await post(admin, channelPage, { intent: "test", channel_id: channelId })).status).toBe(302);
    const first = await until("the test message", () => hook.received.find((r) => r.path === "/mc"));
    const body = JSON.parse(first.body) as { kind: string; url: string; replay: boolean };
    expect(body).toMatchObject({ kind: "channel_test", replay: false });
    expect(body.url).toBe(`https://mc.example.test${PAGE}`);
    expect(first.headers["x-mc-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);

    const deliveryId = await until("the delivery in the log", async () => {
      await admin.get(channelPage);
      return /data-delivery-id="([0-9a-f-]{36})" data-ok="true"/.exec(admin.lastHtml)?.[1];
    });
    expect(admin.lastHtml).toContain('data-label="Result"');

    expect((await post(admin, channelPage, { intent: "replay", delivery_id: deliveryId })).status).toBe(302);
    const replayed = await until("the replay", () => hook.received.filter((r) => r.path === "/mc")[1]);
    expect(JSON.parse(replayed.body)).toMatchObject({ kind: "channel_test", replay: true });
    await until("the replay in the log", async () => {
      await admin.get(channelPage);
      return admin.lastHtml.includes("(replay)");
    });

    // Another user's channel is not found, for reading and for every form.
    expect((await other.get(channelPage)).status).toBe(404);
    await other.get(PAGE);
    const forms: Array<Record<string, string>> = [
      { intent: "test", channel_id: channelId },
      { intent: "remove", channel_id: channelId },
      { intent: "replay", delivery_id: deliveryId },
    ];
    for (const fields of forms) {
      const res = await other.post(channelPage, fields);
      expect(res.status, fields.intent).toBe(404);
    }
    expect(await channelCount()).toBe(1);
    // Bad ids are a 400, a malformed channel address a 404.
    expect((await post(admin, channelPage, { intent: "replay", delivery_id: "nope" })).status).toBe(400);
    expect((await admin.get(`${PAGE}/not-a-channel`)).status).toBe(404);

    // The preferences form now lists the channel; switching it off is saved.
    expect((await post(admin, PAGE, { intent: "preferences", ...allKinds() })).status).toBe(302);
    expect((await query<{ enabled: boolean }>(app.db, "select enabled from notification_channels where id = $1", [channelId]))[0]!.enabled).toBe(false);

    expect((await post(admin, channelPage, { intent: "remove", channel_id: channelId })).status).toBe(302);
    expect(await channelCount()).toBe(0);
  });
});
