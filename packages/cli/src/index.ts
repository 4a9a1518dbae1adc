export { runCli, usage } from "./cli.js";
export { conformanceCommand, formatCase } from "./conformance-command.js";
export { UsageError } from "./usage-error.js";
