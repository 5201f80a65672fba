import { z } from 'zod';
import { UserError } from '../../errors.js';
import type { MemoryBudget } from '../../memory.js';
import { loadInstance } from '../../io/instance-file.js';
import { problemSpec } from '../../problems/registry.js';
import { defineCommand, print } from '../command.js';
import { expandInputs, isBatch, table } from '../batch.js';
import { budgetOf, forceArgs, inputsArg, jsonArgs, jsonlArgs } from '../options.js';

const SolveArgs = z.object({
  files: inputsArg('the instances (DIMACS or JSON); several files, folders or globs run as one batch (- for stdin)'),
  ...jsonArgs,
  ...forceArgs,
  ...jsonlArgs,
});

/** `seth solve FILE [--json]`: the independent oracle's answer and witness. */
export const solveCommand = defineCommand({
  command: 'solve <files..>',
  describe: 'solve instances with their independent oracle (MiniSat for k-SAT, brute force for OV/3-OV); several files, folders, globs',
  args: SolveArgs,
  async run(a): Promise<number> {
    const inputs = expandInputs(a.files);
    const budget = budgetOf(a);
    if (!isBatch(a.files, inputs)) {
      const r = await solveOne(inputs[0]!, budget);
      if (a.json) print(JSON.stringify(r.json));
      else print(r.lines.join('\n'));
      return r.verified ? 0 : 1;
    }
    const perLine = a.jsonl || a.json;
    let code = 0;
    const rows: string[][] = [];
    for (const input of inputs) {
      try {
        const r = await solveOne(input, budget);
        if (!r.verified) code = 1;
        if (perLine) print(JSON.stringify({ input, ...r.json }));
        else print(`${r.verified ? '✓' : '✗'} ${input}: ${r.lines.join('; ')}`);
        rows.push([input, String(r.json.answer), r.json.witnessVerified ? '✓' : '✗']);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        if (code === 0) code = 2;
        if (perLine) print(JSON.stringify({ input, error: e.message }));
        else print(`✗ ${input}: ${e.message}`);
        rows.push([input, 'error', '–']);
      }
    }
    const summary = table(
      ['answer', 'inputs'],
      Object.entries(rows.reduce<Record<string, number>>((acc, r) => ((acc[r[1]!] = (acc[r[1]!] ?? 0) + 1), acc), {})).map(([a, n]) => [a, String(n)]),
    );
    if (perLine) process.stderr.write(`${summary}\n`);
    else print(`\n${summary}`);
    return code;
  },
});

interface Solved {
  json: { problem: string; answer: unknown; witness: unknown; witnessVerified: boolean; oracle: string };
  lines: string[];
  verified: boolean;
}

/** What `seth solve` refuses, and how, is the problem's own declaration (src/problems/registry.ts). */
async function solveOne(file: string, budget: MemoryBudget): Promise<Solved> {
  const inst = loadInstance(file, { budget });
  const spec = problemSpec(inst.problem);
  if (!spec.decision) {
    const hint = spec.computationHint ?? 'check the instance it came from with seth check';
    throw new UserError(`${file}: a ${inst.problem} instance is a computation, not a decision problem: ${hint}`);
  }
  spec.guardWitness?.(inst.data, budget);
  if (!spec.solve) throw new UserError(`${file}: a ${inst.problem} instance has no oracle`);
  const sol = await spec.solve(inst.data, { budget });
  const answer = spec.answer(sol);
  const witness = spec.witnessOf(sol);
  const verified = spec.verify(inst.data, sol);
  const lines = [`${answer}`];
  if (witness !== null)
    lines.push(`witness: ${Array.isArray(witness) ? witness.join(' ') : JSON.stringify(witness)}${verified ? ' (verified)' : ' (DOES NOT VERIFY)'}`);
  lines.push(`oracle: ${spec.oracle}`);
  return { json: { problem: inst.problem, answer, witness, witnessVerified: verified, oracle: spec.oracle }, lines, verified };
}
