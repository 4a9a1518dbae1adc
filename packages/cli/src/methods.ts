import { createMethod as createBaseline, isMethodName, type Method, methodNames as baselineNames } from "@starkv/baselines";
import type { Budget } from "@starkv/core";
import { UsageError } from "./usage-error.js";

/** Returns the names of the methods the CLI runs. */
export function methodNames(): string[] {
  return baselineNames();
}

/**
 * Creates a method by name with the CLI's budget and window (Full takes only the
 * window: it keeps everything).
 *
 * @throws UsageError naming the known methods
 */
export function createMethod(name: string, budget: Budget, window: number): Method {
  if (!isMethodName(name)) throw new UsageError(`unknown method ${JSON.stringify(name)}; known methods: ${methodNames().join(", ")}`);
  return name === "full" ? createBaseline(name, { window }) : createBaseline(name, { budget, window });
}
