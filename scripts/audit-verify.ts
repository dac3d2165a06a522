// `npm run audit:verify`: walks the hash-chained audit log of DATABASE_URL (or
// the embedded database; stop the server first, it holds the data directory)
// and exits non-zero at the first altered or missing row.
import { verifyAuditLog } from "#app/db/audit.server";
import { openDatabase } from "#app/db/open.server";
import { getEnv } from "#app/env.server";

const env = getEnv();
const db = await openDatabase(env);
try {
  const result = await verifyAuditLog(db);
  if (result.ok) {
    console.log(`Audit log intact: ${result.rows} entries, head ${result.head}.`);
  } else {
    console.log(`Audit log TAMPERED: entry ${result.broken_at} (${result.reason}); ${result.rows} entries before it verify.`);
    process.exitCode = 1;
  }
} finally {
  await db.close();
}
