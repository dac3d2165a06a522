import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { inject } from "vitest";
import { createGateway, type Gateway, type GatewayStatus, type RunFinished } from "#app/services/agent-plane/gateway.server";
import type { Logger } from "#app/services/observability/logger.server";

// Helpers for contract tests against the shared OpenClaw gateway of the run.

export interface LogLine {
  level: number;
  event?: string;
  [key: string]: unknown;
}

/** A pino logger that keeps its JSON lines in memory. */
export function memoryLogger(): { log: Logger; lines: LogLine[]; raw: string[] } {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const log = pino(
    { level: "debug", base: undefined },
    {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line) as LogLine);
      },
    },
  );
  return { log, lines, raw };
}

export interface TestGateway {
  gateway: Gateway;
  dataDir: string;
  lines: LogLine[];
  raw: string[];
  /** Every status change, in order. */
  statuses: GatewayStatus[];
  /** Every onRunFinished call, in order. */
  finished: RunFinished[];
  close(opts?: { keepDataDir?: boolean }): Promise<void>;
}

/** A started client of the shared gateway with its own data dir (device identity). */
export function testGateway(opts: { dataDir?: string; requestTimeoutMs?: number; connect?: boolean } = {}): TestGateway {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "mc-gateway-client-"));
  const { log, lines, raw } = memoryLogger();
  const gateway = createGateway({
    url: inject("gatewayUrl"),
    token: inject("gatewayToken"),
    dataDir,
    log,
    requestTimeoutMs: opts.requestTimeoutMs,
  });
  const statuses: GatewayStatus[] = [];
  const finished: RunFinished[] = [];
  gateway.onStatus((s) => statuses.push(s));
  gateway.onRunFinished((e) => finished.push(e));
  if (opts.connect !== false) gateway.start();
  return {
    gateway,
    dataDir,
    lines,
    raw,
    statuses,
    finished,
    async close({ keepDataDir = false } = {}) {
      await gateway.stop();
      if (!keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves when the gateway reports `status` (at once if it already does). */
export function waitForStatus(gateway: Gateway, status: GatewayStatus, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  if (gateway.status === status) return Promise.resolve(0);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`gateway did not become ${status} within ${timeoutMs} ms (it is ${gateway.status})`));
    }, timeoutMs);
    const off = gateway.onStatus((s) => {
      if (s !== status) return;
      clearTimeout(timer);
      off();
      resolve(Date.now() - started);
    });
  });
}

/** Resolves with the first onRunFinished matching `match`. */
export function waitForRunFinished(gateway: Gateway, match: (e: RunFinished) => boolean, timeoutMs = 60_000): Promise<RunFinished> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching run finished within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = gateway.onRunFinished((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
