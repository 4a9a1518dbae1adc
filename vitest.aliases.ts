import { fileURLToPath } from "node:url";

/** Resolves every `@starkv/NAME` import to the package's TypeScript source, so tests never read a stale build. */
export const workspaceAliases = [
  {
    find: /^@starkv\/([a-z-]+)\/([a-z-]+)$/,
    replacement: fileURLToPath(new URL("./packages/$1/src/$2.ts", import.meta.url)),
  },
  {
    find: /^@starkv\/([a-z-]+)$/,
    replacement: fileURLToPath(new URL("./packages/$1/src/index.ts", import.meta.url)),
  },
];
