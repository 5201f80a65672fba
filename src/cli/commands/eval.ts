import type { Argv } from 'yargs';
import { UserError } from '../../errors.js';
import { createEngine } from '../../engine/registry.js';
import { loadInstance } from '../../io/instance-file.js';
import { writeOutputAtomic } from '../../io/files.js';
import { writeOutputNpy } from '../../formats/tensor-output.js';
import { unflatten } from '../../problems/transformer.js';
import { makeProvenance } from '../../provenance.js';
import { warn, type Args, type CliCommand } from '../command.js';
import { budgetFrom, engineFrom, withEngine, withForce, withOutput } from '../options.js';

/** `seth eval FILE -o X_L.json`: evaluate a transformer or attention instance. */
export const evalCommand: CliCommand = {
  command: 'eval <file>',
  describe: 'evaluate a transformer/attention instance and write X_L (JSON, or .npy by extension)',
  builder: (y: Argv): Argv =>
    withForce(withEngine(withOutput(y, 'output file for X_L: .npy (with a .npy.json sidecar) or JSON; - for stdout'))).option('per-head', {
      type: 'boolean',
      default: false,
      describe: 'also write every head\'s output',
    }),
  async run(args: Args): Promise<number> {
    const budget = budgetFrom(args);
    const inst = loadInstance(String(args.file), { budget });
    if (inst.problem !== 'transformer' && inst.problem !== 'attention') {
      throw new UserError(`${String(args.file)}: a ${inst.problem} instance; seth eval takes a transformer or attention instance (make one with seth reduce)`);
    }
    const model = inst.data;
    const e = engineFrom(args);
    const { engine, fallbackReason } = await createEngine(e.engine, e.dtype, { options: e.engineOptions, budget, seed: e.seed });
    if (fallbackReason) warn(fallbackReason);
    try {
      const r = await engine.evaluate(model, { perHead: args['per-head'] === true });
      const prov = makeProvenance('eval', model.provenance?.seed ?? null, { engine: r.engine, dtype: r.dtype });
      if (model.provenance) prov.from = model.provenance;
      const outPath = String(args.o);
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
};
