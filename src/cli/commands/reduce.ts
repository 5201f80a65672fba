import type { Argv } from 'yargs';
import { loadInstance, writeInstance } from '../../io/instance-file.js';
import type { Instance } from '../../problems/instance.js';
import { currentCommandLine, stampRun } from '../../provenance.js';
import { attachSourceRecord } from '../../io/source-record.js';
import { instanceFingerprint } from '../../formats/fingerprint.js';
import { runForward } from '../../reduction/chain.js';
import { chooseTargetChain } from '../chain-choice.js';
import type { Args, CliCommand } from '../command.js';
import { refuseUnusedShape } from '../shape-options.js';
import { budgetFrom, reductionOptionsFrom, withForce, withOutput, withShape } from '../options.js';

/** `seth reduce FILE --to P [--via a,b] [--layers L --heads H] -o OUT`. */
export const reduceCommand: CliCommand = {
  command: 'reduce <file>',
  describe: 'map an instance through a chain of reductions and write the target instance',
  builder: (y: Argv): Argv =>
    withForce(withShape(withOutput(y)))
      .option('to', { type: 'string', default: 'transformer', describe: 'target problem' })
      .option('via', { type: 'string', describe: 'explicit chain: comma-separated reduction ids' }),
  async run(args: Args): Promise<number> {
    const budget = budgetFrom(args);
    const file = String(args.file);
    const inst = loadInstance(file, { budget });
    // A source no generator made travels inside the model, so the model can be checked on its own.
    attachSourceRecord(inst, file);
    const chain = chooseTargetChain(inst.problem, args);
    const options = reductionOptionsFrom(args);
    refuseUnusedShape(chain, options);
    const steps = runForward(chain, inst.data, options, budget, currentCommandLine());
    const last = steps[steps.length - 1]!;
    const out = { problem: last.reduction.target, data: last.target } as Instance;
    out.data.provenance = stampRun(out.data.provenance!, { instance: instanceFingerprint(out) });
    writeInstance(String(args.o), out);
    return 0;
  },
};
