import { describe, expect, it } from "vitest";
import { COLUMN_LIMITS } from "./field-limits";
import { githubIssuesEventSchema, githubSettingsSchema } from "./forms/github";
import {
  type GithubIssue,
  commentMarker,
  doneCommentBody,
  isIssueAction,
  issueDescription,
  issueLabels,
  issueTaskFields,
  issueTaskType,
  issueTitle,
  labelTypesText,
  parseGithubDelivery,
} from "./github";

const issue: GithubIssue = {
  number: 42,
  title: "  Crash   on save ",
  body: "Steps:\r\n1. Save",
  state: "open",
  html_url: "https://github.com/acme/widgets/issues/42",
  updated_at: "2026-12-04T10:00:00Z",
  labels: [{ name: "Needs Triage" }, { name: "bug" }, { name: "release" }],
};

describe("GitHub issues as tasks", () => {
  it("maps the first of the issue's labels the map names to its task type", () => {
    expect(issueTaskType(issue.labels, { bug: "code_change", release: "deploy" })).toBe("code_change");
    expect(issueTaskType(issue.labels, { "needs triage": "research", bug: "code_change" })).toBe("research");
    expect(issueTaskType(issue.labels, {})).toBeNull();
  });

  it("keeps the labels a task can hold: normalised, each once, at most ten", () => {
    expect(issueLabels([{ name: "Bug" }, { name: " bug " }, { name: "has, comma" }, { name: "x".repeat(33) }, { name: "ok" }])).toEqual(["bug", "ok"]);
    expect(issueLabels(Array.from({ length: 15 }, (_, i) => ({ name: `l${i}` })))).toHaveLength(10);
  });

  it("writes the title and description to fit, with where the issue lives", () => {
    expect(issueTitle(issue)).toBe("Crash on save");
    expect(issueTitle({ number: 3, title: "   " })).toBe("Issue #3");
    expect(issueTitle({ number: 3, title: "t".repeat(900) })).toHaveLength(COLUMN_LIMITS.tasks.title);
    expect(issueDescription("acme/widgets", issue)).toBe("Steps:\n1. Save\n\n---\nGitHub issue acme/widgets#42: https://github.com/acme/widgets/issues/42");
    expect(issueDescription("acme/widgets", { ...issue, body: null })).toBe("---\nGitHub issue acme/widgets#42: https://github.com/acme/widgets/issues/42");
    const long = issueDescription("acme/widgets", { ...issue, body: "b".repeat(70_000) });
    expect(long).toHaveLength(COLUMN_LIMITS.tasks.description);
    expect(long).toContain("…\n\n---\nGitHub issue acme/widgets#42");
    expect(issueTaskFields("acme/widgets", issue, { bug: "code_change" })).toMatchObject({
      repository: "acme/widgets",
      number: 42,
      labels: ["needs triage", "bug", "release"],
      task_type_key: "code_change",
      state: "open",
      updated_at: issue.updated_at,
    });
  });

  it("reads the delivery id and the issue actions it acts on", () => {
    expect(parseGithubDelivery("72d3162e-cc78-11e3-81ab-4c9367dc0958")).toEqual({ ok: true, id: "72d3162e-cc78-11e3-81ab-4c9367dc0958" });
    for (const bad of [null, "", "has space", "x".repeat(194)]) expect(parseGithubDelivery(bad).ok).toBe(false);
    expect(["opened", "edited", "labeled", "unlabeled", "closed", "reopened"].every(isIssueAction)).toBe(true);
    expect(isIssueAction("assigned")).toBe(false);
  });

  it("writes the done comment with the summary quoted, a link to the task and the marker a retry looks for", () => {
    const body = doneCommentBody(
      "row-1",
      { task_id: "t-1", title: "Crash on save", workspace_slug: "ops", summary: "Fixed it.\nAdded a test." },
      "https://mc.example/",
    );
    expect(body).toBe(
      [
        "**Done in Mission Control:** Crash on save",
        "",
        "> Fixed it.",
        "> Added a test.",
        "",
        "[Open the task](https://mc.example/w/ops/tasks/t-1)",
        "",
        commentMarker("row-1"),
      ].join("\n"),
    );
    expect(commentMarker("row-1")).toBe("<!-- mission-control:comment:row-1 -->");
  });
});

describe("the GitHub settings form", () => {
  const base = { repository: "acme/widgets", label_types: "", webhook_secret: "", token: "" };

  it("reads the label map one line at a time", () => {
    const parsed = githubSettingsSchema.parse({ ...base, label_types: "Bug = code_change\n\n  release=deploy  " });
    expect(parsed.label_types).toEqual({ bug: "code_change", release: "deploy" });
    expect(labelTypesText(parsed.label_types)).toBe("bug = code_change\nrelease = deploy");
  });

  it("refuses a malformed repository, map or secret, and asking for two contrary things", () => {
    const fails = (fields: Record<string, string>) => githubSettingsSchema.safeParse({ ...base, ...fields }).success;
    expect(fails({ repository: "acme" })).toBe(false);
    expect(fails({ repository: "acme/widgets/x" })).toBe(false);
    expect(fails({ label_types: "bug" })).toBe(false);
    expect(fails({ label_types: "bug = Code Change" })).toBe(false);
    expect(fails({ label_types: "bug = a\nBug = b" })).toBe(false);
    expect(fails({ webhook_secret: "short" })).toBe(false);
    expect(fails({ webhook_secret: "long enough secret here", generate_secret: "on" })).toBe(false);
    expect(fails({ token: "t", clear_token: "on" })).toBe(false);
    expect(fails({ extra: "x" })).toBe(false);
    expect(fails({})).toBe(true);
  });
});

describe("GitHub's issues payload", () => {
  it("is read as GitHub sends it (seconds without a fraction, labels with their other fields, a null body), the rest left unread", () => {
    const parsed = githubIssuesEventSchema.parse({
      action: "labeled",
      issue: {
        number: 1347,
        title: "Found a bug",
        body: null,
        state: "open",
        html_url: "https://github.com/octocat/Hello-World/issues/1347",
        updated_at: "2011-04-22T13:33:48Z",
        labels: [{ id: 208045946, node_id: "MDU6TGFiZWwyMDgwNDU5NDY=", name: "bug", color: "f29513", default: true, description: null }],
        user: { login: "octocat" },
      },
      label: { name: "bug" },
      repository: { full_name: "octocat/Hello-World", private: false },
      sender: { login: "octocat" },
    });
    expect(parsed.issue).toEqual({
      number: 1347,
      title: "Found a bug",
      body: null,
      state: "open",
      html_url: "https://github.com/octocat/Hello-World/issues/1347",
      updated_at: "2011-04-22T13:33:48Z",
      labels: [{ name: "bug" }],
    });
  });
});
