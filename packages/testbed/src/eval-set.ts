import { mixSeed, SeededRandom } from "@starkv/trajectory";
import type { PreparedEpisode } from "./episode-eval.js";
import { renderScreens, type ScreenRequest } from "./render-screens.js";
import { drawLayout, type LayoutSize, screenSize } from "./screen-grammar.js";
import { drawEpisode, type Episode, type TaskKind, taskKinds } from "./tasks.js";

/** The seed of the held-out evaluation set; training sets use other seeds. */
export const evalSeed = 9001;

/** Layout sizes of the evaluation set: the full range the model was trained on. */
export const evalLayoutSize: LayoutSize = { shapes: [1, 6], texts: [0, 5] };

/**
 * Draws `count` held-out episodes, the kinds in turn (attribute, text, history, …). Episode
 * `i` depends only on `seed` and `i`, so a prefix of a longer set is the shorter set.
 */
export function drawEvalEpisodes(count: number, seed = evalSeed, kinds: readonly TaskKind[] = taskKinds): Episode[] {
  const episodes: Episode[] = [];
  for (let i = 0; i < count; i++) {
    const kind = kinds[i % kinds.length]!;
    const random = new SeededRandom(mixSeed(seed, i));
    for (;;) {
      const episode = drawEpisode(random, drawLayout(random, evalLayoutSize), kind);
      if (episode !== null) {
        episodes.push(episode);
        break;
      }
    }
  }
  return episodes;
}

/** Renders episodes in headless Chromium and returns them ready to run, with the target's DOM box. */
export async function prepareEpisodes(episodes: readonly Episode[], onScreen?: (done: number, total: number) => void): Promise<PreparedEpisode[]> {
  const requests: ScreenRequest[] = episodes.flatMap((episode) => episode.selected.map((selected) => ({ layout: episode.layout, selected })));
  const rendered = await renderScreens(requests, (done) => onScreen?.(done, requests.length));
  let cursor = 0;
  return episodes.map((episode) => {
    const screens = rendered.slice(cursor, cursor + episode.selected.length);
    cursor += episode.selected.length;
    const target = screens.at(-1)!.boxes[episode.target];
    if (target === undefined) throw new Error(`prepareEpisodes(): element ${episode.target} was not found in the rendered page`);
    return {
      kind: episode.kind,
      instruction: episode.instruction,
      target,
      elements: episode.layout.elements.length,
      screens: screens.map((screen) => ({ pixels: screen.pixels, width: screenSize, height: screenSize })),
    };
  });
}
