// The screenshots of the embedded episode, bundled by Vite so that the static build contains them.
const bundled = import.meta.glob<string>("../../../fixtures/gui/agentnetbench/images/s_7f27a11115e596eb_*.png", { eager: true, query: "?url", import: "default" });

/** Returns screenshot file name → absolute URL of the bundled file. */
export function embeddedImageUrls(): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const [path, url] of Object.entries(bundled)) urls[path.slice(path.lastIndexOf("/") + 1)] = new URL(url, document.baseURI).href;
  return urls;
}
