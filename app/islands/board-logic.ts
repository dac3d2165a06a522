// The board script's arithmetic, kept apart from the DOM so it can be tested.

export interface CardBox {
  id: string;
  /** Top edge and height on screen (getBoundingClientRect). */
  top: number;
  height: number;
}

/**
 * The card a dragged card lands before, from the pointer's height over a
 * lane: the first card (other than the dragged one) whose middle is below the
 * pointer; null when it lands at the end. `cards` are in the lane's order.
 */
export function dropBefore(cards: readonly CardBox[], pointerY: number, dragged: string): string | null {
  for (const card of cards) {
    if (card.id === dragged) continue;
    if (pointerY < card.top + card.height / 2) return card.id;
  }
  return null;
}

/** Whether putting `dragged` before `before` in the lane it is already in leaves the order as it was. */
export function isSamePlace(order: readonly string[], dragged: string, before: string | null): boolean {
  const at = order.indexOf(dragged);
  if (at === -1) return false;
  return (order[at + 1] ?? null) === before;
}

/** The form fields of a move (the board's move form, decision 026; `before` absent = end of the lane). */
export function moveFields(taskId: string, status: string, before: string | null, csrf: string | null): URLSearchParams {
  const body = new URLSearchParams({ intent: "move", taskId, status });
  if (before !== null) body.set("before", before);
  if (csrf !== null) body.set("csrf", csrf);
  return body;
}

/** The next position in a list of `length` items from `index`, clamped at both ends (-1 = none yet). */
export function step(index: number, delta: number, length: number): number {
  if (length === 0) return -1;
  if (index < 0) return delta >= 0 ? 0 : length - 1;
  return Math.min(length - 1, Math.max(0, index + delta));
}

/**
 * The next lane with cards to the left (-1) or right (+1) of `from`, among
 * lanes given by their card counts; `from` itself when there is none.
 */
export function nextLane(counts: readonly number[], from: number, direction: -1 | 1): number {
  for (let i = from + direction; i >= 0 && i < counts.length; i += direction) if (counts[i]! > 0) return i;
  return from;
}

/**
 * When the next live refresh may run: at most one a second, and never sooner
 * than `settle` ms after the event that asked for it (a burst becomes one).
 */
export function refreshDelay(now: number, lastRefresh: number, settle = 120, minGap = 1000): number {
  return Math.max(settle, lastRefresh + minGap - now);
}
