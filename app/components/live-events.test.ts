import { describe, expect, it } from "vitest";
import { type LiveEvent, type StreamMessage, isRelevant, readMessages } from "./live-events";

const event = (type: string, workspace_slug: string | null, seq = 1): LiveEvent => ({ seq, type, workspace_id: null, workspace_slug, task_id: null });
const live = (seq: number, type = "task.updated", slug: string | null = "other"): StreamMessage => ({ kind: "event", event: event(type, slug, seq) });

describe("which live events refresh a page", () => {
  it("refreshes every page on approvals: the navigation counts them", () => {
    expect(isRelevant(event("approval.requested", "other"), "mine")).toBe(true);
    expect(isRelevant(event("approval.resolved", null), undefined)).toBe(true);
    // An escalated approval is still pending, now flagged for admins.
    expect(isRelevant(event("approval.escalated", "other"), "mine")).toBe(true);
  });

  it("inside a workspace, refreshes only on that workspace's events", () => {
    expect(isRelevant(event("task.updated", "mine"), "mine")).toBe(true);
    expect(isRelevant(event("task.updated", "other"), "mine")).toBe(false);
    expect(isRelevant(event("heartbeat.completed", null), "mine")).toBe(false);
    // A budget warning changes that workspace's budget panels only.
    expect(isRelevant(event("budget.warning", "mine"), "mine")).toBe(true);
    expect(isRelevant(event("budget.warning", "other"), "mine")).toBe(false);
  });

  it("outside any workspace, refreshes on everything", () => {
    expect(isRelevant(event("task.updated", "other"), undefined)).toBe(true);
    expect(isRelevant(event("heartbeat.completed", null), undefined)).toBe(true);
  });

  it("refreshes only the task's own page when its agent session moves on", () => {
    const session = { ...event("session.updated", "mine"), task_id: "t1" };
    expect(isRelevant(session, "mine", "t1")).toBe(true);
    expect(isRelevant(session, "mine", "t2")).toBe(false);
    expect(isRelevant(session, "mine")).toBe(false);
    expect(isRelevant(session, undefined)).toBe(false);
    // Read in order, it reloads the task page and nothing else.
    const message: StreamMessage = { kind: "event", event: { ...session, seq: 8 } };
    expect(readMessages(7, [message], "mine", "t1")).toEqual({ seen: 8, reload: true });
    expect(readMessages(7, [message], "mine")).toEqual({ seen: 8, reload: false });
  });
});

describe("reading what the stream sent since the last render", () => {
  it("starts from the first ready, then reloads only for relevant events", () => {
    expect(readMessages(null, [{ kind: "ready", last_seq: 40 }], "mine")).toEqual({ seen: 40, reload: false });
    expect(readMessages(40, [live(41)], "mine")).toEqual({ seen: 41, reload: false });
    expect(readMessages(41, [live(42, "task.updated", "mine")], "mine")).toEqual({ seen: 42, reload: true });
  });

  it("reads one render's messages in seq order, whatever order the subscriptions reported them in", () => {
    // A fresh stream: its ready, then two live events, all in one render.
    expect(readMessages(null, [live(12), live(11, "task.created", "mine"), { kind: "ready", last_seq: 10 }], "mine")).toEqual({ seen: 12, reload: true });
    expect(readMessages(null, [live(12), live(11), { kind: "ready", last_seq: 10 }], "mine")).toEqual({ seen: 12, reload: false });
  });

  it("reloads at a gap: an event lost between renders may have been relevant", () => {
    // useEventSource kept only seq 13 of two task.updated messages (12 for this workspace, 13 for another).
    expect(readMessages(11, [live(13)], "mine")).toEqual({ seen: 13, reload: true });
  });

  it("skips what was already seen (a replay overlapping the live feed)", () => {
    expect(readMessages(20, [live(19, "task.updated", "mine"), live(20, "task.updated", "mine")], "mine")).toEqual({ seen: 20, reload: false });
  });

  it("after a reconnect, a ready past what was replayed here reloads; one that matches does not", () => {
    expect(readMessages(30, [live(31), live(32), { kind: "ready", last_seq: 32 }], "mine")).toEqual({ seen: 32, reload: false });
    expect(readMessages(30, [live(31), { kind: "ready", last_seq: 32 }], "mine")).toEqual({ seen: 32, reload: true });
  });

  it("on a resync reloads and goes on from the server's seq, even one below its own (a reset database)", () => {
    expect(
      readMessages(
        900,
        [
          { kind: "resync", last_seq: 25 },
          { kind: "ready", last_seq: 25 },
        ],
        "mine",
      ),
    ).toEqual({ seen: 25, reload: true });
    expect(readMessages(25, [live(26)], "mine")).toEqual({ seen: 26, reload: false });
  });
});
