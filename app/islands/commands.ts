// The command palette's list: what it offers and how typing narrows it.

export interface Command {
  id: string;
  label: string;
  /** What kind of thing it is, shown beside it ("Page", "Action", "Task"). */
  group: string;
  /** Extra words that find it. */
  keywords?: string;
  /** A page to go to, or an element on the page to click (a theme switch, say). */
  href?: string;
  /** A shortcut to show beside it. */
  hint?: string;
}

const words = (text: string) => text.toLowerCase().split(/\s+/).filter(Boolean);

/**
 * The commands matching `query`: every word typed must start a word of the
 * label or keywords, or appear in the label; the ones whose label starts
 * with the query come first, then the list's own order. An empty query keeps
 * everything.
 */
export function rankCommands<C extends Command>(commands: readonly C[], query: string, limit = 50): C[] {
  const wanted = words(query);
  if (wanted.length === 0) return commands.slice(0, limit);
  const q = query.trim().toLowerCase();
  const scored: Array<{ command: C; score: number; order: number }> = [];
  commands.forEach((command, order) => {
    const label = command.label.toLowerCase();
    const haystack = words(`${command.label} ${command.keywords ?? ""} ${command.group}`);
    const matches = wanted.every((w) => label.includes(w) || haystack.some((h) => h.startsWith(w)));
    if (!matches) return;
    const score = label.startsWith(q) ? 0 : haystack.some((h) => h.startsWith(wanted[0]!)) ? 1 : 2;
    scored.push({ command, score, order });
  });
  return scored
    .sort((a, b) => a.score - b.score || a.order - b.order)
    .slice(0, limit)
    .map((s) => s.command);
}

/** The workspace pages the palette offers, for one workspace. */
export function workspacePages(slug: string, name: string): Command[] {
  const base = `/w/${encodeURIComponent(slug)}`;
  const page = (id: string, label: string, href: string, keywords = ""): Command => ({
    id: `${slug}:${id}`,
    label: `${label} · ${name}`,
    group: "Page",
    href,
    keywords: `${keywords} ${name}`,
  });
  return [
    page("board", "Board", base, "kanban lanes"),
    page("list", "List", `${base}?view=list`, "table"),
    page("feed", "Live feed", `${base}/feed`, "activity events"),
    page("costs", "Costs", `${base}/costs`, "spend budget money"),
    page("analytics", "Analytics", `${base}/analytics`, "charts"),
    page("agents", "Agents", `${base}/agents`, "team"),
    page("pipelines", "Pipelines", `${base}/pipelines`, "stages workflow"),
    page("settings", "Workspace settings", `${base}/settings`, "preferences"),
  ];
}

/** Pages outside any workspace. */
export const GLOBAL_PAGES: readonly Command[] = [
  { id: "workspaces", label: "Workspaces", group: "Page", href: "/", keywords: "overview home" },
  { id: "approvals", label: "Approvals", group: "Page", href: "/approvals", keywords: "inbox pending", hint: "g a" },
  { id: "costs", label: "Costs across workspaces", group: "Page", href: "/costs", keywords: "spend money" },
  { id: "heartbeat", label: "Heartbeat", group: "Page", href: "/heartbeat", keywords: "cron runs gateway" },
  { id: "settings", label: "Your settings", group: "Page", href: "/settings", keywords: "time zone profile account" },
];
