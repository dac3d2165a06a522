import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EVENTS, EVENT_TYPES, isEventType } from "./events";

// The event list against what can actually be sent: every emit_event call in
// the SQL under supabase/ (old and current files alike: a type any of them
// emits may be in a database) and the event table of docs/API.md.

const ROOT = path.resolve(import.meta.dirname, "../..");

function sqlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sqlFiles(full);
    return entry.name.endsWith(".sql") ? [full] : [];
  });
}

/** The SQL with `--` and block comments blanked (strings, dollar quotes aside, kept), so prose never counts as a call. */
function stripSqlComments(sql: string): string {
  let out = "";
  let i = 0;
  let inString = false;
  while (i < sql.length) {
    const c = sql[i]!;
    if (inString) {
      out += c;
      if (c === "'") inString = false;
      i++;
    } else if (c === "'") {
      inString = true;
      out += c;
      i++;
    } else if (c === "-" && sql[i + 1] === "-") {
      while (i < sql.length && sql[i] !== "\n") i++;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The first argument of the call whose `(` is at `open`, up to the comma at depth 0. */
function firstArgument(sql: string, open: number): string {
  let depth = 0;
  let inString = false;
  for (let i = open + 1; i < sql.length; i++) {
    const c = sql[i]!;
    if (inString) {
      if (c === "'") inString = false;
    } else if (c === "'") inString = true;
    else if (c === "(") depth++;
    else if (c === ")") {
      if (depth === 0) return sql.slice(open + 1, i).trim();
      depth--;
    } else if (c === "," && depth === 0) return sql.slice(open + 1, i).trim();
  }
  throw new Error(`unterminated emit_event call at ${open}`);
}

/** A string literal, bare or cast as a schema dump prints it ('task.updated'::text). */
const LITERAL = /^'([^']*)'(?:::text)?$/;
/** `case when … then 'a' [when … then 'b' …] else 'c' end`: every branch is a literal. */
const CASE_OF_LITERALS = /^case\s+(?:when\s[\s\S]+?\s+then\s+'[^']*'\s+)+else\s+'[^']*'\s+end$/i;

interface Emitted {
  types: string[];
  /** First arguments that are neither a literal nor a case of literals: a name built at run time. */
  dynamic: string[];
}

function emittedEventTypes(sql: string): Emitted {
  const text = stripSqlComments(sql);
  const types: string[] = [];
  const dynamic: string[] = [];
  for (const match of text.matchAll(/\bemit_event\s*\(/gi)) {
    // `create or replace function [public.]emit_event(` is the definition, not a call.
    if (/function\s+(?:"?\w+"?\.)?$/i.test(text.slice(Math.max(0, match.index - 40), match.index))) continue;
    const arg = firstArgument(text, match.index + match[0].length - 1);
    const literal = LITERAL.exec(arg);
    if (literal) types.push(literal[1]!);
    else if (CASE_OF_LITERALS.test(arg)) {
      // Only the `then`/`else` results are event names; the `when` conditions may hold other literals.
      for (const branch of arg.matchAll(/\b(?:then|else)\s+'([^']*)'/gi)) types.push(branch[1]!);
    } else dynamic.push(arg);
  }
  return { types, dynamic };
}

/** The event names in the first column of the table under "Live events" in docs/API.md. */
function documentedEventTypes(markdown: string): string[] {
  const start = markdown.indexOf("## Live events");
  const end = markdown.indexOf("\n## ", start + 1);
  const section = markdown.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^\| `([a-z]+\.[a-z_]+)` +\|/gm)].map((m) => m[1]!);
}

describe("the event list", () => {
  const files = sqlFiles(path.join(ROOT, "supabase"));
  const emitted = files.map((file) => ({ file: path.relative(ROOT, file), ...emittedEventTypes(readFileSync(file, "utf8")) }));

  it("is exactly the set of types the SQL emits", () => {
    expect(files.length).toBeGreaterThan(0);
    const inSql = [...new Set(emitted.flatMap((e) => e.types))].sort();
    expect(inSql.length).toBeGreaterThan(0);
    expect([...EVENT_TYPES].sort()).toEqual(inSql);
  });

  it("has no event name built at run time in the SQL", () => {
    // A format() or || name could be anything; the list could not be checked.
    expect(emitted.filter((e) => e.dynamic.length > 0).map((e) => `${e.file}: ${e.dynamic.join(" | ")}`)).toEqual([]);
  });

  it("is the event table of docs/API.md, each event once", () => {
    const documented = documentedEventTypes(readFileSync(path.join(ROOT, "docs", "API.md"), "utf8"));
    expect(documented).toEqual([...EVENT_TYPES]);
  });

  it("gives every event a one-line meaning and a reach", () => {
    for (const type of EVENT_TYPES) {
      expect(EVENTS[type].meaning, type).toMatch(/^[A-Z].*\.$/);
      expect(EVENTS[type].meaning, type).not.toContain("\n");
      expect(["everywhere", "workspace", "task"]).toContain(EVENTS[type].reach);
    }
    expect(isEventType("task.updated")).toBe(true);
    expect(isEventType("toString")).toBe(false);
  });
});

describe("reading emit_event calls", () => {
  it("takes literals and every branch of a case of literals, and reports anything else", () => {
    const sql = `
      -- perform emit_event('commented.out', …) is prose
      create or replace function emit_event(p_type text) returns void language sql as $$ select 1 $$;
      CREATE FUNCTION public.emit_event(p_type text) RETURNS void LANGUAGE sql AS $$ select 1 $$;
      PERFORM public.emit_event('agent.updated'::text, v_ws);
      perform emit_event('task.updated', v_ws, jsonb_build_object('a', 'b'));
      perform emit_event(case when r->>'outcome' = 'escalated' then 'approval.escalated' else 'approval.resolved' end, x);
      perform emit_event(format('%s.done', v_kind), x);
      perform emit_event('usage.' || v_kind, x);`;
    expect(emittedEventTypes(sql)).toEqual({
      types: ["agent.updated", "task.updated", "approval.escalated", "approval.resolved"],
      dynamic: ["format('%s.done', v_kind)", "'usage.' || v_kind"],
    });
  });
});
