import { describe, expect, it } from "vitest";
import { scrubDeep, scrubPaths } from "./path-scrub";

const roots = [
  { root: "/srv/mc/data/files/task-1", as: "" },
  { root: "file:///srv/mc/data/files/task-1", as: "" },
  { root: "/srv/mc/data/files", as: "<files>" },
  { root: "/srv/mc/data", as: "<data>" },
  { root: "/tmp", as: "<tmp>" },
  { root: "file:///tmp", as: "<tmp>" },
];

describe("scrubPaths", () => {
  it("makes the task's folder relative and hides the others behind placeholders", () => {
    expect(scrubPaths("ENOENT: no such file, stat '/srv/mc/data/files/task-1/sub/report.html'", roots)).toBe("ENOENT: no such file, stat 'sub/report.html'");
    expect(scrubPaths("net::ERR_FILE_NOT_FOUND (file:///srv/mc/data/files/task-1/missing.js)", roots)).toBe("net::ERR_FILE_NOT_FOUND (missing.js)");
    expect(scrubPaths("EACCES: open '/srv/mc/data/files/task-2/x'", roots)).toBe("EACCES: open '<files>/task-2/x'");
    expect(scrubPaths("mkdir '/srv/mc/data/checks/task-1'", roots)).toBe("mkdir '<data>/checks/task-1'");
    expect(scrubPaths("at file:///tmp/mc-check-abc/page/x.html:3", roots)).toBe("at <tmp>/mc-check-abc/page/x.html:3");
  });

  it("matches a root only at a path boundary, and the root itself", () => {
    expect(scrubPaths("/tmpfiles/a and /tmp", roots)).toBe("/tmpfiles/a and <tmp>");
    expect(scrubPaths("cwd is /srv/mc/data/files/task-1", roots)).toBe("cwd is .");
    expect(scrubPaths("in /srv/mc/data/files/task-1.x", roots)).toBe("in <files>/task-1.x");
    expect(scrubPaths("/srv/mc/data/files/task-10/a", roots)).toBe("<files>/task-10/a");
  });

  it("leaves text without a root alone", () => {
    expect(scrubPaths("Uncaught Error: kaboom", roots)).toBe("Uncaught Error: kaboom");
  });
});

describe("scrubDeep", () => {
  it("scrubs strings anywhere in a value and keeps the rest", () => {
    const value = { message: "/tmp/x", details: { list: ["/srv/mc/data/y", 3, null, true], size: 1 } };
    expect(scrubDeep(value, roots)).toEqual({ message: "<tmp>/x", details: { list: ["<data>/y", 3, null, true], size: 1 } });
  });
});
