import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { scrubDeep, scrubPaths } from "./path-scrub";

// Roots as the server builds them: a data dir somewhere, and the system temp folder.
const DATA = path.join(os.tmpdir(), "mc-scrub-test", "data");
const TMP = os.tmpdir();

const roots = [
  { root: `${DATA}/files/task-1`, as: "" },
  { root: `file://${DATA}/files/task-1`, as: "" },
  { root: `${DATA}/files`, as: "<files>" },
  { root: `${DATA}`, as: "<data>" },
  { root: `${TMP}`, as: "<tmp>" },
  { root: `file://${TMP}`, as: "<tmp>" },
];

describe("scrubPaths", () => {
  it("makes the task's folder relative and hides the others behind placeholders", () => {
    expect(scrubPaths(`ENOENT: no such file, stat '${DATA}/files/task-1/sub/report.html'`, roots)).toBe("ENOENT: no such file, stat 'sub/report.html'");
    expect(scrubPaths(`net::ERR_FILE_NOT_FOUND (file://${DATA}/files/task-1/missing.js)`, roots)).toBe("net::ERR_FILE_NOT_FOUND (missing.js)");
    expect(scrubPaths(`EACCES: open '${DATA}/files/task-2/x'`, roots)).toBe("EACCES: open '<files>/task-2/x'");
    expect(scrubPaths(`mkdir '${DATA}/checks/task-1'`, roots)).toBe("mkdir '<data>/checks/task-1'");
    expect(scrubPaths(`at file://${TMP}/mc-check-abc/page/x.html:3`, roots)).toBe("at <tmp>/mc-check-abc/page/x.html:3");
  });

  it("matches a root only at a path boundary, and the root itself", () => {
    expect(scrubPaths(`${TMP}files/a and ${TMP}`, roots)).toBe(`${TMP}files/a and <tmp>`);
    expect(scrubPaths(`cwd is ${DATA}/files/task-1`, roots)).toBe("cwd is .");
    expect(scrubPaths(`in ${DATA}/files/task-1.x`, roots)).toBe("in <files>/task-1.x");
    expect(scrubPaths(`${DATA}/files/task-10/a`, roots)).toBe("<files>/task-10/a");
  });

  it("leaves text without a root alone", () => {
    expect(scrubPaths("Uncaught Error: kaboom", roots)).toBe("Uncaught Error: kaboom");
  });
});

describe("scrubDeep", () => {
  it("scrubs strings anywhere in a value and keeps the rest", () => {
    const value = { message: `${TMP}/x`, details: { list: [`${DATA}/y`, 3, null, true], size: 1 } };
    expect(scrubDeep(value, roots)).toEqual({ message: "<tmp>/x", details: { list: ["<data>/y", 3, null, true], size: 1 } });
  });
});
