// The command palette and the shortcuts that work on every page (decision
// 029). One small script, loaded by every page beside (not inside) React, so
// the hydrated pages and the board, which does not hydrate, share one
// implementation. It builds its two dialogs on first use, after the page has
// loaded, and reads what it offers from the page (the header's workspace
// links, elements marked data-command) and, for tasks, from
// GET /w/:slug/search.json.

import { type Command, GLOBAL_PAGES, rankCommands, workspacePages } from "./commands";
import { SHORTCUTS, globalAction, goPath, workspaceSlug } from "./keys";
import { isTyping } from "./regions";

interface TaskHit {
  id: string;
  title: string;
  status: string;
  status_label: string;
}

const SEARCH_DELAY_MS = 150;

document.documentElement.dataset.palette = "ready";

let palette: HTMLDialogElement | null = null;
let help: HTMLDialogElement | null = null;
let afterG = false;
let afterGTimer: ReturnType<typeof setTimeout> | undefined;

const slug = () => workspaceSlug(location.pathname);

// On window, in the capture phase: React holds back key presses that reach a
// page it has not finished hydrating, and the shortcuts must work from the start.
addEventListener(
  "keydown",
  (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    const action = globalAction(event, afterG);
    if (action?.kind === "palette") {
      event.preventDefault();
      if (palette?.open) palette.close();
      else openPalette();
      return;
    }
    if (isTyping(document) || document.querySelector("dialog[open]")) return;
    clearTimeout(afterGTimer);
    const wasG = afterG;
    afterG = false;
    if (!action) return;
    event.preventDefault();
    switch (action.kind) {
      case "go-prefix":
        afterG = true;
        afterGTimer = setTimeout(() => (afterG = false), 1500);
        break;
      case "go":
        if (wasG) location.assign(goPath(action.target, slug()));
        break;
      case "help":
        openHelp();
        break;
      case "search": {
        const search = document.getElementById("board-search");
        if (search instanceof HTMLInputElement) {
          search.focus();
          search.select();
        }
        break;
      }
      case "new-task": {
        const current = slug();
        location.assign(current ? `/w/${encodeURIComponent(current)}/tasks/new` : "/");
        break;
      }
    }
  },
  true,
);

document.addEventListener("click", (event) => {
  const opener = (event.target as Element | null)?.closest("[data-palette-open]");
  if (opener) {
    event.preventDefault();
    openPalette();
  }
  const helper = (event.target as Element | null)?.closest("[data-shortcuts-open]");
  if (helper) {
    event.preventDefault();
    openHelp();
  }
});

// ---------------------------------------------------------------- palette

/** The commands the page offers before anything is typed. */
function baseCommands(): Command[] {
  const current = slug();
  const workspaces = [...document.querySelectorAll<HTMLAnchorElement>('nav[aria-label="Workspaces"] a[href^="/w/"]')].map((a) => ({
    slug: workspaceSlug(new URL(a.href).pathname)!,
    name: (a.textContent ?? "").trim(),
  }));
  const currentName = workspaces.find((w) => w.slug === current)?.name ?? document.querySelector(".ws-name")?.textContent?.trim() ?? current ?? "";
  const commands: Command[] = [];
  if (current) {
    commands.push({
      id: "new-task",
      label: "New task",
      group: "Action",
      href: `/w/${encodeURIComponent(current)}/tasks/new`,
      keywords: "create add",
      hint: "c",
    });
    commands.push(...workspacePages(current, currentName));
  }
  commands.push(...GLOBAL_PAGES);
  for (const w of workspaces) {
    if (w.slug !== current)
      commands.push({ id: `ws:${w.slug}`, label: `Board · ${w.name}`, group: "Workspace", href: `/w/${encodeURIComponent(w.slug)}`, keywords: "switch" });
  }
  // Anything the page marks as a command (a theme switch, say): the palette clicks it.
  document.querySelectorAll<HTMLElement>("[data-command]").forEach((el, i) => {
    commands.push({ id: `page:${i}`, label: el.dataset.command!, group: "Action", keywords: el.dataset.commandKeywords });
  });
  commands.push({ id: "shortcuts", label: "Keyboard shortcuts", group: "Help", keywords: "keys help", hint: "?" });
  return commands;
}

/** An element with its properties (textContent, className…) and attributes. */
function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string | boolean> = {},
  attrs: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  Object.assign(el, props);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  return el;
}

function openPalette(): void {
  help?.close();
  palette ??= buildPalette();
  if (!palette.open) palette.showModal();
  const input = palette.querySelector("input")!;
  input.value = "";
  input.dispatchEvent(new Event("input"));
  input.focus();
}

function buildPalette(): HTMLDialogElement {
  const dialog = element("dialog", { className: "palette" }, { "aria-label": "Command palette" });
  const input = element(
    "input",
    { type: "text", className: "palette-input", placeholder: "Go to a page, find a task…", autocomplete: "off", spellcheck: false },
    { role: "combobox", "aria-expanded": "true", "aria-controls": "palette-list", "aria-autocomplete": "list", "aria-label": "Command or task" },
  );
  const list = element("ul", { id: "palette-list", className: "palette-list" }, { role: "listbox", "aria-label": "Results" });
  const status = element("p", { className: "palette-status" }, { role: "status", "aria-live": "polite" });
  dialog.append(input, list, status);
  document.body.append(dialog);

  let shown: Command[] = [];
  let active = 0;
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  let searchAbort: AbortController | null = null;
  let tasks: Command[] = [];
  let base: Command[] = [];

  const render = () => {
    shown = [...rankCommands(base, input.value, 30), ...tasks];
    active = Math.min(active, Math.max(0, shown.length - 1));
    list.replaceChildren(
      ...shown.map((command, i) => {
        const li = element("li", { id: `palette-opt-${i}`, className: "palette-option" }, { role: "option", "aria-selected": String(i === active) });
        li.dataset.index = String(i);
        li.append(
          element("span", { className: "palette-label", textContent: command.label }),
          element("span", { className: "palette-group", textContent: command.group }),
        );
        if (command.hint) li.append(element("kbd", { textContent: command.hint }));
        return li;
      }),
    );
    if (shown.length) input.setAttribute("aria-activedescendant", `palette-opt-${active}`);
    else input.removeAttribute("aria-activedescendant");
    status.textContent = shown.length === 0 ? "Nothing matches." : `${shown.length} result${shown.length === 1 ? "" : "s"}`;
    list.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: "nearest" });
  };

  const search = (query: string) => {
    clearTimeout(searchTimer);
    searchAbort?.abort();
    const current = slug();
    if (!current || query.trim().length < 2) {
      tasks = [];
      return;
    }
    searchTimer = setTimeout(() => {
      searchAbort = new AbortController();
      const url = `/w/${encodeURIComponent(current)}/search.json?q=${encodeURIComponent(query.trim())}`;
      fetch(url, { credentials: "same-origin", signal: searchAbort.signal, headers: { accept: "application/json" } })
        .then((res) => (res.ok && (res.headers.get("content-type") ?? "").includes("json") ? (res.json() as Promise<{ tasks: TaskHit[] }>) : { tasks: [] }))
        .then(({ tasks: hits }) => {
          if (input.value.trim() !== query.trim()) return;
          tasks = hits.map((t) => ({
            id: `task:${t.id}`,
            label: t.title,
            group: `Task · ${t.status_label}`,
            href: `/w/${encodeURIComponent(current)}/tasks/${t.id}`,
          }));
          render();
        })
        .catch(() => {});
    }, SEARCH_DELAY_MS);
  };

  const run = (command: Command | undefined) => {
    if (!command) return;
    dialog.close();
    if (command.id === "shortcuts") openHelp();
    else if (command.href) location.assign(command.href);
    else if (command.id.startsWith("page:")) document.querySelectorAll<HTMLElement>("[data-command]")[Number(command.id.slice(5))]?.click();
  };

  input.addEventListener("input", () => {
    active = 0;
    tasks = [];
    // The page may have changed since the last time (a live update, new links).
    base = baseCommands();
    render();
    search(input.value);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (shown.length) active = (active + (event.key === "ArrowDown" ? 1 : -1) + shown.length) % shown.length;
      render();
    } else if (event.key === "Enter") {
      event.preventDefault();
      run(shown[active]);
    }
  });
  list.addEventListener("click", (event) => {
    const li = (event.target as Element).closest<HTMLElement>("[data-index]");
    if (li) run(shown[Number(li.dataset.index)]);
  });
  list.addEventListener("mousemove", (event) => {
    const li = (event.target as Element).closest<HTMLElement>("[data-index]");
    if (li && Number(li.dataset.index) !== active) {
      active = Number(li.dataset.index);
      render();
    }
  });
  // A click on the backdrop (outside the dialog's box) closes it.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener("close", () => {
    searchAbort?.abort();
    tasks = [];
  });
  return dialog;
}

// ---------------------------------------------------------------- help

function openHelp(): void {
  help ??= buildHelp();
  if (!help.open) help.showModal();
  help.querySelector<HTMLButtonElement>("button")?.focus();
}

function buildHelp(): HTMLDialogElement {
  const dialog = element("dialog", { className: "shortcut-help" }, { "aria-labelledby": "shortcut-help-title" });
  const head = element("div", { className: "shortcut-help-head" });
  head.append(
    element("h2", { id: "shortcut-help-title", textContent: "Keyboard shortcuts" }),
    element("button", { type: "button", className: "btn btn-ghost btn-small", textContent: "Close" }, { "data-close": "" }),
  );
  dialog.append(head);
  for (const { group, keys } of SHORTCUTS) {
    const section = element("section", { className: "shortcut-group" });
    section.append(element("h3", { textContent: group }));
    const dl = element("dl");
    for (const [key, what] of keys) {
      const dt = element("dt");
      for (const [i, part] of key.split(" / ").entries()) {
        if (i > 0) dt.append(" or ");
        dt.append(element("kbd", { textContent: part }));
      }
      dl.append(dt, element("dd", { textContent: what }));
    }
    section.append(dl);
    dialog.append(section);
  }
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog || (event.target as Element).closest("[data-close]")) dialog.close();
  });
  document.body.append(dialog);
  return dialog;
}
