import { z } from 'zod';
import { UserError } from '../../errors.js';
import { createEngine } from '../../engine/registry.js';
import { loadInstance } from '../../io/instance-file.js';
import { writeOutputAtomic } from '../../io/files.js';
import { writeOutputNpy } from '../../formats/tensor-output.js';
import { unflatten } from '../../problems/transformer.js';
import { makeProvenance } from '../../provenance.js';
import { cliArg, defineCommand, warn } from '../command.js';
import { budgetOf, engineArgs, engineOf, forceArgs } from '../options.js';

const EvalArgs = z.object({
  file: cliArg(z.string(), 'a transformer or attention instance (JSON; - for stdin)', { positional: true }),
  ...engineArgs,
  ...forceArgs,
  o: cliArg(z.string().default('-'), 'output file for X_L: .npy (with a .npy.json sidecar) or JSON; - for stdout', { alias: 'output' }),
  'per-head': cliArg(z.boolean().default(false), "also write every head's output"),
});

/** `seth eval FILE -o X_L.json`: evaluate a transformer or attention instance. */
export const evalCommand = defineCommand({
  command: 'eval <file>',
  describe: 'evaluate a transformer/attention instance and write X_L (JSON, or .npy by extension)',
  args: EvalArgs,
  async run(a): Promise<number> {
    const budget = budgetOf(a);
    const inst = loadInstance(a.file, { budget });
    if (inst.problem !== 'transformer' && inst.problem !== 'attention') {
      throw new UserError(`${a.file}: a ${inst.problem} instance; seth eval takes a transformer or attention instance (make one with seth reduce)`);
    }
    const model = inst.data;
    const e = engineOf(a);
    const { engine, fallbackReason } = await createEngine(e.engine, e.dtype, { options: e.engineOptions, budget, seed: e.seed });
    if (fallbackReason) warn(fallbackReason);
    try {
      const r = await engine.evaluate(model, { perHead: a['per-head'] });
      const prov = makeProvenance('eval', model.provenance?.seed ?? null, { engine: r.engine, dtype: r.dtype });
      if (model.provenance) prov.from = model.provenance;
      const outPath = a.o;
      if (outPath.toLowerCase().endsWith('.npy')) {
        // .npy for tools that read tensors; the sidecar X_L.npy.json carries fingerprint and provenance.
        writeOutputNpy(outPath, r.output, model, { dtype: r.dtype, computedBy: { ...prov } });
        return 0;
      }
      const out: Record<string, unknown> = {
        problem: 'transformer-output',
        tokens: model.tokens,
        width: model.width,
        engine: r.engine,
        dtype: r.dtype,
        X_L: unflatten(r.output, model.tokens, model.width),
        provenance: prov,
      };
      if (r.perHead) out.perHead = r.perHead.map((layer) => layer.map((h) => unflatten(h, model.tokens, model.width)));
      writeOutputAtomic(outPath, `${JSON.stringify(out)}\n`);
    } finally {
      await engine.close?.();
    }
    return 0;
  },
});
