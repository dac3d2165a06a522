// Aligned columns for terminal output (the `mc` command line): a header row,
// each column as wide as its widest cell, two spaces between columns, the
// last column unpadded. Cells are one line each (line breaks become spaces).

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Longer cells are cut with an ellipsis. */
  max?: number;
}

function cell(text: string, max: number | undefined): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (max === undefined || [...flat].length <= max) return flat;
  return `${[...flat].slice(0, max - 1).join("")}…`;
}

export function textTable<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>): string {
  const lines = [columns.map((c) => c.header), ...rows.map((row) => columns.map((c) => cell(c.value(row), c.max)))];
  const widths = columns.map((_, i) => Math.max(...lines.map((line) => [...line[i]!].length)));
  return lines
    .map((line) =>
      line
        .map((text, i) => (i === line.length - 1 ? text : text + " ".repeat(widths[i]! - [...text].length)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** "key: value" lines with the keys aligned; empty values are left out. */
export function fieldList(fields: ReadonlyArray<readonly [string, string | null | undefined]>): string {
  const shown = fields.filter(([, v]) => v !== null && v !== undefined && v !== "");
  const width = Math.max(0, ...shown.map(([k]) => k.length + 1));
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join("\n");
}
