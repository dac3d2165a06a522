import path from "node:path";
import { describe, expect, it } from "vitest";
import { declaredCompatibility, loadSchema } from "./migrations.server";

// Expand/contract (CONTRIBUTING.md): every migration says whether the release
// before it still works on the schema it leaves, so a rollback knows whether
// it may skip the restore. The files from before the rule say nothing and
// count as incompatible; they cannot be edited (applied files are checked).
const BEFORE_THE_RULE = [
  "20261201000000_baseline",
  "20261201000100_agent_action_requests_decided_in_sql",
  "20261201000200_task_gate_reads_standing_grants",
  "20261201000300_function_privileges",
  "20261202000100_user_time_zone",
  "20261203000100_board_rank_labels_saved_views",
  "20261203000200_task_uploads",
  "20261203000201_workspace_url_allowlist",
  "20261203000300_task_soft_delete",
  "20261203000500_model_prices_openclaw_catalog",
  "20261204000100_labelled_tasks_index",
  "20261204000300_stop_controls",
];

describe("migration compatibility declarations", () => {
  it("reads the header comment, and only the header", () => {
    expect(declaredCompatibility("-- compatible-with-previous: true\nalter table t add column c int;")).toBe(true);
    expect(declaredCompatibility("-- Adds c.\n--   Compatible-With-Previous:  FALSE\n\nalter table t drop column c;")).toBe(false);
    expect(declaredCompatibility("alter table t add column c int;\n-- compatible-with-previous: true\n")).toBeNull();
    expect(declaredCompatibility("-- compatible with previous\nselect 1;")).toBeNull();
  });

  it("every migration after the rule declares it", async () => {
    const { migrations } = await loadSchema(path.resolve(import.meta.dirname, "../../supabase"));
    const undeclared = migrations.filter((m) => declaredCompatibility(m.sql) === null).map((m) => m.name.replace(/\.sql$/, ""));
    expect(undeclared).toEqual(BEFORE_THE_RULE);
  });
});
