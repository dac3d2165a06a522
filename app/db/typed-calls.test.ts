import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, readRepoFile, repoPath, sourceFiles } from "#tests/support/source-files";

// SQL functions are called in one way only: through a small typed function in
// the area module of app/db that owns them (`(db, input) => db.rpc<Row>("fn",
// {...})`), with the row type beside it. This scans the sources and fails on
// any other use of rpc, on a SQL function called from two typed functions
// (two TypeScript shapes for one result), and on a typed function kept in
// another area than its SQL function's file (supabase/sql/NN_<area>.sql).
//
// Tests: the SQL-contract suites at the top of tests/integration call rpc
// directly, since they pass deliberately wrong or partial arguments that a
// typed function would not let through. Everything else (the HTTP suites,
// the gateway and end-to-end suites, the shared test support, the bench) goes
// through the typed modules like the app.

const ROOT = REPO_ROOT;
const SCANNED = ["app", "server", "scripts", "bench", "tests"];
const SELF = repoPath(import.meta.filename);

/** The transports and the wrappers around them: they pass any call through, by the name they are given. */
const TRANSPORTS = new Set([
  "app/db/types.ts",
  "app/db/postgres.server.ts",
  "app/db/pglite.server.ts",
  "app/db/supabase.server.ts",
  "app/db/traced.server.ts",
  // watch(db): wakes the event bus after every call that may have written.
  "app/services/events/event-bus.server.ts",
]);

/** One module per area, named for it: the only files that call a SQL function by name. */
const AREAS = [
  "agent-api",
  "agents",
  "analytics",
  "api-keys",
  "audit",
  "auth",
  "comments",
  "completion",
  "costs",
  "dispatch",
  "events",
  "gateways",
  "github",
  "governance",
  "heartbeat",
  "notifications",
  "pipelines",
  "planning",
  "routines",
  "tasks",
  "workspaces",
].map((area) => `app/db/${area}.server.ts`);

/** SQL area files whose module has a shorter name. */
const MODULE_OF_SQL_AREA: Record<string, string> = { auth_users: "auth", costs_budgets: "costs", agent_api: "agent-api", api_keys: "api-keys" };

/** Each SQL function's area, from the file under supabase/sql that defines it. */
function sqlAreas(): Map<string, string> {
  const dir = path.join(ROOT, "supabase/sql");
  const areas = new Map<string, string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".sql"))) {
    const area = file.replace(/^\d+_/, "").replace(/\.sql$/, "");
    for (const m of readFileSync(path.join(dir, file), "utf8").matchAll(/create\s+or\s+replace\s+function\s+(?:public\.)?(\w+)\s*\(/gi)) {
      areas.set(m[1]!.toLowerCase(), MODULE_OF_SQL_AREA[area] ?? area);
    }
  }
  return areas;
}

/** SQL-contract tests: top-level files of tests/integration (not its http/ folder). */
const isContractTest = (file: string) => /^tests\/integration\/[^/]+\.test\.ts$/.test(file);

/**
 * Blanks comments and the contents of string and template literals, keeping
 * every offset, so prose never counts and a match can be read back in the source.
 */
export function codeOnly(source: string): string {
  let out = "";
  let i = 0;
  let quote: string | null = null;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (quote) {
      if (c === "\\") {
        out += "  ";
        i += 2;
        continue;
      }
      if (c === quote) {
        quote = null;
        out += c;
      } else out += c === "\n" ? "\n" : " ";
      i++;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") {
      quote = c;
      out += c;
      i++;
      continue;
    }
    if (c === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") {
        out += " ";
        i++;
      }
      continue;
    }
    if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
      continue;
    }
    if (c === "/" && startsExpression(out)) {
      // A regular expression literal: blanked like a string (it may hold quotes).
      let j = i + 1;
      let inClass = false;
      for (; j < source.length && source[j] !== "\n"; j++) {
        if (source[j] === "\\") j++;
        else if (source[j] === "[") inClass = true;
        else if (source[j] === "]") inClass = false;
        else if (source[j] === "/" && !inClass) break;
      }
      out += `/${" ".repeat(Math.max(j - i - 1, 0))}`;
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Whether a `/` after this code starts a regular expression rather than dividing. */
function startsExpression(before: string): boolean {
  const prev = /(\S+)\s*$/.exec(before)?.[1] ?? "";
  return prev === "" || /[(,=:[!&|?{};+\-*%<>~^]$/.test(prev) || /(?:^|[^\w$])(?:return|typeof|case|of|in)$/.test(prev);
}

/** Every use of a `.rpc` member (a call, a bind, a destructuring), by line. */
export function rpcUses(source: string): number[] {
  const code = codeOnly(source);
  const lines: number[] = [];
  code.split("\n").forEach((text, index) => {
    if (/\.\s*rpc\b|\{\s*[^}]*\brpc\b[^}]*\}\s*=/.test(text)) lines.push(index + 1);
  });
  return lines;
}

export interface NamedCall {
  fn: string;
  line: number;
}

/**
 * The SQL function names an area module calls, each `db.rpc<T>("name", ...)`
 * or `db.rpc("name", ...)`. A call whose name is not a string literal is
 * returned with fn "" (an area module never calls rpc with a computed name).
 */
export function namedCalls(source: string): NamedCall[] {
  const code = codeOnly(source);
  const calls: NamedCall[] = [];
  for (const match of code.matchAll(/\bdb\s*\.\s*rpc\b/g)) {
    let i = match.index + match[0].length;
    while (/\s/.test(code[i] ?? "")) i++;
    if (code[i] === "<") {
      // Skip the type argument, which may nest (Array<{ a: Map<K, V> }>) and holds `=>` arrows.
      let depth = 0;
      for (; i < code.length; i++) {
        if (code[i] === "<") depth++;
        else if (code[i] === ">" && code[i - 1] !== "=") depth--;
        if (depth === 0) break;
      }
      i++;
    }
    while (/\s/.test(code[i] ?? "")) i++;
    const line = code.slice(0, match.index).split("\n").length;
    if (code[i] !== "(") {
      calls.push({ fn: "", line });
      continue;
    }
    i++;
    while (/\s/.test(code[i] ?? "")) i++;
    const literal = /^"([a-z_][a-z0-9_]*)"/.exec(source.slice(i));
    calls.push({ fn: literal?.[1] ?? "", line });
  }
  return calls;
}

const repoFiles = () => sourceFiles(SCANNED);

const read = readRepoFile;

describe("typed calls only", () => {
  it("finds each way of reaching rpc, and nothing in prose or strings", () => {
    expect(rpcUses(`await rt.db.rpc("count_users");`)).toEqual([1]);
    expect(rpcUses(`const x = 1;\nawait db\n  .rpc<{ a: 1 }>("f", {});`)).toEqual([3]);
    expect(rpcUses(`const call = db.rpc.bind(db);`)).toEqual([1]);
    expect(rpcUses(`const { rpc } = db;`)).toEqual([1]);
    expect(rpcUses(`// db.rpc("x") in a comment\nconst s = "db.rpc(x)";\nconst t = \`.rpc(\`;`)).toEqual([]);
    expect(rpcUses(`import { rpcStatement } from "./rpc-sql";\nrpcStatement("f");`)).toEqual([]);
    // A quote inside a regular expression does not open a string that hides the next call.
    expect(rpcUses(`const m = /(\\w+)="([^"]*)"/g.exec(s);\nawait db.rpc("x");`)).toEqual([2]);
    expect(rpcUses(`const half = a / 2; const q = "'";\nawait db.rpc("x");`)).toEqual([2]);
  });

  it("reads the SQL function name of every call in an area module", () => {
    const source = [
      `export const a = (db: Database) => db.rpc<Array<{ id: string; at: Map<string, () => void> }>>("list_a", { p_x: 1 });`,
      `export const b = (db: Database, id: string) =>`,
      `  db.rpc("delete_b", { p_id: id });`,
      `export const c = (db: Database, fn: string) => db.rpc(fn);`,
    ].join("\n");
    expect(namedCalls(source)).toEqual([
      { fn: "list_a", line: 1 },
      { fn: "delete_b", line: 3 },
      { fn: "", line: 4 },
    ]);
  });

  it("has every area module in place", () => {
    const files = new Set(repoFiles());
    expect(AREAS.filter((file) => !files.has(file))).toEqual([]);
    expect([...TRANSPORTS].filter((file) => !files.has(file))).toEqual([]);
  });

  it("calls rpc nowhere outside the transports and the area modules (SQL-contract tests aside)", () => {
    const files = repoFiles().filter((file) => file !== SELF && !TRANSPORTS.has(file) && !AREAS.includes(file) && !isContractTest(file));
    expect(files.length).toBeGreaterThan(100);
    const offending = files.flatMap((file) => rpcUses(read(file)).map((line) => `${file}:${line}`));
    expect(offending, "call the typed function in app/db/<area>.server.ts instead (add one there if it is missing)").toEqual([]);
  });

  it("calls each SQL function from exactly one typed function, always by a literal name", () => {
    const owners = new Map<string, string[]>();
    const computed: string[] = [];
    for (const file of AREAS) {
      const source = read(file);
      const calls = namedCalls(source);
      // Every rpc in an area module is a named call on the `db` parameter.
      expect(
        calls.map((c) => c.line),
        `${file}: every rpc is a db.rpc("name", ...) call`,
      ).toEqual(rpcUses(source));
      for (const call of calls) {
        if (!call.fn) computed.push(`${file}:${call.line}`);
        else owners.set(call.fn, [...(owners.get(call.fn) ?? []), `${file}:${call.line}`]);
      }
    }
    expect(computed, "an area module names the SQL function it calls").toEqual([]);
    const twice = [...owners].filter(([, at]) => at.length > 1).map(([fn, at]) => `${fn}: ${at.join(", ")}`);
    expect(twice, "one typed function (one TypeScript shape) per SQL function").toEqual([]);
    expect(owners.size).toBeGreaterThan(100);
  });

  it("keeps each typed function in the module of its SQL function's area", () => {
    const areas = sqlAreas();
    expect(areas.size).toBeGreaterThan(100);
    const misplaced: string[] = [];
    for (const file of AREAS) {
      const module = file.replace(/^app\/db\//, "").replace(/\.server\.ts$/, "");
      for (const { fn, line } of namedCalls(read(file))) {
        const area = areas.get(fn);
        if (area !== module) misplaced.push(`${file}:${line} ${fn} is defined ${area ? `in the ${area} area` : "in no file under supabase/sql"}`);
      }
    }
    expect(misplaced, "move the typed function to app/db/<area>.server.ts, beside its SQL area").toEqual([]);
  });
});
