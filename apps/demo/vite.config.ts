import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { workspaceAliases } from "../../vitest.aliases.js";

// `@starkv/capture`'s main entry also holds the file readers for Node; the browser gets its
// browser entry, which has everything the trajectory package needs (imageGrid, boxTokens).
const captureInBrowser = { find: /^@starkv\/capture$/, replacement: fileURLToPath(new URL("../../packages/capture/src/browser.ts", import.meta.url)) };

// Workspace packages resolve to their TypeScript sources (as in the tests), so the app
// never bundles a stale build. `base: "./"` keeps every asset URL relative: `dist/`
// works from any path of a static server, offline.
export default defineConfig({
  base: "./",
  resolve: { alias: [captureInBrowser, ...workspaceAliases] },
  worker: { format: "es" },
  server: { fs: { allow: ["../.."] } },
  build: { target: "es2022", chunkSizeWarningLimit: 2048 },
});
