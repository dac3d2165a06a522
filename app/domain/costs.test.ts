import { describe, expect, it } from "vitest";
import { COST_CASES, TEST_PRICES } from "#tests/support/cost-cases";
import {
  findPrice,
  formatCost,
  formatSpend,
  fromMicros,
  modelLookupNames,
  priceUsage,
  provenanceBreakdown,
  provenanceLabel,
  toMicros,
  usageCost,
} from "./costs";

describe("priceUsage against the price table", () => {
  it.each(COST_CASES)("$name", ({ usage, at, expected }) => {
    expect(priceUsage(usage, TEST_PRICES, new Date(at))).toEqual(expected);
  });
});

describe("model name matching", () => {
  it("tries the full normalised name, then without the provider prefix", () => {
    expect(modelLookupNames(" Anthropic/Claude-Sonnet-4 ")).toEqual(["anthropic/claude-sonnet-4", "claude-sonnet-4"]);
    expect(modelLookupNames("gpt-4o")).toEqual(["gpt-4o"]);
    expect(modelLookupNames(null)).toEqual([""]);
  });

  it("prefers an exact prefixed row over the bare name", () => {
    const prefixed = { ...TEST_PRICES[2]!, model: "openai/test-mini", version: 1, input_usd_per_mtok: "9" };
    expect(findPrice([...TEST_PRICES, prefixed], "OpenAI/test-mini", new Date("2025-03-01"))?.input_usd_per_mtok).toBe("9");
    expect(findPrice(TEST_PRICES, "other/test-mini", new Date("2025-03-01"))?.model).toBe("test-mini");
  });

  it("does not match by substring", () => {
    expect(findPrice(TEST_PRICES, "test-sonnet-4", new Date("2025-03-01"))).toBeNull();
  });
});

describe("exact decimal math", () => {
  it("converts decimals to millionths without float error", () => {
    expect(toMicros("0.075")).toBe(75_000n);
    expect(toMicros(0.1 + 0.2)).toBe(300_000n);
    expect(toMicros("1.0000005")).toBe(1_000_001n);
    expect(toMicros(5e-7)).toBe(1n);
    expect(fromMicros(1_234_567n)).toBe("1.234567");
    expect(() => toMicros("-1")).toThrow();
  });

  it("costs cache reads and writes at their own prices", () => {
    const price = TEST_PRICES[0]!;
    expect(usageCost({ cache_read_tokens: 1_000_000 }, price)).toBe("0.300000");
    expect(usageCost({ cache_write_tokens: 1_000_000 }, price)).toBe("3.750000");
    expect(usageCost({}, price)).toBe("0.000000");
  });
});

describe("formatCost", () => {
  it("marks estimates and hides dollars for included models", () => {
    expect(formatCost(0.4213, "reported")).toBe("$0.42");
    expect(formatCost("0.4213", "estimated")).toBe("$0.42 est.");
    expect(formatCost(0.004, "reported")).toBe("<$0.01");
    expect(formatCost(0, "unpriced")).toBe("$0.00 est.");
    expect(formatCost(0, "included")).toBeNull();
    expect(formatCost(1, null)).toBeNull();
  });

  it("labels provenance with the price version", () => {
    expect(provenanceLabel("estimated", [1, 2])).toBe("estimated from price v1, v2");
    expect(provenanceLabel("included")).toBe("included in subscription");
  });

  it("breaks a mixed total down by source instead of calling it estimated", () => {
    expect(provenanceBreakdown([])).toBeNull();
    expect(provenanceBreakdown([{ provenance: "reported", cost_usd: 0.8, price_version: null }])).toBe("reported");
    expect(
      provenanceBreakdown([
        { provenance: "reported", cost_usd: 0.5, price_version: null },
        { provenance: "reported", cost_usd: "0.3", price_version: null },
        { provenance: "estimated", cost_usd: 0.0315, price_version: 1 },
        { provenance: "unpriced", cost_usd: null, price_version: null },
      ]),
    ).toBe("$0.80 reported · $0.03 estimated from price v1 · 1 report without a price");
  });
});

describe("formatSpend", () => {
  it("a card's spend: dollars, est. when any of it is estimated, $0.00 without usage", () => {
    expect(formatSpend({ cost_usd: "12.3456", records: 3, provenance: "reported" })).toBe("$12.35");
    expect(formatSpend({ cost_usd: 1234.5, records: 3, provenance: "estimated" })).toBe("$1,234.50 est.");
    expect(formatSpend({ cost_usd: 0, records: 0, provenance: null })).toBe("$0.00");
    expect(formatSpend({ cost_usd: 0, records: 2, provenance: "included" })).toBe("included");
  });
});
