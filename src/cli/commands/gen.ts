import { z } from 'zod';
import { UserError } from '../../errors.js';
import { asOption, describeZodError } from '../../zod-error.js';
import { GENERATORS } from '../../generators/index.js';
import type { AnyGenerator } from '../../generators/types.js';
import { writeInstance } from '../../io/instance-file.js';
import { currentCommandLine, stampRun } from '../../provenance.js';
import { instanceFingerprint } from '../../formats/fingerprint.js';
import { makeRng } from '../../rng.js';
import { cliArg, defineCommand, type CliCommand } from '../command.js';
import { budgetOf, forceArgs } from '../options.js';
import { guardFootprint } from '../../memory.js';

const FAMILIES = GENERATORS.map((g) => g.id).join(', ');

/** `seth gen <family> [options] --seed S [-o FILE]`: one subcommand per registered generator. */
export const genCommand = defineCommand({
  command: 'gen',
  describe: 'generate an instance (families: seth list)',
  args: z.object({}),
  configure: (y) => y.demandCommand(1, `name a family: ${FAMILIES}`),
  // yargs answers a missing or unknown family before this runs (demandCommand, strict).
  run: () => Promise.reject(new UserError(`name a generator family: ${FAMILIES}`)),
  subcommands: GENERATORS.map((g) => familyCommand(g)),
});

/** What every family takes besides its own options (the generator's `flags`). */
function commonArgs(g: AnyGenerator) {
  const integer = (v: unknown): string => `expected an integer, got ${String(v)}`;
  return {
    o: cliArg(z.string().default('-'), 'output file (- for stdout)', { alias: 'output' }),
    ...forceArgs,
    seed: cliArg(
      z
        .number({ error: (iss) => integer(iss.input) })
        .refine(Number.isSafeInteger, { error: (iss) => integer(iss.input) })
        .default(0),
      g.usesSeed ? 'RNG seed (0 is a valid seed)' : 'recorded only: this family is deterministic',
    ),
    format: cliArg(z.enum(['auto', 'json']).default('auto'), 'auto: DIMACS for k-SAT, JSON otherwise'),
  };
}

/**
 * `seth gen <id>`: the common arguments and the generator's own flags, declared once. An error in
 * the generator's options names the family (`seth gen ov: option --dim: …`), as its schema's do.
 */
function familyCommand(g: AnyGenerator): CliCommand {
  const own = (path: PropertyKey | undefined): boolean => typeof path === 'string' && path in g.flags.shape;
  return defineCommand({
    command: g.id,
    describe: g.summary,
    args: z.object({ ...commonArgs(g), ...g.flags.shape }),
    describeError: (e) => `${own(e.issues[0]?.path[0]) ? `seth gen ${g.id}: ` : ''}${describeZodError(e, asOption)}`,
    run: (a) => {
      const raw: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(a)) if (own(key)) raw[key] = v;
      return Promise.resolve(generate(g, raw, { o: a.o, force: a.force, seed: a.seed, format: a.format }));
    },
  });
}

function generate(g: AnyGenerator, raw: Readonly<Record<string, unknown>>, a: { o: string; force: boolean; seed: number; format: 'auto' | 'json' }): number {
  // The flags' own checks passed; the generator's schema relates them (--plant and --no, k ≤ vars) and normalises.
  const parsed = g.schema.safeParse(raw);
  if (!parsed.success) throw new UserError(`seth gen ${g.id}: ${describeZodError(parsed.error, asOption)}`);
  const budget = budgetOf(a);
  // The whole command (generate, fingerprint, write) against the budget and V8's heap limit.
  if (g.footprint) guardFootprint(`seth gen ${g.id}`, g.footprint(parsed.data, a.format), budget);
  const instance = g.generate(parsed.data, makeRng(a.seed), currentCommandLine(), budget);
  if (instance.data.provenance) instance.data.provenance = stampRun(instance.data.provenance, { instance: instanceFingerprint(instance) });
  writeInstance(a.o, instance, a.format);
  return 0;
}
