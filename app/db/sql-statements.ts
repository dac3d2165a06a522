// Splits a SQL script into its top-level statements the way the Supabase CLI
// does before it records a migration: text between top-level semicolons
// (outside quotes, dollar quotes and comments), comments kept, trimmed, the
// semicolon dropped, empty pieces left out. A comment after the last
// semicolon is a statement of its own to the CLI, so it is one here too. The runner writes the same array
// into the shared ledger, so `supabase migration list` and the app agree on
// what each migration was.

export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number) => {
    const text = sql.slice(start, end).trim();
    if (text !== "") statements.push(text);
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === "'") {
      i = endOfString(sql, i);
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === "$" && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? "")) {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? sql.length : end + tag[0].length;
      } else {
        i++;
      }
    } else if (c === ";") {
      push(i);
      start = i + 1;
      i++;
    } else {
      i++;
    }
  }
  push(sql.length);
  return statements;
}

/** Index just past a '…' literal; E'…' literals also escape with a backslash. */
function endOfString(sql: string, open: number): number {
  const escapes = /[eE]/.test(sql[open - 1] ?? "") && !/[A-Za-z0-9_]/.test(sql[open - 2] ?? "");
  let i = open + 1;
  while (i < sql.length) {
    if (escapes && sql[i] === "\\") {
      i += 2;
    } else if (sql[i] === "'") {
      if (sql[i + 1] !== "'") return i + 1;
      i += 2;
    } else {
      i++;
    }
  }
  return sql.length;
}
