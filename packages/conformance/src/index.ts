export { type CaseResult, Checker, float32Tolerance, float64Tolerance, nearZeroTolerance, runCase, scalarTolerance } from "./checker.js";
export { type Decoded, decode, type EncodedTensor, isEncodedTensor, slice0 } from "./fixture.js";
export { fixtureFiles, fixtureKind, runFixtureDirectory, runFixtureFile } from "./run.js";
