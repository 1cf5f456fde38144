/** What every command handler receives: where to print and how to set the exit code. */
import type { CliIO, Output } from './output.js';

export interface CommandContext {
  readonly io: CliIO;
  readonly output: Output;
  setExitCode(code: number): void;
}
