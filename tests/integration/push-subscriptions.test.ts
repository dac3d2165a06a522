import { afterAll, beforeAll, describe, expect, it } from "vitest";
import webpush from "web-push";
import {
  getPushSubscription,
  listPushSubscriptions,
  markPushSubscriptionExpired,
  recordPushSuccess,
  removePushSubscription,
  savePushSubscription,
} from "#app/db/auth.server";
import { webPushSender } from "#app/services/notifications/web-push.server";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { type TestUser, appError, createUser, query } from "#tests/support/fixtures";
import { type PushReceiver, startPushReceiver } from "#tests/support/push-receiver";

// Web Push (decision 048): the devices a user is notified on, in SQL (one
// owner per endpoint, renewed by its owner, refused to anyone else, removed
// only by its owner, expired when the push service says it is gone), and the
// sender against a loopback push service that checks the VAPID signature and
// decrypts the message like a browser.

const device = (n: number) => ({
  endpoint: `https://push.example.test/send/${n}-${Math.random().toString(36).slice(2)}`,
  p256dh: `B${"A".repeat(86)}`,
  auth: "A".repeat(22),
  userAgent: "Chrome on Android",
});

describe.each(TRANSPORTS)("push subscriptions on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ada: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    ada = await createUser(db(), "approver", "Ada");
    bob = await createUser(db(), "viewer", "Bob");
  });

  it("saves a device, renews it with new keys for its owner, and lists only the owner's active ones", async () => {
    const phone = device(1);
    const saved = await savePushSubscription(db(), ada.id, phone);
    expect(saved).toMatchObject({ user_id: ada.id, endpoint: phone.endpoint, user_agent: "Chrome on Android", expired_at: null, last_success_at: null });
    const renewed = await savePushSubscription(db(), ada.id, { ...phone, auth: "B".repeat(22) });
    expect(renewed.id).toBe(saved.id);
    expect(renewed.auth).toBe("B".repeat(22));
    expect((await listPushSubscriptions(db(), ada.id)).map((d) => d.id)).toContain(saved.id);
    expect((await listPushSubscriptions(db(), bob.id)).map((d) => d.id)).not.toContain(saved.id);
  });

  it("refuses an endpoint another user owns and leaves it as it was", async () => {
    const phone = device(2);
    const saved = await savePushSubscription(db(), ada.id, phone);
    const refused = await appError(savePushSubscription(db(), bob.id, { ...phone, auth: "C".repeat(22) }));
    expect(refused.code).toBe("conflict");
    expect(refused.status).toBe(409);
    const [row] = await query<{ user_id: string; auth: string }>(db(), "select user_id, auth from push_subscriptions where endpoint = $1", [phone.endpoint]);
    expect(row).toEqual({ user_id: ada.id, auth: saved.auth });
  });

  it("removes a device only for its owner, by id or by endpoint", async () => {
    const a = await savePushSubscription(db(), ada.id, device(3));
    const b = await savePushSubscription(db(), ada.id, device(4));
    expect((await appError(removePushSubscription(db(), bob.id, { id: a.id }))).code).toBe("not_found");
    expect(await getPushSubscription(db(), bob.id, a.id)).toBeNull();
    expect((await getPushSubscription(db(), ada.id, a.id))?.id).toBe(a.id);
    await removePushSubscription(db(), ada.id, { id: a.id });
    await removePushSubscription(db(), ada.id, { endpoint: b.endpoint });
    expect(await query(db(), "select 1 from push_subscriptions where id = any($1::uuid[])", [[a.id, b.id]])).toEqual([]);
    expect((await appError(db().rpc("remove_push_subscription", { p_user_id: ada.id, p_id: null, p_endpoint: null }))).code).toBe("invalid");
  });

  it("marks a gone endpoint expired (no longer listed, no successes recorded) until its owner subscribes again", async () => {
    const phone = device(5);
    const saved = await savePushSubscription(db(), ada.id, phone);
    expect((await recordPushSuccess(db(), phone.endpoint)).recorded).toBe(true);
    expect((await getPushSubscription(db(), ada.id, saved.id))?.last_success_at).not.toBeNull();
    expect(await markPushSubscriptionExpired(db(), phone.endpoint)).toEqual({ id: saved.id, expired: true });
    expect((await listPushSubscriptions(db(), ada.id)).map((d) => d.id)).not.toContain(saved.id);
    expect((await recordPushSuccess(db(), phone.endpoint)).recorded).toBe(false);
    expect((await markPushSubscriptionExpired(db(), "https://push.example.test/unknown")).expired).toBe(false);
    const again = await savePushSubscription(db(), ada.id, phone);
    expect(again).toMatchObject({ id: saved.id, expired_at: null });
  });

  it("keeps a disabled user's devices off the list and refuses new ones", async () => {
    const carol = await createUser(db(), "viewer", "Carol");
    await savePushSubscription(db(), carol.id, device(6));
    await query(db(), "update users set disabled_at = now() where id = $1", [carol.id]);
    expect(await listPushSubscriptions(db(), carol.id)).toEqual([]);
    expect((await appError(savePushSubscription(db(), carol.id, device(7)))).code).toBe("not_found");
  });

  it("refuses values over the column limits in the table itself", async () => {
    await expect(savePushSubscription(db(), ada.id, { ...device(8), p256dh: "B".repeat(201) })).rejects.toThrow();
  });
});

describe("the Web Push sender", () => {
  let push: PushReceiver;
  const vapid = webpush.generateVAPIDKeys();
  let send: ReturnType<typeof webPushSender>;

  beforeAll(async () => {
    push = await startPushReceiver();
    send = webPushSender({
      vapid: { subject: "mailto:ops@example.test", publicKey: vapid.publicKey, privateKey: vapid.privateKey },
      allowedHosts: ["127.0.0.1"],
    });
  });
  afterAll(() => push.close());

  const payload = { title: "Approval waiting", body: "deploy on web-1 — release 1.2", url: "/approvals/6f1c", tag: "approval-6f1c" };

  it("delivers an aes128gcm message signed with our VAPID key for the push service's origin (201)", async () => {
    const browser = push.browser(201);
    expect(await send(browser, payload, { ttlSeconds: 120 })).toEqual({ ok: true });
    const message = push.messages.at(-1)!;
    expect(message.vapidProblem).toBeNull();
    expect(message.vapidKey).toBe(vapid.publicKey);
    expect(message.jwt).toMatchObject({ aud: push.origin, sub: "mailto:ops@example.test" });
    expect(message.headers["content-encoding"]).toBe("aes128gcm");
    expect(message.headers.ttl).toBe("120");
    expect(message.headers.urgency).toBe("high");
    expect(JSON.parse(message.payload!)).toEqual(payload);
  });

  it("says gone for 410 (the caller marks it expired) and retry for 500", async () => {
    const gone = push.browser(410);
    expect(await send(gone, payload)).toMatchObject({ ok: false, gone: true, retry: false, status: 410 });
    const busy = push.browser(500);
    expect(await send(busy, payload)).toMatchObject({ ok: false, gone: false, retry: true, status: 500 });
  });

  it("retries when the push service cannot be reached, and stops at the caller's signal", async () => {
    const browser = push.browser(201);
    const closed = { ...browser, endpoint: browser.endpoint.replace(/:\d+\//, ":1/") };
    expect(await send(closed, payload)).toMatchObject({ ok: false, gone: false, retry: true });
    const aborted = new AbortController();
    aborted.abort();
    expect(await send(browser, payload, { signal: aborted.signal })).toMatchObject({ ok: false, retry: true });
  });

  it("refuses a private or plain-http endpoint that is not allowlisted, without sending", async () => {
    const strict = webPushSender({ vapid: { subject: "mailto:ops@example.test", publicKey: vapid.publicKey, privateKey: vapid.privateKey }, allowedHosts: [] });
    const before = push.messages.length;
    const browser = push.browser(201);
    expect(await strict(browser, payload)).toMatchObject({ ok: false, gone: false, retry: false, error: expect.stringMatching(/https/) });
    expect(await strict({ ...browser, endpoint: "https://10.0.0.7/push/1" }, payload)).toMatchObject({
      ok: false,
      retry: false,
      error: expect.stringMatching(/private/),
    });
    expect(push.messages.length).toBe(before);
  });
});
