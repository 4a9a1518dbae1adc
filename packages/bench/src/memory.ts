import { readFileSync, writeFileSync } from "node:fs";

/**
 * Tracks the memory high-water marks of a measurement.
 *
 * - RSS: Linux keeps the peak resident set of the process (`VmHWM` in
 *   `/proc/self/status`), which `reset()` clears by writing 5 to `/proc/self/clear_refs`;
 *   that peak covers every moment of the run. Where either file is unavailable, the
 *   peak is the largest `process.memoryUsage().rss` sampled.
 * - ArrayBuffers: `process.memoryUsage().arrayBuffers` (typed arrays, WebAssembly
 *   memories and shared buffers of the main thread), sampled by `sample()`. A
 *   synchronous call cannot be interrupted, so samples are taken after each timed run,
 *   when its outputs and any garbage not yet collected are still alive.
 */
export class MemoryPeaks {
  private sampledRss = 0;
  private arrayBuffers = 0;
  private kernelPeak = true;

  /** Starts a new measurement. */
  reset(): void {
    try {
      writeFileSync("/proc/self/clear_refs", "5");
    } catch {
      this.kernelPeak = false;
    }
    this.sampledRss = 0;
    this.arrayBuffers = 0;
    this.sample();
  }

  /** Takes one sample of both values. */
  sample(): void {
    const usage = process.memoryUsage();
    this.sampledRss = Math.max(this.sampledRss, usage.rss);
    this.arrayBuffers = Math.max(this.arrayBuffers, usage.arrayBuffers);
  }

  /** Peak RSS in bytes since `reset()`. */
  peakRss(): number {
    if (!this.kernelPeak) return this.sampledRss;
    try {
      const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
      if (match !== null) return Math.max(Number(match[1]) * 1024, this.sampledRss);
    } catch {
      // Not Linux: fall back to the samples.
    }
    return this.sampledRss;
  }

  /** Largest sampled `arrayBuffers` in bytes since `reset()`. */
  peakArrayBuffers(): number {
    return this.arrayBuffers;
  }
}
