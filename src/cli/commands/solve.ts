import { constants } from 'node:buffer';
import type { Argv } from 'yargs';
import { UserError } from '../../errors.js';
import { guardMemory, type MemoryBudget } from '../../memory.js';
import { loadInstance } from '../../io/instance-file.js';
import { problemSpec } from '../../problems/registry.js';
import { print, type Args, type CliCommand } from '../command.js';
import { expandInputs, filesOf, isBatch, table } from '../batch.js';
import { budgetFrom, withForce, withJson } from '../options.js';

/** `seth solve FILE [--json]`: the independent oracle's answer and witness. */
export const solveCommand: CliCommand = {
  command: 'solve <files..>',
  describe: 'solve instances with their independent oracle (MiniSat for k-SAT, brute force for OV/3-OV); several files, folders, globs',
  builder: (y: Argv): Argv =>
    withForce(withJson(y)).option('jsonl', { type: 'boolean', default: false, describe: 'several inputs: one JSON object per input' }),
  async run(args: Args): Promise<number> {
    const given = filesOf(args);
    const inputs = expandInputs(given);
    if (!isBatch(given, inputs)) {
      const r = await solveOne(inputs[0]!, args);
      if (args.json) print(JSON.stringify(r.json));
      else print(r.lines.join('\n'));
      return r.verified ? 0 : 1;
    }
    let code = 0;
    const rows: string[][] = [];
    for (const input of inputs) {
      try {
        const r = await solveOne(input, args);
        if (!r.verified) code = 1;
        if (args.jsonl || args.json) print(JSON.stringify({ input, ...r.json }));
        else print(`${r.verified ? '✓' : '✗'} ${input}: ${r.lines.join('; ')}`);
        rows.push([input, String(r.json.answer), r.json.witnessVerified ? '✓' : '✗']);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        if (code === 0) code = 2;
        if (args.jsonl || args.json) print(JSON.stringify({ input, error: e.message }));
        else print(`✗ ${input}: ${e.message}`);
        rows.push([input, 'error', '–']);
      }
    }
    const summary = table(
      ['answer', 'inputs'],
      Object.entries(rows.reduce<Record<string, number>>((acc, r) => ((acc[r[1]!] = (acc[r[1]!] ?? 0) + 1), acc), {})).map(([a, n]) => [a, String(n)]),
    );
    if (args.jsonl || args.json) process.stderr.write(`${summary}\n`);
    else print(`\n${summary}`);
    return code;
  },
};

async function solveOne(
  file: string,
  args: Args,
): Promise<{ json: { problem: string; answer: unknown; witness: unknown; witnessVerified: boolean; oracle: string }; lines: string[]; verified: boolean }> {
  const inst = loadInstance(file, { budget: budgetFrom(args) });
  const spec = problemSpec(inst.problem);
  if (!spec.decision) {
    const hint =
      inst.problem === 'matmul-batch'
        ? "seth check recovers its products from a transformer's gradient and compares them with direct multiplication"
        : 'evaluate it with seth eval, or check the instance it came from with seth check';
    throw new UserError(`${file}: a ${inst.problem} instance is a computation, not a decision problem: ${hint}`);
  }
  if (inst.problem === 'ksat') guardWitness(inst.data.vars, budgetFrom(args));
  if (!spec.solve) throw new UserError(`${file}: a ${inst.problem} instance has no oracle`);
  const sol = await spec.solve(inst.data, { budget: budgetFrom(args) });
  const answer = spec.answer(sol);
  const witness = spec.witnessOf(sol);
  const verified = spec.verify(inst.data, sol);
  const lines = [`${answer}`];
  if (witness !== null)
    lines.push(`witness: ${Array.isArray(witness) ? witness.join(' ') : JSON.stringify(witness)}${verified ? ' (verified)' : ' (DOES NOT VERIFY)'}`);
  lines.push(`oracle: ${spec.oracle}`);
  return { json: { problem: inst.problem, answer, witness, witnessVerified: verified, oracle: spec.oracle }, lines, verified };
}

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
