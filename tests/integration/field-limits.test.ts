import { describe, expect, it } from "vitest";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { TRANSPORTS, type Transport, useTestDatabase } from "#tests/support/databases";
import { query } from "#tests/support/fixtures";

// The text limits of a migrated database, read from its catalog, against
// COLUMN_LIMITS: a length check the TypeScript does not know, or a TypeScript
// limit no column check enforces, fails here unless it is listed below.

/**
 * Length-limited columns that no input reaches: the server or SQL writes them,
 * so there is nothing for a form or a schema to refuse.
 */
const SERVER_WRITTEN: Record<string, string> = {
  // The first characters of an agent token the server generated itself.
  "agents.api_token_hint": "a prefix of a generated token",
  // Set by SQL from the dispatcher's failure, cut to the column with left(…, 2000).
  "tasks.last_dispatch_error": "cut to length by the SQL that writes it",
  // The gateway's run id, stored by the dispatcher.
  "tasks.current_run_id": "the gateway's run id",
  // Copied by SQL from the usage_records row it settles.
  "usage_claims.model": "copied from usage_records.model",
  // Copied by SQL from the approval the grant was made from (approvals.action).
  "standing_grants.action": "copied from an approval's action",
  // Rate-limit buckets are named by the server ("login:<ip>", …), never by input.
  "rate_limits.key": "a bucket name the server builds",
  // An attached file's stored name: made safe and cut to 180 characters by safeFileName before it exists.
  "task_uploads.path": "a stored file's name the server chose",
  // Copied by SQL from the uploader's users.name.
  "task_uploads.uploaded_by_name": "copied from users.name",
  // A comment's author and its earlier texts are copied by SQL (users.name or agents.name, task_comments.body).
  "task_comments.author_name": "copied from the author's name",
  "task_comment_revisions.body": "copied from task_comments.body",
  // A mention's handle is one SQL resolved to an agent or a user (cut with left(…, 254)); the run id is the gateway's.
  "task_comment_mentions.handle": "a resolved handle, cut to length by SQL",
  "task_comment_mentions.run_id": "the gateway's run id",
  // A gateway token as the app sealed it (AES-GCM, decision 052); the typed token's limit is INPUT_LIMITS.gatewayToken.
  "gateways.token_ciphertext": "the app's ciphertext of the token",
};

/**
 * TypeScript limits whose column has no char_length check because a pattern
 * check bounds its length instead; the test proves the pattern accepts
 * exactly that many characters and no more.
 */
const PATTERN_BOUNDED: Record<string, string> = {
  "model_prices.model": "model_prices_model_check",
};

interface CheckRow {
  table_name: string;
  name: string;
  definition: string;
}

/** `table.column` → the longest text its checks (or its varchar type) allow. */
function schemaLimits(rows: CheckRow[], varchars: Array<{ key: string; max: number }>): Map<string, number> {
  const limits = new Map<string, number>();
  for (const row of rows) {
    if (!row.definition.includes("char_length(")) continue;
    // PostgreSQL prints `between 1 and 80` as `>= 1 AND <= 80`, and a trimmed
    // check as char_length(btrim(col)); either way the upper bound is `<= N`.
    const bounds = [...row.definition.matchAll(/char_length\((?:btrim\()?([a-z0-9_]+)\)?\) <= (\d+)/g)];
    const columns = new Set(bounds.map((b) => b[1]));
    // A check this reader cannot take apart must fail loudly, not be skipped.
    expect(bounds.length, `${row.name}: ${row.definition}`).toBeGreaterThan(0);
    expect(columns.size, `${row.name} limits more than one column: ${row.definition}`).toBe(1);
    const key = `${row.table_name}.${bounds[0]![1]}`;
    expect(limits.has(key), `${key} is limited by two checks`).toBe(false);
    limits.set(key, Math.min(...bounds.map((b) => Number(b[2]))));
  }
  for (const v of varchars) limits.set(v.key, Math.min(v.max, limits.get(v.key) ?? Infinity));
  return limits;
}

const tsLimits = new Map<string, number>(
  Object.entries(COLUMN_LIMITS).flatMap(([table, columns]) => Object.entries(columns).map(([column, max]) => [`${table}.${column}`, max] as const)),
);

describe.each(TRANSPORTS)("field limits on %s", (kind: Transport) => {
  const db = useTestDatabase(kind);

  async function catalog() {
    const checks = await query<CheckRow>(
      db(),
      `select c.conrelid::regclass::text as table_name, c.conname as name, pg_get_constraintdef(c.oid) as definition
         from pg_constraint c
        where c.contype = 'c' and c.connamespace = 'public'::regnamespace
        order by 1, 2`,
    );
    const varchars = await query<{ key: string; max: number }>(
      db(),
      `select table_name || '.' || column_name as key, character_maximum_length as max
         from information_schema.columns
        where table_schema = 'public' and character_maximum_length is not null`,
    );
    return { checks, limits: schemaLimits(checks, varchars) };
  }

  it("has a TypeScript limit, equal to the column's, for every length check that input reaches", async () => {
    const { limits } = await catalog();
    const fromSchema = Object.fromEntries([...limits].filter(([key]) => !(key in SERVER_WRITTEN)).sort());
    const fromTs = Object.fromEntries([...tsLimits].filter(([key]) => !(key in PATTERN_BOUNDED)).sort());
    expect(fromTs).toEqual(fromSchema);
  });

  it("lists only real, server-written columns as exempt", async () => {
    const { limits } = await catalog();
    for (const key of Object.keys(SERVER_WRITTEN)) {
      expect(limits.has(key), `${key} has no length limit in the schema any more`).toBe(true);
      expect(tsLimits.has(key), `${key} is exempt but has a TypeScript limit`).toBe(false);
    }
  });

  it("bounds each pattern-limited column at exactly its TypeScript limit", async () => {
    const { checks, limits } = await catalog();
    for (const [key, constraint] of Object.entries(PATTERN_BOUNDED)) {
      const max = tsLimits.get(key);
      expect(max, `${key} needs a TypeScript limit`).toBeTypeOf("number");
      expect(limits.has(key), `${key} now has a length check: drop it from PATTERN_BOUNDED`).toBe(false);
      const check = checks.find((c) => c.name === constraint);
      const pattern = check && /~ '((?:[^']|'')*)'::text/.exec(check.definition)?.[1]?.replaceAll("''", "'");
      expect(pattern, `${constraint} is not a pattern check`).toBeTypeOf("string");
      // 'a' is a valid character in every position of these patterns.
      const [probe] = await query<{ fits: boolean; over: boolean }>(db(), "select repeat('a', $1::int) ~ $3 as fits, repeat('a', $2::int) ~ $3 as over", [
        max,
        max! + 1,
        pattern,
      ]);
      expect(probe, `${constraint} against ${max} and ${max! + 1} characters`).toEqual({ fits: true, over: false });
    }
  });
});
