import { describe, expect, it } from "vitest";
import { fieldList, textTable } from "./text-table";

describe("text tables", () => {
  it("aligns columns under their headers and leaves the last one unpadded", () => {
    const rows = [
      { id: "a1", status: "inbox", title: "Short" },
      { id: "b22", status: "in_progress", title: "A longer\ntitle" },
    ];
    const out = textTable(rows, [
      { header: "ID", value: (r) => r.id },
      { header: "STATUS", value: (r) => r.status },
      { header: "TITLE", value: (r) => r.title },
    ]);
    expect(out.split("\n")).toEqual(["ID   STATUS       TITLE", "a1   inbox        Short", "b22  in_progress  A longer title"]);
  });

  it("cuts a cell at its column's maximum with an ellipsis", () => {
    expect(textTable([{ t: "abcdefgh" }], [{ header: "T", value: (r) => r.t, max: 5 }])).toBe("T\nabcd…");
  });

  it("lists fields with aligned keys and skips empty ones", () => {
    expect(
      fieldList([
        ["id", "x"],
        ["status", "done"],
        ["due", null],
      ]),
    ).toBe("id:     x\nstatus: done");
  });
});
