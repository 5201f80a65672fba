import type { Argv } from 'yargs';
import { UserError } from '../../errors.js';
import { asOption, describeZodError } from '../../zod-error.js';
import { GENERATORS } from '../../generators/index.js';
import type { AnyGenerator } from '../../generators/types.js';
import { writeInstance } from '../../io/instance-file.js';
import { currentCommandLine, stampRun } from '../../provenance.js';
import { instanceFingerprint } from '../../formats/fingerprint.js';
import { makeRng } from '../../rng.js';
import type { Args, CliCommand } from '../command.js';
import { defaultBudget, guardFootprint } from '../../memory.js';
import { withForce, withOutput } from '../options.js';

/** `seth gen <family> [options] --seed S [-o FILE]`: one subcommand per registered generator. */
export const genCommand: CliCommand = {
  command: 'gen',
  describe: 'generate an instance (families: seth list)',
  builder: (y: Argv): Argv => y.demandCommand(1, `name a family: ${GENERATORS.map((g) => g.id).join(', ')}`),
  run: (args: Args) => {
    const given = args._[1];
    const families = GENERATORS.map((g) => g.id).join(', ');
    return Promise.reject(
      new UserError(given === undefined ? `name a generator family: ${families}` : `unknown generator family "${String(given)}"; expected one of ${families}`),
    );
  },
  subcommands: GENERATORS.map((g) => familyCommand(g)),
};

function familyCommand(g: AnyGenerator): CliCommand {
  return {
    command: g.id,
    describe: g.summary,
    builder: (y: Argv): Argv => familyOptions(y, g),
    run: (args: Args) => Promise.resolve(generate(g, args)),
  };
}

function generate(g: AnyGenerator, args: Args): number {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(g.cliOptions)) if (args[key] !== undefined) raw[key] = args[key];
  const parsed = g.schema.safeParse(raw);
  if (!parsed.success) throw new UserError(`seth gen ${g.id}: ${describeZodError(parsed.error, asOption)}`);
  const seed = args.seed;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) throw new UserError(`option --seed: expected an integer, got ${String(seed)}`);
  const format = args.format === 'json' ? 'json' : 'auto';
  const budget = defaultBudget(args.force === true);
  // The whole command (generate, fingerprint, write) against the budget and V8's heap limit.
  if (g.footprint) guardFootprint(`seth gen ${g.id}`, g.footprint(parsed.data, format), budget);
  const instance = g.generate(parsed.data, makeRng(seed), currentCommandLine(), budget);
  if (instance.data.provenance) instance.data.provenance = stampRun(instance.data.provenance, { instance: instanceFingerprint(instance) });
  writeInstance(String(args.o), instance, format);
  return 0;
}

function familyOptions(y: Argv, g: AnyGenerator): Argv {
  let out = withForce(withOutput(y))
    .option('seed', { type: 'number', default: 0, describe: g.usesSeed ? 'RNG seed (0 is a valid seed)' : 'recorded only: this family is deterministic' })
    .option('format', { type: 'string', choices: ['auto', 'json'], default: 'auto', describe: 'auto: DIMACS for k-SAT, JSON otherwise' });
  for (const [name, opt] of Object.entries(g.cliOptions)) out = out.option(name, opt);
  return out;
}
