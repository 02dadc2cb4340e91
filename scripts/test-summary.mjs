// Reads the vitest and Playwright JSON reports (and failed whole suites) and prints "N passed, N failed, N skipped".
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
const read = (name) =>
  existsSync(join(dir, name)) ? JSON.parse(readFileSync(join(dir, name), "utf8")) : undefined;

let passed = 0;
let failed = 0;
let skipped = 0;

const vitest = read("vitest.json");
if (vitest) {
  passed += vitest.numPassedTests;
  failed += vitest.numFailedTests + (vitest.numRuntimeErrorTestSuites ?? 0);
  skipped += vitest.numPendingTests + vitest.numTodoTests;
  // A test file that failed to load has no tests but is a failure.
  failed += vitest.testResults.filter(
    (file) => file.status === "failed" && file.assertionResults.length === 0,
  ).length;
} else failed += 1;

const playwright = read("playwright.json");
if (playwright) {
  passed += playwright.stats.expected + playwright.stats.flaky;
  failed += playwright.stats.unexpected;
  skipped += playwright.stats.skipped;
  if (playwright.errors?.length) failed += playwright.errors.length;
} else failed += 1;

// The type-check/lint suite counts as one test.
const suiteFailures = existsSync(join(dir, "suite-failures"))
  ? readFileSync(join(dir, "suite-failures"), "utf8")
  : "";
if (/suite check /.test(suiteFailures)) failed += 1;
else passed += 1;

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
