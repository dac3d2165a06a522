// Swapping a page's regions for the same regions of a fresh copy of the page
// from the server. A region is any element with data-island-region="<name>"
// (the board, the workspace's head, the app's header, the toasts); the server
// renders them, the script only replaces them whole, keeping the reader's
// place: the focused element, scroll positions, open menus.

/** Whether the reader is typing: a text field, a select or an editable element has the focus. */
export function isTyping(doc: Document): boolean {
  const el = doc.activeElement;
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (!(el instanceof HTMLInputElement)) return false;
  return !["button", "submit", "reset", "checkbox", "radio", "range", "color", "file", "image", "hidden"].includes(el.type);
}

/** The regions present in both pages, by name, in the current page's order. */
export function regionPairs(names: readonly string[], incoming: readonly string[]): string[] {
  const fresh = new Set(incoming);
  return names.filter((name, i) => fresh.has(name) && names.indexOf(name) === i);
}

/** What identifies an element across a swap: its id, or its card and role within the card. */
function keyOf(el: Element): string | null {
  if (el.id) return `#${CSS.escape(el.id)}`;
  const card = el.closest<HTMLElement>("[data-task-id]");
  if (!card) return null;
  const base = `[data-task-id="${CSS.escape(card.dataset.taskId!)}"]`;
  if (el === card) return base;
  if (el.matches("a.card-title")) return `${base} a.card-title`;
  if (el.matches("summary")) return `${base} summary`;
  const name = el.getAttribute("name");
  const value = el.getAttribute("value");
  if (name && value) return `${base} [name="${CSS.escape(name)}"][value="${CSS.escape(value)}"]`;
  return base;
}

/** Elements whose scroll position a swap keeps, by a selector that finds them again. */
const SCROLLERS = [".board", ".needs-you-list", ".lane-switcher"];
const scrollKeys = (doc: Document) => [
  ...SCROLLERS,
  ...[...doc.querySelectorAll<HTMLElement>(".board [data-status]")].map((lane) => `.board [data-status="${CSS.escape(lane.dataset.status!)}"] .column-body`),
];

/**
 * Replaces every region of `doc` that the `html` page also has. Returns
 * false (and changes nothing) when the page has none of them: not a page of
 * this kind, so the caller loads it the plain way.
 *
 * A live refresh passes `keepRefusals`: a form (with an id) that shows a
 * refusal beside its field keeps it, and what was typed, since the fresh
 * page read for someone else's change knows nothing of the reader's refused
 * post.
 */
export function swapRegions(doc: Document, html: string, { keepRefusals = false }: { keepRefusals?: boolean } = {}): boolean {
  const next = new DOMParser().parseFromString(html, "text/html");
  const name = (el: Element) => (el as HTMLElement).dataset.islandRegion!;
  const current = [...doc.querySelectorAll("[data-island-region]")];
  const incoming = [...next.querySelectorAll("[data-island-region]")];
  const pairs = regionPairs(current.map(name), incoming.map(name));
  if (pairs.length === 0) return false;

  const active = doc.activeElement;
  const focusKey = active && active !== doc.body ? keyOf(active) : null;
  const scroll = new Map<string, [number, number]>();
  for (const key of scrollKeys(doc)) {
    const el = doc.querySelector(key);
    if (el && (el.scrollLeft || el.scrollTop)) scroll.set(key, [el.scrollLeft, el.scrollTop]);
  }
  const openMenus = [...doc.querySelectorAll<HTMLElement>("[data-island-region] details[open]")].map(keyOf).filter((k) => k !== null);
  const [x, y] = [window.scrollX, window.scrollY];
  const refused = keepRefusals ? [...doc.querySelectorAll<HTMLFormElement>("[data-island-region] form[id]:has(.field-error)")] : [];

  for (const region of pairs) {
    const selector = `[data-island-region="${CSS.escape(region)}"]`;
    const fresh = next.querySelector(selector);
    const old = doc.querySelector(selector);
    // A region marked data-island-keep (the toasts) keeps what it shows when the fresh page has nothing
    // there: a live refresh right after an action must not take its toast away.
    if (fresh && old && old.hasAttribute("data-island-keep") && fresh.childElementCount === 0) continue;
    if (fresh && old) old.replaceWith(doc.importNode(fresh, true));
  }
  if (next.title) doc.title = next.title;
  for (const form of refused) doc.getElementById(form.id)?.replaceWith(form);

  for (const key of openMenus) doc.querySelector<HTMLElement>(key)?.closest("details")?.setAttribute("open", "");
  for (const [key, [left, top]] of scroll) {
    const el = doc.querySelector(key);
    if (el) {
      el.scrollLeft = left;
      el.scrollTop = top;
    }
  }
  window.scrollTo(x, y);
  // The focused element was replaced: focus its copy (a card is focusable through its roving tabindex).
  const focus = focusKey && (doc.activeElement === doc.body || doc.activeElement === null) ? doc.querySelector<HTMLElement>(focusKey) : null;
  if (focus) {
    if (focus.matches("[data-task-id]")) focus.tabIndex = 0;
    focus.focus({ preventScroll: true });
  }
  return true;
}
