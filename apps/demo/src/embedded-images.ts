import type { CaptureUrls } from "./embedded-source.js";

// The screenshots and captures of the embedded episode, bundled by Vite so that the static build contains them.
const bundled = import.meta.glob<string>("../../../fixtures/gui/agentnetbench/images/s_7f27a11115e596eb_*.png", { eager: true, query: "?url", import: "default" });
const captureFiles = import.meta.glob<string>("../../../fixtures/testbed-captures/s_7f27a11115e596eb/step-*.{json,safetensors}", { eager: true, query: "?url", import: "default" });

/** Returns screenshot file name → absolute URL of the bundled file. */
export function embeddedImageUrls(): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const [path, url] of Object.entries(bundled)) urls[path.slice(path.lastIndexOf("/") + 1)] = new URL(url, document.baseURI).href;
  return urls;
}

/** Returns the bundled captures of the embedded episode in step order, as absolute URLs. */
export function embeddedCaptureUrls(): CaptureUrls[] {
  const byName = new Map<string, { sidecar?: string; tensors?: string }>();
  for (const [path, url] of Object.entries(captureFiles)) {
    const file = path.slice(path.lastIndexOf("/") + 1);
    const name = file.replace(/\.(json|safetensors)$/, "");
    const entry = byName.get(name) ?? {};
    if (file.endsWith(".json")) entry.sidecar = new URL(url, document.baseURI).href;
    else entry.tensors = new URL(url, document.baseURI).href;
    byName.set(name, entry);
  }
  return [...byName.entries()]
    .filter((entry): entry is [string, { sidecar: string; tensors: string }] => entry[1].sidecar !== undefined && entry[1].tensors !== undefined)
    .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
    .map(([name, files]) => ({ name, ...files }));
}
