/** A one-line progress bar on a terminal's standard error; silent when it is not a terminal. */
export class ProgressBar {
  readonly #total: number;
  readonly #stream: NodeJS.WriteStream;
  #done = 0;

  constructor(total: number, stream: NodeJS.WriteStream = process.stderr) {
    this.#total = Math.max(1, total);
    this.#stream = stream;
  }

  get enabled(): boolean {
    return this.#stream.isTTY;
  }

  /** Advances by one unit and redraws with `label`. */
  tick(label: string): void {
    this.#done += 1;
    if (!this.enabled) return;
    const width = 24;
    const filled = Math.round((width * this.#done) / this.#total);
    this.#stream.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${this.#done}/${this.#total} ${label}`.padEnd(80).slice(0, 100));
  }

  /** Clears the bar. */
  finish(): void {
    if (this.enabled) this.#stream.write(`\r${" ".repeat(100)}\r`);
  }
}
