import { type Code, f32Op, i32Op, type ValueType } from "./wasm-builder.js";

/** Reads an `i32` parameter. */
export const param = (field: number): Code => i32Op.load(i32Op.constant(0), field * 4);
export const paramF32 = (field: number): Code => f32Op.load(i32Op.constant(0), field * 4);

/** Declares locals after `paramCount` parameters and hands out their indices by name. */
export class Locals {
  readonly types: ValueType[] = [];
  constructor(private readonly paramCount: number) {}

  add(type: ValueType): number {
    return this.paramCount + this.types.push(type) - 1;
  }
}
