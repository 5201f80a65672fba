import type { Argv } from 'yargs';
import { REDUCTIONS, findReduction } from '../../../reductions/index.js';
import { UserError } from '../../errors.js';
import { print, type Args, type CliCommand } from '../command.js';
import { withJson } from '../options.js';

/**
 * `seth test-reduction <id> [--runs N] [--seed S] [--max-size K]`: random testing of a registered
 * reduction (as Karp's check-reduction): random sources → forward → independent target solve →
 * backward → compare with the source oracle and verify the witness; shrunk counterexample on failure.
 */
export const testReductionCommand: CliCommand = {
  command: 'test-reduction <id>',
  describe: 'random closed-loop testing of a registered reduction (all: every one)',
  builder: (y: Argv): Argv =>
    withJson(y)
      .option('runs', { type: 'number', default: 100, describe: 'random source instances to try' })
      .option('seed', { type: 'number', default: 0, describe: 'fast-check seed (replays a run exactly)' })
      .option('max-size', { type: 'number', default: 6, describe: 'largest source: variables (k-SAT) or vectors per side (OV)' }),
  async run(args: Args): Promise<number> {
    const id = String(args.id);
    const targets = id === 'all' ? [...REDUCTIONS] : [findReduction(id)];
    if (targets[0] === undefined) throw new UserError(`unknown reduction "${id}"; expected all or one of ${REDUCTIONS.map((r) => r.id).join(', ')}`);
    const runs = Number(args.runs);
    const seed = Number(args.seed);
    const maxSize = Number(args['max-size']);
    if (!Number.isInteger(runs) || runs < 1) throw new UserError(`option --runs: expected a positive integer, got ${String(args.runs)}`);
    if (!Number.isSafeInteger(seed)) throw new UserError(`option --seed: expected an integer, got ${String(args.seed)}`);
    if (!Number.isInteger(maxSize) || maxSize < 1 || maxSize > 16) throw new UserError(`option --max-size: expected an integer in 1..16, got ${String(args['max-size'])}`);
    // fast-check and the closed loop load only for this command.
    const { testReduction } = await import('../../testing/closed-loop.js');
    let failed = 0;
    for (const r of targets) {
      const rep = await testReduction(r!, { runs, seed, maxSize });
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
        print(c.source.trimEnd().split('\n').map((l) => `    ${l}`).join('\n'));
      }
    }
    return failed === 0 ? 0 : 1;
  },
};
