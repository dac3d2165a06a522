import { describe, expect, it } from "vitest";
import { EXIT, exitForStatus } from "./cli-exit-codes";

describe("the command line's exit codes", () => {
  it("maps each answer of the API to the code scripts rely on", () => {
    expect([200, 201].map(exitForStatus)).toEqual([EXIT.ok, EXIT.ok]);
    expect([401, 403].map(exitForStatus)).toEqual([EXIT.auth, EXIT.auth]);
    expect(exitForStatus(404)).toBe(EXIT.notFound);
    expect([400, 409, 413, 415, 422].map(exitForStatus)).toEqual(Array(5).fill(EXIT.refused));
    expect([429, 502, 503, 504].map(exitForStatus)).toEqual(Array(4).fill(EXIT.unavailable));
    expect([405, 500, 501].map(exitForStatus)).toEqual(Array(3).fill(EXIT.unexpected));
  });

  it("keeps every code distinct", () => {
    expect(new Set(Object.values(EXIT)).size).toBe(Object.keys(EXIT).length);
  });
});
