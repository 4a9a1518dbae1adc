export { defaultEpisodeId, type Episode, loadAgentNetBenchEpisode } from "./episode.js";
