import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { COLUMN_LIMITS, INPUT_LIMITS, atMost } from "./field-limits";
import { agentSchema } from "./forms/agent";
import { taskCreateSchema } from "./forms/task";

// The limits live in field-limits.ts only: a number typed into a form's
// maxLength or a string schema's .max() would drift from the column it
// guards. The integration test checks the table against the database.

const APP = path.resolve(import.meta.dirname, "..");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split("\n").length;
}

describe("field limits", () => {
  it("are never typed as numbers into a form's maxLength", () => {
    const found = sources(APP).flatMap((file) => {
      const text = readFileSync(file, "utf8");
      return [...text.matchAll(/maxLength=\{\s*[\d_]+\s*\}/g)].map((m) => `${path.relative(APP, file)}:${lineOf(text, m.index)}: ${m[0]}`);
    });
    expect(found).toEqual([]);
  });

  it("are never typed as numbers into a text schema's .max()", () => {
    const found = sources(path.join(APP, "domain", "forms")).flatMap((file) => {
      const text = readFileSync(file, "utf8");
      return [...text.matchAll(/\.max\(\s*[\d_]/g)].flatMap((m) => {
        // The schema a .max() belongs to is the nearest z.<kind>( before it;
        // numeric ranges (token counts, minutes) are not text limits.
        const kinds = [...text.slice(0, m.index).matchAll(/\bz\s*(?:\.\s*coerce\s*)?\.\s*(\w+)\(/g)];
        const kind = kinds.at(-1)?.[1];
        return kind === "string" || kind === "email" || kind === "url" ? [`${path.relative(APP, file)}:${lineOf(text, m.index)}: z.${kind}`] : [];
      });
    });
    expect(found).toEqual([]);
  });

  it("are positive whole numbers", () => {
    const all = [...Object.values(COLUMN_LIMITS).flatMap((columns) => Object.values(columns)), ...Object.values(INPUT_LIMITS)];
    for (const max of all) expect(Number.isInteger(max) && max > 0, String(max)).toBe(true);
  });

  it("reach the schemas: one character over is refused with the limit in the message", () => {
    const title = "x".repeat(COLUMN_LIMITS.tasks.title);
    expect(taskCreateSchema.safeParse({ title }).success).toBe(true);
    const over = taskCreateSchema.safeParse({ title: `${title}x` });
    expect(over.success ? null : over.error.issues[0]?.message).toBe("At most 500 characters");
    const role = agentSchema.safeParse({ name: "a", role: "r".repeat(COLUMN_LIMITS.agents.role + 1) });
    expect(role.success ? null : role.error.issues[0]?.message).toBe(atMost(COLUMN_LIMITS.agents.role));
  });

  it("read as people write numbers", () => {
    expect(atMost(80)).toBe("At most 80 characters");
    expect(atMost(10_000)).toBe("At most 10,000 characters");
  });
});
