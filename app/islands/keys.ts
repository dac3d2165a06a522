// Keyboard shortcuts: which key does what, for the board's script and the
// script every page loads (the command palette). Pure: the scripts read the
// key and act; the help dialog lists SHORTCUTS.

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

/** Pages `g` then a letter goes to; workspace pages fall back to the overview outside a workspace. */
export const GO_KEYS = {
  b: "board",
  l: "list",
  f: "feed",
  a: "approvals",
  c: "costs",
  i: "analytics",
  t: "agents",
  s: "settings",
} as const;
export type GoTarget = (typeof GO_KEYS)[keyof typeof GO_KEYS];

export type GlobalAction =
  | { kind: "palette" }
  | { kind: "help" }
  | { kind: "search" }
  | { kind: "new-task" }
  | { kind: "go"; target: GoTarget }
  /** `g` was pressed: the next key picks the page. */
  | { kind: "go-prefix" };

/**
 * A key pressed anywhere outside a text field. `afterG` is whether the
 * previous key was a lone `g`. Ctrl+K (Cmd+K on a Mac) works even inside a
 * text field: the caller checks that one first.
 */
export function globalAction(e: KeyLike, afterG: boolean): GlobalAction | null {
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k") return { kind: "palette" };
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (afterG) {
    const target = (GO_KEYS as Record<string, GoTarget>)[e.key];
    return target ? { kind: "go", target } : null;
  }
  switch (e.key) {
    case "?":
      return { kind: "help" };
    case "/":
      return { kind: "search" };
    case "c":
      return { kind: "new-task" };
    case "g":
      return { kind: "go-prefix" };
    default:
      return null;
  }
}

export type BoardAction = "down" | "up" | "left" | "right" | "open" | "edit" | "move";

/**
 * A key pressed on the board outside a text field. Arrows and Enter act only
 * when a card has the focus (`onCard`), so they keep scrolling the page and
 * following links elsewhere; the letters work from anywhere on the board.
 */
export function boardAction(e: KeyLike, onCard: boolean): BoardAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  switch (e.key) {
    case "j":
      return "down";
    case "k":
      return "up";
    case "h":
      return "left";
    case "l":
      return "right";
    case "o":
      return "open";
    case "e":
      return "edit";
    case "m":
      return "move";
    case "ArrowDown":
      return onCard ? "down" : null;
    case "ArrowUp":
      return onCard ? "up" : null;
    case "ArrowLeft":
      return onCard ? "left" : null;
    case "ArrowRight":
      return onCard ? "right" : null;
    case "Enter":
      return onCard ? "open" : null;
    default:
      return null;
  }
}

/** What the help dialog lists, in groups. */
export const SHORTCUTS: ReadonlyArray<{ group: string; keys: ReadonlyArray<[string, string]> }> = [
  {
    group: "Everywhere",
    keys: [
      ["Ctrl K", "Command palette (⌘K on a Mac)"],
      ["c", "New task"],
      ["/", "Search the board"],
      ["?", "This help"],
      ["Esc", "Close"],
    ],
  },
  {
    group: "Go to",
    keys: [
      ["g b", "Board"],
      ["g l", "List"],
      ["g f", "Live feed"],
      ["g a", "Approvals"],
      ["g c", "Costs"],
      ["g i", "Analytics"],
      ["g t", "Agents"],
      ["g s", "Settings"],
    ],
  },
  {
    group: "On the board",
    keys: [
      ["j / ↓", "Next card"],
      ["k / ↑", "Previous card"],
      ["h / ←", "Lane to the left"],
      ["l / →", "Lane to the right"],
      ["Enter / o", "Open the card"],
      ["e", "Edit the card"],
      ["m", "Move the card"],
    ],
  },
];

/** Where `g` + letter goes, from the workspace the page belongs to (null outside one). */
export function goPath(target: GoTarget, slug: string | null): string {
  if (slug === null) {
    const outside: Partial<Record<GoTarget, string>> = { approvals: "/approvals", costs: "/costs", settings: "/settings" };
    return outside[target] ?? "/";
  }
  const base = `/w/${encodeURIComponent(slug)}`;
  const inside: Record<GoTarget, string> = {
    board: base,
    list: `${base}?view=list`,
    feed: `${base}/feed`,
    approvals: "/approvals",
    costs: `${base}/costs`,
    analytics: `${base}/analytics`,
    agents: `${base}/agents`,
    settings: `${base}/settings`,
  };
  return inside[target];
}

/** The workspace a path belongs to: `/w/<slug>/…`. */
export function workspaceSlug(pathname: string): string | null {
  const match = /^\/w\/([^/]+)/.exec(pathname);
  return match ? decodeURIComponent(match[1]!) : null;
}
