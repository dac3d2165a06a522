import { addSetupToken } from "#app/db/auth.server";
import { openDatabase } from "#app/db/open.server";
import { prepareSchema } from "#app/db/schema.server";
import type { RuntimeDatabase } from "#app/db/types";
import { type Env, getEnv } from "#app/env.server";
import { randomToken, sha256Hex } from "./auth/crypto.server";
import { handleRunFinished } from "./orchestration/completion.server";
import { EventBus } from "./events/event-bus.server";
import { StreamSlots } from "./events/event-stream.server";
import { type GatewayRegistry, createGatewayRegistry } from "./agent-plane/gateway-registry.server";
import { gatewayTokenBox } from "./auth/gateway-tokens.server";
import { type HeartbeatDeps, heartbeatIdle, runHeartbeat } from "./orchestration/heartbeat.server";
import { startExecApprovals } from "./governance/exec-approvals.server";
import { startSessionActivity } from "./agent-plane/session-activity.server";
import { startLangfuseExport } from "./integrations/langfuse-export.server";
import { createLogger, type Logger } from "./observability/logger.server";
import { type RateLimits, createRateLimits } from "./http/rate-limit.server";
import { loadSecrets, type Secrets } from "./auth/secrets.server";
import { createNotifier, setCurrentNotifier } from "./notifications/notifier.server";
import { SessionCache } from "./auth/session-cache.server";
import { WorkspaceCache } from "./workspace-cache.server";

// Everything a request needs that lives for the whole process, created once.
// Both the production entry (server/index.ts) and `react-router dev` reach it
// through getRuntime(), so dev and prod boot the same way. Services never take
// the runtime whole: each declares the pieces and settings it reads, and the
// routes (or the wiring below) hand over just those.

export interface Runtime {
  env: Env;
  log: Logger;
  /** Has `session` on PostgreSQL and PGlite, not on Supabase over HTTP. */
  db: RuntimeDatabase;
  bus: EventBus;
  /** Event streams open per client address (EVENT_STREAMS_PER_CLIENT). */
  streamSlots: StreamSlots;
  secrets: Secrets;
  /** Every OpenClaw gateway connection: the default one of OPENCLAW_GATEWAY_URL and the registered ones (decision 052). */
  gateways: GatewayRegistry;
  limits: RateLimits;
  /** Sessions confirmed lately, forgotten when the database announces a change (decision 056). */
  sessions: SessionCache;
  /** Workspaces by slug, forgotten on their events (decision 056). */
  workspaces: WorkspaceCache;
  startedAt: number;
  /** Set while the process is shutting down: new streams are refused. */
  draining: boolean;
}

const KEY = Symbol.for("mission-control.runtime");
type Holder = { [KEY]?: Promise<Runtime> };

export function getRuntime(): Promise<Runtime> {
  const holder = globalThis as Holder;
  holder[KEY] ??= boot(getEnv());
  return holder[KEY];
}

export async function stopRuntime(): Promise<void> {
  const holder = globalThis as Holder;
  const pending = holder[KEY];
  if (!pending) return;
  delete holder[KEY];
  const rt = await pending.catch(() => null);
  if (!rt) return;
  for (const stop of stoppers.splice(0)) stop();
  // A scheduled heartbeat run finishes its step before the database closes.
  await heartbeatIdle();
  // A heartbeat run in flight finishes its current step; its claims expire on their own if it cannot.
  await rt.gateways.stop();
  await rt.limits.close();
  await rt.sessions.stop();
  rt.workspaces.stop();
  await rt.bus.stop();
  await rt.db.close();
}

async function boot(env: Env): Promise<Runtime> {
  const log = createLogger(env.LOG_LEVEL);
  const { secrets, generated } = loadSecrets(env);
  if (generated.length > 0) {
    log.info({ event: "secrets.generated", names: generated, dir: env.dataDir }, "generated missing secrets into the data directory");
  }
  const db = await openDatabase(env, log);
  try {
    await prepareSchema(db, env.SCHEMA_DIR, log, { env, version: typeof __APP_VERSION__ === "string" ? __APP_VERSION__ : "dev" });
    const bus = new EventBus(db, log);
    await bus.start();
    await announceSetup(db, env, log);
    log.info({ event: "db.ready", transport: db.kind }, "database ready");
    // Everything the app writes goes through the bus's watch, so its events reach streams as the call returns.
    const watched = bus.watch(db);
    const gateways = openGateways({ env, log, db: watched, bus, secrets });
    // Without NOTIFY (Supabase over HTTP) another instance could not tell this one a session ended.
    const sessions = db.kind === "supabase" ? SessionCache.disabled() : new SessionCache();
    await sessions.start(db);
    const workspaces = new WorkspaceCache();
    workspaces.start(bus);
    const rt: Runtime = {
      env,
      log,
      db: watched,
      bus,
      streamSlots: new StreamSlots(env.EVENT_STREAMS_PER_CLIENT),
      secrets,
      gateways,
      limits: createRateLimits(env, log),
      sessions,
      workspaces,
      startedAt: Date.now(),
      draining: false,
    };
    await gateways.reload();
    startScheduler(rt);
    startLangfuse(rt);
    startNotifier(rt);
    return rt;
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}

/** How long a printed set-up link works (unless the first admin is created before). */
const SETUP_LINK_TTL_S = 24 * 3600;

/**
 * With no users yet, prints a link that creates the first admin. Each start
 * adds a token of its own, so the links other instances on the database (or
 * earlier starts) printed keep working until the first admin exists.
 */
async function announceSetup(db: RuntimeDatabase, env: Env, log: Logger): Promise<void> {
  const token = randomToken();
  const { added } = await addSetupToken(db, sha256Hex(token), SETUP_LINK_TTL_S);
  if (!added) return;
  const url = `${env.publicUrl}/setup?token=${encodeURIComponent(token)}`;
  log.info({ event: "setup.link", url }, `No admin yet. Open this link to create one: ${url}`);
}

const stoppers: Array<() => void> = [];

/**
 * Connects to every OpenClaw gateway in the background, each on its own: the
 * default one of OPENCLAW_GATEWAY_URL and the registered ones. Finished runs
 * complete their tasks; exec approvals and session activity are heard on each.
 */
function openGateways(rt: Pick<Runtime, "env" | "log" | "db" | "bus" | "secrets">): GatewayRegistry {
  const { OPENCLAW_GATEWAY_URL: url, OPENCLAW_GATEWAY_TOKEN: token } = rt.env;
  const registry: GatewayRegistry = createGatewayRegistry({
    db: rt.db,
    log: rt.log,
    dataDir: rt.env.dataDir,
    bus: rt.bus,
    box: gatewayTokenBox(rt.secrets.SESSION_SECRET),
    defaultGateway: url ? { url, token: token ?? "" } : null,
    wire: (gateway) => {
      const offFinished = gateway.onRunFinished((event) => {
        handleRunFinished({ db: rt.db, log: rt.log, gateway, gateways: registry, settings: rt.env }, event).catch((error: unknown) =>
          rt.log.error({ event: "error", err: error, run_id: event.runId }, "could not apply a finished run"),
        );
      });
      const execApprovals = startExecApprovals({ db: rt.db, log: rt.log, gateway, gateways: registry, bus: rt.bus, settings: rt.env });
      const sessionActivity = startSessionActivity({ db: rt.db, log: rt.log, gateway });
      return () => {
        offFinished();
        execApprovals.stop();
        sessionActivity.stop();
      };
    },
  });
  return registry;
}

/** Exports the usage ledger to Langfuse when it is configured. */
function startLangfuse(rt: Runtime): void {
  const { LANGFUSE_HOST: host, LANGFUSE_PUBLIC_KEY: publicKey, LANGFUSE_SECRET_KEY: secretKey } = rt.env;
  if (!host || !publicKey || !secretKey) return;
  const exporter = startLangfuseExport(rt.db, rt.log, { host, publicKey, secretKey, intervalMs: rt.env.LANGFUSE_FLUSH_INTERVAL_S * 1000 });
  rt.log.info({ event: "langfuse.enabled", host }, "exporting usage to Langfuse");
  stoppers.push(() => exporter.stop());
}

/** Notifications go out on their own timer (NOTIFY_INTERVAL_S); the heartbeat and the settings pages kick it. */
function startNotifier(rt: Runtime): void {
  const notifier = createNotifier({ db: rt.db, log: rt.log, settings: rt.env });
  setCurrentNotifier(notifier);
  stoppers.push(() => {
    setCurrentNotifier(null);
    void notifier.stop();
  });
}

/** For installs without cron: the same heartbeat, on a timer. */
function startScheduler(rt: Runtime): void {
  const seconds = rt.env.HEARTBEAT_INTERVAL_S;
  if (seconds <= 0) return;
  const timer = setInterval(() => {
    if (rt.draining) return;
    runHeartbeat(heartbeatDeps(rt), "scheduler").catch((error: unknown) => rt.log.error({ event: "error", err: error }, "scheduled heartbeat failed"));
  }, seconds * 1000);
  timer.unref();
  stoppers.push(() => clearInterval(timer));
}

/** What a heartbeat run reads; the scheduler, the cron endpoint and the operator's button all run it with these. */
/** `log`: the request's logger when a request runs the heartbeat, so its lines carry the request id. */
export function heartbeatDeps(rt: Runtime, log: Logger = rt.log): HeartbeatDeps {
  return { db: rt.db, log, gateways: rt.gateways, settings: rt.env, draining: () => rt.draining };
}
