/** A linear map from a data interval onto a pixel interval. */
export interface LinearScale {
  (value: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
}

/**
 * Creates a linear scale from `domain` onto `range`. A domain of zero width maps every
 * value to the middle of the range, so a chart of constant values still draws.
 *
 * @throws RangeError when a bound is not finite
 */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): LinearScale {
  if (![...domain, ...range].every(Number.isFinite)) {
    throw new RangeError(`linearScale(): domain [${domain.join(", ")}] and range [${range.join(", ")}] must be finite numbers`);
  }
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const width = d1 - d0;
  const scale = (value: number): number => (width === 0 ? (r0 + r1) / 2 : r0 + ((value - d0) / width) * (r1 - r0));
  return Object.assign(scale, { domain: [d0, d1] as const, range: [r0, r1] as const });
}

/** Returns `[min, max]` of the finite values, or undefined when there is none. */
export function finiteExtent(values: Iterable<number | null | undefined>): [number, number] | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (typeof value !== "number" || !Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return min <= max ? [min, max] : undefined;
}

/**
 * Returns the tick step for about `count` ticks over `[min, max]`: 1, 2 or 5 times a
 * power of ten.
 */
export function tickStep(min: number, max: number, count: number): number {
  const span = Math.abs(max - min);
  if (span === 0 || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  for (const nice of [1, 2, 5]) if (fraction <= nice) return nice * power;
  return 10 * power;
}

/**
 * Widens `[min, max]` outwards to whole tick steps, so the axis starts and ends on a tick.
 * A zero-width interval is widened by one step on each side (or to `[0, 1]` at zero).
 */
export function niceDomain(min: number, max: number, count = 5): [number, number] {
  if (min === max) {
    if (min === 0) return [0, 1];
    const step = tickStep(0, Math.abs(min), count);
    return [min - step, max + step];
  }
  const step = tickStep(min, max, count);
  // The 1e-9 slack keeps 0.3 / 0.1 = 2.9999999999999996 from widening to 0.2.
  return [roundToStep(Math.floor(min / step + 1e-9) * step, step), roundToStep(Math.ceil(max / step - 1e-9) * step, step)];
}

/** Lists the ticks of `[min, max]` at multiples of the nice step (about `count` of them). */
export function ticks(min: number, max: number, count = 5): number[] {
  const step = tickStep(min, max, count);
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const out: number[] = [];
  for (let i = first; i <= last; i++) out.push(roundToStep(i * step, step));
  return out;
}

/** Removes the binary noise of `i · step` (0.30000000000000004 becomes 0.3). */
function roundToStep(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return Number(value.toFixed(Math.min(20, decimals)));
}

/** Formats a tick with as many decimals as the step needs. */
export function formatTick(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return value.toFixed(Math.min(20, decimals));
}

/** Band positions of `count` equal bars across `[r0, r1]`, with `padding` (0–1) of each band left empty. */
export function bands(count: number, range: readonly [number, number], padding = 0.2): { readonly start: number; readonly width: number }[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`bands(): count is ${count}; expected a non-negative integer`);
  const band = (range[1] - range[0]) / Math.max(1, count);
  return Array.from({ length: count }, (_, i) => ({ start: range[0] + i * band + (band * padding) / 2, width: band * (1 - padding) }));
}

/** Formats a byte count with a binary unit (B, KiB, MiB, GiB). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value.toFixed(0) : value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${units[unit]}`;
}
