import { describe, expect, it } from "vitest";
import { type LiveEvent, isRelevant } from "./live-events";

const event = (type: string, workspace_slug: string | null): LiveEvent => ({ seq: 1, type, workspace_id: null, workspace_slug, task_id: null });

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
});
