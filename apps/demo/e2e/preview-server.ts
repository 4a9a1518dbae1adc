import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const appDir = fileURLToPath(new URL("..", import.meta.url));

/** Asks the system for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("freePort(): the server reported no port"))));
    });
  });
}

/** A running `vite preview` of the built app. */
export interface PreviewServer {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Serves `dist/` with `vite preview` on 127.0.0.1 and a free port, and waits until the
 * page responds. `--bypass-lock` lets it run beside a `pnpm demo` of the same app, which
 * vite 8.4 refuses by default although the ports differ.
 *
 * @throws Error when `dist/index.html` is missing or the server does not respond within `timeoutMs`
 */
export async function startPreview(timeoutMs = 30_000): Promise<PreviewServer> {
  if (!existsSync(`${appDir}dist/index.html`)) {
    throw new Error(`startPreview(): ${appDir}dist/index.html is missing; build the app first with pnpm --filter @starkv/demo build`);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const vite = fileURLToPath(new URL("../node_modules/vite/bin/vite.js", import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [vite, "preview", "--host", "127.0.0.1", "--port", String(port), "--strictPort", "--bypass-lock"], { cwd: appDir, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`startPreview(): vite preview exited with code ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(url);
      if (response.ok) return { url, stop };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`startPreview(): ${url} did not respond within ${timeoutMs} ms; vite preview printed:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
