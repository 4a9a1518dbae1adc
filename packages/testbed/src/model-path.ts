import { fileURLToPath } from "node:url";

/** Returns the path of the committed testbed weights (`model/testbed.safetensors` in this package). */
export function defaultModelPath(): string {
  return fileURLToPath(new URL("../model/testbed.safetensors", import.meta.url));
}
