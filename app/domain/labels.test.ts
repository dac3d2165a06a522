import { describe, expect, it } from "vitest";
import { labelProblem, labelsInputValue, normaliseLabel, parseLabels } from "./labels";

describe("labels", () => {
  it("normalises case and spaces", () => {
    expect(normaliseLabel("  Needs   Review ")).toBe("needs review");
  });

  it("parses a comma-separated field, each label once, in the order typed", () => {
    expect(parseLabels("Bug, frontend, bug ,, UI")).toEqual({ ok: true, labels: ["bug", "frontend", "ui"] });
    expect(parseLabels("")).toEqual({ ok: true, labels: [] });
    expect(labelsInputValue(["bug", "ui"])).toBe("bug, ui");
  });

  it("refuses more than 10, a long one, or a control character", () => {
    expect(parseLabels(Array.from({ length: 11 }, (_, i) => `l${i}`).join(","))).toEqual({ ok: false, message: "At most 10 labels" });
    expect(parseLabels("x".repeat(33))).toMatchObject({ ok: false });
    expect(labelProblem("a\u0007")).not.toBeNull();
    expect(labelProblem("a,b")).not.toBeNull();
    expect(labelProblem("ok")).toBeNull();
  });
});
