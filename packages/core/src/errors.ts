/**
 * An invalid set of options. `problems` lists every problem found, so a caller can fix
 * them all at once; the message joins them.
 */
export class OptionsError extends TypeError {
  readonly problems: readonly string[];

  constructor(where: string, problems: readonly string[]) {
    super(`${where}: ${problems.length} invalid option${problems.length === 1 ? "" : "s"}:\n  - ${problems.join("\n  - ")}`);
    this.name = "OptionsError";
    this.problems = problems;
  }
}

/** Collects option problems and throws them together. */
export class ProblemList {
  readonly problems: string[] = [];

  add(problem: string): void {
    this.problems.push(problem);
  }

  /** @throws OptionsError when at least one problem was added */
  throwIfAny(where: string): void {
    if (this.problems.length > 0) throw new OptionsError(where, this.problems);
  }
}
