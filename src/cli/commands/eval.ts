import { z } from 'zod';
import { createEngine } from '../../engine/registry.js';
import { modelFingerprint } from '../../formats/tensor-output.js';
import { writeEvalOutput } from '../../formats/eval-output.js';
import { makeProvenance, stampRun } from '../../provenance.js';
import { cliArg, defineCommand, warn } from '../command.js';
import { loadModelInstance } from '../model-input.js';
import { budgetOf, engineArgs, engineOf, forceArgs } from '../options.js';

const EvalArgs = z.object({
  file: cliArg(z.string(), 'a transformer or attention instance (JSON; - for stdin)', { positional: true }),
  ...engineArgs,
  ...forceArgs,
  o: cliArg(z.string().default('-'), 'file to write X_L to: .npy (with a .npy.json sidecar), .safetensors, or JSON; - for stdout', { alias: 'output' }),
  'per-head': cliArg(z.boolean().default(false), "also write every head's output (JSON: perHead; .safetensors: tensor per_head; .npy: PATH.per-head.npy)"),
});

/** `seth eval FILE -o X_L.json`: evaluate a transformer or attention instance. */
export const evalCommand = defineCommand({
  command: 'eval <file>',
  describe: 'evaluate a transformer/attention instance and write its output X_L (JSON, .npy or .safetensors by extension)',
  args: EvalArgs,
  async run(a): Promise<number> {
    const budget = budgetOf(a);
    const model = loadModelInstance(a.file, budget, 'seth eval takes a transformer or attention instance (make one with seth reduce)');
    const e = engineOf(a);
    const { engine, fallbackReason } = await createEngine(e.engine, e.dtype, { options: e.engineOptions, budget, seed: e.seed });
    if (fallbackReason) warn(fallbackReason);
    try {
      const r = await engine.evaluate(model, { perHead: a['per-head'] });
      const fingerprint = modelFingerprint(model);
      const base = makeProvenance('eval', model.provenance?.seed ?? null, { engine: r.engine, dtype: r.dtype });
      if (model.provenance) base.from = model.provenance;
      const prov = stampRun(base, { instance: fingerprint, inputs: [a.file] });
      writeEvalOutput(a.o, r, model, prov);
    } finally {
      await engine.close?.();
    }
    return 0;
  },
});
