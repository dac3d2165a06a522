import { getWorkspaceBySlug, type Workspace } from "#app/db/workspaces.server";
import type { Database } from "#app/db/types";
import type { EventBus } from "./events/event-bus.server";
import { ExpiringMap } from "#app/domain/expiring-map";

// The workspace a URL names, remembered by slug so that a page or form post
// under /w/:slug does not start with a lookup (decision 056). A workspace's
// slug never changes; its name and icon do, and it can be deleted: both are
// events (workspace.updated, workspace.deleted), which reach this process's
// bus from every instance, and the entry is forgotten then. The time to live
// bounds what a missed event could leave (the bus also polls). An unknown
// slug is never remembered, so a workspace created elsewhere is found at once.

const TTL_MS = 60_000;
const MAX_ENTRIES = 1_000;

export class WorkspaceCache {
  readonly #bySlug: ExpiringMap<string, Workspace>;
  #unsubscribe: (() => void) | null = null;

  constructor(
    private readonly ttlMs: number = TTL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.#bySlug = new ExpiringMap(MAX_ENTRIES, now);
  }

  /** Forgets a workspace when the bus carries a change to it. */
  start(bus: Pick<EventBus, "subscribe">): void {
    this.#unsubscribe = bus.subscribe((event) => {
      if (event.workspace_id && (event.type === "workspace.updated" || event.type === "workspace.deleted")) this.forget(event.workspace_id);
    });
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#bySlug.clear();
  }

  /** The workspace with this slug, or null: from memory when it was read lately. */
  async bySlug(db: Database, slug: string): Promise<Workspace | null> {
    const remembered = this.#bySlug.get(slug);
    if (remembered) return remembered;
    const workspace = await getWorkspaceBySlug(db, slug);
    if (workspace && this.ttlMs > 0) this.#bySlug.set(slug, workspace, this.now() + this.ttlMs);
    return workspace;
  }

  forget(workspaceId: string): void {
    this.#bySlug.deleteWhere((workspace) => workspace.id === workspaceId);
  }
}
