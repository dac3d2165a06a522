import { describe, expect, it } from "vitest";
import { filterChips, hasEmptyKnownValue, hasFilter, listSort, queryString, sqlFilter, viewQuery } from "./board-query";
import { parseBoardQuery } from "./forms/board-query";

const parse = (qs: string) => parseBoardQuery(new URLSearchParams(qs));
const ok = (qs: string) => {
  const result = parse(qs);
  if (!result.ok) throw new Error(result.message);
  return result.query;
};
const AGENT = "7b0c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3";

describe("parseBoardQuery", () => {
  it("reads every filter, trimmed, a label normalised, blanks as absent", () => {
    expect(ok(`q=+login+&assignee=${AGENT}&priority=high&type=general&label=Needs%20Review&due=week&status=inbox&status2=x`)).toEqual({
      q: "login",
      assignee: AGENT,
      priority: "high",
      type: "general",
      label: "needs review",
      due: "week",
      status: "inbox",
    });
    expect(ok("q=&priority=&view=list&sort=cost&dir=desc&page=3")).toEqual({ view: "list", sort: "cost", dir: "desc", page: 3 });
  });

  it("refuses a malformed value, naming it, and a key given twice", () => {
    expect(parse("priority=huge")).toEqual({ ok: false, message: "Unknown priority: use low, normal, high, urgent (priority)." });
    expect(parse("assignee=bob")).toMatchObject({ ok: false, message: expect.stringContaining("(assignee)") });
    expect(parse("due=tomorrow")).toMatchObject({ ok: false });
    expect(parse("page=0")).toMatchObject({ ok: false });
    expect(parse("page=1e3")).toMatchObject({ ok: false });
    expect(parse(`q=${"x".repeat(201)}`)).toMatchObject({ ok: false });
    expect(parse("label=a,b")).toMatchObject({ ok: false });
    expect(parse("status=inbox&status=done")).toEqual({ ok: false, message: '"status" is given more than once; keep one value.' });
  });
});

describe("the view as a link", () => {
  it("writes keys in one order, so the same view is the same link", () => {
    expect(queryString(ok("due=today&q=x&view=list"))).toBe("?q=x&due=today&view=list");
    expect(queryString(ok("q=x&label=bug"), { label: undefined })).toBe("?q=x");
    expect(queryString(ok(""))).toBe("");
    expect(viewQuery(ok("q=x&page=2&more=done&n=100"))).toBe("?q=x");
  });

  it("spots the empty fields a GET form sends", () => {
    expect(hasEmptyKnownValue(new URLSearchParams("q=&status=inbox"))).toBe(true);
    expect(hasEmptyKnownValue(new URLSearchParams("q=a&other="))).toBe(false);
  });

  it("gives SQL only the filters, and the zone only for due", () => {
    expect(sqlFilter(ok("q=a&view=list&sort=title"), "Asia/Tokyo")).toEqual({ q: "a" });
    expect(sqlFilter(ok("due=overdue"), "Asia/Tokyo")).toEqual({ due: "overdue", tz: "Asia/Tokyo" });
    expect(hasFilter(ok("view=list"))).toBe(false);
    expect(hasFilter(ok("label=x"))).toBe(true);
  });

  it("describes each active filter in words", () => {
    const names = { agents: new Map([[AGENT, "Ada"]]), types: new Map<string, string>() };
    expect(filterChips(ok(`q=fix&assignee=${AGENT}&due=overdue&status=in_progress&type=general`), names).map((c) => c.label)).toEqual([
      "“fix”",
      "Status: In progress",
      "Assignee: Ada",
      "Type: General",
      "Overdue",
    ]);
    expect(filterChips(ok("assignee=none"), names)[0]!.label).toBe("Unassigned");
  });

  it("sorts the list by the board's order unless a column is asked for", () => {
    expect(listSort(ok(""))).toEqual({ sort: "board", dir: "asc" });
    expect(listSort(ok("sort=updated"))).toEqual({ sort: "updated", dir: "desc" });
    expect(listSort(ok("sort=title&dir=desc"))).toEqual({ sort: "title", dir: "desc" });
  });
});
