export {
  createSharpenStage,
  entropyTemperature,
  type RowEntropy,
  rowEntropy,
  sharpenScores,
  type SharpenOptions,
  type SharpenState,
  temperatureOf,
} from "./sharpen.js";
