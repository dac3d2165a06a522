import { describe, expect, it } from "vitest";
import { budgetSavedMessage, clipMessage, moveToast, quoted, refusedMoveMessage, toastSchema, toastTimeoutMs } from "./toast";

describe("toasts", () => {
  it("accepts a toast with an undo to a same-origin path only", () => {
    const base = { id: "a", kind: "success" as const, message: "Moved" };
    expect(toastSchema.safeParse({ ...base, undo: { action: "/w/x?index", fields: { intent: "move" } } }).success).toBe(true);
    expect(toastSchema.safeParse({ ...base, undo: { action: "//evil.example/x", fields: {} } }).success).toBe(false);
    expect(toastSchema.safeParse({ ...base, undo: { action: "https://evil.example/", fields: {} } }).success).toBe(false);
    expect(toastSchema.safeParse({ ...base, kind: "shout" }).success).toBe(false);
    expect(toastSchema.safeParse({ ...base, message: "" }).success).toBe(false);
  });

  it("words money and titles the way the app does", () => {
    expect(budgetSavedMessage(50, null)).toBe("Budget saved: $50.00 a day.");
    expect(budgetSavedMessage(5, 1234.5)).toBe("Budget saved: $5.00 a day, $1,234.50 in total.");
    expect(budgetSavedMessage(null, null)).toBe("Budget saved: no limits.");
    expect(quoted("  Ship it ")).toBe("“Ship it”");
    expect(quoted("x".repeat(80))).toHaveLength(62);
    expect(clipMessage("y".repeat(400))).toHaveLength(300);
  });

  it("keeps errors and undoable toasts up longer", () => {
    expect(toastTimeoutMs({ kind: "success" })).toBe(5_000);
    expect(toastTimeoutMs({ kind: "success", undo: { action: "/", fields: {} } })).toBe(10_000);
    expect(toastTimeoutMs({ kind: "error" })).toBe(12_000);
  });
});

describe("move toasts", () => {
  it("offers an undo that moves the task back through the same form", () => {
    const toast = moveToast({ title: "Ship", from: "inbox", to: "assigned", undoAction: "/w/x?index", fields: { taskId: "t1" } });
    expect(toast.message).toBe("Moved “Ship” to Assigned.");
    expect(toast.undo).toEqual({ action: "/w/x?index", fields: { taskId: "t1", intent: "move", status: "inbox", undo: "1" } });
  });

  it("says an undo and a stage advance plainly, without another undo", () => {
    expect(moveToast({ title: "Ship", from: "assigned", to: "inbox", undoAction: "/", wasUndo: true })).toEqual({
      kind: "info",
      message: "Moved “Ship” back to Inbox.",
    });
    expect(moveToast({ title: "Ship", from: "review", to: "done", undoAction: "/", nextStage: true }).undo).toBeUndefined();
    expect(refusedMoveMessage("No.", true)).toBe("Couldn't undo the move: No.");
  });
});
