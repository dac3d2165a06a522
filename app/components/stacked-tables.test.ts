import { describe, expect, it } from "vitest";
import { readRepoFile, sourceFiles } from "#tests/support/source-files";

// A data table stacks into one block per row on a phone (app/styles/tables.css):
// it has the class "stack" and every cell names its column in data-label.
// The board's list view stacks its own way; a chart's table is its text alternative.
const OWN_LAYOUT = new Set(["app/components/task-list.tsx", "app/components/charts/column-chart.tsx"]);

const pages = sourceFiles(["app"])
  .filter((f) => f.endsWith(".tsx") && !OWN_LAYOUT.has(f))
  .map((f) => [f, readRepoFile(f)] as const)
  .filter(([, text]) => text.includes("<table"));

describe("data tables on a phone", () => {
  it("are found", () => {
    expect(pages.map(([f]) => f)).toEqual(expect.arrayContaining(["app/routes/analytics.tsx", "app/components/usage-panel.tsx"]));
  });

  it.each(pages)("%s: every table stacks and every cell names its column", (_file, text) => {
    const tables = [...text.matchAll(/<table className="([^"]*)"/g)].map((m) => m[1]!.split(" "));
    expect(tables.length).toBeGreaterThan(0);
    for (const classes of tables) expect(classes).toContain("stack");
    const bodies = [...text.matchAll(/<tbody>([\s\S]*?)<\/tbody>/g)].map((m) => m[1]!);
    const cells = bodies.flatMap((body) => [...body.matchAll(/<(td|th)\b[^>]*>/g)].map((m) => m[0]));
    expect(cells.length).toBeGreaterThan(0);
    expect(cells.filter((cell) => !cell.includes("data-label"))).toEqual([]);
  });
});
