import { createGpuBackend } from "@starkv/backend-gpu";
import { type Backend, createCpuBackend } from "@starkv/core";
import type { BackendChoice } from "./protocol.js";

/**
 * Creates the backend the page's picker names. The gpu.js backends throw, naming the
 * modes available here, when this browser cannot run the mode; nothing falls back.
 */
export function createBackend(choice: BackendChoice): Backend {
  switch (choice) {
    case "cpu":
      return createCpuBackend();
    case "gpu.js:webgl2":
      return createGpuBackend({ mode: "webgl2" });
    case "gpu.js:webgpu":
      return createGpuBackend({ mode: "webgpu" });
  }
}
