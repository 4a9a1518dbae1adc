export { boxTokens } from "./box-tokens.js";
export { captureTensorProblems, type LayerTensors, layerTensorNames } from "./capture-layout.js";
export { type CapturePaths, capturePaths } from "./capture-paths.js";
export { type CaptureInMemory, parseCaptureBytes } from "./capture-bytes.js";
export { type Capture, openCapture } from "./capture-read.js";
export { writeCapture, type WriteCaptureOptions } from "./capture-write.js";
export { CaptureError } from "./errors.js";
export { BF16_OVERFLOW, bf16ToF32, decodeBf16, decodeF16, encodeBf16, encodeF16, F16_OVERFLOW, f16ToF32, f32ToBf16, f32ToF16, float32Bits, float32FromBits } from "./half.js";
export {
  dtypeBytes,
  type FloatDtype,
  isFloatDtype,
  MAX_HEADER_BYTES,
  parseHeaderLength,
  parseSafetensorsHeader,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from "./safetensors-header.js";
export { openSafetensors, readSafetensors, readSafetensorsHeader, type SafetensorsFile } from "./safetensors-read.js";
export { encodeSafetensorsHeader, type HeaderTensor, writeSafetensors, type WriteSafetensorsOptions } from "./safetensors-write.js";
export { CAPTURE_FORMAT, type CaptureImage, type CaptureModel, type CaptureSidecar, parseSidecar } from "./sidecar.js";
export { type ImageGrid, imageGrid, type ImageGridOptions, MAX_ASPECT_RATIO, QWEN25VL_MAX_PIXELS, QWEN25VL_MIN_PIXELS, roundHalfToEven, smartResize, type SmartResizeOptions } from "./smart-resize.js";
