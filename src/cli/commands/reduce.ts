import { z } from 'zod';
import { loadInstance, writeInstance } from '../../io/instance-file.js';
import type { Instance } from '../../problems/instance.js';
import { currentCommandLine, stampRun } from '../../provenance.js';
import { attachSourceRecord } from '../../io/source-record.js';
import { instanceFingerprint } from '../../formats/fingerprint.js';
import { runForward } from '../../reduction/chain.js';
import { resolveChain } from '../../reduction/path.js';
import { viaOf } from '../chain-choice.js';
import { cliArg, defineCommand } from '../command.js';
import { budgetOf, forceArgs, problemArg } from '../options.js';
import { refuseUnusedShape } from '../shape-options.js';

const ReduceArgs = z.object({
  file: cliArg(z.string(), 'the source instance (DIMACS or JSON; - for stdin)', { positional: true }),
  o: cliArg(z.string().default('-'), 'output file (- for stdout)', { alias: 'output' }),
  ...forceArgs,
  to: problemArg('transformer', 'target problem'),
  via: cliArg(z.string().optional(), 'explicit chain: comma-separated reduction ids'),
});

/** `seth reduce FILE --to P [--via a,b] [--layers L --heads H …] -o OUT`: the reduction options are the registered reductions' own. */
export const reduceCommand = defineCommand({
  command: 'reduce <file>',
  describe: 'map an instance through a chain of reductions and write the target instance',
  args: ReduceArgs,
  reductionOptions: true,
  async run(a, ctx): Promise<number> {
    const budget = budgetOf(a);
    const inst = loadInstance(a.file, { budget });
    // A source no generator made travels inside the model, so the model can be checked on its own.
    attachSourceRecord(inst, a.file);
    const chain = resolveChain(ctx.reductions, inst.problem, a.to, viaOf(a.via));
    refuseUnusedShape(chain, ctx.reductionOptions, ctx.reductions);
    const steps = runForward(chain, inst.data, ctx.reductionOptions, budget, currentCommandLine());
    const last = steps[steps.length - 1]!;
    const out = { problem: last.reduction.target, data: last.target } as Instance;
    out.data.provenance = stampRun(out.data.provenance!, { instance: instanceFingerprint(out) });
    writeInstance(a.o, out);
    return 0;
  },
});
