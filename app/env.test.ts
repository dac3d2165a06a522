import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "#app/env.server";

describe("Langfuse configuration", () => {
  it("is off with none of the three, on with all three", () => {
    expect(parseEnv({}).LANGFUSE_HOST).toBeUndefined();
    const env = parseEnv({ LANGFUSE_HOST: "https://langfuse.internal", LANGFUSE_PUBLIC_KEY: "pk", LANGFUSE_SECRET_KEY: "sk" });
    expect(env).toMatchObject({ LANGFUSE_HOST: "https://langfuse.internal", LANGFUSE_FLUSH_INTERVAL_S: 5 });
  });

  it("refuses a half-set configuration instead of silently exporting nothing", () => {
    expect(() => parseEnv({ LANGFUSE_HOST: "https://langfuse.internal" })).toThrow(EnvError);
    expect(() => parseEnv({ LANGFUSE_PUBLIC_KEY: "pk", LANGFUSE_SECRET_KEY: "sk" })).toThrow(/set all three/);
    expect(() => parseEnv({ LANGFUSE_HOST: "ftp://x", LANGFUSE_PUBLIC_KEY: "pk", LANGFUSE_SECRET_KEY: "sk" })).toThrow(EnvError);
  });
});

describe("EVENT_STREAMS_PER_CLIENT", () => {
  it("defaults to 20 and takes a positive whole number", () => {
    expect(parseEnv({}).EVENT_STREAMS_PER_CLIENT).toBe(20);
    expect(parseEnv({ EVENT_STREAMS_PER_CLIENT: "5000" }).EVENT_STREAMS_PER_CLIENT).toBe(5000);
    for (const bad of ["0", "-1", "2.5", "many"]) expect(() => parseEnv({ EVENT_STREAMS_PER_CLIENT: bad }), bad).toThrow(/EVENT_STREAMS_PER_CLIENT/);
  });
});

describe("testing stage limits", () => {
  it("has defaults, and refuses a task budget larger than the run's", () => {
    expect(parseEnv({})).toMatchObject({ TESTING_RUN_BUDGET_S: 120, TESTING_TASK_BUDGET_S: 60, TESTING_MAX_DELIVERABLES: 10, CHROMIUM_USER: "nobody" });
    expect(parseEnv({ TESTING_RUN_BUDGET_S: "30", TESTING_TASK_BUDGET_S: "30" })).toMatchObject({ TESTING_RUN_BUDGET_S: 30, TESTING_TASK_BUDGET_S: 30 });
    expect(() => parseEnv({ TESTING_RUN_BUDGET_S: "30" })).toThrow(/TESTING_TASK_BUDGET_S: must not exceed TESTING_RUN_BUDGET_S/);
    expect(() => parseEnv({ TESTING_MAX_DELIVERABLES: "0" })).toThrow(EnvError);
    expect(() => parseEnv({ CHROMIUM_USER: "root; rm" })).toThrow(EnvError);
  });
});
