import { describe, expect, it } from "vitest";
import { buildDispatchMessage, type DispatchTask } from "./dispatch-message";

const task: DispatchTask = { id: "t1", title: "Ship the release notes", description: "Draft them", priority: "high", due_at: null, planning_spec: null };
const ctx = { baseUrl: "http://127.0.0.1:4000", agentToken: "mct_task_scoped" };

describe("the dispatch message", () => {
  it("carries the task, its callbacks and the task-scoped token", () => {
    const message = buildDispatchMessage(task, ctx);
    expect(message).toContain("TASK: Ship the release notes");
    expect(message).toContain("Authorization: Bearer mct_task_scoped");
    expect(message).toContain("POST http://127.0.0.1:4000/api/agent/tasks/t1/usage");
    expect(message).not.toContain("Pipeline:");
  });

  it("says a usage report is the run's total, not the figure over the gateway's, and that deliverables freeze at review", () => {
    const message = buildDispatchMessage(task, ctx);
    expect(message).toMatch(/Token usage: .*once, the run's total; the gateway's own measurement of the run counts over it/);
    expect(message).toMatch(/Finished: .*add every deliverable and file first: from review on they cannot change/);
    expect(message).toContain("MCP server at http://127.0.0.1:4000/api/mcp (Streamable HTTP, the same Authorization header)");
  });

  it("names the pipeline stage a task is on", () => {
    const onStage = {
      ...task,
      pipeline: {
        name: "Release",
        position: 2,
        stages: [
          { position: 1, name: "Draft" },
          { position: 2, name: "Review" },
          { position: 3, name: "Publish" },
        ],
      },
    };
    expect(buildDispatchMessage(onStage, ctx)).toContain("Pipeline: Release, stage 2 of 3 (Review).");
  });

  it("lists the files an operator attached, each with its download address", () => {
    const message = buildDispatchMessage({ ...task, uploads: [{ path: "brief v2.pdf", size_bytes: 2048, uploaded_by_name: "Ada" }] }, ctx);
    expect(message).toContain("Files attached by the operator");
    expect(message).toContain("- brief v2.pdf (2048 bytes, from Ada): GET http://127.0.0.1:4000/api/agent/tasks/t1/files/brief%20v2.pdf");
    expect(buildDispatchMessage({ ...task, uploads: [] }, ctx)).not.toContain("Files attached");
  });
});

describe("the dispatch message's comments", () => {
  it("carries the comments that mention the agent, and how to answer them", () => {
    const message = buildDispatchMessage({ ...task, comments: [{ comment_id: "c9", author_name: "Ada", body: "@scout use the 2021 census" }] }, ctx);
    expect(message).toContain("Comments that mention you");
    expect(message).toContain("Comment c9 from Ada:\n@scout use the 2021 census");
    expect(message).toContain("POST http://127.0.0.1:4000/api/agent/tasks/t1/comments");
    expect(buildDispatchMessage(task, ctx)).not.toContain("Comments that mention you");
  });
});
