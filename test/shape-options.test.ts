/**
 * `--layers`/`--heads` with a chain whose last reduction builds a fixed shape (ov-to-attention:
 * one head; 3ov-to-tensor-attention; 3ov-to-ov) are refused in one line naming the chain and a
 * chain that takes them, never silently dropped or applied to an earlier step only; where the last
 * reduction takes them, an explicit --via applies them.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INSTANCES, expectOk, expectUserError, newTmp, seth } from './helpers/cli.js';

const tiny = join(INSTANCES, 'tiny-sat.cnf');

describe('--layers / --heads with a named chain', () => {
  it.each([
    [
      ['--via', 'ksat-to-ov,ov-to-attention', '--layers', '2'],
      'option --layers: the chain ksat-to-ov → ov-to-attention ends in ov-to-attention, which takes no layers (it builds layers = 1, heads = 1)',
    ],
    [
      ['--via', 'ksat-to-3ov,3ov-to-ov,ov-to-attention', '-H', '3'],
      'option --heads: the chain ksat-to-3ov → 3ov-to-ov → ov-to-attention ends in ov-to-attention',
    ],
    [['--to', 'attention', '-L', '2', '-H', '2'], 'options --layers and --heads: the chain ksat-to-ov → ov-to-attention'],
    [['--to', 'tensor-attention', '-H', '2'], 'ends in 3ov-to-tensor-attention, which takes no heads'],
  ])('check %j is refused in one line', async (args, message) => {
    const r = await seth(['check', tiny, ...args]);
    expectUserError(expect, r, message, '--via ksat-to-3ov,3ov-to-transformer for an L-layer, H-head transformer');
  });

  it('reduce refuses the same, and still takes -L/-H where the last step sizes its target by them (--to 3ov)', async () => {
    const dir = newTmp('seth-shape-');
    expectUserError(
      expect,
      await seth(['reduce', tiny, '--to', 'attention', '-L', '2', '-o', join(dir, 'a.json')]),
      'option --layers: the chain ksat-to-ov → ov-to-attention',
    );
    expectOk(expect, await seth(['reduce', tiny, '--to', '3ov', '-L', '2', '-H', '2', '-o', join(dir, 'c.json')]));
  });

  it.each([
    ['ksat-to-3ov,3ov-to-transformer', 'layers 2 · heads 3'],
    ['ksat-to-3ov,3ov-to-causal-transformer', 'layers 2 · heads 3'],
  ])('an explicit --via %s applies them', async (via, shape) => {
    const r = await seth(['check', tiny, '--via', via, '--layers', '2', '--heads', '3', '--engine', 'reference']);
    expectOk(expect, r);
    expect(r.stdout).toContain(shape);
  });
});
