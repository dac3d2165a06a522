import { describe, expect, it } from "vitest";
import {
  AGENT_TASK_PAGES_MAX,
  LEVEL_LABEL,
  completionSentence,
  costWords,
  count,
  duration,
  parsePeriod,
  parseTaskPage,
  percent,
  provenance,
  runOutcomeLabel,
  taskOutcomeLabel,
  usd,
} from "./analytics";

describe("analytics formatting", () => {
  it("formats money, counts, rates and durations", () => {
    expect([usd(1.5), usd(0), usd(0.0042), usd(1234.5), usd(null)]).toEqual(["$1.50", "$0.00", "<$0.01", "$1,234.50", "—"]);
    expect([count(616.7), count(9200), count(12_345), count(2_500_000), count(null)]).toEqual(["616.7", "9,200", "12.3k", "2.5M", "—"]);
    expect([percent(0.6667), percent(1), percent(0), percent(null)]).toEqual(["66.7%", "100%", "0%", "—"]);
    expect([duration(30), duration(600), duration(12_600), duration(25_200), duration(172_800), duration(null)]).toEqual([
      "30s",
      "10m",
      "3.5h",
      "7h",
      "2d",
      "—",
    ]);
  });

  it("says where a cost came from", () => {
    expect(provenance({ records: 4, reported_usd: 1.5, estimated_usd: 0.25, unknown_cost_records: 1 })).toBe(
      "reported $1.50 · estimated $0.25 · 1 record without cost",
    );
    expect(provenance({ records: 2, reported_usd: 1, estimated_usd: 0, unknown_cost_records: 0 })).toBe("reported $1.00 · estimated $0.00");
    expect(provenance({ records: 0, reported_usd: 0, estimated_usd: 0, unknown_cost_records: 0 })).toBe("no usage records");
  });

  it("accepts only the offered periods", () => {
    expect([parsePeriod("7"), parsePeriod("90"), parsePeriod("13"), parsePeriod(null), parsePeriod("x", 7)]).toEqual([7, 90, 30, 30, 7]);
  });
});

describe("completions in words", () => {
  it("says what agents finished and what people closed themselves, by name", () => {
    expect(completionSentence({ by_agents: 0, by_people: 0, unassigned_by_people: 0, people: [] }, 30)).toBe("In the last 30 days no task reached done.");
    expect(completionSentence({ by_agents: 3, by_people: 0, unassigned_by_people: 0, people: [] }, 7)).toBe(
      "In the last 7 days agents finished 3 tasks; every task that reached done was reported complete by its agent.",
    );
    expect(
      completionSentence(
        {
          by_agents: 1,
          by_people: 3,
          unassigned_by_people: 0,
          people: [
            { name: "Ada", tasks: 2 },
            { name: "Bo", tasks: 1 },
          ],
        },
        7,
      ),
    ).toBe(
      "In the last 7 days agents finished 1 task. People moved 3 more tasks to done without an agent reporting it complete (Ada 2, Bo 1); those count for no agent.",
    );
  });

  it("names supervision levels as the rest of the app does", () => {
    expect(LEVEL_LABEL.hitl).toBe("Human in the loop (approve first)");
    expect(LEVEL_LABEL.hotl).toBe("Human on the loop (veto window)");
    expect(LEVEL_LABEL.policy).toBe("Allowed by policy");
  });

  it("says how a run ended", () => {
    const label = (s: string) => s.toUpperCase();
    expect(runOutcomeLabel({ outcome: "moved", moved_to: "assigned", moved_by: "Ada" }, label)).toBe("Moved to ASSIGNED by Ada");
    expect(runOutcomeLabel({ outcome: "lease_expired", moved_to: null, moved_by: null }, label)).toBe("No result before the lease expired");
  });
});

describe("the agent page's tasks", () => {
  it("reads the page number, and anything else as the first page", () => {
    expect(parseTaskPage("3")).toBe(3);
    for (const bad of [null, "", "0", "-1", "2.5", "abc", "1e3x", String(AGENT_TASK_PAGES_MAX + 1)]) expect(parseTaskPage(bad), String(bad)).toBe(1);
  });

  it("says how each task came out", () => {
    const label = (s: string) => ({ in_progress: "In progress", assigned: "Assigned" })[s] ?? s;
    const t = { status: "done", closed_by: null, alert_reason: null };
    expect(taskOutcomeLabel({ ...t, outcome: "done", closed_by: "Ada" }, label)).toBe("Done: reported complete");
    expect(taskOutcomeLabel({ ...t, outcome: "done_by_person", closed_by: "Ada" }, label)).toBe("Done by Ada");
    expect(taskOutcomeLabel({ ...t, outcome: "done_by_person" }, label)).toBe("Done by a person");
    expect(taskOutcomeLabel({ ...t, status: "cancelled", outcome: "cancelled", closed_by: "Ada" }, label)).toBe("Cancelled by Ada");
    expect(taskOutcomeLabel({ ...t, status: "in_progress", outcome: "open" }, label)).toBe("In progress");
    expect(taskOutcomeLabel({ ...t, status: "assigned", outcome: "open", alert_reason: "dispatch_failed" }, label)).toBe("Assigned: dispatch failed");
  });

  it("puts a cost in words", () => {
    expect(costWords({ records: 0, unknown_cost_records: 0, cost_usd: 0 })).toBe("—");
    expect(costWords({ records: 2, unknown_cost_records: 2, cost_usd: 0 })).toBe("without cost");
    expect(costWords({ records: 2, unknown_cost_records: 1, cost_usd: 0.25 })).toBe(usd(0.25));
  });
});
