import { fileURLToPath } from "node:url";

/** Resolves every `@starkv/NAME` import to the package's TypeScript source, so tests never read a stale build. */
export const workspaceAliases = [
  {
    find: /^@starkv\/([a-z-]+)$/,
    replacement: fileURLToPath(new URL("./packages/$1/src/index.ts", import.meta.url)),
  },
];
