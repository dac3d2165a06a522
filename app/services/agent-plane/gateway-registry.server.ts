import { agentGateway, listGatewayConnections, taskGateway } from "#app/db/gateways.server";
import type { Database } from "#app/db/types";
import type { EventBus } from "../events/event-bus.server";
import type { Logger } from "../observability/logger.server";
import type { GatewayTokenBox } from "../auth/gateway-tokens.server";
import { createGateway, type Gateway, type GatewayStatus } from "./gateway.server";

// Several OpenClaw gateways (decision 052): one connection per gateway, each
// reconnecting on its own (gateway.server.ts), so one that is down never holds
// up another. The default gateway comes from OPENCLAW_GATEWAY_URL/_TOKEN and
// serves every agent without a gateway of its own; the registered ones come
// from the gateways table. A change there (gateway.created/updated/deleted on
// the event feed, from this instance or another) reloads the table and starts,
// restarts or stops just the connections it concerns; a slow timer reloads too,
// in case an event was missed.

/** The key of the default gateway in the registry (registered gateways use their id). */
export const DEFAULT_GATEWAY = "default";

export interface GatewayEntry {
  /** DEFAULT_GATEWAY, or the registered gateway's id. */
  key: string;
  name: string;
  url: string;
  isDefault: boolean;
  gateway: Gateway;
}

/** How services find the gateway a run goes to. */
export interface GatewayLookup {
  /** A gateway by its id; null asks for the default gateway. Null when there is no such (connected or not) gateway. */
  get(gatewayId: string | null): Gateway | null;
  /** The gateway an agent's runs go to (its own, else the default); null when it is not configured. */
  forAgent(agentId: string | null): Promise<Gateway | null>;
  /** The gateway of a task's assigned agent; null when there is none. */
  forTask(taskId: string): Promise<Gateway | null>;
  /**
   * Which gateways are connected now, for the dispatch claim: `claim` lists them
   * (null: no filter, every agent's runs go to the one connection).
   */
  connected(): { any: boolean; claim: { gateways: string[]; defaultGateway: boolean } | null };
  /** Whether any gateway is configured at all. */
  configured(): boolean;
}

export interface GatewayRegistry extends GatewayLookup {
  list(): GatewayEntry[];
  /** Reads the table again and brings the connections in line with it; the first call opens them all, the default one included. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

export interface GatewayRegistryOptions {
  db: Database;
  log: Logger;
  dataDir: string;
  bus: Pick<EventBus, "subscribe"> | null;
  box: GatewayTokenBox;
  defaultGateway: { url: string; token: string } | null;
  /** Wires one connection's listeners (finished runs, exec approvals, session activity); returns their stop. */
  wire: (gateway: Gateway, key: string) => () => void;
  /** For tests: another connection factory. */
  connect?: (opts: { url: string; token: string; key: string }) => Gateway;
  /** The safety reload; default 60 s (0: none). */
  reloadIntervalMs?: number;
}

interface Connection extends GatewayEntry {
  /** url + ciphertext: a change to either replaces the connection. */
  fingerprint: string;
  unwire: () => void;
}

export function createGatewayRegistry(opts: GatewayRegistryOptions): GatewayRegistry {
  const { db, log } = opts;
  const connections = new Map<string, Connection>();
  const factory =
    opts.connect ??
    ((o: { url: string; token: string; key: string }) =>
      createGateway({ url: o.url, token: o.token, dataDir: opts.dataDir, log: log.child({ gateway: o.key }) }));
  let stopped = false;
  let reloading: Promise<void> | null = null;
  let again = false;

  const open = (entry: Omit<GatewayEntry, "gateway">, token: string, fingerprint: string): void => {
    const gateway = factory({ url: entry.url, token, key: entry.key });
    const unwire = opts.wire(gateway, entry.key);
    connections.set(entry.key, { ...entry, gateway, fingerprint, unwire });
    gateway.start();
  };

  const close = async (key: string): Promise<void> => {
    const c = connections.get(key);
    if (!c) return;
    connections.delete(key);
    c.unwire();
    await c.gateway.stop();
  };

  const sync = async (): Promise<void> => {
    // The default gateway opens with the first load (its wiring may use the registry itself).
    if (opts.defaultGateway && !connections.has(DEFAULT_GATEWAY) && !stopped) {
      open({ key: DEFAULT_GATEWAY, name: "Default", url: opts.defaultGateway.url, isDefault: true }, opts.defaultGateway.token, "env");
    }
    const rows = await listGatewayConnections(db);
    if (stopped) return;
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.id);
      const fingerprint = `${row.url}\n${row.token_ciphertext}`;
      const current = connections.get(row.id);
      if (current && current.fingerprint === fingerprint) {
        current.name = row.name;
        continue;
      }
      let token: string;
      try {
        token = opts.box.open(row.token_ciphertext);
      } catch {
        // Sealed with another SESSION_SECRET: the connection is kept off until the token is entered again.
        log.warn({ event: "gateway.token_unreadable", gateway_id: row.id, name: row.name }, "cannot decrypt a gateway token; enter it again");
        token = "";
      }
      if (current) await close(row.id);
      open({ key: row.id, name: row.name, url: row.url, isDefault: false }, token, fingerprint);
      log.info({ event: current ? "gateway.replaced" : "gateway.added", gateway_id: row.id, name: row.name, url: row.url });
    }
    for (const key of connections.keys()) {
      if (key === DEFAULT_GATEWAY || seen.has(key)) continue;
      await close(key);
      log.info({ event: "gateway.removed", gateway_id: key });
    }
  };

  const reload = (): Promise<void> => {
    if (reloading) {
      again = true;
      return reloading;
    }
    reloading = (async () => {
      do {
        again = false;
        await sync().catch((error: unknown) => log.error({ event: "error", err: error }, "could not load the registered gateways"));
      } while (again && !stopped);
    })().finally(() => {
      reloading = null;
    });
    return reloading;
  };

  const unsubscribe = opts.bus?.subscribe((event) => {
    if (event.type.startsWith("gateway.")) void reload();
  });
  const intervalMs = opts.reloadIntervalMs ?? 60_000;
  const timer = intervalMs > 0 ? setInterval(() => void reload(), intervalMs) : null;
  timer?.unref?.();

  const get = (gatewayId: string | null): Gateway | null => connections.get(gatewayId ?? DEFAULT_GATEWAY)?.gateway ?? null;

  return {
    get,
    async forAgent(agentId) {
      if (!agentId) return get(null);
      const row = await agentGateway(db, agentId);
      return get(row?.gateway_id ?? null);
    },
    async forTask(taskId) {
      const row = await taskGateway(db, taskId);
      return get(row?.gateway_id ?? null);
    },
    connected() {
      const ids: string[] = [];
      let defaultConnected = false;
      for (const c of connections.values()) {
        if (c.gateway.status !== "connected") continue;
        if (c.isDefault) defaultConnected = true;
        else ids.push(c.key);
      }
      return { any: defaultConnected || ids.length > 0, claim: { gateways: ids, defaultGateway: defaultConnected } };
    },
    configured: () => connections.size > 0,
    list() {
      return [...connections.values()]
        .map(({ key, name, url, isDefault, gateway }) => ({ key, name, url, isDefault, gateway }))
        .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.name.localeCompare(b.name));
    },
    reload,
    async stop() {
      stopped = true;
      unsubscribe?.();
      if (timer) clearInterval(timer);
      await reloading?.catch(() => {});
      await Promise.all([...connections.keys()].map((key) => close(key)));
    },
  };
}

/** One gateway's state, as health, the heartbeat page and the header show it. */
export interface GatewayHealth {
  id: string;
  name: string;
  url: string;
  default: boolean;
  status: GatewayStatus;
}

export function gatewayHealth(registry: Pick<GatewayRegistry, "list">): GatewayHealth[] {
  return registry.list().map((e) => ({ id: e.key, name: e.name, url: e.url, default: e.isDefault, status: e.gateway.status }));
}

/** All gateways together: disabled when none is configured, connected when all are, else disconnected. */
export function overallGatewayStatus(gateways: readonly { status: GatewayStatus }[]): GatewayStatus {
  const live = gateways.filter((g) => g.status !== "disabled");
  if (live.length === 0) return "disabled";
  return live.every((g) => g.status === "connected") ? "connected" : "disconnected";
}

/** A lookup over one gateway (or none) for every agent: for tests and tools that hold a single connection. */
export function singleGatewayLookup(gateway: Gateway | null): GatewayLookup {
  return {
    get: () => gateway,
    forAgent: async () => gateway,
    forTask: async () => gateway,
    connected: () => {
      return { any: gateway?.status === "connected", claim: null };
    },
    configured: () => gateway !== null,
  };
}
