import path from "node:path";
import { fileURLToPath } from "node:url";
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { EXIT } from "#app/domain/cli-exit-codes";
import { CliError } from "./mc/api-client";
import { COMMANDS, type Command, type Context, type Values } from "./mc/commands";

// `mc`, Mission Control's command line (decision 055; README "Command line").
// Built into build/cli/mc.js and shipped with the bundle:
//   node build/cli/mc.js [--url URL] [--key KEY] [--workspace SLUG] [--json] COMMAND …
// It talks to the operator API (/api/v1) with a user's API key, prints
// aligned columns (or the API's JSON with --json), and exits with a code
// scripts can rely on (app/domain/cli-exit-codes.ts).

declare const __APP_VERSION__: string;

const DEFAULT_URL = "http://127.0.0.1:4000";
const TIMEOUT_MS = 60_000;

const GLOBAL: ParseArgsOptionsConfig = {
  url: { type: "string" },
  key: { type: "string" },
  workspace: { type: "string", short: "w" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
};

// Every command's options, one type each (a name means the same in every command).
const COMMAND_OPTIONS: ParseArgsOptionsConfig = {
  status: { type: "string" },
  priority: { type: "string" },
  assignee: { type: "string" },
  label: { type: "string", multiple: true },
  search: { type: "string" },
  sort: { type: "string" },
  dir: { type: "string" },
  page: { type: "string" },
  description: { type: "string" },
  due: { type: "string" },
  assign: { type: "string" },
  decided: { type: "boolean" },
  comment: { type: "string" },
  digest: { type: "string" },
  out: { type: "string" },
};

function usageText(): string {
  const width = Math.max(...COMMANDS.map((c) => signature(c).length));
  return [
    "usage: mc [--url URL] [--key KEY] [--workspace SLUG] [--json] COMMAND [ARGS] [OPTIONS]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${signature(c).padEnd(width)}  ${c.summary}`),
    "",
    `Configuration: --url or MC_URL (default ${DEFAULT_URL}), --key or MC_API_KEY (a key from Your settings),`,
    "--workspace or MC_WORKSPACE (needed when there is more than one workspace).",
    "Exit codes: 0 ok, 1 unexpected, 2 usage, 3 not authenticated or forbidden, 4 not found,",
    "5 refused (invalid input, conflict), 6 server unavailable.",
  ].join("\n");
}

function signature(c: Command): string {
  return [c.name, ...c.args.map((a) => `<${a}>`)].join(" ");
}

function usage(message: string): never {
  throw new CliError(EXIT.usage, `${message} (mc --help lists the commands)`);
}

/** The command the positionals name, and its arguments. */
function findCommand(positionals: string[]): { command: Command; args: string[] } {
  for (const words of [2, 1]) {
    const name = positionals.slice(0, words).join(" ");
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, args: positionals.slice(words) };
  }
  usage(positionals.length === 0 ? "Name a command" : `Unknown command "${positionals.slice(0, 2).join(" ")}"`);
}

/** The API's base address: http(s), no credentials in it. */
function baseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    usage(`--url / MC_URL is not an address: ${value}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") usage("--url / MC_URL must be an http:// or https:// address");
  if (url.username || url.password) usage("--url / MC_URL must not carry credentials: pass the key with --key or MC_API_KEY");
  return url.toString().replace(/\/+$/, "");
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  // Before parsing, so a usage error of a --json call is JSON too.
  const end = argv.indexOf("--");
  json = (end < 0 ? argv : argv.slice(0, end)).includes("--json");
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...GLOBAL, ...COMMAND_OPTIONS }, allowPositionals: true, strict: true });
  } catch (error) {
    usage((error as Error).message.split("\n")[0]!.replace(/\. To specify a positional argument.*$/, ""));
  }
  const values = parsed.values as Values;
  json = values.json === true;
  if (values.help) return out(usageText());
  if (values.version) return out(__APP_VERSION__);

  const { command, args } = findCommand(parsed.positionals);
  for (const name of Object.keys(values)) {
    if (!(name in GLOBAL) && !command.options.includes(name)) usage(`"${command.name}" does not take --${name}`);
  }
  if (args.length !== command.args.length) {
    usage(
      command.args.length === 0
        ? `"${command.name}" takes no arguments`
        : `"${command.name}" takes ${command.args.map((a) => `<${a}>`).join(" ")} (quote a value with spaces)`,
    );
  }
  if (command.name !== "tasks create" && Array.isArray(values.label) && values.label.length > 1) usage("Give --label once");
  if (Array.isArray(values.label) && command.name !== "tasks create") values.label = values.label[0];

  const url = baseUrl((values.url as string | undefined) ?? env.MC_URL ?? DEFAULT_URL);
  const key = (values.key as string | undefined) ?? env.MC_API_KEY ?? "";
  const ctx: Context = {
    api: () => {
      if (!key) throw new CliError(EXIT.auth, "No API key: pass --key or set MC_API_KEY (make one on Your settings, /settings).");
      return { url, key, timeoutMs: TIMEOUT_MS };
    },
    workspace: (values.workspace as string | undefined) ?? (env.MC_WORKSPACE || undefined),
    json: values.json === true,
    out,
    buildDir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."),
  };
  await command.run(ctx, args, values);
}

let json = false;

function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

/** The failure on stderr: the API's JSON as answered with --json, else its message and what it names. */
function report(error: CliError): void {
  if (json) {
    process.stderr.write(`${JSON.stringify(error.body)}\n`);
    return;
  }
  const lines = [`error: ${error.message}`];
  const details = (error.details ?? {}) as { allowed?: unknown; approval_id?: unknown; issues?: unknown; needs?: unknown };
  if (Array.isArray(details.allowed)) lines.push(`  allowed: ${details.allowed.length > 0 ? details.allowed.join(", ") : "none"}`);
  if (typeof details.approval_id === "string") lines.push(`  approval: ${details.approval_id}`);
  if (typeof details.needs === "string") lines.push(`  needs the ${details.needs} scope`);
  if (Array.isArray(details.issues)) {
    for (const issue of details.issues as Array<{ path?: unknown; message?: unknown }>) {
      lines.push(`  ${issue.path ? `${String(issue.path)}: ` : ""}${String(issue.message)}`);
    }
  }
  process.stderr.write(`${lines.join("\n")}\n`);
}

main(process.argv.slice(2), process.env).then(
  () => {
    process.exitCode = EXIT.ok;
  },
  (error: unknown) => {
    if (error instanceof CliError) {
      report(error);
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(`error: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = EXIT.unexpected;
  },
);
