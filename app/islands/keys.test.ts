import { describe, expect, it } from "vitest";
import { GO_KEYS, SHORTCUTS, boardAction, globalAction, goPath, workspaceSlug } from "./keys";

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

describe("shortcuts on every page", () => {
  it("opens the palette with Ctrl+K or Cmd+K, not with a bare k or Alt", () => {
    expect(globalAction(key("k", { ctrlKey: true }), false)).toEqual({ kind: "palette" });
    expect(globalAction(key("K", { metaKey: true }), false)).toEqual({ kind: "palette" });
    expect(globalAction(key("k"), false)).toBeNull();
    expect(globalAction(key("k", { ctrlKey: true, altKey: true }), false)).toBeNull();
  });

  it("maps ?, / and c, and leaves them alone with a modifier", () => {
    expect(globalAction(key("?"), false)).toEqual({ kind: "help" });
    expect(globalAction(key("/"), false)).toEqual({ kind: "search" });
    expect(globalAction(key("c"), false)).toEqual({ kind: "new-task" });
    expect(globalAction(key("c", { ctrlKey: true }), false)).toBeNull();
    expect(globalAction(key("c", { metaKey: true }), false)).toBeNull();
  });

  it("goes to a page with g then a letter", () => {
    expect(globalAction(key("g"), false)).toEqual({ kind: "go-prefix" });
    expect(globalAction(key("b"), true)).toEqual({ kind: "go", target: "board" });
    expect(globalAction(key("a"), true)).toEqual({ kind: "go", target: "approvals" });
    // After g, an unknown letter does nothing (and c is not "new task" there).
    expect(globalAction(key("z"), true)).toBeNull();
    expect(globalAction(key("c"), true)).toEqual({ kind: "go", target: "costs" });
    expect(globalAction(key("b"), false)).toBeNull();
  });

  it("knows where each page is, inside and outside a workspace", () => {
    expect(goPath("board", "ops")).toBe("/w/ops");
    expect(goPath("list", "ops")).toBe("/w/ops?view=list");
    expect(goPath("feed", "ops")).toBe("/w/ops/feed");
    expect(goPath("approvals", "ops")).toBe("/approvals");
    expect(goPath("approvals", null)).toBe("/approvals");
    expect(goPath("costs", null)).toBe("/costs");
    expect(goPath("board", null)).toBe("/");
    expect(goPath("agents", null)).toBe("/");
    expect(workspaceSlug("/w/ops/tasks/1")).toBe("ops");
    expect(workspaceSlug("/w/ops")).toBe("ops");
    expect(workspaceSlug("/approvals")).toBeNull();
  });

  it("lists every go-to key in the help", () => {
    const listed = SHORTCUTS.flatMap((g) => g.keys.map(([k]) => k));
    for (const letter of Object.keys(GO_KEYS)) expect(listed).toContain(`g ${letter}`);
  });
});

describe("shortcuts on the board", () => {
  it("moves with j/k/h/l anywhere on the board, with arrows only from a card", () => {
    expect(boardAction(key("j"), false)).toBe("down");
    expect(boardAction(key("k"), false)).toBe("up");
    expect(boardAction(key("h"), false)).toBe("left");
    expect(boardAction(key("l"), false)).toBe("right");
    expect(boardAction(key("ArrowDown"), true)).toBe("down");
    expect(boardAction(key("ArrowLeft"), true)).toBe("left");
    expect(boardAction(key("ArrowDown"), false)).toBeNull();
  });

  it("opens, edits and moves the card, Enter only from the card itself", () => {
    expect(boardAction(key("o"), false)).toBe("open");
    expect(boardAction(key("Enter"), true)).toBe("open");
    expect(boardAction(key("Enter"), false)).toBeNull();
    expect(boardAction(key("e"), true)).toBe("edit");
    expect(boardAction(key("m"), true)).toBe("move");
    expect(boardAction(key("j", { ctrlKey: true }), true)).toBeNull();
  });
});
