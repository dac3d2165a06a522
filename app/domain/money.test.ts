import { describe, expect, it } from "vitest";
import { formatUsd, formatUsdExact } from "./money";

describe("formatUsd", () => {
  it.each([
    [0, "$0.00"],
    [4.12, "$4.12"],
    [0.8315, "$0.83"],
    ["0.8315", "$0.83"],
    [1234.5, "$1,234.50"],
    [0.004, "<$0.01"],
    [0.005, "$0.01"],
    [-3, "-$3.00"],
    [null, "—"],
    [undefined, "—"],
    ["", "—"],
    ["abc", "—"],
  ])("%j → %s", (value, text) => {
    expect(formatUsd(value)).toBe(text);
  });
});

describe("formatUsdExact", () => {
  it("keeps up to six decimals for prices and titles", () => {
    expect(formatUsdExact(0.000315)).toBe("$0.000315");
    expect(formatUsdExact(3)).toBe("$3.00");
    expect(formatUsdExact(null)).toBe("—");
  });
});
