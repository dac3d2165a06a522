import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// React Router forgets an action's result on every live revalidation, so a
// page that reads it raw loses it a moment after showing it (see
// use-action-result.ts). These checks keep every page on the one hook.

const ROUTES = path.resolve(import.meta.dirname, "../routes");
const APP = path.resolve(import.meta.dirname, "..");

function sources(dir: string): Array<[string, string]> {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.tsx?$/.test(f) && !f.includes("+types") && !f.endsWith(".test.ts"))
    .map((f) => [f, readFileSync(path.join(dir, f), "utf8")]);
}

describe("action results on pages", () => {
  const pages = sources(ROUTES).filter(([, text]) => /\bactionData\b/.test(text));

  it("finds the pages that show an action's result", () => {
    expect(pages.map(([f]) => f)).toEqual(expect.arrayContaining(["agents.tsx", "agent-detail.tsx", "task-detail.tsx", "task-new.tsx"]));
  });

  it.each(pages)("%s reads its action result through useActionResult", (_file, text) => {
    // The component may take the prop only under another name, to pass it to the hook.
    const props = /function \w+\(\{([^}]*)\}: Route\.ComponentProps\)/.exec(text)?.[1] ?? "";
    expect(props).not.toMatch(/\bactionData\b(?!\s*:)/);
    expect(text).toMatch(/useActionResult(<\w+>)?\(\w+\)/);
    expect(text).not.toMatch(/\bprops\.actionData\b/);
  });

  it("nothing reads useActionData directly", () => {
    const direct = sources(APP).filter(([, text]) => /\buseActionData\s*[(<]/.test(text));
    expect(direct.map(([f]) => f)).toEqual([]);
  });
});
