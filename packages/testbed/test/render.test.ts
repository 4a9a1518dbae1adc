import { existsSync } from "node:fs";
import { SeededRandom } from "@starkv/trajectory";
import { describe, expect, it } from "vitest";
import { chromiumPath, renderScreens } from "../src/render-screens.js";
import { drawLayout, patchSize, screenSize } from "../src/screen-grammar.js";

// NOTE: CI installs Chromium (.ci/install-chromium.sh); elsewhere the test reports itself skipped.
describe.skipIf(!existsSync(chromiumPath()))("rendering in Chromium", () => {
  if (!existsSync(chromiumPath())) console.warn(`skipped: no Chromium at ${chromiumPath()}; run .ci/install-chromium.sh or set STARKV_CHROMIUM`);
  it("renders the layout with every element's DOM box on its cells and marks the selected one", async () => {
    const layout = drawLayout(new SeededRandom(11), { shapes: [3, 3], texts: [2, 2] });
    const [plain, selected] = await renderScreens([
      { layout, selected: -1 },
      { layout, selected: 0 },
    ]);
    expect(plain!.pixels.length).toBe(screenSize * screenSize * 3);
    layout.elements.forEach((element) => {
      const { column, row, columns, rows } = element.rect;
      expect(plain!.boxes[element.id]).toEqual([column * patchSize, row * patchSize, columns * patchSize, rows * patchSize]);
    });
    const { column, row } = layout.elements[0]!.rect;
    const corner = ((row * patchSize + 1) * screenSize + column * patchSize + 1) * 3;
    expect(Array.from(selected!.pixels.subarray(corner, corner + 3))).not.toEqual(Array.from(plain!.pixels.subarray(corner, corner + 3)));
  }, 60_000);

  it("names the Chromium path when it cannot start", async () => {
    const saved = process.env.STARKV_CHROMIUM;
    process.env.STARKV_CHROMIUM = "/nonexistent/chromium";
    try {
      await expect(renderScreens([])).rejects.toThrow(/Chromium at \/nonexistent\/chromium did not start/);
    } finally {
      if (saved === undefined) delete process.env.STARKV_CHROMIUM;
      else process.env.STARKV_CHROMIUM = saved;
    }
  });
});
