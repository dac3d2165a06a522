import path from "node:path";
import { z } from "zod";

// The only module that reads process.env: parsed once, typed, with readable errors.

const bool = z.enum(["1", "0", "true", "false", "yes", "no", ""]).transform((v) => v === "1" || v === "true" || v === "yes");

const secret = z.string().min(32, "must be at least 32 characters").optional();

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  ALLOW_PUBLIC_BIND: bool.default(false),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// connection string")
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  // The folder holding migrations/ and sql/ (default: the release's own supabase/).
  SCHEMA_DIR: z.string().optional(),
  // Supabase over HTTP (PostgREST .rpc()), used only when DATABASE_URL is not set: both or neither.
  SUPABASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1).optional(),
  MC_API_TOKEN: secret,
  WEBHOOK_SECRET: secret,
  SESSION_SECRET: secret,
  // Web Push (decision 048): the VAPID key pair, base64url (\`npx web-push generate-vapid-keys\`), both or
  // neither (generated into DATA_DIR/secrets.json); the contact push services see; the hosts a push
  // endpoint may be on although plain http or a private address (a push service on this machine).
  VAPID_PUBLIC_KEY: z
    .string()
    .regex(/^B[A-Za-z0-9_-]{86}$/, "must be a base64url P-256 public key (87 characters)")
    .optional(),
  VAPID_PRIVATE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, "must be a base64url P-256 private key (43 characters)")
    .optional(),
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, "must be a mailto: address or an https: URL")
    .optional(),
  PUSH_ENDPOINT_ALLOWLIST: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    ),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24 * 7),
  COOKIE_SECURE: bool.optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  OPENCLAW_GATEWAY_URL: z.url({ protocol: /^wss?$/ }).optional(),
  OPENCLAW_GATEWAY_TOKEN: z.string().min(1).optional(),
  FILES_DIR: z.string().min(1).optional(),
  UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  WEBHOOK_ALLOW_LEGACY: bool.default(false),
  ENABLE_FILE_REVEAL: bool.default(false),
  HEARTBEAT_INTERVAL_S: z.coerce.number().int().min(0).max(86_400).default(0),
  HEARTBEAT_ACTION_BUDGET: z.coerce.number().int().min(1).max(100).default(5),
  STALL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(30),
  LEASE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
  DISPATCH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
  APPROVAL_TTL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
  TESTING_URL_ALLOWLIST: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    ),
  // Notifications (decision 047): how often the sender runs, how early an expiring approval is announced,
  // email over SMTP (smtp:// or smtps://user:password@host:port) and the Telegram Bot API's address.
  NOTIFY_INTERVAL_S: z.coerce.number().int().min(0).max(3600).default(15),
  NOTIFY_EXPIRY_WINDOW_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, "must be an smtp:// or smtps:// URL")
    .optional(),
  SMTP_FROM: z.string().min(3).max(320).default("Mission Control <mission-control@localhost>"),
  TELEGRAM_API_URL: z.url({ protocol: /^https?$/ }).default("https://api.telegram.org"),
  // GitHub's REST API, for comments back on linked issues (GitHub Enterprise: https://<host>/api/v3).
  GITHUB_API_URL: z.url({ protocol: /^https?$/ }).default("https://api.github.com"),
  CHROMIUM_PATH: z.string().min(1).optional(),
  // The account a root server runs Chromium as when it renders deliverables.
  CHROMIUM_USER: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a user name")
    .default("nobody"),
  // The testing stage's limits: time per heartbeat run and per task, deliverables per task.
  TESTING_RUN_BUDGET_S: z.coerce.number().int().min(1).max(3600).default(120),
  TESTING_TASK_BUDGET_S: z.coerce.number().int().min(1).max(3600).default(60),
  TESTING_MAX_DELIVERABLES: z.coerce.number().int().min(1).max(100).default(10),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(10),
  RATE_LIMIT_WRITES_PER_MIN: z.coerce.number().int().min(1).max(1_000_000).default(600),
  RATE_LIMIT_HEARTBEATS_PER_MIN: z.coerce.number().int().min(1).max(100_000).default(60),
  RATE_LIMIT_AUTH_FAILURES_PER_MIN: z.coerce.number().int().min(1).max(100_000).default(100),
  SSE_PING_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  // Open event streams per client address on one instance (429 beyond); each browser tab holds one.
  EVENT_STREAMS_PER_CLIENT: z.coerce.number().int().min(1).max(1_000_000).default(20),
  // Observability: traces over OTLP/HTTP (JSON) and error reports to Sentry, each off unless set.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default("mission-control"),
  SENTRY_DSN: z.url({ protocol: /^https?$/ }).optional(),
  SENTRY_ENVIRONMENT: z.string().min(1).optional(),
  // Langfuse export of the usage ledger: on when all three are set.
  LANGFUSE_HOST: z.url({ protocol: /^https?$/ }).optional(),
  LANGFUSE_PUBLIC_KEY: z.string().min(1).optional(),
  LANGFUSE_SECRET_KEY: z.string().min(1).optional(),
  LANGFUSE_FLUSH_INTERVAL_S: z.coerce.number().min(0.1).max(3600).default(5),
});

export type Env = z.output<typeof schema> & {
  dataDir: string;
  filesDir: string;
  publicUrl: string;
  cookieSecure: boolean;
  /** APPROVAL_TTL_MINUTES in seconds: how long every approval request stays open. */
  approvalTtlSeconds: number;
  /** Who push services may contact about our messages: VAPID_SUBJECT, else an https PUBLIC_URL, else a placeholder address. */
  vapidSubject: string;
};

export class EnvError extends Error {}

export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings mean "not set", as in most .env files.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new EnvError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const env = result.data;
  if (!env.SUPABASE_URL !== !env.SUPABASE_SERVICE_ROLE_KEY) {
    throw new EnvError("Invalid configuration:\n  SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY: set both (the Supabase HTTP transport) or neither");
  }
  const langfuse = [env.LANGFUSE_HOST, env.LANGFUSE_PUBLIC_KEY, env.LANGFUSE_SECRET_KEY].filter(Boolean).length;
  if (langfuse !== 0 && langfuse !== 3) {
    throw new EnvError("Invalid configuration:\n  LANGFUSE_HOST, LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY: set all three (Langfuse export) or none");
  }
  if (!env.VAPID_PUBLIC_KEY !== !env.VAPID_PRIVATE_KEY) {
    throw new EnvError("Invalid configuration:\n  VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY: set both (one key pair) or neither (generated on first start)");
  }
  if (env.TESTING_TASK_BUDGET_S > env.TESTING_RUN_BUDGET_S) {
    throw new EnvError("Invalid configuration:\n  TESTING_TASK_BUDGET_S: must not exceed TESTING_RUN_BUDGET_S (a run checks whole tasks)");
  }
  const displayHost = env.HOST.includes(":") ? `[${env.HOST}]` : env.HOST;
  const publicUrl = (env.PUBLIC_URL ?? `http://${displayHost}:${env.PORT}`).replace(/\/+$/, "");
  return {
    ...env,
    dataDir: path.resolve(env.DATA_DIR),
    filesDir: path.resolve(env.FILES_DIR ?? path.join(env.DATA_DIR, "files")),
    publicUrl,
    cookieSecure: env.COOKIE_SECURE ?? publicUrl.startsWith("https:"),
    approvalTtlSeconds: env.APPROVAL_TTL_MINUTES * 60,
    vapidSubject: env.VAPID_SUBJECT ?? (publicUrl.startsWith("https:") ? publicUrl : "mailto:mission-control@localhost"),
  };
}

let cached: Env | undefined;

export function getEnv(): Env {
  cached ??= parseEnv({ ...process.env });
  return cached;
}
