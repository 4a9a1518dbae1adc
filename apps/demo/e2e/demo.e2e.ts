import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PreviewServer, startPreview } from "./preview-server.js";

const artifacts = fileURLToPath(new URL("./artifacts/", import.meta.url));
const chromiumFlags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

let server: PreviewServer;
let context: BrowserContext;
let page: Page;
let profile: string;
const consoleErrors: string[] = [];

/** Parses "kept 1,264 of 6,321 tokens …" into its two numbers. */
function keptNumbers(text: string): { kept: number; total: number } {
  const match = /kept ([\d,]+) of ([\d,]+) tokens/.exec(text);
  if (match === null) throw new Error(`keptNumbers(): "${text}" does not read "kept N of M tokens"`);
  return { kept: Number(match[1]!.replaceAll(",", "")), total: Number(match[2]!.replaceAll(",", "")) };
}

async function keptText(side: "left" | "right"): Promise<string> {
  return (await page.textContent(`[data-testid=kept-${side}]`)) ?? "";
}

/** Waits until both panes show a result for the current request and the page is idle. */
async function waitForBothPanes(timeout = 200_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const ready = ["left", "right"].every((side) => /^kept /.test(document.querySelector(`[data-testid=kept-${side}]`)?.textContent ?? ""));
      return ready && !document.querySelector("#status")!.classList.contains("busy");
    },
    undefined,
    { timeout, polling: 250 },
  );
}

async function keptState(): Promise<{ hashes: string[]; positions: string[] }> {
  return page.evaluate(() => ({
    hashes: ["left", "right"].map((side) => document.querySelector(`[data-testid=hash-${side}]`)?.textContent ?? ""),
    positions: ["#pane-left", "#pane-right"].map((selector) => document.querySelector<HTMLElement>(selector)!.dataset["keptPositions"] ?? ""),
  }));
}

async function dropFiles(files: readonly { name: string; content: string }[]): Promise<void> {
  await page.evaluate((list) => {
    const transfer = new DataTransfer();
    for (const file of list) transfer.items.add(new File([file.content], file.name));
    document.body.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, files);
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await startPreview();
  profile = mkdtempSync(join(tmpdir(), "starkv-demo-profile-"));
  context = await chromium.launchPersistentContext(profile, { executablePath: "/usr/bin/chromium", headless: true, args: chromiumFlags, viewport: { width: 1440, height: 1000 } });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(error.message));
  await page.goto(server.url);
});

afterAll(async () => {
  await context?.close();
  await server?.stop();
  if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
});

describe("demo page", () => {
  it("loads and draws the overlay", async () => {
    await waitForBothPanes();
    expect(await page.textContent("#source-line")).toContain("captured tensors of starkv-testbed, layers 0, 1, 2, 3 of 4");
    const left = keptNumbers(await keptText("left"));
    expect(left.kept).toBeGreaterThan(0);
    expect(left.kept).toBeLessThan(left.total);
    const canvas = await page.evaluate(() => {
      const element = document.querySelector<HTMLCanvasElement>("[data-testid=overlay-left-4]")!;
      const pixels = element.getContext("2d")!.getImageData(0, 0, element.width, element.height).data;
      let dark = 0;
      let bright = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        const luminance = 0.2126 * pixels[i]! + 0.7152 * pixels[i + 1]! + 0.0722 * pixels[i + 2]!;
        if (luminance < 40) dark++;
        else if (luminance > 90) bright++;
      }
      return { width: element.width, height: element.height, dark, bright, total: pixels.length / 4 };
    });
    expect(canvas.width).toBeGreaterThan(300);
    // Dropped cells are dimmed and kept cells show the screenshot: both must be visible.
    // STaR-KV keeps most of the current screenshot at 20 %, so the dimmed share is small.
    expect(canvas.dark / canvas.total).toBeGreaterThan(0.02);
    expect(canvas.bright / canvas.total).toBeGreaterThan(0.02);
    expect(await page.locator(".chart-card").count()).toBeGreaterThanOrEqual(7);
    await page.screenshot({ path: join(artifacts, "demo.png") });
    await page.screenshot({ path: join(artifacts, "demo-full.png"), fullPage: true });
  });

  it("changes the kept count with the budget slider", async () => {
    const before = keptNumbers(await keptText("right"));
    await page.locator("#budget").fill("40");
    await page.waitForFunction((previous) => document.querySelector("[data-testid=kept-right]")?.textContent?.startsWith("kept ") === true && document.querySelector("[data-testid=kept-right]")!.textContent !== previous, `kept ${before.kept.toLocaleString("en-US")} of`, { timeout: 60_000 });
    await waitForBothPanes();
    const after = keptNumbers(await keptText("right"));
    expect(after.total).toBe(before.total);
    // SnapKV keeps the capacity trunc(T · 40 / 100), window included.
    expect(after.kept).toBe(Math.trunc(after.total * 0.4));
    expect(after.kept).toBeGreaterThan(before.kept);
    await page.screenshot({ path: join(artifacts, "budget-40.png") });
  });

  it("gives the same kept positions on gpu.js WebGL2 as on the CPU", async () => {
    // Step 0 has the shortest prompt, so the software WebGL2 of headless Chromium finishes quickly.
    await page.selectOption("#step", "0");
    await waitForBothPanes();
    expect(await page.textContent("[data-testid=backend-report]")).toMatch(/^Window scores ran on cpu/);
    const cpu = await keptState();
    expect(cpu.hashes.every((hash) => /^[0-9a-f]{8}$/.test(hash))).toBe(true);

    await page.selectOption("#backend", "gpu.js:webgl2");
    await page.waitForFunction(() => /^Window scores ran on gpu\.js:webgl2/.test(document.querySelector("[data-testid=backend-report]")?.textContent ?? ""), undefined, { timeout: 180_000 });
    await waitForBothPanes();
    const gpu = await keptState();
    expect(await page.locator("#error").isHidden()).toBe(true);
    expect(await page.textContent("#pane-left .facts")).toContain("window scores on gpu.js:webgl2");
    expect(gpu.positions).toEqual(cpu.positions);
    expect(gpu.hashes).toEqual(cpu.hashes);
    await page.screenshot({ path: join(artifacts, "webgl2.png") });
  });

  it("shows WebGPU's result or why it is unavailable", async () => {
    const before = await keptState();
    await page.selectOption("#backend", "gpu.js:webgpu");
    // Headless Chromium without --enable-unsafe-webgpu has no WebGPU adapter; a browser with one computes the view.
    await page.waitForFunction(
      () => !document.querySelector<HTMLElement>("#error")!.hidden || /^Window scores ran on gpu\.js:webgpu/.test(document.querySelector("[data-testid=backend-report]")?.textContent ?? ""),
      undefined,
      { timeout: 180_000 },
    );
    if (await page.isVisible("#error")) {
      expect((await page.textContent("#error")) ?? "").toMatch(/webgpu[\s\S]*available here/i);
      expect(await page.inputValue("#backend")).toBe("gpu.js:webgl2");
      await waitForBothPanes();
      expect(await keptState()).toEqual(before);
      await page.screenshot({ path: join(artifacts, "webgpu-error.png") });
    } else {
      await waitForBothPanes();
      expect(await keptState()).toEqual(before);
      await page.screenshot({ path: join(artifacts, "webgpu.png") });
    }
  });

  it("shows an error for an invalid dropped capture and keeps the view", async () => {
    const before = await keptState();
    await dropFiles([
      { name: "broken.json", content: "{ this is not JSON" },
      { name: "broken.safetensors", content: "not a safetensors file" },
    ]);
    await page.waitForFunction(() => /broken\.safetensors \+ broken\.json is not a valid starkv capture/.test(document.querySelector("#error")?.textContent ?? ""), undefined, { timeout: 30_000 });
    expect(await keptState()).toEqual(before);
    expect(await page.isVisible("[data-testid=overlay-left-0]")).toBe(true);
    await page.screenshot({ path: join(artifacts, "drop-error.png") });

    await dropFiles([{ name: "screenshot.png", content: "png" }]);
    await page.waitForFunction(() => /screenshot\.png is not part of a capture/.test(document.querySelector("#error")?.textContent ?? ""), undefined, { timeout: 10_000 });
    expect(await keptState()).toEqual(before);
  });

  it("logs no console error", () => {
    expect(consoleErrors).toEqual([]);
  });
});
