import { z } from 'zod';
import { UserError } from '../../errors.js';
import { cliArg, defineCommand, print } from '../command.js';
import { jsonArgs } from '../options.js';

/**
 * `seth test-reduction <id> [--runs N] [--seed S] [--max-size K]`: random testing of a registered
 * reduction (as Karp's check-reduction): random sources → forward → independent target solve →
 * backward → compare with the source oracle and verify the witness; shrunk counterexample on failure.
 */
export const testReductionCommand = defineCommand({
  command: 'test-reduction <id>',
  describe: 'random closed-loop testing of a registered reduction (all: every one)',
  args: z.object({
    id: cliArg(z.string(), 'a registered reduction id, or all', { positional: true }),
    ...jsonArgs,
    runs: cliArg(z.number().int('expected a positive integer').min(1, 'expected a positive integer').default(100), 'random source instances to try'),
    seed: cliArg(
      z.number().int('expected an integer').refine(Number.isSafeInteger, 'expected an integer').default(0),
      'fast-check seed (replays a run exactly)',
    ),
    'max-size': cliArg(
      z.number().int('expected an integer in 1..16').min(1, 'expected an integer in 1..16').max(16, 'expected an integer in 1..16').default(6),
      'largest source: variables (k-SAT) or vectors per side (OV)',
    ),
  }),
  usesRegistries: true,
  async run(args, ctx): Promise<number> {
    const { id, runs, seed } = args;
    const maxSize = args['max-size'];
    const targets = id === 'all' ? [...ctx.reductions] : ctx.reductions.filter((r) => r.id === id);
    if (targets.length === 0) throw new UserError(`unknown reduction "${id}"; expected all or one of ${ctx.reductions.map((r) => r.id).join(', ')}`);
    // fast-check and the closed loop load only for this command.
    const { testReduction } = await import('../../testing/closed-loop.js');
    let failed = 0;
    for (const r of targets) {
      const rep = await testReduction(r, { runs, seed, maxSize });
      if (!rep.passed) failed++;
      if (args.json) {
        print(JSON.stringify(rep));
        continue;
      }
      const skipped = rep.skipped > 0 ? ` (${rep.skipped} skipped: option combinations the reduction refuses even with its defaults)` : '';
      print(`${rep.passed ? 'ok  ' : 'FAIL'} ${rep.reduction}: ${rep.runs} runs${skipped}, seed ${rep.seed}`);
      if (rep.counterexample) {
        const c = rep.counterexample;
        print(`  reason:   ${c.reason}`);
        print(`  options:  ${JSON.stringify(c.options)}`);
        print(`  shrunk ${c.shrinks} times; replay: seth test-reduction ${rep.reduction} --seed ${rep.seed} --runs ${runs} --max-size ${maxSize}`);
        print(`  (fast-check path ${c.path})`);
        print('  counterexample source instance:');
        print(
          c.source
            .trimEnd()
            .split('\n')
            .map((l) => `    ${l}`)
            .join('\n'),
        );
      }
    }
    return failed === 0 ? 0 : 1;
  },
});
