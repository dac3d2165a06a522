import { describe, expect, it } from "vitest";
import { count, duration, parsePeriod, percent, provenance, usd } from "./analytics";

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
