/** Memory limit of the kernels: 2 GiB in 64 KiB pages. */
export const maximumPages = 32768;
const pageBytes = 65536;

/**
 * Grows `memory` to at least `bytes`.
 *
 * @param where the backend method, for example `"fast-cpu windowScores()"`
 * @throws RangeError when the call needs more than the 2 GiB limit
 */
export function ensureMemory(where: string, memory: WebAssembly.Memory, bytes: number): void {
  const pages = Math.ceil(bytes / pageBytes);
  if (pages > maximumPages) {
    throw new RangeError(
      `${where}: this call needs ${Math.ceil(bytes / 2 ** 20)} MiB of kernel memory, more than the 2048 MiB limit; use fewer tokens per call or the cpu backend`,
    );
  }
  const current = memory.buffer.byteLength / pageBytes;
  if (pages > current) memory.grow(pages - current);
}
