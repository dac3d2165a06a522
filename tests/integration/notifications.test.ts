import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  claimNotifications,
  createNotificationChannel,
  finishNotification,
  produceNotifications,
  replayNotificationDelivery,
  setNotificationPreferences,
} from "#app/db/notifications.server";
import { createTaskComment } from "#app/db/comments.server";
import type { SqlDatabase } from "#app/db/types";
import type { Workspace } from "#app/db/workspaces.server";
import { mentionHandles } from "#app/domain/comments";
import { CHANNEL_FAILING_AFTER, NOTIFICATION_KINDS, NOTIFICATION_KIND_NAMES } from "#app/domain/notifications";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { type TestUser, appError, createTask, createUser, createWorkspace, query, userActor } from "#tests/support/fixtures";

// Notifications in SQL (decision 047): settled events become outbox rows per
// user, preference and channel, each once; approvals about to expire are
// announced once; quiet hours hold what is not urgent until they end; the
// sender's claim takes a lease that a second sender skips (and that a dead
// sender's row is claimed again after), and a sent row is sent again only by
// an explicit replay.
describe.each(TRANSPORTS)("notifications on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let approver: TestUser;
  let admin: TestUser;
  let viewer: TestUser;
  const channelOf: Record<string, string> = {};

  const emit = (type: string, payload: Record<string, unknown>, options: { task?: string; actor?: Record<string, unknown> } = {}) =>
    query(db(), "select emit_event($1, $2, $3, null, $4::text::jsonb, $5::text::jsonb)", [
      type,
      ws.id,
      options.task ?? null,
      JSON.stringify(options.actor ?? { type: "system", name: "test" }),
      JSON.stringify(payload),
    ]);
  const outbox = () =>
    query<{ id: string; user_id: string; kind: string; channel_id: string; urgent: boolean; due_in_s: number; status: string; attempts: number }>(
      db(),
      "select id, user_id, kind, channel_id, urgent, extract(epoch from deliver_after - now())::float as due_in_s, status, attempts from notification_outbox order by created_at, user_id",
    );
  const produce = () => produceNotifications(db(), 1000, 900);
  const kindsFor = async (user: TestUser) =>
    (await outbox())
      .filter((r) => r.user_id === user.id)
      .map((r) => r.kind)
      .sort();

  beforeAll(async () => {
    ws = await createWorkspace(db());
    approver = await createUser(db(), "approver", "Ada Approver");
    admin = await createUser(db(), "admin", "Alan Admin");
    viewer = await createUser(db(), "viewer", "Vera Viewer");
    for (const u of [approver, admin, viewer]) {
      const c = await createNotificationChannel(db(), u.id, { kind: "webhook", name: `${u.name}'s hook`, target: "https://hooks.example.com/in", secret: "s" });
      channelOf[u.id] = c.id;
    }
    // A second channel of the viewer's, switched off: it receives nothing.
    const off = await createNotificationChannel(db(), viewer.id, { kind: "email", name: "Mail", target: "vera@example.com", secret: null });
    await setNotificationPreferences(db(), viewer.id, {
      kinds: NOTIFICATION_KIND_NAMES.filter((k) => k !== "task_done"),
      quiet_start: null,
      quiet_end: null,
      enabled_channels: [channelOf[viewer.id]!],
    });
    expect((await query<{ enabled: boolean }>(db(), "select enabled from notification_channels where id = $1", [off.id]))[0]!.enabled).toBe(false);
    await produce();
  });

  beforeEach(async () => {
    await produce();
    await query(db(), "delete from notification_outbox");
  });

  it("lists the same kinds and urgency as the app", async () => {
    const [row] = await query<{ kinds: string[] }>(db(), "select notification_kinds() as kinds");
    expect(row!.kinds).toEqual(NOTIFICATION_KIND_NAMES);
    const urgent = await query<{ kind: string }>(db(), "select k as kind from unnest(notification_kinds()) k where notification_kind_urgent(k)");
    expect(urgent.map((r) => r.kind).sort()).toEqual(NOTIFICATION_KIND_NAMES.filter((k) => NOTIFICATION_KINDS[k].urgent).sort());
  });

  it("enqueues each settled event for the users who hear of it, per their kinds and enabled channels, once", async () => {
    const task = await createTask(db(), ws.id, { title: "Ship the release" });
    await emit("approval.requested", { approval_id: crypto.randomUUID(), action: "task.dispatch", title: "task", mode: "hitl" }, { task: task.id });
    await emit(
      "comment.mentioned",
      { user_id: viewer.id, comment_id: crypto.randomUUID(), excerpt: "@vera can you look?" },
      { task: task.id, actor: userActor(admin) },
    );
    // Done by the admin: everyone but the admin hears of it, and the viewer does not want it.
    await emit("task.updated", { title: "task", status: "done", from_status: "review", changed: ["status"] }, { task: task.id, actor: userActor(admin) });
    await emit("task.updated", { title: "task", status: "assigned", from_status: "assigned", alert_reason: "stalled" }, { task: task.id });
    await emit("activity.created", { type: "note" }, { task: task.id });

    expect((await produce()).enqueued).toBe(7);
    expect(await kindsFor(approver)).toEqual(["approval_waiting", "task_done", "task_stalled"]);
    expect(await kindsFor(admin)).toEqual(["approval_waiting", "task_stalled"]);
    expect(await kindsFor(viewer)).toEqual(["mention", "task_stalled"]);
    expect(new Set((await outbox()).map((r) => r.channel_id))).toEqual(new Set(Object.values(channelOf)));

    // The cursor moved on, and reading the same events again (a producer that
    // died before saving its cursor) enqueues nothing twice.
    expect((await produce()).enqueued).toBe(0);
    await query(db(), "update notification_cursor set last_seq = last_seq - 5");
    expect((await produce()).enqueued).toBe(0);
    expect(await outbox()).toHaveLength(7);
  });

  it("notifies the user a comment mentions, through the comment's own write (decision 045)", async () => {
    const task = await createTask(db(), ws.id, { title: "Review the copy" });
    const handle = viewer.email.split("@")[0]!;
    await createTaskComment(
      db(),
      { taskId: task.id, workspaceId: ws.id, body: `@${handle} can you look at this?`, mentions: mentionHandles(`@${handle}`) },
      { type: "user", id: admin.id, name: admin.name },
    );
    await produce();
    expect(await kindsFor(viewer)).toEqual(["mention"]);
    expect(await kindsFor(approver)).toEqual([]);
    const [row] = await query<{ facts: { excerpt: string; task_title: string } }>(db(), "select facts from notification_outbox where user_id = $1", [
      viewer.id,
    ]);
    expect(row!.facts).toMatchObject({ task_title: "Review the copy" });
    expect(row!.facts.excerpt).toContain("can you look at this?");
  });

  it("announces an approval about to expire once, and only to those who can decide it", async () => {
    const task = await createTask(db(), ws.id, { title: "Rotate the keys" });
    const [a] = await query<{ id: string }>(
      db(),
      "insert into approvals (task_id, action, digest, expires_at) values ($1, 'task.dispatch', repeat('a', 64), now() + interval '5 minutes') returning id",
      [task.id],
    );
    await query(db(), "insert into approvals (task_id, action, digest, expires_at) values ($1, 'task.dispatch', repeat('b', 64), now() + interval '2 hours')", [
      task.id,
    ]);
    expect((await produce()).enqueued).toBe(2);
    expect((await produce()).enqueued).toBe(0);
    const rows = await outbox();
    expect(rows.map((r) => [r.user_id, r.kind, r.urgent]).sort()).toEqual(
      [
        [approver.id, "approval_expiring", true],
        [admin.id, "approval_expiring", true],
      ].sort(),
    );
    const [facts] = await query<{ approval_id: string }>(db(), "select facts->>'approval_id' as approval_id from notification_outbox limit 1");
    expect(facts!.approval_id).toBe(a!.id);
    await query(db(), "update approvals set status = 'expired' where task_id = $1", [task.id]);
  });

  it("holds what is not urgent until the user's quiet hours end, in their time zone, and sends urgent ones at once", async () => {
    const [clock] = await query<{ minute: number }>(
      db(),
      "select (extract(hour from now() at time zone 'Asia/Tokyo') * 60 + extract(minute from now() at time zone 'Asia/Tokyo'))::int as minute",
    );
    const start = (clock!.minute + 1440 - 60) % 1440;
    const end = (clock!.minute + 120) % 1440;
    await query(db(), "update users set time_zone = 'Asia/Tokyo' where id = $1", [approver.id]);
    await setNotificationPreferences(db(), approver.id, {
      kinds: NOTIFICATION_KIND_NAMES,
      quiet_start: start,
      quiet_end: end,
      enabled_channels: [channelOf[approver.id]!],
    });
    try {
      const task = await createTask(db(), ws.id, { title: "Quiet please" });
      await emit("task.updated", { title: "task", status: "done", from_status: "review" }, { task: task.id });
      await emit("installation.stopped", { reason: "runaway agent" }, { actor: userActor(admin) });
      await produce();
      const mine = (await outbox()).filter((r) => r.user_id === approver.id);
      const done = mine.find((r) => r.kind === "task_done")!;
      const stop = mine.find((r) => r.kind === "emergency_stop")!;
      // Due at the end of quiet hours: two hours from now, to the minute.
      expect(done.due_in_s).toBeGreaterThan(2 * 3600 - 120);
      expect(done.due_in_s).toBeLessThanOrEqual(2 * 3600);
      expect(stop.urgent).toBe(true);
      expect(stop.due_in_s).toBeLessThanOrEqual(0);
      // The held one is not claimable yet; the urgent one is.
      const claimed = await claimNotifications(db(), "quiet", 50, 60);
      expect(claimed.map((c) => c.id)).toContain(stop.id);
      expect(claimed.map((c) => c.id)).not.toContain(done.id);
    } finally {
      await setNotificationPreferences(db(), approver.id, {
        kinds: NOTIFICATION_KIND_NAMES,
        quiet_start: null,
        quiet_end: null,
        enabled_channels: [channelOf[approver.id]!],
      });
    }
  });

  it("refuses bad preferences and changes nothing", async () => {
    const before = await query(db(), "select * from notification_preferences order by user_id");
    expect(
      (await appError(setNotificationPreferences(db(), viewer.id, { kinds: ["nonsense"], quiet_start: null, quiet_end: null, enabled_channels: [] }))).code,
    ).toBe("invalid");
    expect((await appError(setNotificationPreferences(db(), viewer.id, { kinds: [], quiet_start: 600, quiet_end: 600, enabled_channels: [] }))).code).toBe(
      "invalid",
    );
    expect((await appError(setNotificationPreferences(db(), viewer.id, { kinds: [], quiet_start: 600, quiet_end: null, enabled_channels: [] }))).code).toBe(
      "invalid",
    );
    // Someone else's channel is not yours to switch.
    const refused = await appError(
      setNotificationPreferences(db(), viewer.id, { kinds: [], quiet_start: null, quiet_end: null, enabled_channels: [channelOf[admin.id]!] }),
    );
    expect(refused.code).toBe("invalid");
    expect(await query(db(), "select * from notification_preferences order by user_id")).toEqual(before);
  });

  it("claims with a lease: another sender skips it, a dead sender's row is claimed again after its lease, and a sent row only goes again by a replay", async () => {
    const task = await createTask(db(), ws.id, { title: "Lease me" });
    await emit("task.updated", { title: "task", status: "assigned", alert_reason: "dispatch_failed" }, { task: task.id });
    await produce();
    const first = await claimNotifications(db(), "sender-a", 50, 60);
    expect(first.map((c) => c.kind)).toEqual(["task_parked", "task_parked", "task_parked"]);
    expect(first[0]!.channel).toMatchObject({ kind: "webhook", target: "https://hooks.example.com/in", secret: "s" });
    expect(first.every((c) => c.attempt === 1)).toBe(true);
    expect(await claimNotifications(db(), "sender-b", 50, 60)).toEqual([]);

    // Sender A dies mid-send: once the lease has passed, B claims the rows again.
    await query(db(), "update notification_outbox set lease_until = now() - interval '1 second'");
    const again = await claimNotifications(db(), "sender-b", 50, 60);
    expect(again.map((c) => c.id).sort()).toEqual(first.map((c) => c.id).sort());
    expect(again.every((c) => c.attempt === 2)).toBe(true);
    const row = again[0]!;
    // A late report from A, whose lease is gone, records nothing.
    const outcome = { ok: true, statusCode: 200, error: null, retrySeconds: 0, durationMs: 5, failAfter: CHANNEL_FAILING_AFTER };
    expect((await finishNotification(db(), row.id, "sender-a", outcome)).recorded).toBe(false);
    expect(await finishNotification(db(), row.id, "sender-b", outcome)).toMatchObject({ recorded: true, status: "sent" });
    await query(db(), "update notification_outbox set lease_until = now() - interval '1 second' where id <> $1", [row.id]);
    expect((await claimNotifications(db(), "sender-c", 50, 60)).map((c) => c.id)).not.toContain(row.id);

    // Replay: a new row, marked as such, and its delivery logged as a replay.
    const [delivery] = await query<{ id: string }>(db(), "select id from notification_deliveries where outbox_id = $1", [row.id]);
    const replay = await replayNotificationDelivery(db(), row.user.id, delivery!.id);
    expect(replay.replay_of).toBe(row.id);
    const claimedReplay = (await claimNotifications(db(), "sender-c", 50, 60)).find((c) => c.id === replay.id)!;
    expect(claimedReplay.replay).toBe(true);
    await finishNotification(db(), replay.id, "sender-c", outcome);
    const logged = await query<{ replay: boolean }>(db(), "select replay from notification_deliveries where outbox_id = $1", [replay.id]);
    expect(logged).toEqual([{ replay: true }]);
    // Someone else's delivery is not found.
    const other = [approver, admin, viewer].find((u) => u.id !== row.user.id)!;
    expect((await appError(replayNotificationDelivery(db(), other.id, delivery!.id))).code).toBe("not_found");
  });

  it("keeps a failing row pending with its error and next attempt, and marks the channel failing after repeated failures", async () => {
    const task = await createTask(db(), ws.id, { title: "Fail me" });
    await emit("task.updated", { title: "task", status: "assigned", alert_reason: "run_failed" }, { task: task.id });
    await produce();
    const mine = (await outbox()).find((r) => r.user_id === viewer.id)!;
    for (let i = 1; i <= CHANNEL_FAILING_AFTER; i++) {
      const claimed = (await claimNotifications(db(), "s", 50, 60)).find((c) => c.id === mine.id)!;
      expect(claimed.attempt).toBe(i);
      const done = await finishNotification(db(), mine.id, "s", {
        ok: false,
        statusCode: 500,
        error: "The receiver answered 500",
        retrySeconds: 0,
        durationMs: 3,
        failAfter: CHANNEL_FAILING_AFTER,
      });
      expect(done.channel_failing).toBe(i >= CHANNEL_FAILING_AFTER);
    }
    const [row] = await query<{ status: string; last_error: string; attempts: number }>(
      db(),
      "select status, last_error, attempts from notification_outbox where id = $1",
      [mine.id],
    );
    expect(row).toEqual({ status: "pending", last_error: "The receiver answered 500", attempts: CHANNEL_FAILING_AFTER });
    // A later retry that goes through clears the failing mark.
    await claimNotifications(db(), "s", 50, 60);
    expect(
      (
        await finishNotification(db(), mine.id, "s", {
          ok: true,
          statusCode: 200,
          error: null,
          retrySeconds: 0,
          durationMs: 1,
          failAfter: CHANNEL_FAILING_AFTER,
        })
      ).channel_failing,
    ).toBe(false);
  });

  if (kind === "postgres") {
    it("never hands one row to two senders on two connections (skip locked)", async () => {
      const task = await createTask(db(), ws.id, { title: "Race me" });
      for (let i = 0; i < 4; i++) await emit("task.updated", { title: "task", status: "done", from_status: "review" }, { task: task.id });
      await produce();
      const total = (await outbox()).length;
      expect(total).toBeGreaterThan(4);
      // A row locked by another transaction is skipped, not waited for.
      const locked = (await outbox())[0]!.id;
      const sqlDb = db() as SqlDatabase;
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let lockTaken!: () => void;
      const taken = new Promise<void>((resolve) => (lockTaken = resolve));
      const holder = sqlDb.session(async (s) => {
        await s.query("begin");
        await s.query("select id from notification_outbox where id = $1 for update", [locked]);
        lockTaken();
        await held;
        await s.query("commit");
      });
      await taken;
      const [a, b] = await Promise.all([claimNotifications(db(), "left", 3, 60), claimNotifications(db(), "right", 50, 60)]);
      release();
      await holder;
      const ids = [...a, ...b].map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).not.toContain(locked);
      expect(ids).toHaveLength(total - 1);
    });
  }
});
