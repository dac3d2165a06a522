import { describe, expect, it } from "vitest";
import { DEFAULT_BOX, columnChart, horizontalBars, linearScale, niceStep, niceTicks } from "./chart-geometry";

describe("niceStep and niceTicks", () => {
  it.each([
    [1, 0.25],
    [4, 1],
    [7, 2],
    [10, 2.5],
    [12.3, 5],
    [0.37, 0.1],
    [950, 250],
    [0.003, 0.001],
  ])("max %s → step %s", (max, step) => {
    expect(niceStep(max)).toBeCloseTo(step, 10);
  });

  it("covers the maximum from zero with even steps", () => {
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(8)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(1.5)).toEqual([0, 0.5, 1, 1.5]);
    expect(niceTicks(0.37)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
  });

  it("gives a unit axis for empty, zero or invalid data", () => {
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(-5)).toEqual([0, 1]);
    expect(niceTicks(Number.NaN)).toEqual([0, 1]);
  });
});

describe("linearScale", () => {
  it("maps and clamps into the range; a zero domain maps to 0", () => {
    const s = linearScale(10, 200);
    expect([s(0), s(5), s(10), s(20), s(-3)]).toEqual([0, 100, 200, 200, 0]);
    expect(linearScale(0, 200)(5)).toBe(0);
  });
});

describe("columnChart", () => {
  const box = { width: 140, height: 120, left: 20, right: 0, top: 10, bottom: 10 };

  it("places one bar per point on a shared baseline, heights in scale", () => {
    const chart = columnChart(
      [
        { label: "a", value: 1 },
        { label: "b", value: 2 },
        { label: "c", value: 0 },
        { label: "d", value: 4 },
      ],
      box,
    );
    expect(chart.max).toBe(4);
    expect(chart.bars.map((b) => b.height)).toEqual([25, 50, 0, 100]);
    expect(chart.bars.map((b) => b.y + b.height)).toEqual([110, 110, 110, 110]);
    expect(chart.bars.map((b) => b.x)).toEqual([21, 51, 81, 111]);
    expect(chart.bars.every((b) => b.width === 28)).toBe(true);
    expect(chart.ticks).toEqual([
      { value: 0, y: 110 },
      { value: 1, y: 85 },
      { value: 2, y: 60 },
      { value: 3, y: 35 },
      { value: 4, y: 10 },
    ]);
  });

  it("labels every nth bar, always including the last", () => {
    const points = Array.from({ length: 30 }, (_, i) => ({ label: `d${i}`, value: i }));
    const chart = columnChart(points, DEFAULT_BOX, 8);
    expect(chart.labelled).toContain(29);
    expect(chart.labelled.length).toBeLessThanOrEqual(8);
    expect(chart.bars).toHaveLength(30);
  });

  it("draws nothing but an axis for empty or all-zero data", () => {
    expect(columnChart([], box)).toMatchObject({ bars: [], labelled: [], max: 1 });
    const zeros = columnChart(
      [
        { label: "a", value: 0 },
        { label: "b", value: 0 },
      ],
      box,
    );
    expect(zeros.bars.map((b) => b.height)).toEqual([0, 0]);
    expect(zeros.ticks.map((t) => t.value)).toEqual([0, 1]);
  });
});

describe("horizontalBars", () => {
  it("scales each bar to the largest value", () => {
    const { bars, height } = horizontalBars(
      [
        { label: "x", value: 3 },
        { label: "y", value: 1.5 },
        { label: "z", value: 0 },
      ],
      300,
      20,
    );
    expect(bars.map((b) => [b.width, b.share, b.y])).toEqual([
      [300, 1, 0],
      [150, 0.5, 20],
      [0, 0, 40],
    ]);
    expect(height).toBe(60);
  });

  it("handles no data and all-zero data", () => {
    expect(horizontalBars([])).toEqual({ bars: [], height: 0, width: 300 });
    expect(horizontalBars([{ label: "a", value: 0 }]).bars[0]).toMatchObject({ width: 0, share: 0 });
  });
});
