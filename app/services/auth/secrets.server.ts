import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Env } from "#app/env.server";
import { createECDH } from "node:crypto";
import { randomToken } from "./crypto.server";

// Secure with zero configuration: secrets missing from the environment are
// generated once into DATA_DIR/secrets.json (0600) and reused on every start.
// In production a secret must come from the environment or an earlier start,
// except the Web Push key pair: it is shared with no one (browsers get the
// public half when they subscribe), so an upgraded server generates it on its
// first start too (decision 048).

export interface Secrets {
  MC_API_TOKEN: string;
  WEBHOOK_SECRET: string;
  SESSION_SECRET: string;
  VAPID_PUBLIC_KEY: string;
  VAPID_PRIVATE_KEY: string;
}

const NAMES = ["MC_API_TOKEN", "WEBHOOK_SECRET", "SESSION_SECRET"] as const;
const VAPID = ["VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY"] as const;

export class SecretsError extends Error {}

export function loadSecrets(env: Pick<Env, (typeof NAMES)[number] | (typeof VAPID)[number] | "dataDir" | "NODE_ENV">): {
  secrets: Secrets;
  generated: string[];
} {
  const file = path.join(env.dataDir, "secrets.json");
  const stored = readStored(file);
  const secrets = {} as Secrets;
  const generated: string[] = [];
  for (const name of NAMES) {
    const value = env[name] ?? stored[name];
    if (value) {
      secrets[name] = value;
    } else if (env.NODE_ENV === "production") {
      throw new SecretsError(
        `${name} is not set. In production set it in the environment file (at least 32 random characters, e.g. \`openssl rand -base64 48\`).`,
      );
    } else {
      secrets[name] = randomToken();
      generated.push(name);
    }
  }
  // One pair, from one place: both from the environment, else both stored, else a new pair.
  const pair = env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY ? env : stored.VAPID_PUBLIC_KEY && stored.VAPID_PRIVATE_KEY ? stored : null;
  if (pair) {
    secrets.VAPID_PUBLIC_KEY = pair.VAPID_PUBLIC_KEY!;
    secrets.VAPID_PRIVATE_KEY = pair.VAPID_PRIVATE_KEY!;
  } else {
    const keys = generateVapidKeys();
    secrets.VAPID_PUBLIC_KEY = keys.publicKey;
    secrets.VAPID_PRIVATE_KEY = keys.privateKey;
    generated.push(...VAPID);
  }
  if (generated.length > 0) {
    const toStore = { ...stored };
    for (const name of generated as Array<keyof Secrets>) toStore[name] = secrets[name];
    mkdirSync(env.dataDir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(toStore, null, 2) + "\n", { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  }
  return { secrets, generated };
}

function readStored(file: string): Partial<Record<string, string>> {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === "string" && v.length >= 32)) as Record<string, string>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new SecretsError(`Cannot read ${file}: ${(error as Error).message}`);
  }
}

/**
 * A VAPID key pair as web-push makes one (its generateVAPIDKeys): a P-256 key,
 * the public key uncompressed (65 bytes) and the private key (32 bytes), both
 * base64url. Made here so a start does not load web-push, which only sending needs.
 */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  // A private key with leading zero bytes comes out shorter: padded to its 32 bytes, as web-push does.
  const priv = ecdh.getPrivateKey();
  const privateKey = Buffer.concat([Buffer.alloc(32 - priv.length), priv]);
  return { publicKey: ecdh.getPublicKey().toString("base64url"), privateKey: privateKey.toString("base64url") };
}
