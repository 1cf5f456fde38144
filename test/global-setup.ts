/**
 * vitest's global set-up, run once before any test file: brings the Chromium that the catalog
 * site's browser tests drive (bench/chromium-setup.ts), or stops the run before any test with
 * what to install or set. No browser test is ever skipped for want of a browser.
 */
import { ChromiumMissing, runOnStderr, setUpChromium, systemProbes } from '../bench/chromium-setup.js';

export default function setup(): void {
  try {
    process.env.DPF_CHROMIUM = setUpChromium(systemProbes(), runOnStderr, (line) => process.stderr.write(line));
  } catch (err) {
    if (!(err instanceof ChromiumMissing)) throw err;
    // The message is the whole story (what to run or set); vitest would wrap it in a stack trace
    // and a code frame of this file, so it is printed as is and the run ends here.
    process.stderr.write(`\n${err.message}`);
    process.exit(1);
  }
}
