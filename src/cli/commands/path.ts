import { z } from 'zod';
import { UserError } from '../../errors.js';
import { PROBLEM_IDS, type ProblemId } from '../../problems/instance.js';
import { chainName, findPaths } from '../../reduction/path.js';
import { cliArg, defineCommand, print } from '../command.js';
import { jsonArgs } from '../options.js';

/** `seth path <from> <to>`: every chain of registered reductions between two problems. */
export const pathCommand = defineCommand({
  command: 'path <from> <to>',
  describe: 'list the chains of reductions from one problem to another (shortest first)',
  args: z.object({
    from: cliArg(z.string(), 'source problem (sat, cnf and 3-ov are accepted too)', { positional: true }),
    to: cliArg(z.string(), 'target problem', { positional: true }),
    ...jsonArgs,
  }),
  usesRegistries: true,
  run(a, ctx): Promise<number> {
    const from = problemId(a.from);
    const to = problemId(a.to);
    const paths = findPaths(ctx.reductions, from, to);
    if (a.json) {
      print(JSON.stringify(paths.map((p) => p.map((r) => ({ id: r.id, source: r.source, target: r.target, overhead: r.overhead })))));
    } else if (paths.length === 0) {
      print(`no chain from ${from} to ${to}`);
    } else {
      paths.forEach((p, i) => {
        print(`${i + 1}. ${chainName(p)}`);
        for (const r of p)
          print(
            `     ${r.id}: ${Object.entries(r.overhead)
              .map(([k, f]) => `${k} = ${f}`)
              .join(', ')}`,
          );
      });
    }
    return Promise.resolve(paths.length === 0 ? 1 : 0);
  },
});

function problemId(s: string): ProblemId {
  const alias: Record<string, ProblemId> = { sat: 'ksat', cnf: 'ksat', '3-ov': '3ov' };
  const id = alias[s] ?? s;
  if (!(PROBLEM_IDS as readonly string[]).includes(id)) throw new UserError(`unknown problem "${s}"; expected one of ${PROBLEM_IDS.join(', ')}`);
  return id as ProblemId;
}
