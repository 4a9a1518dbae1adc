/** A testbed input the caller can fix: a weights file that is not the testbed model, or a browser that does not start. */
export class TestbedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TestbedError";
  }
}
