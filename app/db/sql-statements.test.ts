import { describe, expect, it } from "vitest";
import { splitStatements } from "./sql-statements";

// The statements as the Supabase CLI records them (tests/integration/supabase-cli.test.ts
// compares the CLI's rows with the app's for every migration).
describe("splitStatements", () => {
  it("splits at top-level semicolons, keeps each statement's comments, trims and drops the semicolon", () => {
    expect(splitStatements("-- header\n\ncreate table a (id int);\n\n-- about b\ncreate table b (id int);\n")).toEqual([
      "-- header\n\ncreate table a (id int)",
      "-- about b\ncreate table b (id int)",
    ]);
  });

  it("does not split inside strings, quoted names, dollar quotes or comments", () => {
    const sql = [
      "select 'a;b', 'it''s;', E'c\\';d', \"odd;name\" from t",
      "create function f() returns int language plpgsql as $$ begin return 1; end $$",
      "create function g() returns text language sql as $body$ select ';' $body$",
      "select 1 /* ; */ -- ;\n+ 1",
    ];
    expect(splitStatements(`${sql.join(";\n")};\n`)).toEqual(sql);
  });

  it("leaves out empty pieces, and keeps a trailing comment as a statement, as the CLI does", () => {
    expect(splitStatements("-- lead\nselect 1;\n;\n  select 'a;b' /* ; */;\n-- the end\n")).toEqual([
      "-- lead\nselect 1",
      "select 'a;b' /* ; */",
      "-- the end",
    ]);
  });
});
