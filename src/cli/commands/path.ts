import type { Argv } from 'yargs';
import { REDUCTIONS } from '../../../reductions/index.js';
import { UserError } from '../../errors.js';
import { PROBLEM_IDS, type ProblemId } from '../../problems/instance.js';
import { chainName, findPaths } from '../../reduction/path.js';
import { print, type Args, type CliCommand } from '../command.js';
import { withJson } from '../options.js';

/** `seth path <from> <to>`: every chain of registered reductions between two problems. */
export const pathCommand: CliCommand = {
  command: 'path <from> <to>',
  describe: 'list the chains of reductions from one problem to another (shortest first)',
  builder: (y: Argv): Argv => withJson(y),
  run(args: Args): Promise<number> {
    const from = problemId(args.from);
    const to = problemId(args.to);
    const paths = findPaths(REDUCTIONS, from, to);
    if (args.json) {
      print(JSON.stringify(paths.map((p) => p.map((r) => ({ id: r.id, source: r.source, target: r.target, overhead: r.overhead })))));
    } else if (paths.length === 0) {
      print(`no chain from ${from} to ${to}`);
    } else {
      paths.forEach((p, i) => {
        print(`${i + 1}. ${chainName(p)}`);
        for (const r of p) print(`     ${r.id}: ${Object.entries(r.overhead).map(([k, f]) => `${k} = ${f}`).join(', ')}`);
      });
    }
    return Promise.resolve(paths.length === 0 ? 1 : 0);
  },
};

function problemId(v: unknown): ProblemId {
  const s = String(v);
  const alias: Record<string, ProblemId> = { sat: 'ksat', cnf: 'ksat', '3-ov': '3ov' };
  const id = alias[s] ?? s;
  if (!(PROBLEM_IDS as readonly string[]).includes(id)) throw new UserError(`unknown problem "${s}"; expected one of ${PROBLEM_IDS.join(', ')}`);
  return id as ProblemId;
}
