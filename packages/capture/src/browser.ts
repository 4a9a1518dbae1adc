// The parts of @starkv/capture that need no file system, for browsers.
export { boxTokens } from "./box-tokens.js";
export { type CaptureInMemory, parseCaptureBytes } from "./capture-bytes.js";
export { type LayerTensors, layerTensorNames } from "./capture-layout.js";
export { CaptureError } from "./errors.js";
export { CAPTURE_FORMAT, type CaptureImage, type CaptureModel, type CaptureSidecar, parseSidecar } from "./sidecar.js";
export { type ImageGrid, imageGrid, type ImageGridOptions, smartResize, type SmartResizeOptions } from "./smart-resize.js";
