import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExecEngine } from '../src/engine/exec.js';
import { createModuleEngine } from '../src/engine/module.js';
import { evaluateReference } from '../src/engine/reference.js';
import { UserError } from '../src/errors.js';
import { randomTransformer } from '../src/testing/random-transformer.js';
import { makeRng } from '../src/rng.js';

/** Bring-your-own engines: a program (exec:) and an ES module (module:), with the shipped examples. */
const hasNumpy = ((): boolean => {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const models = [
  randomTransformer(makeRng(1), { tokens: 9, width: 4, layers: 2, heads: 2, hidden: 3, scale: 0.5 }),
  randomTransformer(makeRng(2), { tokens: 7, width: 3, layers: 1, heads: 3, residual: false, kind: 'attention', causal: true }),
  randomTransformer(makeRng(3), { tokens: 8, width: 3, layers: 2, heads: 4, kvGroups: 2 }),
];

const maxDiff = (a: Float64Array, b: Float64Array): number => a.reduce((e, v, i) => Math.max(e, Math.abs(v - b[i]!)), 0);

describe.skipIf(!hasNumpy)('exec: the numpy example', () => {
  const engine = createExecEngine('python3 examples/engines/numpy_attention.py', { seed: 0 });
  it('computes X_L as the reference engine does, and reports its own op count', async () => {
    for (const model of models) {
      const r = await engine.evaluate(model);
      expect(maxDiff(r.output, evaluateReference(model).output)).toBeLessThan(1e-10);
      expect(r.cost).toEqual({ flops: 4 * model.tokens ** 2 * model.width * model.layers * model.heads, exps: model.tokens ** 2 * model.layers * model.heads });
    }
  });
});

describe('exec: failures are one-line user errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seth-byo-'));
  const model = models[0]!;
  const script = (name: string, body: string): string => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };
  it('a failing program', async () => {
    const e = createExecEngine(`sh ${script('fail.sh', 'echo "no luck" >&2; exit 3')}`, { seed: 0 });
    await expect(e.evaluate(model)).rejects.toThrow(/exited with status 3: no luck/);
  });
  it('a program that writes nothing', async () => {
    const e = createExecEngine(`sh ${script('none.sh', 'exit 0')}`, { seed: 0 });
    await expect(e.evaluate(model)).rejects.toThrow(/wrote no output/);
  });
  it.skipIf(!hasNumpy)('a wrong shape and a non-finite entry', async () => {
    const wrong = createExecEngine(`python3 ${script('wrong.py', 'import sys, numpy as np\nnp.save(sys.argv[2], np.zeros((2, 2)))\n')}`, { seed: 0 });
    await expect(wrong.evaluate(model)).rejects.toThrow(/has shape \[2, 2\], expected \[9, 4\]/);
    const nan = createExecEngine(`python3 ${script('nan.py', 'import sys, numpy as np\nx = np.zeros((9, 4)); x[3, 1] = np.nan\nnp.save(sys.argv[2], x)\n')}`, {
      seed: 0,
    });
    await expect(nan.evaluate(model)).rejects.toThrow(/X_L\[3\]\[1\] is NaN/);
  });
  it.skipIf(!hasNumpy)('the seed reaches the program', async () => {
    const p = script('seed.sh', 'python3 -c "import sys, numpy as np; np.save(sys.argv[1], np.full((9, 4), float(sys.argv[2])))" "$2" "$SETH_SEED"');
    const r = await createExecEngine(`sh ${p}`, { seed: 42 }).evaluate(model);
    expect(r.output[0]).toBe(42);
  });
  it('an empty command', () => {
    expect(() => createExecEngine('  ', { seed: 0 })).toThrow(UserError);
  });
});

describe('module: the JS example and bad modules', () => {
  it('the sampled-attention example runs, is seeded, and is exact when it samples every key of a 1-key-wide model', async () => {
    const e = await createModuleEngine('examples/engines/sampled-attention.mjs', { seed: 0 });
    expect(e.name).toBe('module:sampled-attention');
    const model = randomTransformer(makeRng(4), { tokens: 12, width: 3, layers: 1, heads: 2, qkSpread: 0.5 });
    const a = await e.evaluate(model);
    const b = await (await createModuleEngine('examples/engines/sampled-attention.mjs', { seed: 0 })).evaluate(model);
    expect(Array.from(a.output)).toEqual(Array.from(b.output));
    expect(a.cost!.flops).toBeLessThan(4 * 12 * 12 * 3 * 2);
    // One token: the sample is that token (itself), which is exact attention.
    const one = randomTransformer(makeRng(5), { tokens: 1, width: 3, layers: 2, heads: 2 });
    expect(maxDiff((await e.evaluate(one)).output, evaluateReference(one).output)).toBeLessThan(1e-12);
    await expect(e.evaluate(randomTransformer(makeRng(6), { tokens: 4, width: 2, layers: 1, heads: 1, hidden: 2 }))).rejects.toThrow(
      /evaluate\(\) threw: sampled-attention: ReLU MLPs/,
    );
  });

  it('refuses a module without evaluate, a wrong-sized output, a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seth-mod-'));
    const none = join(dir, 'none.mjs');
    writeFileSync(none, 'export const x = 1;\n');
    await expect(createModuleEngine(none, { seed: 0 })).rejects.toThrow(/exports no function "evaluate/);
    const short = join(dir, 'short.mjs');
    writeFileSync(short, 'export function evaluate() { return { output: [1, 2] }; }\n');
    await expect((await createModuleEngine(short, { seed: 0 })).evaluate(models[0]!)).rejects.toThrow(/output has 2 entries, expected 9×4 = 36/);
    await expect(createModuleEngine(join(dir, 'missing.mjs'), { seed: 0 })).rejects.toThrow(/cannot load it/);
  });
});
