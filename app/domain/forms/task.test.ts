import { describe, expect, it } from "vitest";
import { formData } from "#tests/support/form-data";
import { parseForm } from "./parse";
import { inlineFieldSchema, isInlineField, taskCreateSchema, taskEditValues, taskMoveSchema, taskUpdateSchema } from "./task";

const AGENT = "0b6f4c9e-8d1a-4f3b-9c2e-5a7d8e9f0a1b";
const valid = { title: "Write the report", description: "", priority: "normal", assigned_agent_id: "", due_at: "", status: "inbox" };

function create(overrides: Record<string, string>) {
  return parseForm(formData({ ...valid, ...overrides }), taskCreateSchema);
}
function errorsOf(result: ReturnType<typeof create>) {
  return result.ok ? {} : result.errors;
}

describe("taskCreateSchema", () => {
  it("parses a complete form, blanks becoming defaults", () => {
    expect(create({ title: "  Write the report  " })).toEqual({
      ok: true,
      data: {
        title: "Write the report",
        description: "",
        priority: "normal",
        assigned_agent_id: null,
        due_at: null,
        task_type_id: null,
        labels: [],
        status: "inbox",
        pipeline_id: null,
        parent_id: null,
      },
    });
  });

  it("fills defaults for fields a client leaves out", () => {
    expect(parseForm(formData({ title: "x" }), taskCreateSchema)).toEqual({
      ok: true,
      data: {
        title: "x",
        description: "",
        priority: "normal",
        assigned_agent_id: null,
        due_at: null,
        task_type_id: null,
        labels: [],
        status: "inbox",
        pipeline_id: null,
        parent_id: null,
      },
    });
  });

  it("keeps the description as typed (no trimming)", () => {
    expect(create({ description: "  indented\n" })).toMatchObject({ data: { description: "  indented\n" } });
  });

  it.each([
    ["title", "", "A title is required"],
    ["title", "   ", "A title is required"],
    ["title", "x".repeat(501), "At most 500 characters"],
    ["description", "x".repeat(10_001), "At most 10,000 characters"],
    ["priority", "critical", "Choose a priority"],
    ["assigned_agent_id", "agent-7", "Choose an agent from the list"],
    ["due_at", "someday", "Use a date like 2026-12-31"],
    ["due_at", "2026-13-01", "Use a date like 2026-12-31"],
    ["due_at", "1999-12-31", "Pick a date between 2000 and 2999"],
    ["due_at", "3000-01-01", "Pick a date between 2000 and 2999"],
    ["status", "done", "New tasks start in planning, inbox or assigned"],
    ["status", "in_progress", "New tasks start in planning, inbox or assigned"],
  ])("%s = %j → %j", (field, value, message) => {
    expect(errorsOf(create({ [field]: value }))).toEqual({ [field]: message });
  });

  it("accepts exactly 500 title and 10,000 description characters", () => {
    expect(create({ title: "x".repeat(500), description: "y".repeat(10_000) }).ok).toBe(true);
  });

  it.each(["low", "normal", "high", "urgent"])("accepts priority %s", (priority) => {
    expect(create({ priority })).toMatchObject({ ok: true, data: { priority } });
  });

  it.each(["planning", "inbox"])("starts in %s without an agent", (status) => {
    expect(create({ status })).toMatchObject({ ok: true, data: { status } });
  });

  it("starts in assigned only with an agent", () => {
    expect(errorsOf(create({ status: "assigned" }))).toEqual({ assigned_agent_id: "Choose an agent to assign the task to" });
    expect(create({ status: "assigned", assigned_agent_id: AGENT })).toMatchObject({
      ok: true,
      data: { status: "assigned", assigned_agent_id: AGENT },
    });
  });

  it("rejects unknown and repeated fields", () => {
    expect(errorsOf(create({ workspace_id: AGENT }))).toEqual({ workspace_id: "Unknown field", _form: "Unknown field(s): workspace_id" });
    const repeated = parseForm(formData([...Object.entries(valid), ["title", "again"]]), taskCreateSchema);
    expect(errorsOf(repeated)).toEqual({ title: "Sent more than once" });
  });

  it("reports every bad field at once", () => {
    expect(Object.keys(errorsOf(create({ title: "", priority: "x", due_at: "x" }))).sort()).toEqual(["due_at", "priority", "title"]);
  });
});

describe("due dates", () => {
  it.each([
    ["2026-12-31", "2026-12-31T00:00:00.000Z"],
    [" 2026-12-31 ", "2026-12-31T00:00:00.000Z"],
    ["2026-12-31T10:00:00Z", "2026-12-31T10:00:00.000Z"],
    ["2026-12-31T10:00:00+02:00", "2026-12-31T08:00:00.000Z"],
    ["2000-01-01", "2000-01-01T00:00:00.000Z"],
    ["2999-12-31", "2999-12-31T00:00:00.000Z"],
  ])("%j is stored as %j (a date alone means midnight UTC)", (input, iso) => {
    expect(create({ due_at: input })).toMatchObject({ ok: true, data: { due_at: iso } });
  });

  it("treats an empty field as no due date", () => {
    expect(create({ due_at: "" })).toMatchObject({ ok: true, data: { due_at: null } });
  });

  // Date.parse alone would roll these over (02-30 → 03-02) and store another date.
  it.each(["2026-02-30", "2026-02-29", "2026-04-31"])("rejects %j, a day that does not exist", (due_at) => {
    expect(errorsOf(create({ due_at }))).toEqual({ due_at: "Use a date like 2026-12-31" });
  });

  it("accepts 29 February in a leap year", () => {
    expect(create({ due_at: "2028-02-29" })).toMatchObject({ ok: true, data: { due_at: "2028-02-29T00:00:00.000Z" } });
  });
});

describe("taskUpdateSchema", () => {
  it("parses the editable fields", () => {
    const form = { title: "New", description: "d", priority: "high", assigned_agent_id: AGENT, due_at: "2027-01-01" };
    expect(parseForm(formData(form), taskUpdateSchema)).toEqual({
      ok: true,
      data: { title: "New", description: "d", priority: "high", assigned_agent_id: AGENT, due_at: "2027-01-01T00:00:00.000Z", task_type_id: null, labels: [] },
    });
  });

  it("does not let an edit change the status (that is a move)", () => {
    expect(parseForm(formData({ title: "x", status: "done" }), taskUpdateSchema)).toMatchObject({
      ok: false,
      errors: { status: "Unknown field" },
    });
  });

  it("applies the same limits as create", () => {
    expect(parseForm(formData({ title: "x".repeat(501) }), taskUpdateSchema)).toMatchObject({
      errors: { title: "At most 500 characters" },
    });
    expect(parseForm(formData({ title: "x", description: "x".repeat(10_001) }), taskUpdateSchema)).toMatchObject({
      errors: { description: "At most 10,000 characters" },
    });
  });

  it("clears the assignee and due date with empty fields", () => {
    expect(parseForm(formData({ title: "x", assigned_agent_id: "", due_at: "" }), taskUpdateSchema)).toMatchObject({
      ok: true,
      data: { assigned_agent_id: null, due_at: null },
    });
  });
});

describe("taskMoveSchema", () => {
  it.each(["planning", "inbox", "assigned", "in_progress", "testing", "review", "done", "cancelled"])("accepts %s", (status) => {
    expect(parseForm(formData({ status }), taskMoveSchema)).toEqual({ ok: true, data: { status } });
  });

  it("rejects unknown statuses, repeats and extra fields", () => {
    expect(parseForm(formData({ status: "archived" }), taskMoveSchema)).toMatchObject({ errors: { status: "Choose a status" } });
    expect(parseForm(formData({ status: "" }), taskMoveSchema)).toMatchObject({ errors: { status: "Choose a status" } });
    expect(
      parseForm(
        formData([
          ["status", "done"],
          ["status", "inbox"],
        ]),
        taskMoveSchema,
      ),
    ).toMatchObject({
      errors: { status: "Sent more than once" },
    });
    expect(parseForm(formData({ status: "done", title: "x" }), taskMoveSchema)).toMatchObject({ errors: { title: "Unknown field" } });
  });

  it("takes an optional task type id, rejecting anything but a uuid", () => {
    expect(parseForm(formData({ title: "t", task_type_id: "" }), taskUpdateSchema)).toMatchObject({ ok: true, data: { task_type_id: null } });
    expect(parseForm(formData({ title: "t", task_type_id: AGENT }), taskUpdateSchema)).toMatchObject({ ok: true, data: { task_type_id: AGENT } });
    expect(parseForm(formData({ title: "t", task_type_id: "deploy" }), taskUpdateSchema)).toMatchObject({
      ok: false,
      errors: { task_type_id: "Choose a task type from the list" },
    });
  });
});

describe("labels in the task form", () => {
  it("are normalised, and a bad one is refused next to the field", () => {
    expect(parseForm(formData({ title: "t", labels: "Bug, UI , bug" }), taskUpdateSchema)).toMatchObject({ ok: true, data: { labels: ["bug", "ui"] } });
    expect(parseForm(formData({ title: "t", labels: "x".repeat(40) }), taskUpdateSchema)).toMatchObject({
      ok: false,
      errors: { labels: expect.stringContaining("at most 32 characters") },
    });
  });
});

describe("taskEditValues", () => {
  const TYPE = "5d1c7e2a-3b4f-4a6e-9c8d-7f0e1a2b3c4d";
  const task = {
    title: "Ship it",
    description: "Line one\nLine two",
    priority: "high",
    due_at: "2030-01-15T00:00:00+00:00",
    assignee: { id: AGENT },
    labels: ["bug", "needs review"],
  };

  it("starts from every value the task has, in the form's own formats", () => {
    expect(taskEditValues(task, TYPE)).toEqual({
      title: "Ship it",
      description: "Line one\nLine two",
      priority: "high",
      assigned_agent_id: AGENT,
      due_at: "2030-01-15",
      task_type_id: TYPE,
      labels: "bug, needs review",
    });
  });

  it("posted back untouched, changes nothing: the same assignee, type and day", () => {
    const parsed = parseForm(formData(taskEditValues(task, TYPE)), taskUpdateSchema);
    expect(parsed).toEqual({
      ok: true,
      data: {
        title: "Ship it",
        description: "Line one\nLine two",
        priority: "high",
        assigned_agent_id: AGENT,
        due_at: "2030-01-15T00:00:00.000Z",
        task_type_id: TYPE,
        labels: ["bug", "needs review"],
      },
    });
  });

  it("leaves the selects on their blank choice only when the task has none", () => {
    expect(taskEditValues({ ...task, assignee: null, due_at: null }, null)).toMatchObject({ assigned_agent_id: "", due_at: "", task_type_id: "" });
  });
});

describe("inlineFieldSchema", () => {
  it("takes exactly the one field it edits", () => {
    expect(parseForm(formData({ title: " New " }), inlineFieldSchema("title"))).toEqual({ ok: true, data: { title: "New" } });
    expect(parseForm(formData({ assigned_agent_id: "" }), inlineFieldSchema("assignee"))).toEqual({ ok: true, data: { assigned_agent_id: null } });
    expect(parseForm(formData({ assigned_agent_id: AGENT }), inlineFieldSchema("assignee"))).toEqual({ ok: true, data: { assigned_agent_id: AGENT } });
    expect(parseForm(formData({ due_at: "2026-12-31" }), inlineFieldSchema("due"))).toEqual({ ok: true, data: { due_at: "2026-12-31T00:00:00.000Z" } });
  });

  it("refuses another field posted with it, and bad values", () => {
    const extra = parseForm(formData({ title: "x", assigned_agent_id: "" }), inlineFieldSchema("title"));
    expect(extra.ok).toBe(false);
    expect(extra.ok ? {} : extra.errors).toMatchObject({ assigned_agent_id: "Unknown field" });
    const blank = parseForm(formData({ title: "  " }), inlineFieldSchema("title"));
    expect(blank.ok ? {} : blank.errors).toEqual({ title: "A title is required" });
    const priority = parseForm(formData({ priority: "asap" }), inlineFieldSchema("priority"));
    expect(priority.ok ? {} : priority.errors).toEqual({ priority: "Choose a priority" });
  });

  it("knows its field names", () => {
    expect(isInlineField("assignee")).toBe(true);
    expect(isInlineField("assigned_agent_id")).toBe(false);
    expect(isInlineField("toString")).toBe(false);
  });
});
