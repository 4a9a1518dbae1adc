import { decode } from "fast-png";
import { type Browser, chromium } from "playwright-core";
import { type ScreenLayout, screenSize } from "./screen-grammar.js";
import { TestbedError } from "./errors.js";
import { layoutHtml } from "./screen-html.js";

/** An element's box in pixels as the browser laid it out: `[x, y, width, height]`. */
export type PixelBox = readonly [x: number, y: number, width: number, height: number];

/** One rendered screen. */
export interface RenderedScreen {
  /** `[screenSize, screenSize, 3]` RGB bytes, row-major. */
  readonly pixels: Uint8Array;
  /** Box of every element, indexed by element id. */
  readonly boxes: readonly PixelBox[];
}

/** A screen to render: a layout and the id of the element drawn as selected (-1 for none). */
export interface ScreenRequest {
  readonly layout: ScreenLayout;
  readonly selected: number;
}

const boxesScript = `[...document.querySelectorAll("[data-element]")].map((node) => {
  const rect = node.getBoundingClientRect();
  return [Number(node.getAttribute("data-element")), rect.x, rect.y, rect.width, rect.height];
})`;

/** Returns the Chromium binary: `STARKV_CHROMIUM` when set, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string {
  return process.env.STARKV_CHROMIUM ?? "/usr/bin/chromium";
}

/**
 * Renders screens in headless Chromium (playwright-core) at one device pixel per CSS
 * pixel and reads every element's box from the DOM.
 *
 * @throws TestbedError naming the Chromium path and what to install when Chromium cannot start
 */
export async function renderScreens(requests: readonly ScreenRequest[], onScreen?: (done: number) => void): Promise<RenderedScreen[]> {
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ["--no-sandbox", "--disable-gpu", "--font-render-hinting=none", "--disable-lcd-text"] });
  } catch (error) {
    const reason = (error as Error).message.split("\n")[0];
    throw new TestbedError(`renderScreens(): Chromium at ${chromiumPath()} did not start (${reason}); install Debian's chromium or set STARKV_CHROMIUM to a Chromium binary`, { cause: error });
  }
  try {
    const page = await browser.newPage({ viewport: { width: screenSize, height: screenSize }, deviceScaleFactor: 1 });
    const screens: RenderedScreen[] = [];
    for (const request of requests) {
      await page.setContent(layoutHtml(request.layout, request.selected));
      // The page runs in the browser; the expression is a string so this package needs no DOM types.
      const boxes = await page.evaluate<[number, number, number, number, number][]>(boxesScript);
      const byId: PixelBox[] = [];
      for (const [id, x, y, width, height] of boxes) byId[id] = [x, y, width, height];
      const png = decode(await page.screenshot({ type: "png" }));
      screens.push({ pixels: toRgb(png.data as Uint8Array, png.channels, png.width * png.height), boxes: byId });
      onScreen?.(screens.length);
    }
    return screens;
  } finally {
    await browser.close();
  }
}

function toRgb(data: Uint8Array, channels: number, pixels: number): Uint8Array {
  if (channels === 3) return data;
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    rgb[i * 3] = data[i * channels]!;
    rgb[i * 3 + 1] = data[i * channels + 1]!;
    rgb[i * 3 + 2] = data[i * channels + 2]!;
  }
  return rgb;
}
