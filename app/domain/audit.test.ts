import { describe, expect, it } from "vitest";
import { actionChoices, actionLabel, actorLabel, auditFilterSchema, detailItems, filterQuery, sqlFilters, systemName, valueText } from "./audit";

describe("audit log in words", () => {
  it("names who acted", () => {
    expect(actorLabel({ type: "user", id: "u1", name: "Old name" }, "Ada Admin")).toBe("Ada Admin");
    expect(actorLabel({ type: "user", id: "u1" }, null)).toBe("A deleted user");
    expect(actorLabel({ type: "agent", id: "a1", name: "Scribe" }, "Scribe")).toBe("Agent API (agent Scribe)");
    expect(actorLabel({ type: "system", name: "heartbeat" }, "heartbeat")).toBe("Heartbeat");
    expect(actorLabel({ type: "system", name: "policy:autonomous" }, null)).toBe("Policy (autonomous)");
    expect(actorLabel({ type: "system" }, null)).toBe("System");
    expect(actorLabel({ type: "anonymous", ip: "10.0.0.1" }, null)).toBe("Unknown visitor (10.0.0.1)");
    expect(systemName("set-up link")).toBe("Set-up link");
    expect(systemName("some_new-thing")).toBe("Some new thing");
  });

  it("says what happened", () => {
    expect(actionLabel("task.status_override")).toBe("Moved a task by hand");
    expect(actionLabel("agent.autonomy_changed")).toBe("Changed an agent's autonomy");
    expect(actionLabel("widget.spun_up")).toBe("Widget spun up");
    expect(actionChoices(["task.deleted", "agent.created", "task.dispatched"])).toEqual([
      { area: "agent", label: "Agents", kinds: [{ value: "agent.created", label: "Added an agent" }] },
      {
        area: "task",
        label: "Tasks",
        kinds: [
          { value: "task.deleted", label: "Deleted a task" },
          { value: "task.dispatched", label: "Dispatched a task" },
        ],
      },
    ]);
  });

  it("turns details into labelled values, names first, without the linked ids", () => {
    expect(
      detailItems({ lowered: true, to: "autonomous", from: "hitl", name: "Scribe" }, { agent_id: "a1", workspace_id: "w1" }).map((d) => [d.label, d.value]),
    ).toEqual([
      ["Name", "Scribe"],
      ["From", "Human in the loop (approve first)"],
      ["To", "Autonomous"],
      ["Less supervision", "Yes"],
    ]);
    expect(detailItems({ from: { daily_limit_usd: 5, total_limit_usd: null }, to: null }).map((d) => d.value)).toEqual([
      "daily limit $5.00, total limit —",
      "—",
    ]);
    expect(valueText("input_usd_per_mtok", 0.3)).toBe("$0.30");
    expect(valueText("digest", "a".repeat(64))).toBe("aaaaaaaaaaaa…");
    expect(valueText("status", "in_progress")).toBe("In progress");
    expect(valueText("changed", ["title", "due_at"])).toBe("title, due_at");
    expect(detailItems({}, { scope: "agent", subject_id: "x" })).toEqual([{ key: "scope", label: "Scope", value: "agent" }]);
  });
});

describe("audit filters", () => {
  const parse = (v: Record<string, string>) => auditFilterSchema.safeParse(v);

  it("accepts the page's own choices and leaves empty ones out", () => {
    const ok = parse({ actor: "system:heartbeat", action: "task", workspace: "", from: "2026-12-01", to: "2026-12-02", q: " minutes ", before: "40" });
    expect(ok.success).toBe(true);
    const f = ok.data!;
    expect(sqlFilters(f)).toEqual({ actor: "system:heartbeat", action: "task", from: "2026-12-01", to: "2026-12-02", q: "minutes" });
    expect(filterQuery(f)).toBe("?actor=system%3Aheartbeat&action=task&from=2026-12-01&to=2026-12-02&q=minutes");
    expect(filterQuery(f, 12)).toContain("&before=12");
    expect(parse({ actor: "system:" }).success).toBe(true);
    expect(parse({ actor: "user:6f9a1b2c-0000-4000-8000-000000000000" }).success).toBe(true);
    expect(filterQuery(parse({}).data!)).toBe("");
  });

  it("refuses anything else", () => {
    const bads: Array<Record<string, string>> = [
      { actor: "bob" },
      { action: "DROP TABLE" },
      { workspace: "nope" },
      { from: "2026-02-30" },
      { from: "yesterday" },
      { from: "2026-05-02", to: "2026-05-01" },
      { before: "-1" },
      { before: "1e5" },
      { q: "x".repeat(201) },
      { color: "red" },
    ];
    for (const bad of bads) {
      expect(parse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
