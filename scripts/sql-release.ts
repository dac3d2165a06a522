// `npm run db:release`: stages supabase/sql for `supabase db push --include-seed` (docs/SUPABASE.md).
import path from "node:path";
import { stageSqlRelease } from "./lib/sql-release";

const dir = path.resolve(import.meta.dirname, "../supabase");
const staged = stageSqlRelease(dir);
console.log(`Staged ${staged.length} function files in supabase/.release/. Next: supabase db push --include-seed`);
