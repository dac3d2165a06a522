import { describe, expect, it } from "vitest";
import { GLOBAL_PAGES, rankCommands, workspacePages } from "./commands";

const commands = [...workspacePages("ops", "Operations"), ...GLOBAL_PAGES];
const labels = (query: string) => rankCommands(commands, query).map((c) => c.label);

describe("narrowing the command palette", () => {
  it("keeps everything for an empty query", () => {
    expect(rankCommands(commands, "  ")).toHaveLength(commands.length);
  });

  it("finds by the start of a word, or anywhere in the label", () => {
    expect(labels("appr")).toEqual(["Approvals"]);
    expect(labels("feed")[0]).toBe("Live feed · Operations");
    expect(labels("spend")).toEqual(["Costs · Operations", "Costs across workspaces"]);
  });

  it("puts labels that start with the query first", () => {
    expect(labels("costs")[0]).toBe("Costs · Operations");
    expect(labels("set")).toEqual(["Workspace settings · Operations", "Your settings"]);
    expect(labels("workspace")[0]).toBe("Workspace settings · Operations");
  });

  it("needs every typed word to match", () => {
    expect(labels("board operations")).toEqual(["Board · Operations"]);
    expect(labels("board nothing")).toEqual([]);
  });

  it("builds each workspace page's address", () => {
    const hrefs = workspacePages("a b", "A").map((c) => c.href);
    expect(hrefs).toContain("/w/a%20b");
    expect(hrefs).toContain("/w/a%20b?view=list");
    expect(hrefs).toContain("/w/a%20b/settings");
  });
});
