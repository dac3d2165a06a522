import { EXIT, type ExitCode, exitForStatus } from "#app/domain/cli-exit-codes";
import { OPERATIONS, type OperationId } from "#app/domain/operator-api";

// The command line's one way to the server: an operation of the operator API
// registry (app/domain/operator-api.ts) by its id, so the CLI's methods and
// paths are the ones the server dispatches on. The key goes in the
// Authorization header only; it is never printed.

/** A failure the command line reports on stderr and exits with. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** The API's error body as answered (printed as is with --json). */
    readonly body: unknown = { error: { code: codeFor(exitCode), message } },
    readonly details: unknown = undefined,
  ) {
    super(message);
  }
}

function codeFor(exitCode: ExitCode): string {
  const names: Record<number, string> = {
    [EXIT.usage]: "usage",
    [EXIT.auth]: "unauthorized",
    [EXIT.notFound]: "not_found",
    [EXIT.refused]: "invalid",
    [EXIT.unavailable]: "unavailable",
  };
  return names[exitCode] ?? "unexpected";
}

export interface ApiConfig {
  url: string;
  key: string;
  /** How long one request may take before the server counts as unavailable. */
  timeoutMs: number;
}

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  /** The body as the server sent it (printed unchanged with --json). */
  text: string;
  json: T;
}

/** The operation's path with its parameters filled in, and its query string. */
export function operationUrl(base: string, id: OperationId, params: Record<string, string>, query: Record<string, string | undefined> = {}): URL {
  const path = OPERATIONS[id].path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${id} needs ${name}`);
    return encodeURIComponent(value);
  });
  const url = new URL(`${base.replace(/\/+$/, "")}/api/v1${path}`);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

export async function callOperation<T = Record<string, unknown>>(
  config: ApiConfig,
  id: OperationId,
  params: Record<string, string> = {},
  input: { query?: Record<string, string | undefined>; body?: unknown } = {},
): Promise<ApiAnswer<T>> {
  const operation = OPERATIONS[id];
  const url = operationUrl(config.url, id, params, input.query);
  let res: Response;
  try {
    res = await fetch(url, {
      method: operation.method,
      headers: {
        authorization: `Bearer ${config.key}`,
        accept: "application/json",
        ...(input.body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: input.body === undefined ? undefined : JSON.stringify(input.body),
      signal: AbortSignal.timeout(config.timeoutMs),
      redirect: "manual",
    });
  } catch (error) {
    throw new CliError(EXIT.unavailable, `Cannot reach Mission Control at ${url.origin}: ${reason(error)}.`);
  }
  const text = await res.text().catch(() => "");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const code = exitForStatus(res.status);
    throw new CliError(
      code === EXIT.unavailable ? code : EXIT.unexpected,
      `${url.origin} answered ${res.status} without the API's JSON: is MC_URL the address of Mission Control?`,
    );
  }
  if (res.ok) return { status: res.status, text, json: json as T };
  const error = (json as { error?: { message?: unknown; details?: unknown } }).error;
  const message = typeof error?.message === "string" ? error.message : `The server answered ${res.status}.`;
  throw new CliError(exitForStatus(res.status), message, json, error?.details);
}

function reason(error: unknown): string {
  if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) return "no answer in time";
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
