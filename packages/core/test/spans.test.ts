import { clipSpans, spanProblems } from "@starkv/core";
import { describe, expect, it } from "vitest";

describe("spanProblems", () => {
  it("accepts sorted spans in range", () => {
    expect(spanProblems([{ start: 0, end: 10 }, { start: 10, end: 20, grid: [2, 5] }, { start: 25, end: 30 }], 30)).toEqual([]);
  });

  it("accepts an empty list", () => {
    expect(spanProblems([], 30)).toEqual([]);
  });

  it("rejects unsorted spans", () => {
    const problems = spanProblems([{ start: 10, end: 20 }, { start: 0, end: 5 }], 30);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("spans[1] starts at 0, before spans[0] ends at 20");
  });

  it("rejects overlapping spans", () => {
    const problems = spanProblems([{ start: 0, end: 10 }, { start: 5, end: 15 }], 30);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("must not overlap");
  });

  it("rejects a negative start", () => {
    expect(spanProblems([{ start: -1, end: 5 }], 30)).toEqual(["spans[0] is [-1, 5), outside the prompt [0, 30)"]);
  });

  it("rejects an end past the prompt", () => {
    expect(spanProblems([{ start: 5, end: 31 }], 30)).toEqual(["spans[0] is [5, 31), outside the prompt [0, 30)"]);
  });

  it("rejects an empty span", () => {
    expect(spanProblems([{ start: 5, end: 5 }], 30)).toEqual(["spans[0] is [5, 5); end must be greater than start"]);
  });

  it("rejects a reversed span", () => {
    expect(spanProblems([{ start: 8, end: 5 }], 30)[0]).toContain("end must be greater than start");
  });

  it("rejects fractional bounds", () => {
    expect(spanProblems([{ start: 1.5, end: 5 }], 30)).toEqual(["spans[0] is [1.5, 5); start and end must be integers"]);
  });

  it("rejects a grid of the wrong size", () => {
    const problems = spanProblems([{ start: 0, end: 10, grid: [3, 3] }], 30);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("spans[0].grid is [3, 3] but the span has 10 tokens");
  });

  it("rejects a grid with a zero axis", () => {
    expect(spanProblems([{ start: 0, end: 10, grid: [0, 10] }], 30)).toHaveLength(1);
  });

  it("lists every problem at once", () => {
    const problems = spanProblems([{ start: -1, end: 5 }, { start: 3, end: 3 }, { start: 0, end: 4, grid: [3, 3] }], 30);
    expect(problems).toHaveLength(5);
    expect(problems.filter((problem) => problem.startsWith("spans[0]"))).toHaveLength(1);
    expect(problems.filter((problem) => problem.startsWith("spans[1]"))).toHaveLength(2);
    expect(problems.filter((problem) => problem.startsWith("spans[2]"))).toHaveLength(2);
  });
});

describe("clipSpans", () => {
  it("cuts a span at the past length", () => {
    expect(clipSpans([{ start: 0, end: 10 }, { start: 15, end: 30 }], 20)).toEqual([
      { start: 0, end: 10 },
      { start: 15, end: 20 },
    ]);
  });

  it("drops a span inside the window", () => {
    expect(clipSpans([{ start: 0, end: 10 }, { start: 22, end: 25 }], 20)).toEqual([{ start: 0, end: 10 }]);
  });

  it("drops a span starting at the past length", () => {
    expect(clipSpans([{ start: 20, end: 25 }], 20)).toEqual([]);
  });

  it("keeps the grid of a cut span", () => {
    expect(clipSpans([{ start: 15, end: 30, grid: [3, 5] }], 20)).toEqual([{ start: 15, end: 20, grid: [3, 5] }]);
  });

  it("clamps a negative start", () => {
    expect(clipSpans([{ start: -3, end: 4 }], 20)).toEqual([{ start: 0, end: 4 }]);
  });

  it("preserves the order", () => {
    const clipped = clipSpans([{ start: 2, end: 4 }, { start: 6, end: 9 }, { start: 12, end: 13 }], 20);
    expect(clipped.map((span) => span.start)).toEqual([2, 6, 12]);
  });

  it("does not modify its input", () => {
    const spans = [{ start: 15, end: 30 }];
    clipSpans(spans, 20);
    expect(spans).toEqual([{ start: 15, end: 30 }]);
  });
});
