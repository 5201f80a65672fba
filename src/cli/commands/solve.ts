import type { Argv } from 'yargs';
import { UserError } from '../../errors.js';
import { referenceEngine } from '../../engine/reference.js';
import { loadInstance } from '../../io/instance-file.js';
import { problemSpec } from '../../problems/registry.js';
import { print, type Args, type CliCommand } from '../command.js';
import { budgetFrom, withForce, withJson } from '../options.js';

/** `seth solve FILE [--json]`: the independent oracle's answer and witness. */
export const solveCommand: CliCommand = {
  command: 'solve <file>',
  describe: 'solve an instance with its independent oracle (MiniSat for k-SAT, brute force for OV/3-OV)',
  builder: (y: Argv): Argv => withForce(withJson(y)),
  async run(args: Args): Promise<number> {
    const inst = loadInstance(String(args.file), { budget: budgetFrom(args) });
    const spec = problemSpec(inst.problem);
    if (!spec.decision) {
      const hint = inst.problem === 'matmul-batch' ? 'seth check recovers its products from a transformer\'s gradient and compares them with direct multiplication' : 'evaluate it with seth eval, or check the instance it came from with seth check';
      throw new UserError(`${String(args.file)}: a ${inst.problem} instance is a computation, not a decision problem: ${hint}`);
    }
    const sol = await spec.solve(inst.data, { engine: referenceEngine });
    const answer = spec.answer(sol);
    const witness = spec.witnessOf(sol);
    const verified = spec.verify(inst.data, sol);
    if (args.json) {
      print(JSON.stringify({ problem: inst.problem, answer, witness, witnessVerified: verified, oracle: spec.oracle }));
    } else {
      print(`${answer}`);
      if (witness !== null) print(`witness: ${Array.isArray(witness) ? witness.join(' ') : JSON.stringify(witness)}${verified ? ' (verified)' : ' (DOES NOT VERIFY)'}`);
      print(`oracle: ${spec.oracle}`);
    }
    return verified ? 0 : 1;
  },
};
