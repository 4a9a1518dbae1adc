/**
 * A small WebAssembly binary emitter: instruction builders that return byte arrays, and a
 * module assembler for one imported memory plus exported functions. It covers only what
 * the kernels of this package use (core MVP, SIMD `f32x4`/`f64x2`/`i32x4`, multi-value
 * blocks).
 * Encodings follow the WebAssembly 2.0 binary format.
 */

/** Encoded bytes of an instruction sequence. */
export type Code = readonly number[];

/** Value types. */
export const i32 = 0x7f;
export const f32 = 0x7d;
export const f64 = 0x7c;
export const v128 = 0x7b;
export type ValueType = typeof i32 | typeof f32 | typeof f64 | typeof v128;

/** Encodes an unsigned integer as LEB128. */
export function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
}

/** Encodes a signed 32-bit integer as LEB128. */
export function signedLeb(value: number): number[] {
  const out: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function float32Bytes(value: number): number[] {
  return [...new Uint8Array(Float32Array.of(value).buffer)];
}

function utf8(text: string): number[] {
  return [...new TextEncoder().encode(text)];
}

function vector(items: readonly (readonly number[])[]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

/** Concatenates instruction sequences. */
export function seq(...parts: readonly Code[]): Code {
  return parts.flat();
}

const simd = (opcode: number): number[] => [0xfd, ...unsignedLeb(opcode)];
/** `align` is log2 of the alignment; `offset` a byte offset added to the address. */
const memarg = (align: number, offset: number): number[] => [...unsignedLeb(align), ...unsignedLeb(offset)];

// Locals and control flow.
export const get = (index: number): Code => [0x20, ...unsignedLeb(index)];
export const set = (index: number, value: Code): Code => [...value, 0x21, ...unsignedLeb(index)];
export const tee = (index: number, value: Code): Code => [...value, 0x22, ...unsignedLeb(index)];
export const drop = (value: Code): Code => [...value, 0x1a];
/** A block with no results; `br(depth)` inside jumps past its end. */
export const block = (...body: Code[]): Code => [0x02, 0x40, ...body.flat(), 0x0b];
/** A loop with no results; `br(depth)` inside jumps back to its start. */
export const loop = (...body: Code[]): Code => [0x03, 0x40, ...body.flat(), 0x0b];
export const br = (depth: number): Code => [0x0c, ...unsignedLeb(depth)];
export const brIf = (depth: number, condition: Code): Code => [...condition, 0x0d, ...unsignedLeb(depth)];
export const ifThen = (condition: Code, ...body: Code[]): Code => [...condition, 0x04, 0x40, ...body.flat(), 0x0b];
export const ifElse = (condition: Code, then: Code, otherwise: Code): Code => [...condition, 0x04, 0x40, ...then, 0x05, ...otherwise, 0x0b];
export const call = (index: number, ...args: Code[]): Code => [...args.flat(), 0x10, ...unsignedLeb(index)];
export const select = (a: Code, b: Code, condition: Code): Code => [...a, ...b, ...condition, 0x1b];

/**
 * `for (counter = from; counter < to; counter += step) body`, unsigned comparison. The
 * body runs at least zero times; `to` is evaluated before every iteration.
 */
export function forRange(counter: number, from: Code, to: Code, step: number, ...body: Code[]): Code {
  return seq(
    set(counter, from),
    block(
      brIf(0, i32Op.geU(get(counter), to)),
      loop(...body, set(counter, i32Op.add(get(counter), i32Op.constant(step))), brIf(0, i32Op.ltU(get(counter), to))),
    ),
  );
}

const binary = (opcode: number) => (a: Code, b: Code): Code => [...a, ...b, opcode];
const simdBinary = (opcode: number) => (a: Code, b: Code): Code => [...a, ...b, ...simd(opcode)];
const simdUnary = (opcode: number) => (a: Code): Code => [...a, ...simd(opcode)];

/** `i32` instructions. */
export const i32Op = {
  constant: (value: number): Code => [0x41, ...signedLeb(value)],
  add: binary(0x6a),
  sub: binary(0x6b),
  mul: binary(0x6c),
  and: binary(0x71),
  shl: binary(0x74),
  shrU: binary(0x76),
  eq: binary(0x46),
  ne: binary(0x47),
  ltU: binary(0x49),
  gtU: binary(0x4b),
  leU: binary(0x4d),
  geU: binary(0x4f),
  eqz: (a: Code): Code => [...a, 0x45],
  /** Load at `address + offset` (bytes), 4-byte aligned. */
  load: (address: Code, offset = 0): Code => [...address, 0x28, ...memarg(2, offset)],
  minU: (a: Code, b: Code): Code => select(a, b, i32Op.ltU(a, b)),
};

/** `f32` instructions. */
export const f32Op = {
  constant: (value: number): Code => [0x43, ...float32Bytes(value)],
  add: binary(0x92),
  sub: binary(0x93),
  mul: binary(0x94),
  div: binary(0x95),
  max: binary(0x97),
  gt: binary(0x5e),
  load: (address: Code, offset = 0): Code => [...address, 0x2a, ...memarg(2, offset)],
  store: (address: Code, value: Code, offset = 0): Code => [...address, ...value, 0x38, ...memarg(2, offset)],
  fromI32: (a: Code): Code => [...a, 0xb2],
};

/** `f64` instructions. */
export const f64Op = {
  add: binary(0xa0),
  mul: binary(0xa2),
  sqrt: (a: Code): Code => [...a, 0x9f],
  /** Widens an `f32` exactly. */
  promoteF32: (a: Code): Code => [...a, 0xbb],
  store: (address: Code, value: Code, offset = 0): Code => [...address, ...value, 0x39, ...memarg(3, offset)],
};

/** SIMD instructions on `v128` values. */
export const v128Op = {
  /** Load 16 bytes at `address + offset`; unaligned addresses are allowed. */
  load: (address: Code, offset = 0): Code => [...address, ...simd(0x00), ...memarg(0, offset)],
  store: (address: Code, value: Code, offset = 0): Code => [...address, ...value, ...simd(0x0b), ...memarg(0, offset)],
  /** Load one `f32` and copy it into all four lanes. */
  load32Splat: (address: Code, offset = 0): Code => [...address, ...simd(0x09), ...memarg(2, offset)],
  and: simdBinary(0x4e),
  /** Lanes `a[i]` where `mask[i]` bits are set, else `b[i]`. */
  bitselect: (a: Code, b: Code, mask: Code): Code => [...a, ...b, ...mask, ...simd(0x52)],
  /** Byte shuffle of `a ++ b` by 16 lane indices. */
  shuffle: (a: Code, b: Code, lanes: readonly number[]): Code => [...a, ...b, ...simd(0x0d), ...lanes],
};

/** Byte indices of a shuffle that picks the 32-bit lanes `lanes` of `a ++ b` (0–7). */
export function lanes32(...lanes: number[]): number[] {
  return lanes.flatMap((lane) => [lane * 4, lane * 4 + 1, lane * 4 + 2, lane * 4 + 3]);
}

/** `f32x4` instructions. */
export const f32x4 = {
  splat: simdUnary(0x13),
  extractLane: (a: Code, lane: number): Code => [...a, ...simd(0x1f), lane],
  add: simdBinary(0xe4),
  sub: simdBinary(0xe5),
  mul: simdBinary(0xe6),
  div: simdBinary(0xe7),
  max: simdBinary(0xe9),
  lt: simdBinary(0x43),
  nearest: simdUnary(0x6a),
  constant: (value: number): Code => f32x4.splat(f32Op.constant(value)),
};

/** `f64x2` instructions. */
export const f64x2 = {
  extractLane: (a: Code, lane: number): Code => [...a, ...simd(0x21), lane],
  add: simdBinary(0xf0),
  mul: simdBinary(0xf2),
  /** Widens float32 lanes 0 and 1 exactly. */
  promoteLowF32x4: simdUnary(0x5f),
};

/** `i32x4` instructions. */
export const i32x4 = {
  splat: simdUnary(0x11),
  add: simdBinary(0xae),
  shl: (a: Code, bits: Code): Code => [...a, ...bits, ...simd(0xab)],
  /** Float lanes to integers, rounding toward zero, saturating. */
  truncSatF32x4: simdUnary(0xf8),
};

/** A function of a module: its signature, extra locals and body. */
export interface FunctionDefinition {
  readonly name: string;
  readonly params: readonly ValueType[];
  readonly results: readonly ValueType[];
  /** Types of the locals after the parameters, in index order. */
  readonly locals: readonly ValueType[];
  readonly body: Code;
  readonly exported: boolean;
}

/** Memory import of a module. */
export interface MemoryImport {
  readonly initialPages: number;
  readonly maximumPages: number;
  readonly shared: boolean;
}

function section(id: number, content: readonly number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

function localDeclarations(locals: readonly ValueType[]): number[] {
  const runs: number[][] = [];
  for (let i = 0; i < locals.length; ) {
    let end = i;
    while (end < locals.length && locals[end] === locals[i]) end++;
    runs.push([...unsignedLeb(end - i), locals[i]!]);
    i = end;
  }
  return vector(runs);
}

/**
 * Assembles a module that imports `env.memory` and defines `functions` (function index =
 * position in the list). Returns the binary.
 */
export function assembleModule(memory: MemoryImport, functions: readonly FunctionDefinition[]): Uint8Array<ArrayBuffer> {
  const signatures: string[] = [];
  const typeIndex = functions.map((fn) => {
    const key = `${fn.params.join(",")}>${fn.results.join(",")}`;
    let index = signatures.indexOf(key);
    if (index < 0) index = signatures.push(key) - 1;
    return index;
  });
  const types = signatures.map((key) => {
    const [params, results] = key.split(">").map((list) => (list === "" ? [] : list.split(",").map(Number)));
    return [0x60, ...vector(params!.map((t) => [t])), ...vector(results!.map((t) => [t]))];
  });
  const limits = memory.shared
    ? [0x03, ...unsignedLeb(memory.initialPages), ...unsignedLeb(memory.maximumPages)]
    : [0x01, ...unsignedLeb(memory.initialPages), ...unsignedLeb(memory.maximumPages)];
  const name = (text: string): number[] => vector(utf8(text).map((byte) => [byte]));
  const imports = vector([[...name("env"), ...name("memory"), 0x02, ...limits]]);
  const exportsList = functions.flatMap((fn, index) => (fn.exported ? [[...name(fn.name), 0x00, ...unsignedLeb(index)]] : []));
  const bodies = functions.map((fn) => {
    const content = [...localDeclarations(fn.locals), ...fn.body, 0x0b];
    return [...unsignedLeb(content.length), ...content];
  });
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, imports),
    ...section(3, vector(typeIndex.map((index) => unsignedLeb(index)))),
    ...section(7, vector(exportsList)),
    ...section(10, vector(bodies)),
  ];
  return Uint8Array.from(bytes);
}
