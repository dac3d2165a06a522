// The board's script. The board page is rendered on the server and does not
// hydrate React (decision 029): it works as plain HTML, and this script, on
// top of that HTML, adds drag and drop, posts without a page load, live
// updates and keyboard navigation. Everything goes through event delegation on
// the server's markup (cards carry data-task-id, lanes data-status), so a
// region swapped in from the server needs no wiring again.

import { backoffDelay } from "#app/domain/backoff";
import { type ConnectionState, STREAM_MESSAGES, type StreamMessage, readMessages, streamUrl } from "#app/domain/live-stream";
import { allowedTransitions, isTaskStatus } from "#app/domain/task-status";
import { type CardBox, dropBefore, isSamePlace, moveFields, nextLane, refreshDelay, step } from "./board-logic";
import { boardAction } from "./keys";
import { isTyping, swapRegions } from "./regions";

function start(): void {
  document.documentElement.dataset.boardIsland = "ready";
  const drag = startDragAndDrop();
  startFormPosts();
  const live = startLiveUpdates(() => drag.active());
  startKeyboard();
  afterSwap = () => {
    live.badge();
    rovingInit();
    dismissToastsLater();
  };
  afterSwap();
}

/** A toast goes by itself after its time (data-toast-timeout, ms), as on the React pages; a hovered or focused one waits. */
function dismissToastsLater(): void {
  for (const toast of document.querySelectorAll<HTMLElement>("#toasts [data-toast-timeout]")) {
    if (toast.dataset.dismissing) continue;
    toast.dataset.dismissing = "1";
    const ms = Number(toast.dataset.toastTimeout);
    if (!(ms > 0)) continue;
    const tryHide = () => {
      if (toast.matches(":hover, :focus-within")) setTimeout(tryHide, 1000);
      else toast.remove();
    };
    setTimeout(tryHide, ms);
  }
}

/** Run after every swap of the page's regions. */
let afterSwap = (): void => {};

const lanes = (): HTMLElement[] => [...document.querySelectorAll<HTMLElement>(".board [data-status]")];
const laneOf = (el: Element | null): HTMLElement | null => el?.closest<HTMLElement>(".board [data-status]") ?? null;
const cardsOf = (lane: HTMLElement): HTMLElement[] => [...lane.querySelectorAll<HTMLElement>("[data-task-id]")].filter((c) => laneOf(c) === lane);
const cardOf = (el: Element | null): HTMLElement | null => el?.closest<HTMLElement>(".board [data-task-id]") ?? null;
const csrfToken = (): string | null => document.querySelector<HTMLInputElement>('input[name="csrf"]')?.value ?? null;

// ---------------------------------------------------------------- posting

/**
 * Posts form fields to the board and shows the answer without a page load:
 * the server answers a move (or a quick add, an undo) with a redirect to the
 * board, or with the board and its refusal; either way the page's regions
 * are swapped for the answer's. Returns false when the answer cannot be
 * shown this way (no answer, not a page): the caller then posts the plain way.
 */
let postsSent = 0;
let latestShown = 0;

async function post(action: string, body: URLSearchParams): Promise<boolean> {
  const sent = ++postsSent;
  let response: Response;
  try {
    response = await fetch(action, { method: "POST", body, credentials: "same-origin", headers: { accept: "text/html" } });
  } catch {
    return false;
  }
  if (!(response.headers.get("content-type") ?? "").startsWith("text/html")) return false;
  const html = await response.text();
  const landed = new URL(response.url || action, location.href);
  if (landed.pathname !== location.pathname) {
    // The answer is another page (a task that was deleted in the meantime, a sign-in): go there.
    location.assign(landed.href);
    return true;
  }
  // Posts can overtake each other (a move answers with a redirect and the board, a refusal
  // at once): an answer older than the one on screen knows less, and would wipe the later
  // post's refusal from beside its field.
  if (sent < latestShown) return true;
  if (!swapRegions(document, html)) return false;
  latestShown = sent;
  if (response.ok && landed.href !== location.href) history.replaceState(null, "", landed.href);
  afterSwap();
  return true;
}

/** Posts the fields the plain way (a full page load), when the script cannot show the answer itself. */
function postPlainly(action: string, body: URLSearchParams): void {
  const form = document.createElement("form");
  form.method = "post";
  form.action = action;
  form.hidden = true;
  for (const [name, value] of body) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}

/** Moves a card on screen at once; the server's answer then confirms or undoes it. */
function placeCard(card: HTMLElement, lane: HTMLElement, before: string | null): void {
  const beforeCard = before ? cardsOf(lane).find((c) => c.dataset.taskId === before) : undefined;
  const body = lane.querySelector<HTMLElement>(".column-body") ?? lane;
  if (beforeCard) beforeCard.before(card);
  else {
    // At the end of the lane's cards: before "Show more" and the quick add, if there are any.
    const last = cardsOf(lane)
      .filter((c) => c !== card)
      .at(-1);
    if (last) last.after(card);
    else body.prepend(card);
  }
  lane.querySelector(".column-empty")?.remove();
  lane.classList.remove("lane-empty");
  card.classList.add("is-pending");
}

function startFormPosts(): void {
  // Every post form of the board's own page (move menus, quick add, undo in a
  // toast) goes through post(); forms that post elsewhere (sign out) load as usual.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
    if (!form.closest("[data-island-region]")) return;
    const action = new URL(form.action, location.href);
    if (action.pathname !== location.pathname) return;
    event.preventDefault();
    const submitter = event.submitter instanceof HTMLButtonElement || event.submitter instanceof HTMLInputElement ? event.submitter : null;
    const body = new URLSearchParams();
    for (const [name, value] of new FormData(form, submitter)) if (typeof value === "string") body.append(name, value);
    const card = cardOf(form);
    const target = body.get("intent") === "move" ? lanes().find((l) => l.dataset.status === body.get("status")) : undefined;
    if (card && target) {
      form.closest("details")?.removeAttribute("open");
      placeCard(card, target, body.get("before"));
    }
    form.setAttribute("aria-busy", "true");
    submitter?.setAttribute("disabled", "");
    void post(action.href, body).then((shown) => {
      if (!shown) postPlainly(action.href, body);
    });
  });
}

// ---------------------------------------------------------------- drag and drop

function startDragAndDrop(): { active: () => boolean } {
  let dragging: { card: HTMLElement; id: string; from: string } | null = null;
  const marker = document.createElement("div");
  marker.className = "drop-marker";
  marker.setAttribute("aria-hidden", "true");

  const accepts = (lane: HTMLElement | null): lane is HTMLElement => {
    if (!dragging || !lane) return false;
    const to = lane.dataset.status;
    if (!isTaskStatus(to) || !isTaskStatus(dragging.from)) return false;
    return to === dragging.from || allowedTransitions(dragging.from).includes(to);
  };
  const boxes = (lane: HTMLElement): CardBox[] =>
    cardsOf(lane).map((c) => {
      const r = c.getBoundingClientRect();
      return { id: c.dataset.taskId!, top: r.top, height: r.height };
    });
  const clear = () => {
    marker.remove();
    for (const lane of document.querySelectorAll(".drop-target")) lane.classList.remove("drop-target");
  };

  document.addEventListener("dragstart", (event) => {
    const card = cardOf(event.target as Element);
    const from = laneOf(card)?.dataset.status;
    if (!card || !card.draggable || !from || !event.dataTransfer) return;
    dragging = { card, id: card.dataset.taskId!, from };
    event.dataTransfer.setData("text/plain", dragging.id);
    event.dataTransfer.effectAllowed = "move";
    card.classList.add("is-dragging");
  });

  document.addEventListener("dragover", (event) => {
    const lane = laneOf(event.target as Element);
    if (!accepts(lane) || !dragging) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = "move";
    if (!lane.classList.contains("drop-target")) {
      clear();
      lane.classList.add("drop-target");
    }
    const before = dropBefore(boxes(lane), event.clientY, dragging.id);
    const beforeCard = before ? cardsOf(lane).find((c) => c.dataset.taskId === before) : undefined;
    if (beforeCard) {
      if (marker.nextElementSibling !== beforeCard) beforeCard.before(marker);
    } else {
      const cards = cardsOf(lane).filter((c) => c !== dragging!.card);
      const last = cards.at(-1);
      if (last) {
        if (marker.previousElementSibling !== last) last.after(marker);
      } else {
        const body = lane.querySelector(".column-body") ?? lane;
        if (marker.parentElement !== body) body.prepend(marker);
      }
    }
  });

  document.addEventListener("dragleave", (event) => {
    const lane = laneOf(event.target as Element);
    const into = event.relatedTarget instanceof Element ? laneOf(event.relatedTarget) : null;
    if (lane && into !== lane) {
      lane.classList.remove("drop-target");
      if (lane.contains(marker)) marker.remove();
    }
  });

  document.addEventListener("drop", (event) => {
    const lane = laneOf(event.target as Element);
    if (!accepts(lane) || !dragging) return;
    event.preventDefault();
    const { card, id, from } = dragging;
    const to = lane.dataset.status!;
    const before = dropBefore(boxes(lane), event.clientY, id);
    clear();
    if (
      to === from &&
      isSamePlace(
        cardsOf(lane).map((c) => c.dataset.taskId!),
        id,
        before,
      )
    )
      return;
    const form = card.querySelector<HTMLFormElement>("form.move-options") ?? card.querySelector<HTMLFormElement>('form[method="post"]');
    const action = form ? new URL(form.action, location.href).href : location.href;
    placeCard(card, lane, before);
    const body = moveFields(id, to, before, csrfToken());
    void post(action, body).then((shown) => {
      if (!shown) postPlainly(action, body);
    });
  });

  document.addEventListener("dragend", () => {
    dragging?.card.classList.remove("is-dragging");
    dragging = null;
    clear();
    flushStale();
  });

  return { active: () => dragging !== null };
}

// ---------------------------------------------------------------- live updates

let flushStale = (): void => {};

/**
 * Listens to the event stream with the browser's own EventSource (there is
 * no React here to hold remix-utils' hook), with the same rules as the React
 * pages: resume from the last seq seen, back off 1 s → 30 s with jitter, a
 * gap in the seqs reads the page again. A relevant event re-reads the board
 * at most once a second and swaps its regions, but never under a drag or
 * while someone types in it: then it waits until they are done.
 */
function startLiveUpdates(dragging: () => boolean): { badge: () => void } {
  const slug = /^\/w\/([^/]+)/.exec(location.pathname)?.[1];
  const workspace = slug === undefined ? undefined : decodeURIComponent(slug);
  let state: ConnectionState = "connecting";
  let seen: number | null = null;
  let attempt = 0;
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastRefresh = 0;
  let stale = false;
  let reading = false;

  const badge = () => {
    const head = document.querySelector(".ws-head");
    if (!head) return;
    let el = head.querySelector<HTMLElement>(".conn");
    if (!el) {
      el = document.createElement("span");
      el.setAttribute("role", "status");
      el.setAttribute("aria-live", "polite");
      el.innerHTML = '<span class="conn-dot" aria-hidden="true"></span><span class="conn-label"></span>';
      head.append(el);
    }
    el.className = `conn conn-${state}`;
    el.dataset.connection = state;
    el.querySelector(".conn-label")!.textContent = { connecting: "Connecting", live: "Live", reconnecting: "Reconnecting", offline: "Offline" }[state];
  };
  const setState = (next: ConnectionState) => {
    state = next;
    badge();
  };

  const busy = () => dragging() || isTyping(document) || document.querySelector("[data-island-region] details[open], dialog[open]") !== null;

  const read = async () => {
    if (busy()) {
      stale = true;
      return;
    }
    stale = false;
    reading = true;
    lastRefresh = Date.now();
    const shownBefore = latestShown;
    try {
      const response = await fetch(location.href, { credentials: "same-origin", headers: { accept: "text/html" } });
      const html = await response.text();
      // The user may have started a drag or typing while the page was read: their work wins, the next event reads again.
      // A post's answer shown meanwhile is newer than this read: read again rather than show the older board over it.
      if (busy() || latestShown !== shownBefore) stale = true;
      else if (new URL(response.url || location.href).pathname === location.pathname && swapRegions(document, html, { keepRefusals: true })) afterSwap();
    } catch {
      stale = true;
    } finally {
      reading = false;
    }
  };
  const refresh = () => {
    if (timer !== undefined || reading) {
      stale = true;
      return;
    }
    timer = setTimeout(
      () => {
        timer = undefined;
        void read().then(() => {
          if (stale && !busy()) refresh();
        });
      },
      refreshDelay(Date.now(), lastRefresh),
    );
  };
  flushStale = () => {
    if (stale) refresh();
  };
  document.addEventListener("focusout", () => setTimeout(flushStale, 0));
  document.addEventListener("toggle", () => setTimeout(flushStale, 0), true);
  document.addEventListener("close", () => setTimeout(flushStale, 0), true);

  const receive = (message: StreamMessage) => {
    const result = readMessages(seen, [message], workspace);
    seen = result.seen;
    if (result.reload) refresh();
  };
  const reconnect = (delay: number) => {
    source?.close();
    source = null;
    clearTimeout(retry);
    retry = setTimeout(connect, delay);
  };
  const connect = () => {
    const es = new EventSource(streamUrl(seen));
    source = es;
    es.addEventListener("open", () => {
      attempt = 0;
      setState("live");
    });
    // Closed at once (the browser's own retry has no backoff); ours resumes from the seq seen.
    es.addEventListener("error", () => {
      if (source !== es) return;
      setState(attempt === 0 ? "reconnecting" : "offline");
      reconnect(backoffDelay(attempt++));
    });
    for (const type of STREAM_MESSAGES) {
      es.addEventListener(type, (event) => {
        const data = JSON.parse((event as MessageEvent<string>).data) as Record<string, unknown>;
        if (type === "reconnect") {
          // The server is restarting: come back after its hint.
          setState("reconnecting");
          reconnect(Number(data.retry_ms) || 1000);
        } else if (type === "ready" || type === "resync") {
          receive({ kind: type, last_seq: Number(data.last_seq) });
        } else {
          receive({
            kind: "event",
            event: {
              seq: Number(data.seq),
              type: String(data.type ?? type),
              workspace_id: (data.workspace_id as string | null) ?? null,
              workspace_slug: (data.workspace_slug as string | null) ?? null,
              task_id: (data.task_id as string | null) ?? null,
            },
          });
        }
      });
    }
  };
  connect();
  addEventListener("pagehide", () => source?.close());
  addEventListener("pageshow", (event) => {
    // Back from the browser's page cache: the stream was closed on the way out.
    if (event.persisted) {
      setState("reconnecting");
      reconnect(0);
    }
  });
  return { badge };
}

// ---------------------------------------------------------------- keyboard

/** One card in the board's tab order at a time (roving tabindex): Tab reaches the board once, the keys move inside it. */
function rovingInit(): void {
  const cards = [...document.querySelectorAll<HTMLElement>(".board [data-task-id]")];
  const current = cards.find((c) => c.tabIndex === 0) ?? cards[0];
  for (const card of cards) card.tabIndex = card === current ? 0 : -1;
}

function focusCard(card: HTMLElement): void {
  for (const other of document.querySelectorAll<HTMLElement>('.board [data-task-id][tabindex="0"]')) other.tabIndex = -1;
  card.tabIndex = 0;
  card.focus();
  card.scrollIntoView({ block: "nearest", inline: "nearest" });
}

function startKeyboard(): void {
  document.addEventListener("focusin", (event) => {
    // A card reached by Tab or a click becomes the one the keys start from.
    const card = cardOf(event.target as Element);
    if (card && card.tabIndex !== 0) {
      for (const other of document.querySelectorAll<HTMLElement>('.board [data-task-id][tabindex="0"]')) other.tabIndex = -1;
      card.tabIndex = 0;
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || isTyping(document) || document.querySelector("dialog[open]")) return;
    const active = document.activeElement;
    const onCard = active instanceof HTMLElement && active.matches(".board [data-task-id]");
    if (event.key === "Escape") {
      const menu = active?.closest<HTMLDetailsElement>(".board details[open]");
      if (menu) {
        menu.open = false;
        const card = cardOf(menu);
        if (card) focusCard(card);
        event.preventDefault();
      }
      return;
    }
    // Keys typed inside a card's open menu belong to its buttons.
    if (active?.closest(".board details[open]") && event.key !== "m") return;
    const action = boardAction(event, onCard);
    if (!action) return;
    const current = cardOf(active);
    const all = lanes();
    const counts = all.map((l) => cardsOf(l).length);
    if (!current) {
      // From outside the cards, the first key of a move lands on the card the board remembers (or the first).
      if (action === "down" || action === "up" || action === "left" || action === "right") {
        const card = document.querySelector<HTMLElement>('.board [data-task-id][tabindex="0"]') ?? document.querySelector<HTMLElement>(".board [data-task-id]");
        if (card) {
          event.preventDefault();
          focusCard(card);
        }
      }
      return;
    }
    const lane = laneOf(current)!;
    const cards = cardsOf(lane);
    const index = cards.indexOf(current);
    const link = current.querySelector<HTMLAnchorElement>("a.card-title");
    event.preventDefault();
    switch (action) {
      case "down":
      case "up": {
        const next = cards[step(index, action === "down" ? 1 : -1, cards.length)];
        if (next) focusCard(next);
        break;
      }
      case "left":
      case "right": {
        const at = all.indexOf(lane);
        const to = nextLane(counts, at, action === "left" ? -1 : 1);
        const target = cardsOf(all[to]!);
        const next = target[Math.min(Math.max(index, 0), target.length - 1)];
        if (next) focusCard(next);
        break;
      }
      case "open":
        if (link) location.assign(link.href);
        break;
      case "edit":
        if (link) location.assign(`${link.href}?edit=title#field-title`);
        break;
      case "move": {
        const menu = current.querySelector<HTMLDetailsElement>("details.move-menu");
        if (!menu) break;
        menu.open = true;
        menu.querySelector<HTMLButtonElement>("button:not([disabled])")?.focus();
        break;
      }
    }
  });
}

// Last, once every binding above exists. The board's page in any of its views
// (lanes, or a list) is its region; without it the script does nothing.
if (document.querySelector('[data-island-region="board"]')) start();
