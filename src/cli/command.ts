import type { Argv } from 'yargs';
import { oneLineMessage } from '../errors.js';

/** Parsed arguments as yargs hands them over; each command validates what it reads (zod). */
export type Args = Record<string, unknown> & { _: (string | number)[] };

/**
 * One CLI command per file in src/cli/commands/. `run` returns the exit code:
 * 0 success, 1 a check failed, 2 bad input (throwing UserError also gives 2).
 */
export interface CliCommand {
  readonly command: string;
  readonly describe: string;
  builder(y: Argv): Argv;
  run(args: Args): Promise<number>;
  /** Nested commands (e.g. one per generator family under `gen`), registered the same way. */
  readonly subcommands?: readonly CliCommand[];
}

/** Human output goes to stdout; progress and warnings to stderr so that pipes stay clean. */
export function warn(message: string): void {
  process.stderr.write(`seth: warning: ${oneLineMessage(message)}\n`);
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
