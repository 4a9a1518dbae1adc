import type { BenchResult } from "./run-case.js";

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

/**
 * Builds the `--json` record of one result: case, backend, medianMs, minMs, maxMs,
 * peakRssBytes, peakArrayBuffersBytes, runs, plus threads, workingFloats, profile and
 * the reference median with the speed-up when known.
 */
export function jsonRecord(result: BenchResult, reference?: ReadonlyMap<string, number>): Record<string, unknown> {
  const referenceMs = reference?.get(result.case);
  return {
    ...result,
    ...(referenceMs === undefined ? {} : { referenceMedianMs: referenceMs, speedup: referenceMs / result.medianMs }),
  };
}

/** Formats results as an aligned text table, one row per case and backend. */
export function formatTable(results: readonly BenchResult[], reference?: ReadonlyMap<string, number>): string[] {
  const header = ["case", "backend", "threads", "median ms", "min ms", "max ms", "peak rss MiB", "peak arrayBuffers MiB", "working floats"];
  if (reference !== undefined) header.push("reference ms", "speed-up");
  const rows = results.map((r) => {
    const row = [
      r.case,
      r.backend,
      r.threads === undefined ? "-" : String(r.threads),
      r.medianMs.toFixed(1),
      r.minMs.toFixed(1),
      r.maxMs.toFixed(1),
      mib(r.peakRssBytes),
      mib(r.peakArrayBuffersBytes),
      r.workingFloats === undefined ? "-" : String(r.workingFloats),
    ];
    if (reference !== undefined) {
      const referenceMs = reference.get(r.case);
      row.push(referenceMs === undefined ? "-" : referenceMs.toFixed(1), referenceMs === undefined ? "-" : `${(referenceMs / r.medianMs).toFixed(2)}×`);
    }
    return row;
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ");
  const out = [line(header), ...rows.map(line)];
  const profiled = results.filter((r) => r.profile !== undefined);
  if (profiled.length > 0) {
    out.push("", "parts of one layer's call, timed alone (median ms):");
    const parts = Object.keys(profiled[0]!.profile!);
    const partHeader = ["case", "backend", ...parts];
    const partRows = profiled.map((r) => [r.case, r.backend, ...parts.map((part) => r.profile![part]!.toFixed(2))]);
    const partWidths = partHeader.map((title, column) => Math.max(title.length, ...partRows.map((row) => row[column]!.length)));
    const partLine = (cells: readonly string[]): string =>
      cells.map((cell, column) => (column < 2 ? cell.padEnd(partWidths[column]!) : cell.padStart(partWidths[column]!))).join("  ");
    out.push(partLine(partHeader), ...partRows.map(partLine));
  }
  return out;
}
