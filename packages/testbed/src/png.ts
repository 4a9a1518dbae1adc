import { decode } from "fast-png";
import { TestbedError } from "./errors.js";
import type { PromptScreen } from "./prompt.js";

/**
 * Decodes an 8-bit PNG (grey, grey + alpha, RGB or RGBA) into RGB bytes; alpha is dropped.
 *
 * @throws TestbedError naming `name` when the bytes are not a PNG or the PNG is not 8-bit
 */
export function decodePngScreen(bytes: Uint8Array, name: string): PromptScreen {
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (error) {
    throw new TestbedError(`decodePngScreen(): ${name} is not a readable PNG (${(error as Error).message}); pass a PNG screenshot`, { cause: error });
  }
  if (png.depth !== 8) throw new TestbedError(`decodePngScreen(): ${name} has ${png.depth}-bit samples; expected an 8-bit PNG`);
  const channels = png.channels;
  const data = png.data as Uint8Array;
  const count = png.width * png.height;
  const pixels = new Uint8Array(count * 3);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < 3; c++) pixels[i * 3 + c] = data[i * channels + (channels < 3 ? 0 : c)]!;
  }
  return { pixels, width: png.width, height: png.height };
}
