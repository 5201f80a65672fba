import { constants } from 'node:buffer';
import type { Argv } from 'yargs';
import { UserError } from '../../errors.js';
import { guardMemory, type MemoryBudget } from '../../memory.js';
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
    if (inst.problem === 'ksat') guardWitness(inst.data.vars, budgetFrom(args));
    if (!spec.solve) throw new UserError(`${String(args.file)}: a ${inst.problem} instance has no oracle`);
    const sol = await spec.solve(inst.data, { budget: budgetFrom(args) });
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

/**
 * A SAT witness has one literal per declared variable (`p cnf 2000000000 1` declares two billion):
 * the assignment, its literal array and the printed text must fit the budget, and the text must fit
 * one JavaScript string (buffer.constants.MAX_STRING_LENGTH), else it is refused before solving.
 */
function guardWitness(vars: number, budget: MemoryBudget): void {
  const chars = vars * (String(vars).length + 2);
  if (chars > constants.MAX_STRING_LENGTH) {
    throw new UserError(
      `refusing to solve: the witness of ${vars} variables would be about ${chars.toExponential(2)} characters of text, ` +
        `over the JavaScript string limit of ${constants.MAX_STRING_LENGTH}`,
    );
  }
  // 2 bytes of assignment arrays, 8 per literal in the witness array, 2 per character of text.
  guardMemory(`the witness of ${vars} variables`, vars * 10 + 2 * chars, budget);
}
