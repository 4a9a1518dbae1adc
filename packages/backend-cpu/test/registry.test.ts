import { type Backend, createCpuBackend, getBackend, listBackends, registerBackend, tensor, unregisterBackend } from "@starkv/core";
import { createFastCpuBackend } from "@starkv/backend-cpu";
import { afterEach, describe, expect, it } from "vitest";

describe("backend registry", () => {
  afterEach(() => {
    for (const { name } of listBackends()) unregisterBackend(name);
  });

  it("starts empty: importing a backend registers nothing", () => {
    expect(listBackends()).toEqual([]);
  });

  it("returns a registered backend by name", () => {
    const fast = createFastCpuBackend({ threads: 1 });
    registerBackend(fast);
    expect(getBackend("fast-cpu")).toBe(fast);
    fast.dispose();
  });

  it("lists by priority, ties in registration order", () => {
    const cpu = createCpuBackend();
    const fast = createFastCpuBackend({ threads: 1 });
    const other: Backend = { ...createCpuBackend(), name: "other" };
    registerBackend(cpu);
    registerBackend(other);
    registerBackend(fast, { priority: 10 });
    expect(listBackends().map((entry) => [entry.name, entry.priority])).toEqual([
      ["fast-cpu", 10],
      ["cpu", 0],
      ["other", 0],
    ]);
    fast.dispose();
  });

  it("names the registered backends when one is missing", () => {
    registerBackend(createCpuBackend());
    expect(() => getBackend("gpu.js:webgl2")).toThrow(/no backend is registered as "gpu.js:webgl2" \(registered backends: "cpu"\)/);
    unregisterBackend("cpu");
    expect(() => getBackend("cpu")).toThrow(/no backend is registered/);
  });

  it("rejects a second backend of the same name unless replacing", () => {
    const first = createCpuBackend();
    const second = createCpuBackend();
    registerBackend(first);
    expect(() => registerBackend(second)).toThrow(/already registered; call unregisterBackend\("cpu"\) first or pass \{ replace: true \}/);
    registerBackend(second, { replace: true });
    expect(getBackend("cpu")).toBe(second);
  });

  it("rejects objects that are not backends and bad priorities", () => {
    expect(() => registerBackend(null as unknown as Backend)).toThrow(/backend is null/);
    expect(() => registerBackend({ name: "", windowScores() {}, gather() {}, dispose() {} } as unknown as Backend)).toThrow(/backend.name is ""/);
    expect(() => registerBackend({ name: "half" } as unknown as Backend)).toThrow(/lacks windowScores, gather, dispose/);
    expect(() => registerBackend(createCpuBackend(), { priority: Number.NaN })).toThrow(/priority of "cpu" is NaN/);
  });

  it("unregisters without disposing", () => {
    const cpu = createCpuBackend();
    registerBackend(cpu);
    expect(unregisterBackend("cpu")).toBe(true);
    expect(unregisterBackend("cpu")).toBe(false);
    // Still usable: unregistering does not dispose.
    expect(cpu.gather(tensor(Float32Array.of(1), [1, 1, 1]), Int32Array.of(0)).data[0]).toBe(1);
  });
});
