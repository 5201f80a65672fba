import yargs, { type Argv } from 'yargs';
import { CheckFailure, UserError, oneLineMessage } from '../errors.js';
import { STDIO, STDIO_ARG, commandScope } from '../io/files.js';
import { TOOL_VERSION } from '../version.js';
import type { CliCommand, CliContext } from './command.js';

/**
 * Commands whose start-up time matters (a check of one small instance should take well under a
 * second): when the command line starts with one of them, only its module is loaded, not every
 * command's (export's ONNX protobufs, test-reduction's property tests, …).
 */
const FAST_PATH: Readonly<Record<string, () => Promise<CliCommand>>> = {
  check: async () => (await import('./commands/check.js')).checkCommand,
  eval: async () => (await import('./commands/eval.js')).evalCommand,
  solve: async () => (await import('./commands/solve.js')).solveCommand,
};

async function commandsFor(argv: readonly string[]): Promise<readonly CliCommand[]> {
  const first = argv[0];
  const fast = first !== undefined && Object.hasOwn(FAST_PATH, first) ? FAST_PATH[first] : undefined;
  return fast ? [await fast()] : (await import('./commands/index.js')).COMMANDS;
}

/**
 * The registries, composed here at the root: `seth`'s own (src/cli/registries.ts), loaded only
 * when a command being registered reads them, or the caller's (a test's own list of reductions).
 */
async function contextFor(commands: readonly CliCommand[], given: CliContext | undefined): Promise<CliContext> {
  if (given) return given;
  const reads = (c: CliCommand): boolean => c.usesRegistries === true || (c.subcommands ?? []).some(reads);
  return commands.some(reads) ? (await import('./registries.js')).SETH_REGISTRIES : { reductions: [] };
}

/**
 * `seth` entry point. Returns the exit code instead of exiting so tests can run it in-process.
 * User errors print one line and exit 2; failed checks exit 1; no stack trace for either.
 * `registries`: what the commands work with (default: every registered reduction).
 */
export async function run(argv: readonly string[], registries?: CliContext): Promise<number> {
  let exitCode = 0;
  // yargs reads a bare `-` positional as `true`; hand it over as a sentinel the I/O layer knows.
  const parser = yargs(argv.map((a) => (a === STDIO ? STDIO_ARG : a)))
    .scriptName('seth')
    // --help and --version return here (exit 0) instead of exiting, so run() works in-process.
    .exitProcess(false)
    .version(TOOL_VERSION)
    .strict()
    .demandCommand(1, 'name a command')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      // A coerce function's error reaches here wrapped by yargs (YError): it is bad usage, exit 2.
      if (err && err.name === 'YError') throw new UsageError(err.message);
      if (err) throw err;
      // Throwing stops yargs before the command's handler runs (recording alone would not).
      throw new UsageError(msg ?? 'bad usage');
    })
    .epilog('Exit codes: 0 success, 1 a check failed, 2 bad input or usage.');
  const commands = await commandsFor(argv);
  const ctx = await contextFor(commands, registries);
  for (const cmd of commands) registerCommand(parser, cmd, ctx, (code) => (exitCode = code));
  try {
    await parser.parseAsync();
  } catch (e) {
    if (e instanceof UsageError) {
      // yargs spreads some messages over lines ("Invalid values:\n  Argument: …"): keep it one line.
      const oneLine = e.message
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .join(' ');
      process.stderr.write(`seth: ${oneLineMessage(oneLine)} (see seth --help)\n`);
      return 2;
    }
    return reportError(e);
  }
  return exitCode;
}

function registerCommand(parser: Argv, cmd: CliCommand, ctx: CliContext, setExit: (code: number) => void): void {
  parser.command(
    cmd.command,
    cmd.describe,
    // yargs hands builders a second argument: whether --help or --version is on the command line.
    (y, forHelp?: unknown) => {
      const built = cmd.builder(y, ctx, forHelp === true);
      for (const sub of cmd.subcommands ?? []) registerCommand(built, sub, ctx, setExit);
      return built;
    },
    async (args) => {
      // One scope per command: the files it reads are never overwritten by what it writes.
      setExit(await commandScope(() => cmd.run(args, ctx)));
    },
  );
}

/** A command line yargs rejected (unknown option, missing argument, …): exit 2. */
class UsageError extends Error {}

export function reportError(e: unknown): number {
  if (e instanceof UserError || e instanceof CheckFailure) {
    // The one place messages reach the terminal: one line, bounded, control characters escaped.
    process.stderr.write(`seth: ${oneLineMessage(e.message)}\n`);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`seth: internal error: ${oneLineMessage(err.message)}\n${err.stack ?? ''}\nPlease report this with the command line above.\n`);
  return 70;
}
