import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { endianness } from "node:os";
import { CaptureError } from "./errors.js";

/**
 * Throws unless the host is little-endian. Tensors are read and written through typed
 * arrays, whose byte order is the host's, and safetensors data is little-endian.
 */
export function assertLittleEndianHost(file: string): void {
  if (endianness() !== "LE") {
    throw new CaptureError(file, "this package reads and writes safetensors through typed arrays and supports only little-endian hosts");
  }
}

/** Opens `path` for reading and returns the descriptor and the file size. */
export function openForReading(path: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "file not found; check the path" : `cannot open the file (${code ?? String(error)})`;
    throw new CaptureError(path, reason, undefined, { cause: error });
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new CaptureError(path, "is not a regular file");
    return { fd, size: stats.size };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Fills `target` with the file bytes starting at `position`.
 *
 * @throws CaptureError when the file ends first (it shrank after it was opened)
 */
export function readExactly(fd: number, target: Uint8Array, position: number, file: string): void {
  let done = 0;
  while (done < target.length) {
    const read = readSync(fd, target, done, target.length - done, position + done);
    if (read === 0) {
      throw new CaptureError(file, `the file ended at byte ${position + done} while reading ${target.length} bytes from ${position}; it was truncated or changed after it was opened`);
    }
    done += read;
  }
}

/** Writes all of `bytes` at the current position of `fd`. */
export function writeExactly(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** Returns a temporary path next to `path`, unique to this process and call. */
export function temporaryPathFor(path: string): string {
  const suffix = `${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 2 ** 32).toString(36)}`;
  return `${path}.tmp-${suffix}`;
}

/**
 * Writes several files so that none is left half-written: each is written to a
 * temporary file beside its target, and only when all writes succeeded are they renamed
 * in order. On an error every temporary file is removed.
 *
 * @param files pairs of the final path and a function that writes the content to an
 *   open descriptor
 */
export function writeFilesAtomically(files: readonly { path: string; write: (fd: number) => void }[]): void {
  const temporaries: string[] = [];
  let renamed = 0;
  let current = files[0]?.path ?? "";
  try {
    for (const file of files) {
      current = file.path;
      const temporary = temporaryPathFor(file.path);
      temporaries.push(temporary);
      const fd = openSync(temporary, "wx");
      try {
        file.write(fd);
      } finally {
        closeSync(fd);
      }
    }
    for (const [i, file] of files.entries()) {
      current = file.path;
      renameSync(temporaries[i]!, file.path);
      renamed++;
    }
  } catch (error) {
    for (const temporary of temporaries.slice(renamed)) rmSync(temporary, { force: true });
    if (error instanceof CaptureError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const left =
      renamed === 0
        ? "no file was changed"
        : `${files
            .slice(0, renamed)
            .map((file) => file.path)
            .join(", ")} already had the new content`;
    throw new CaptureError(current, `writing failed (${code ?? String(error)}); ${left}`, undefined, { cause: error });
  }
}
