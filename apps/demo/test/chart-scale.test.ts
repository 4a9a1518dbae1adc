import { describe, expect, it } from "vitest";
import { bands, finiteExtent, formatBytes, formatTick, linearScale, niceDomain, ticks, tickStep } from "../src/chart-scale.js";

describe("linearScale", () => {
  it("maps the domain ends onto the range ends", () => {
    const scale = linearScale([2, 6], [100, 0]);
    expect([scale(2), scale(4), scale(6)]).toEqual([100, 50, 0]);
  });

  it("maps a zero-width domain to the middle", () => {
    expect(linearScale([3, 3], [0, 10])(3)).toBe(5);
  });

  it("rejects bounds that are not finite", () => {
    expect(() => linearScale([0, Number.NaN], [0, 1])).toThrow(/must be finite numbers/);
  });
});

describe("ticks", () => {
  it("steps by 1, 2 or 5 times a power of ten", () => {
    expect([tickStep(0, 1, 5), tickStep(0, 7, 4), tickStep(0, 0.03, 4), tickStep(0, 800, 4), tickStep(0, 900, 4)]).toEqual([0.2, 2, 0.01, 200, 500]);
  });

  it("lists ticks without binary noise", () => {
    expect(ticks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(0.1, 0.35, 5)).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
  });

  it("formats a tick with the step's decimals", () => {
    expect([formatTick(0.25, 0.05), formatTick(200, 100), formatTick(1.2, 0.01)]).toEqual(["0.25", "200", "1.20"]);
  });
});

describe("niceDomain", () => {
  it("widens to whole steps", () => {
    expect(niceDomain(0.13, 0.87, 4)).toEqual([0, 1]);
    expect(niceDomain(1.2034, 1.2466, 4)).toEqual([1.2, 1.26]);
    expect(niceDomain(0.3, 0.7, 4)).toEqual([0.3, 0.7]);
  });

  it("widens a constant series", () => {
    expect(niceDomain(0, 0)).toEqual([0, 1]);
    const [low, high] = niceDomain(0.25, 0.25, 4);
    expect(low).toBeLessThan(0.25);
    expect(high).toBeGreaterThan(0.25);
  });
});

describe("finiteExtent", () => {
  it("skips nulls and NaN", () => {
    expect(finiteExtent([null, 3, Number.NaN, -1, undefined, 2])).toEqual([-1, 3]);
    expect(finiteExtent([null, Number.NaN])).toBeUndefined();
  });
});

describe("bands", () => {
  it("splits the range into equal padded bands", () => {
    expect(bands(2, [0, 100], 0.2)).toEqual([
      { start: 5, width: 40 },
      { start: 55, width: 40 },
    ]);
    expect(() => bands(-1, [0, 1])).toThrow(/count is -1/);
  });
});

describe("formatBytes", () => {
  it("uses binary units", () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(375 * 1024 ** 2), formatBytes(15.44 * 1024 ** 3)]).toEqual(["512 B", "1.50 KiB", "375 MiB", "15.4 GiB"]);
  });
});
