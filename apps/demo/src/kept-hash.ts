/**
 * Computes a 32-bit FNV-1a hash of kept positions, as 8 hex digits. Each layer index,
 * each head's count and each position enter the hash, so two results hash alike only
 * when (barring a collision) every head of every layer keeps the same positions. The
 * page shows it so that results of two backends can be compared at a glance.
 */
export function keptHash(layers: readonly { readonly layer: number; readonly headPositions: readonly ArrayLike<number>[] }[]): string {
  let hash = 0x811c9dc5;
  const mix = (value: number): void => {
    for (let shift = 0; shift < 32; shift += 8) {
      hash ^= (value >>> shift) & 0xff;
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  };
  for (const { layer, headPositions } of layers) {
    mix(layer);
    for (const positions of headPositions) {
      mix(positions.length);
      for (let i = 0; i < positions.length; i++) mix(positions[i]!);
    }
  }
  return hash.toString(16).padStart(8, "0");
}
