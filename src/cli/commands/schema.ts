import type { Argv } from 'yargs';
import { z } from 'zod';
import { UserError } from '../../errors.js';
import { PROBLEM_IDS, type ProblemId } from '../../problems/instance.js';
import { problemSpec } from '../../problems/registry.js';
import { print, type Args, type CliCommand } from '../command.js';

/** `seth schema <problem>`: JSON Schema of the problem's instance file (zod 4 toJSONSchema). */
export const schemaCommand: CliCommand = {
  command: 'schema <problem>',
  describe: 'print the JSON Schema of a problem\'s instance files',
  builder: (y: Argv): Argv => y.positional('problem', { type: 'string', describe: `one of ${PROBLEM_IDS.join(', ')}` }),
  run(args: Args): Promise<number> {
    const id = String(args.problem);
    if (!(PROBLEM_IDS as readonly string[]).includes(id)) throw new UserError(`unknown problem "${id}"; expected one of ${PROBLEM_IDS.join(', ')}`);
    const schema = z.toJSONSchema(problemSpec(id as ProblemId).jsonSchema, { unrepresentable: 'any', io: 'input' });
    print(JSON.stringify(schema, null, 2));
    return Promise.resolve(0);
  },
};
