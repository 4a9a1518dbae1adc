import { type Decoded, decode } from "./fixture.js";

/** Typed access to one JSON object of a fixture file; errors name the path of the field. */
export class Fields {
  constructor(
    readonly value: Readonly<Record<string, unknown>>,
    readonly path: string,
  ) {}

  static of(value: unknown, path: string): Fields {
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new TypeError(`${path}: expected an object`);
    return new Fields(value as Record<string, unknown>, path);
  }

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  raw(key: string): unknown {
    return this.value[key];
  }

  number(key: string): number {
    const value = this.value[key];
    if (typeof value !== "number") throw new TypeError(`${this.path}.${key}: expected a number, got ${JSON.stringify(value)}`);
    return value;
  }

  optionalNumber(key: string): number | null {
    return this.has(key) ? this.number(key) : null;
  }

  string(key: string): string {
    const value = this.value[key];
    if (typeof value !== "string") throw new TypeError(`${this.path}.${key}: expected a string, got ${JSON.stringify(value)}`);
    return value;
  }

  boolean(key: string): boolean {
    const value = this.value[key];
    if (typeof value !== "boolean") throw new TypeError(`${this.path}.${key}: expected true or false, got ${JSON.stringify(value)}`);
    return value;
  }

  tensor(key: string): Decoded {
    return decode(this.value[key], `${this.path}.${key}`);
  }

  optionalTensor(key: string): Decoded | null {
    return this.has(key) ? this.tensor(key) : null;
  }

  child(key: string): Fields {
    return Fields.of(this.value[key], `${this.path}.${key}`);
  }

  children(key: string): Fields[] {
    const value = this.value[key];
    if (!Array.isArray(value)) throw new TypeError(`${this.path}.${key}: expected an array`);
    return value.map((item, i) => Fields.of(item, `${this.path}.${key}[${i}]`));
  }

  /** `[[start, end], …]` span lists. */
  spans(key: string): { start: number; end: number }[] {
    const value = this.value[key];
    if (!Array.isArray(value)) throw new TypeError(`${this.path}.${key}: expected a list of [start, end] pairs`);
    return value.map((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "number" || typeof pair[1] !== "number") {
        throw new TypeError(`${this.path}.${key}[${i}]: expected [start, end]`);
      }
      return { start: pair[0], end: pair[1] };
    });
  }

  /** A pair of numbers such as a grid `[rows, cols]`, or null. */
  pair(key: string): [number, number] | null {
    const value = this.value[key];
    if (value === null || value === undefined) return null;
    if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== "number" || typeof value[1] !== "number") {
      throw new TypeError(`${this.path}.${key}: expected [number, number]`);
    }
    return [value[0], value[1]];
  }

  /** A name for the case: its `name` field, or `fallback`. */
  name(fallback: string): string {
    return typeof this.value["name"] === "string" ? this.value["name"] : fallback;
  }
}
