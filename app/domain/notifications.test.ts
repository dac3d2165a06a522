import { describe, expect, it } from "vitest";
import { addChannelSchema, preferencesSchema } from "./forms/notifications";
import {
  NOTIFICATION_KIND_NAMES,
  clockTime,
  displayTarget,
  minutesOfDay,
  notificationMessage,
  notificationPath,
  retryDelayMs,
  signedPayload,
} from "./notifications";

describe("notification messages", () => {
  const facts = { workspace_slug: "ops", workspace_name: "Ops", task_id: "t1", task_title: "Ship it", approval_id: "a1", action: "task.dispatch" };

  it("link every kind to an absolute address of what it is about", () => {
    for (const kind of NOTIFICATION_KIND_NAMES) {
      const m = notificationMessage(kind, facts, "https://mc.example.com/");
      expect(m.url.startsWith("https://mc.example.com/"), kind).toBe(true);
      expect(m.title.length, kind).toBeGreaterThan(0);
      expect(m.text.length, kind).toBeGreaterThan(0);
    }
    expect(notificationPath("approval_waiting", facts)).toBe("/approvals/a1");
    expect(notificationPath("task_done", facts)).toBe("/w/ops/tasks/t1");
    expect(notificationPath("budget_warning", facts)).toBe("/w/ops/costs");
    expect(notificationPath("emergency_stop", {})).toBe("/heartbeat");
    expect(notificationMessage("task_done", facts, "https://mc.example.com").text).toBe("“Ship it” in Ops is done.");
  });

  it("signs the timestamp and the raw body, and backs off with jitter up to a cap", () => {
    expect(signedPayload(1700000000, '{"a":1}')).toBe('1700000000.{"a":1}');
    expect(retryDelayMs(1, () => 0, 1000, 60_000)).toBe(500);
    expect(retryDelayMs(2, () => 1, 1000, 60_000)).toBe(2000);
    expect(retryDelayMs(30, () => 1, 1000, 60_000)).toBe(60_000);
  });

  it("reads clock times and hides URL paths that may carry a token", () => {
    expect(minutesOfDay("22:30")).toBe(1350);
    expect(minutesOfDay("24:00")).toBeNull();
    expect(minutesOfDay("7:00")).toBeNull();
    expect(clockTime(420)).toBe("07:00");
    expect(displayTarget("slack", "https://hooks.slack.com/services/T0/B0/secret")).toBe("https://hooks.slack.com/…");
    expect(displayTarget("email", "a@example.com")).toBe("a@example.com");
  });
});

describe("notification forms", () => {
  const channel = "11111111-1111-4111-8111-111111111111";

  it("reads the preferences: ticked kinds and channels, quiet hours both or neither", () => {
    const ok = preferencesSchema([channel]).safeParse({ kind_mention: "on", quiet_start: "22:00", quiet_end: "07:00", [`channel_${channel}`]: "on" });
    expect(ok.success && ok.data).toEqual({ kinds: ["mention"], quiet_start: 1320, quiet_end: 420, enabled_channels: [channel] });
    expect(preferencesSchema([]).safeParse({ quiet_start: "22:00" }).success).toBe(false);
    expect(preferencesSchema([]).safeParse({ quiet_start: "08:00", quiet_end: "08:00" }).success).toBe(false);
    expect(preferencesSchema([]).safeParse({ kind_channel_test: "on" }).success).toBe(false);
    expect(preferencesSchema([]).safeParse({ [`channel_${channel}`]: "on" }).success).toBe(false);
  });

  it("checks each channel kind's fields", () => {
    expect(addChannelSchema.safeParse({ kind: "webhook", name: "Hook", url: "https://example.com/in" }).success).toBe(true);
    expect(addChannelSchema.safeParse({ kind: "webhook", name: "Hook", url: "https://user:pw@example.com/in" }).success).toBe(false);
    expect(addChannelSchema.safeParse({ kind: "slack", name: "S", url: "javascript:alert(1)" }).success).toBe(false);
    expect(addChannelSchema.safeParse({ kind: "telegram", name: "T", bot_token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ", chat_id: "@ops_alerts" }).success).toBe(
      true,
    );
    expect(addChannelSchema.safeParse({ kind: "telegram", name: "T", bot_token: "token", chat_id: "1" }).success).toBe(false);
    expect(addChannelSchema.safeParse({ kind: "email", name: "E", email: "Ops@Example.com" })).toMatchObject({
      success: true,
      data: { email: "ops@example.com" },
    });
    expect(addChannelSchema.safeParse({ kind: "email", name: "E", email: "nope" }).success).toBe(false);
    expect(addChannelSchema.safeParse({ kind: "pager", name: "P" }).success).toBe(false);
  });
});
