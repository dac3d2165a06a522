import { describe, expect, it } from "vitest";
import { dropBefore, isSamePlace, moveFields, nextLane, refreshDelay, step } from "./board-logic";

// Three cards 40 px high with 10 px gaps: a (0–40), b (50–90), c (100–140).
const lane = [
  { id: "a", top: 0, height: 40 },
  { id: "b", top: 50, height: 40 },
  { id: "c", top: 100, height: 40 },
];

describe("where a dropped card lands in a lane", () => {
  it("lands before the first card whose middle is below the pointer", () => {
    expect(dropBefore(lane, 5, "x")).toBe("a");
    expect(dropBefore(lane, 25, "x")).toBe("b");
    expect(dropBefore(lane, 69, "x")).toBe("b");
    expect(dropBefore(lane, 71, "x")).toBe("c");
  });

  it("lands at the end (no before) below the last card's middle, and in an empty lane", () => {
    expect(dropBefore(lane, 121, "x")).toBeNull();
    expect(dropBefore(lane, 500, "x")).toBeNull();
    expect(dropBefore([], 10, "x")).toBeNull();
  });

  it("never lands before the dragged card itself", () => {
    // Over the top half of b while dragging b: it goes before c, its next neighbour.
    expect(dropBefore(lane, 55, "b")).toBe("c");
    expect(dropBefore(lane, 130, "c")).toBeNull();
  });

  it("knows a drop that changes nothing", () => {
    const order = ["a", "b", "c"];
    expect(isSamePlace(order, "b", "c")).toBe(true);
    expect(isSamePlace(order, "c", null)).toBe(true);
    expect(isSamePlace(order, "b", "a")).toBe(false);
    expect(isSamePlace(order, "a", null)).toBe(false);
    // A card from another lane always moves.
    expect(isSamePlace(order, "x", "a")).toBe(false);
  });
});

describe("the fields a drop posts", () => {
  it("are the move form's: intent, taskId, status, before when there is one, csrf", () => {
    expect(Object.fromEntries(moveFields("t1", "review", "t2", "tok"))).toEqual({ intent: "move", taskId: "t1", status: "review", before: "t2", csrf: "tok" });
    const atEnd = moveFields("t1", "done", null, "tok");
    expect(atEnd.has("before")).toBe(false);
    expect(atEnd.toString()).toBe("intent=move&taskId=t1&status=done&csrf=tok");
  });
});

describe("moving the focus between cards and lanes", () => {
  it("steps within a lane, stopping at both ends", () => {
    expect(step(0, 1, 3)).toBe(1);
    expect(step(2, 1, 3)).toBe(2);
    expect(step(0, -1, 3)).toBe(0);
    expect(step(-1, 1, 3)).toBe(0);
    expect(step(-1, -1, 3)).toBe(2);
    expect(step(0, 1, 0)).toBe(-1);
  });

  it("skips empty lanes, and stays when there is no lane with cards that way", () => {
    const counts = [2, 0, 0, 5, 0, 1];
    expect(nextLane(counts, 0, 1)).toBe(3);
    expect(nextLane(counts, 3, 1)).toBe(5);
    expect(nextLane(counts, 5, 1)).toBe(5);
    expect(nextLane(counts, 3, -1)).toBe(0);
    expect(nextLane(counts, 0, -1)).toBe(0);
  });
});

describe("how often live updates read the board again", () => {
  it("waits for a burst to settle, and reads at most once a second", () => {
    expect(refreshDelay(10_000, 0)).toBe(120);
    expect(refreshDelay(10_000, 9_500)).toBe(500);
    expect(refreshDelay(10_000, 9_990)).toBe(990);
  });
});
