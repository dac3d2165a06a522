import { createHmac, timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type Server, createServer } from "node:http";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import webpush from "web-push";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { savePushSubscription } from "#app/db/auth.server";
import { getNotificationChannel } from "#app/db/notifications.server";
import type { Workspace } from "#app/db/workspaces.server";
import { AppError } from "#app/domain/errors";
import { WEBHOOK_TOLERANCE_S } from "#app/domain/notifications";
import { addChannel } from "#app/services/notifications/channels.server";
import { type Notifier, type NotifierSettings, createNotifier } from "#app/services/notifications/notifier.server";
import { webPushSender } from "#app/services/notifications/web-push.server";
import { createLogger } from "#app/services/observability/logger.server";
import { useTestDatabase } from "#tests/support/databases";
import { type TestUser, appError, createTask, createUser, createWorkspace, query } from "#tests/support/fixtures";
import { type PushReceiver, startPushReceiver } from "#tests/support/push-receiver";
import { until } from "#tests/support/until";

// Each channel against a receiver on loopback started here, checking what
// arrives: the signed webhook (HMAC over "<timestamp>.<body>" with the
// channel's secret, a fresh timestamp), Slack's incoming-webhook message,
// Telegram's sendMessage at /bot<token>/sendMessage, and an email received
// by a local SMTP server and parsed. A receiver that fails and then recovers
// gets the message again after a backoff, and exactly once successfully.

interface Hit {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

async function receiver(answer: (hit: Hit, hits: Hit[]) => [number, string] = () => [200, "ok"]) {
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const hit = { path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      hits.push(hit);
      const [status, body] = answer(hit, hits);
      res.writeHead(status, { "content-type": body.startsWith("{") ? "application/json" : "text/plain" });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, hits, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("notification channels against loopback receivers", () => {
  const db = useTestDatabase("postgres");
  const TOKEN = "123456789:AAH-test_token_abcdefghijklmnopqrstu";
  let ws: Workspace;
  let ada: TestUser;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let slack: Awaited<ReturnType<typeof receiver>>;
  let telegram: Awaited<ReturnType<typeof receiver>>;
  let flaky: Awaited<ReturnType<typeof receiver>>;
  let smtp: SMTPServer;
  const mails: ParsedMail[] = [];
  let notifier: Notifier;
  const channels: Record<string, string> = {};

  const emit = (type: string, payload: Record<string, unknown>, task?: string) =>
    query(db(), 'select emit_event($1, $2, $3, null, \'{"type":"system","name":"test"}\'::jsonb, $4::text::jsonb)', [
      type,
      ws.id,
      task ?? null,
      JSON.stringify(payload),
    ]);

  beforeAll(async () => {
    hook = await receiver();
    slack = await receiver();
    telegram = await receiver(() => [200, '{"ok":true,"result":{"message_id":1}}']);
    // Fails each notification twice, then takes it.
    const tries = (hit: Hit, hits: Hit[]) => hits.filter((h) => h.headers["x-mc-delivery-id"] === hit.headers["x-mc-delivery-id"]).length;
    flaky = await receiver((hit, hits) => (tries(hit, hits) <= 2 ? [500, "down for maintenance"] : [200, "ok"]));
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((mail) => {
            mails.push(mail);
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
    const smtpAddress = smtp.server.address();
    const smtpPort = typeof smtpAddress === "object" && smtpAddress ? smtpAddress.port : 0;

    const settings: NotifierSettings = {
      publicUrl: "https://mc.example.com",
      TESTING_URL_ALLOWLIST: ["127.0.0.1"],
      TELEGRAM_API_URL: telegram.url,
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      SMTP_FROM: "Mission Control <mc@example.com>",
      NOTIFY_INTERVAL_S: 0,
      NOTIFY_EXPIRY_WINDOW_MINUTES: 15,
    };
    notifier = createNotifier({ db: db(), log: createLogger("silent"), settings }, { retryBaseMs: 1000, random: () => 0.5, sendTimeoutMs: 5000 });

    ws = await createWorkspace(db());
    ada = await createUser(db(), "approver", "Ada Approver");
    const allow = { allowedHosts: ["127.0.0.1"], smtpConfigured: true };
    channels.webhook = (await addChannel(db(), ada.id, { kind: "webhook", name: "Hook", url: `${hook.url}/in` }, allow)).id;
    channels.slack = (await addChannel(db(), ada.id, { kind: "slack", name: "Slack", url: `${slack.url}/services/T0/B0/secretpath` }, allow)).id;
    channels.telegram = (await addChannel(db(), ada.id, { kind: "telegram", name: "Bot", bot_token: TOKEN, chat_id: "-100200300" }, allow)).id;
    channels.email = (await addChannel(db(), ada.id, { kind: "email", name: "Mail", email: "ada@example.com" }, allow)).id;
    channels.flaky = (await addChannel(db(), ada.id, { kind: "webhook", name: "Flaky", url: `${flaky.url}/hook` }, allow)).id;
    await notifier.tick();
  });

  afterAll(async () => {
    await notifier?.stop();
    await Promise.all([hook, slack, telegram, flaky].map((r) => r?.close()));
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  it("refuses private and local addresses unless their host is allowlisted, and email without SMTP settings", async () => {
    const none = { allowedHosts: [], smtpConfigured: false };
    for (const url of ["http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://169.254.169.254/latest", "http://[::1]/x", "http://localhost/x"]) {
      const refused = await appError(addChannel(db(), ada.id, { kind: "webhook", name: "Bad", url }, none));
      expect(refused.code, url).toBe("invalid");
      expect(refused.fieldErrors?.url, url).toMatch(/private or local address|could not be resolved/);
    }
    const mail = await appError(addChannel(db(), ada.id, { kind: "email", name: "Mail", email: "a@example.com" }, none));
    expect(mail).toBeInstanceOf(AppError);
    expect(mail.fieldErrors?.email).toMatch(/SMTP_URL/);
    expect(
      await query(db(), "select 1 from notification_channels where name in ('Bad') or (kind = 'email' and user_id = $1 and name <> 'Mail')", [ada.id]),
    ).toEqual([]);
  });

  it("delivers one approval to every channel in its own format, each linking to the approval", async () => {
    const task = await createTask(db(), ws.id, { title: "Deploy to production" });
    const approvalId = crypto.randomUUID();
    await emit("approval.requested", { approval_id: approvalId, action: "task.dispatch", title: "Deploy to production", mode: "hitl" }, task.id);
    const before = Math.floor(Date.now() / 1000);
    await notifier.tick();
    const link = `https://mc.example.com/approvals/${approvalId}`;

    // Webhook: signed over "<timestamp>.<raw body>", timestamp fresh, delivery id = the outbox row.
    const hit = await until("the webhook", () => hook.hits.at(-1));
    const [channel] = await query<{ secret: string }>(db(), "select secret from notification_channels where id = $1", [channels.webhook]);
    const timestamp = Number(hit.headers["x-mc-timestamp"]);
    expect(Math.abs(timestamp - before)).toBeLessThanOrEqual(WEBHOOK_TOLERANCE_S);
    const expected = createHmac("sha256", channel!.secret).update(`${timestamp}.${hit.body}`).digest();
    const given = Buffer.from(String(hit.headers["x-mc-signature"]).replace(/^sha256=/, ""), "hex");
    expect(given.length).toBe(32);
    expect(timingSafeEqual(given, expected)).toBe(true);
    // The same body signed with another secret does not verify.
    expect(timingSafeEqual(given, createHmac("sha256", "wrong").update(`${timestamp}.${hit.body}`).digest())).toBe(false);
    const body = JSON.parse(hit.body) as Record<string, unknown>;
    expect(body).toMatchObject({ kind: "approval_waiting", title: "Approval needed", url: link, replay: false });
    expect(String(body.text)).toContain("“Deploy to production”");
    const [row] = await query<{ id: string }>(db(), "select id from notification_outbox where channel_id = $1", [channels.webhook]);
    expect(hit.headers["x-mc-delivery-id"]).toBe(row!.id);

    // Slack: an incoming-webhook message with mrkdwn text and the link.
    const s = JSON.parse(slack.hits.at(-1)!.body) as { text: string; blocks: Array<{ type: string; text: { type: string; text: string } }> };
    expect(slack.hits.at(-1)!.path).toBe("/services/T0/B0/secretpath");
    expect(s.text).toContain("*Approval needed*");
    expect(s.text).toContain(`<${link}|Open in Mission Control>`);
    expect(s.blocks[0]).toMatchObject({ type: "section", text: { type: "mrkdwn" } });

    // Telegram: sendMessage on the bot's path with the chat and the link.
    const t = telegram.hits.at(-1)!;
    expect(t.path).toBe(`/bot${TOKEN}/sendMessage`);
    const message = JSON.parse(t.body) as { chat_id: string; text: string };
    expect(message.chat_id).toBe("-100200300");
    expect(message.text).toContain(link);

    // Email: received by the SMTP server, parsed.
    const mail = await until("the email", () => mails.at(-1));
    expect(mail.subject).toBe("[Mission Control] Approval needed");
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(`href="${link}"`);
    const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
    expect(to?.value[0]?.address).toBe("ada@example.com");

    // Every channel's log shows one good delivery; nothing is left to send.
    for (const name of ["webhook", "slack", "telegram", "email"]) {
      const detail = (await getNotificationChannel(db(), ada.id, channels[name]!))!;
      expect(
        detail.deliveries.map((d) => d.ok),
        name,
      ).toEqual([true]);
      expect(detail.waiting, name).toEqual([]);
    }
    // The bot token is never shown back in full.
    const bot = (await getNotificationChannel(db(), ada.id, channels.telegram!))!;
    expect(JSON.stringify(bot)).not.toContain(TOKEN);
    expect(bot.secret_hint).toBe(TOKEN.slice(-4));
  });

  it("keeps retrying a failing receiver with backoff without holding up the others, and delivers once it recovers", async () => {
    const hooksBefore = hook.hits.length;
    const task = await createTask(db(), ws.id, { title: "Nightly report" });
    await emit("task.updated", { title: "Nightly report", status: "done", from_status: "review" }, task.id);
    await notifier.tick();
    // The healthy channels got it at once.
    expect(hook.hits.length).toBe(hooksBefore + 1);
    const failedOnce = (await getNotificationChannel(db(), ada.id, channels.flaky!))!;
    const pending = failedOnce.waiting.find((w) => w.kind === "task_done")!;
    expect(pending.last_error).toBe("The receiver answered 500: down for maintenance");
    // Due again after the backoff (0.75 s for a first failure here), not at once.
    const [due] = await query<{ ahead: boolean }>(db(), "select deliver_after > now() as ahead from notification_outbox where id = $1", [pending.id]);
    expect(due!.ahead).toBe(true);

    await until(
      "the flaky receiver to get it",
      async () => {
        await notifier.tick();
        const [row] = await query<{ status: string }>(db(), "select status from notification_outbox where id = $1", [pending.id]);
        return row!.status === "sent";
      },
      20_000,
      200,
    );
    // Three attempts, one delivery id, one success; nothing more is sent after.
    const mine = flaky.hits.filter((h) => h.headers["x-mc-delivery-id"] === pending.id);
    expect(mine.map((h) => h.path)).toEqual(["/hook", "/hook", "/hook"]);
    await notifier.tick();
    expect(flaky.hits.filter((h) => h.headers["x-mc-delivery-id"] === pending.id)).toHaveLength(3);
    const log = (await getNotificationChannel(db(), ada.id, channels.flaky!))!;
    expect(log.deliveries.filter((d) => d.outbox_id === pending.id).map((d) => [d.attempt, d.ok])).toEqual([
      [3, true],
      [2, false],
      [1, false],
    ]);
    expect(log.failing).toBe(false);
  });
});

// Web Push through the same outbox: one row per device of the user, sent
// encrypted to the device's keys and signed with the server's VAPID key (the
// loopback push service decrypts and checks both); a device the push service
// calls gone is marked expired, never tried again, and gets no new rows.
describe("Web Push through the outbox", () => {
  const db = useTestDatabase("postgres");
  const vapid = webpush.generateVAPIDKeys();
  let push: PushReceiver;
  let notifier: Notifier;
  let ws: Workspace;
  let bob: TestUser;

  beforeAll(async () => {
    push = await startPushReceiver();
    const settings: NotifierSettings = {
      publicUrl: "https://mc.example.com",
      TESTING_URL_ALLOWLIST: [],
      TELEGRAM_API_URL: "https://api.telegram.org",
      SMTP_URL: undefined,
      SMTP_FROM: "Mission Control <mc@example.com>",
      NOTIFY_INTERVAL_S: 0,
      NOTIFY_EXPIRY_WINDOW_MINUTES: 15,
    };
    const webPushSend = webPushSender({ vapid: { subject: "mailto:ops@example.test", ...vapid }, allowedHosts: ["127.0.0.1"] });
    notifier = createNotifier({ db: db(), log: createLogger("silent"), settings }, { sendTimeoutMs: 5000, webPushSend });
    ws = await createWorkspace(db());
    bob = await createUser(db(), "approver", "Bob Approver");
    await notifier.tick();
  });
  afterAll(async () => {
    await notifier?.stop();
    await push?.close();
  });

  const emit = (payload: Record<string, unknown>, task: string) =>
    query(db(), 'select emit_event(\'approval.requested\', $1, $2, null, \'{"type":"system","name":"test"}\'::jsonb, $3::text::jsonb)', [
      ws.id,
      task,
      JSON.stringify(payload),
    ]);

  it("sends each of the user's devices the approval, encrypted and signed, and retires a device the push service calls gone", async () => {
    const phone = push.browser(201);
    const old = push.browser(410);
    for (const device of [phone, old]) await savePushSubscription(db(), bob.id, { ...device, userAgent: "test" });
    const task = await createTask(db(), ws.id, { title: "Ship it" });
    const approvalId = crypto.randomUUID();
    await emit({ approval_id: approvalId, action: "task.dispatch", title: "Ship it", mode: "hitl" }, task.id);
    await notifier.tick();

    const toPhone = push.messages.filter((m) => phone.endpoint.endsWith(m.path));
    expect(toPhone).toHaveLength(1);
    expect(toPhone[0]!.vapidProblem).toBeNull();
    expect(toPhone[0]!.vapidKey).toBe(vapid.publicKey);
    expect(JSON.parse(toPhone[0]!.payload!)).toMatchObject({ title: "Approval needed", url: `https://mc.example.com/approvals/${approvalId}` });
    const devices = await query<{ endpoint: string; expired: boolean; succeeded: boolean }>(
      db(),
      "select endpoint, expired_at is not null as expired, last_success_at is not null as succeeded from push_subscriptions",
    );
    expect(devices.find((d) => d.endpoint === phone.endpoint)).toMatchObject({ expired: false, succeeded: true });
    expect(devices.find((d) => d.endpoint === old.endpoint)).toMatchObject({ expired: true, succeeded: false });

    // The gone device's row stays in the outbox, unsent, and is never claimed again; new events skip the device.
    const tried = push.messages.length;
    await emit({ approval_id: crypto.randomUUID(), action: "task.dispatch", title: "Ship it", mode: "hitl" }, task.id);
    await notifier.tick();
    expect(push.messages.length).toBe(tried + 1);
    expect(phone.endpoint.endsWith(push.messages.at(-1)!.path)).toBe(true);
    const rows = await query<{ target_key: string; status: string; attempts: number }>(
      db(),
      "select target_key, status, attempts from notification_outbox where channel_kind = 'web_push' order by created_at",
    );
    expect(rows.map((r) => r.status).sort()).toEqual(["pending", "sent", "sent"]);
    expect(rows.find((r) => r.status === "pending")!.attempts).toBe(1);
  });
});
