import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Env } from "#app/env.server";
import { randomToken } from "./crypto.server";

// Secure with zero configuration: secrets missing from the environment are
// generated once into DATA_DIR/secrets.json (0600) and reused on every start.
// In production a secret must come from the environment or an earlier start.

export interface Secrets {
  MC_API_TOKEN: string;
  WEBHOOK_SECRET: string;
  SESSION_SECRET: string;
}

const NAMES = ["MC_API_TOKEN", "WEBHOOK_SECRET", "SESSION_SECRET"] as const;

export class SecretsError extends Error {}

export function loadSecrets(env: Pick<Env, (typeof NAMES)[number] | "dataDir" | "NODE_ENV">): { secrets: Secrets; generated: string[] } {
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
