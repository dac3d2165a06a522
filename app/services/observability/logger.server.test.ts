import { describe, expect, it } from "vitest";
import { createLogger, type LogLine, shapeLogLine, toLogLine } from "./logger.server";

function memory(level = "debug") {
  const raw: string[] = [];
  const log = createLogger(level, { write: (line: string) => raw.push(line) });
  return { log, raw, lines: () => raw.map((line) => JSON.parse(line) as LogLine) };
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe("log lines in the roadmap's shape", () => {
  it("writes {timestamp, level, event, data} and nothing else at the top", () => {
    const { log, raw, lines } = memory();
    log.info({ event: "task.state_changed", task_id: "t1", from: "inbox", to: "assigned" }, "task moved");
    expect(raw).toHaveLength(1);
    expect(raw[0]!.endsWith("}\n")).toBe(true);
    expect(raw[0]!.slice(0, -1)).not.toContain("\n");
    const [line] = lines();
    expect(Object.keys(line!)).toEqual(["timestamp", "level", "event", "data"]);
    expect(line!.timestamp).toMatch(ISO);
    expect(Math.abs(Date.parse(line!.timestamp) - Date.now())).toBeLessThan(5_000);
    expect(line).toMatchObject({ level: "info", event: "task.state_changed", data: { task_id: "t1", from: "inbox", to: "assigned", msg: "task moved" } });
  });

  it("puts the request id a child logger binds first in data, with the other bindings", () => {
    const { log, lines } = memory();
    log.child({ request_id: "req-0123456789" }).child({ task_id: "t9" }).warn({ event: "agent.dispatch_failed", reason: "timeout" }, "dispatch failed");
    const [line] = lines();
    expect(line!.level).toBe("warn");
    expect(Object.keys(line!.data)).toEqual(["request_id", "task_id", "reason", "msg"]);
    expect(line!.data).toEqual({ request_id: "req-0123456789", task_id: "t9", reason: "timeout", msg: "dispatch failed" });
  });

  it("levels are words; below the configured level nothing is written", () => {
    const { log, lines } = memory("info");
    log.debug({ event: "gateway.client_debug" }, "hidden");
    log.info({ event: "a" });
    log.warn({ event: "b" });
    log.error({ event: "c" });
    log.fatal({ event: "d" });
    expect(lines().map((l) => [l.event, l.level])).toEqual([
      ["a", "info"],
      ["b", "warn"],
      ["c", "error"],
      ["d", "fatal"],
    ]);
  });

  it("an error line carries the serialized error under data.err, without database parameters", () => {
    const { log, lines } = memory();
    const error = Object.assign(new Error("duplicate key"), { code: "23505", query: "insert …", params: ["secret@example.com"] });
    log.child({ request_id: "req-err-000001" }).error({ event: "error", err: error }, "api handler failed");
    const [line] = lines();
    expect(line).toMatchObject({ level: "error", event: "error", data: { request_id: "req-err-000001", msg: "api handler failed" } });
    const err = line!.data.err as Record<string, unknown>;
    expect(err).toMatchObject({ type: "Error", message: "duplicate key", code: "23505" });
    expect(err).not.toHaveProperty("query");
    expect(err).not.toHaveProperty("params");
  });

  it("redacts tokens and passwords inside data", () => {
    const { log, raw } = memory();
    log.info({ event: "auth.login", token: "tok-abc", password: "pw-abc", headers: { authorization: "Bearer x-abc", cookie: "c-abc" } });
    expect(raw[0]).not.toMatch(/tok-abc|pw-abc|x-abc|c-abc/);
    expect(raw[0]).toContain("[redacted]");
  });

  it('a line that names no event is event "log"', () => {
    const { log, lines } = memory();
    log.info("plain message");
    expect(lines()[0]).toMatchObject({ event: "log", data: { msg: "plain message" } });
  });

  it("toLogLine moves every other key into data; shapeLogLine leaves what is not a JSON object alone", () => {
    expect(toLogLine({ level: "info", timestamp: "2026-01-01T00:00:00.000Z", request_id: "r", event: "x", n: 1, msg: "m" })).toEqual({
      timestamp: "2026-01-01T00:00:00.000Z",
      level: "info",
      event: "x",
      data: { request_id: "r", n: 1, msg: "m" },
    });
    expect(toLogLine({ level: "info", timestamp: "t", event: "" }).event).toBe("log");
    expect(shapeLogLine("not json\n")).toBe("not json\n");
    expect(shapeLogLine("[1,2]\n")).toBe("[1,2]\n");
    expect(shapeLogLine('{"level":"info","timestamp":"t","event":"e","a":1}\n')).toBe('{"timestamp":"t","level":"info","event":"e","data":{"a":1}}\n');
  });
});
