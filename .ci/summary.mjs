// Print one plain line from vitest's JSON report, so that a run without tests is visible.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.test-results/vitest.json';
try {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed`);
  if (report.numTotalTests === 0) process.exitCode = 1;
} catch (error) {
  console.log(`0 passed, 0 failed (no test report at ${file}: ${error.message})`);
  process.exitCode = 1;
}
