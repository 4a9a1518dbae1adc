/**
 * Reads the width and height of a PNG from its IHDR chunk.
 *
 * @throws TypeError when the bytes do not start with a PNG signature and an IHDR chunk
 */
export function pngSize(bytes: Uint8Array, name: string): [number, number] {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const isPng = bytes.length >= 24 && signature.every((byte, i) => bytes[i] === byte) && String.fromCharCode(...bytes.subarray(12, 16)) === "IHDR";
  if (!isPng) throw new TypeError(`pngSize(): ${name} is not a PNG file (no PNG signature and IHDR chunk)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}
