import type { SqlDatabase } from "#app/db/types";

// A fingerprint of every table (row count and a hash of every row's text), to
// prove that a run of requests changed nothing. Tables and columns that
// change on reads by design are left out, each for a stated reason.

/** Whole tables left out of the fingerprint, and why. */
export const EXCLUDED_TABLES: Record<string, string> = {
  // Every request spends from a budget, refused ones included (that is the
  // point of a rate limit); on PostgreSQL the counters are rows here.
  rate_limits: "rate-limit counters are spent by every request, refused ones too",
  // The notification sender reads the events log on its own timer and moves
  // its cursor whatever the requests do; the events themselves still count.
  notification_cursor: "the notification sender's place in the events log, moved by its timer",
};

/** Columns left out of a table's fingerprint (the rest of the table still counts), and why. */
export const EXCLUDED_COLUMNS: Record<string, { columns: string[]; why: string }> = {
  api_keys: {
    columns: ["last_used_at"],
    why: "an authenticated call records the key's last use (at most once a minute), a refused one too; a new or revoked key still shows",
  },
  sessions: {
    columns: ["last_seen_at", "expires_at"],
    why: "a signed-in read slides the session's expiry forward (touch_session); a new or removed session still shows",
  },
};

/** Rows left out of a table's fingerprint (the rest of the table still counts), and why. */
export const EXCLUDED_ROWS: Record<string, { where: string; why: string }> = {
  audit_log: {
    where: "kind <> 'auth.sign_in_failed'",
    why: "a refused sign-in is recorded on purpose: the audit log's trail of failed authentication",
  },
};

export interface TableFingerprint {
  rows: number;
  hash: string;
}

export async function snapshotTables(db: SqlDatabase): Promise<Record<string, TableFingerprint>> {
  return db.session(async (s) => {
    const tables = await s.query<{ table_name: string }>(
      `select table_name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    );
    const out: Record<string, TableFingerprint> = {};
    for (const { table_name: table } of tables) {
      if (Object.hasOwn(EXCLUDED_TABLES, table)) continue;
      const skip = EXCLUDED_COLUMNS[table]?.columns ?? [];
      const rows = EXCLUDED_ROWS[table];
      let columns = "*";
      if (skip.length > 0) {
        const all = await s.query<{ column_name: string }>(
          "select column_name from information_schema.columns where table_schema = 'public' and table_name = $1 order by ordinal_position",
          [table],
        );
        columns = all
          .map((c) => c.column_name)
          .filter((c) => !skip.includes(c))
          .map((c) => `"${c}"`)
          .join(", ");
      }
      const source = `(select ${columns} from "${table}"${rows ? ` where ${rows.where}` : ""})`;
      const [row] = await s.query<{ rows: number; hash: string }>(
        `select count(*)::int as rows, coalesce(md5(string_agg(t::text, E'\\n' order by t::text)), '') as hash from ${source} t`,
      );
      out[table] = row!;
    }
    return out;
  });
}
