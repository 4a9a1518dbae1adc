import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The end-to-end test drives Debian's Chromium against the built app. It is not part of
// the default unit-test run, because it needs `vite build` output and a browser.
export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  test: {
    include: ["e2e/**/*.e2e.ts"],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
