import type { Selector } from "./stage.js";
import { topK } from "./top-k.js";

/**
 * The global Top-K: one index set for all heads, the `count` highest scores, ties to the
 * higher score and then the lower position.
 */
export const topKSelector: Selector = {
  name: "top-k",
  select(scores, count) {
    return topK(scores, count);
  },
};
