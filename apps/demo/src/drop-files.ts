/** Anything with a file name, such as a browser `File`. */
export interface NamedFile {
  readonly name: string;
}

/** The two files of one capture. */
export interface CaptureFiles<F extends NamedFile> {
  /** The capture's name: the file names without their extensions. */
  readonly name: string;
  readonly sidecar: F;
  readonly tensors: F;
}

/** Dropped files that do not form one capture; the message names the files to drop instead. */
export class DropError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DropError";
  }
}

const howTo = "drop a capture's two files, NAME.safetensors and NAME.json, together";

function baseName(name: string, extension: string): string {
  return name.slice(0, name.length - extension.length);
}

/**
 * Finds the one capture among dropped files: a `NAME.safetensors` and a `NAME.json`
 * with the same `NAME`. Extensions are matched without regard to case.
 *
 * @throws DropError when no file, only one of the two, other kinds of files, names that
 *   differ or more than one capture were dropped
 */
export function pairCaptureFiles<F extends NamedFile>(files: readonly F[]): CaptureFiles<F> {
  if (files.length === 0) throw new DropError(`No file was dropped; ${howTo}.`);
  const sidecars = files.filter((file) => file.name.toLowerCase().endsWith(".json"));
  const tensors = files.filter((file) => file.name.toLowerCase().endsWith(".safetensors"));
  const others = files.filter((file) => !sidecars.includes(file) && !tensors.includes(file));
  if (others.length > 0) {
    throw new DropError(`${others.map((file) => file.name).join(", ")} ${others.length === 1 ? "is" : "are"} not part of a capture; ${howTo}.`);
  }
  if (sidecars.length > 1 || tensors.length > 1) {
    throw new DropError(`${files.length} files were dropped (${files.map((file) => file.name).join(", ")}); the page reads one capture at a time, so ${howTo}.`);
  }
  const sidecar = sidecars[0];
  const tensorFile = tensors[0];
  if (sidecar === undefined) throw new DropError(`Only ${tensorFile!.name} was dropped; its sidecar ${baseName(tensorFile!.name, ".safetensors")}.json is missing, so ${howTo}.`);
  if (tensorFile === undefined) throw new DropError(`Only ${sidecar.name} was dropped; its tensors ${baseName(sidecar.name, ".json")}.safetensors are missing, so ${howTo}.`);
  const name = baseName(sidecar.name, ".json");
  const tensorName = baseName(tensorFile.name, ".safetensors");
  if (name !== tensorName) {
    throw new DropError(`${sidecar.name} and ${tensorFile.name} have different names, so they are not one capture; ${howTo}.`);
  }
  return { name, sidecar, tensors: tensorFile };
}
