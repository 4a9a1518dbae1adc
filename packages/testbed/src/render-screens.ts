import { type Browser, chromium } from "playwright-core";
import { type ScreenLayout, screenSize } from "./screen-grammar.js";
import { TestbedError } from "./errors.js";
import { decodePngScreen } from "./png.js";
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
      const { pixels } = decodePngScreen(await page.screenshot({ type: "png" }), `screenshot ${screens.length}`);
      screens.push({ pixels, boxes: byId });
      onScreen?.(screens.length);
    }
    return screens;
  } finally {
    await browser.close();
  }
}
