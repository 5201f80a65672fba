import { z } from 'zod';
import { problemSpec } from '../../problems/registry.js';
import { defineCommand, print } from '../command.js';
import { problemArg } from '../options.js';

/** `seth schema <problem>`: JSON Schema of the problem's instance file (zod 4 toJSONSchema). */
export const schemaCommand = defineCommand({
  command: 'schema <problem>',
  describe: "print the JSON Schema of a problem's instance files",
  args: z.object({ problem: problemArg('ksat', 'the problem', { positional: true }) }),
  run(a): Promise<number> {
    const schema = z.toJSONSchema(problemSpec(a.problem).jsonSchema, { unrepresentable: 'any', io: 'input' });
    print(JSON.stringify(schema, null, 2));
    return Promise.resolve(0);
  },
});
