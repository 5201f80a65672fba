import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEngineSpec } from '../src/arena/engines.js';
import { runArena, scorecard } from '../src/arena/run.js';
import { runSelector } from '../src/arena/selector.js';
import { buildInstance, decide, suiteSpecs } from '../src/arena/suites.js';
import { runThreshold } from '../src/arena/threshold.js';
import { evaluateReference } from '../src/engine/reference.js';
import { UserError } from '../src/errors.js';
import { defaultBudget } from '../src/memory.js';
import { expectUserError, seth } from './helpers/cli.js';

const budget = defaultBudget();

describe('arena engine specs', () => {
  it('name, name:key=value,…, exec: and module: are read and validated by the registry', () => {
    expect(parseEngineSpec('performer:features=64')).toEqual({ label: 'performer:features=64', name: 'performer', options: { features: 64 } });
    expect(parseEngineSpec('lowprec:format=bf16,accumulate=f32').options).toEqual({ format: 'bf16', accumulate: 'f32' });
    expect(parseEngineSpec('exec:python3 x.py a,b').name).toBe('exec:python3 x.py a,b');
    expect(() => parseEngineSpec('performer:feature=64')).toThrow(UserError);
    expect(() => parseEngineSpec('performer:features=0')).toThrow(/features/);
    expect(() => parseEngineSpec('nope')).toThrow(/unknown engine "nope"/);
  });
});

describe('arena suites', () => {
  const instances = suiteSpecs('quick', 0).map((s) => buildInstance(s, budget));

  it('every decision instance has a known answer, and the exact engine decides it right', () => {
    const decided = instances.filter((i) => i.known !== null);
    expect(decided.map((i) => i.known).sort()).toEqual(['NO', 'NO', 'NO', 'YES', 'YES', 'YES']);
    for (const inst of decided) expect(decide(inst, evaluateReference(inst.model).output)?.answer).toBe(inst.known);
    expect(instances.filter((i) => i.family.startsWith('control')).length).toBe(2);
  });

  it('records every run: exact limits are right and within tolerance at cost ≈ 1, poly refuses the chain instances', async () => {
    const some = [instances[0]!, instances[4]!, instances[6]!];
    const engines = ['topk:k=1000000', 'poly', 'window:w=2'].map(parseEngineSpec);
    const records = await runArena(some, engines, { seed: 0, budget });
    expect(records.length).toBe(9);
    const exactLimit = records.filter((r) => r.engine === 'topk:k=1000000');
    for (const r of exactLimit) {
      expect(r.status).toBe('ok');
      expect(r.withinTolerance).toBe(true);
      expect(r.costRatio!).toBeGreaterThan(0.99);
      if (r.known) expect(r.correct).toBe(true);
    }
    const poly = records.filter((r) => r.engine === 'poly' && r.known !== null);
    for (const r of poly) {
      expect(r.status).toBe('refused');
      expect(r.message).toMatch(/max-rank/);
    }
    const card = scorecard(records);
    const topk = card.find((l) => l.engine === 'topk:k=1000000')!;
    expect(topk.yes).toEqual({ right: 2, within: 2, total: 2, refused: 0 });
    expect(card.find((l) => l.engine === 'poly')!.yes.refused).toBe(2);
  });
});

describe('threshold and selector suites (tiny configurations)', () => {
  it('threshold: at the bound the exact engine is right; at small β poly reaches 1/(10n) at low degree', async () => {
    const points = await runThreshold({ sizes: [8], dim: 3, betas: [0.25, 'bound'], seeds: [0], maxCostRatio: 50, maxRank: 5000 }, budget);
    expect(points.length).toBe(4);
    for (const p of points.filter((q) => q.beta === q.betaBound)) expect(p.exactCorrect).toBe(true);
    const small = points.filter((q) => q.beta === 0.25);
    for (const p of small) {
      expect(p.polyDegree).not.toBeNull();
      expect(p.polyError!).toBeLessThanOrEqual(1 / (10 * p.tokens));
      expect(p.B).toBeCloseTo(2 * Math.sqrt(0.25), 12);
    }
  });

  it('selector: at the bound a query with witnesses puts almost all its mass on them', () => {
    const rows = runSelector({ size: 8, dim: 5, density: 0.5, betas: [1, 'bound'], seed: 0 }, budget);
    const atBound = rows.filter((r) => r.beta === r.betaBound);
    const withW = atBound.filter((r) => r.witnesses > 0);
    expect(withW.length).toBeGreaterThan(0);
    for (const r of withW) expect(r.witnessMass).toBeGreaterThan(0.95);
    for (const r of atBound.filter((q) => q.witnesses === 0)) expect(r.dummyMass).toBeGreaterThan(0.95);
    for (const r of rows) expect(r.witnessMass + r.dummyMass + r.restMass).toBeCloseTo(1, 12);
  });
});

describe('seth arena (CLI)', () => {
  it('runs a suite with chosen engines (a module engine among them) and writes results, scorecard and plots with provenance', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seth-arena-'));
    const r = await seth(['arena', '--suite', 'quick', '--engines', 'window:w=4', 'module:examples/engines/sampled-attention.mjs', '-o', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/window:w=4/);
    expect(r.stdout).toMatch(/module:examples\/engines\/sampled-attention\.mjs/);
    for (const f of ['results.jsonl', 'scorecard.txt', 'scorecard.json', 'accuracy-cost.svg', 'error-tolerance.svg', 'meta.json'])
      expect(existsSync(join(dir, f))).toBe(true);
    const lines = readFileSync(join(dir, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBe(16);
    expect(lines[0]!.provenance).toMatchObject({ tool: 'seth-workbench', seed: 0, suite: 'quick' });
    expect(readFileSync(join(dir, 'accuracy-cost.svg'), 'utf8')).toMatch(/<svg[^>]*><desc>\{&quot;tool|<svg[^>]*><desc>\{"tool/);
  });

  it('an unknown engine is a one-line usage error', async () => {
    expectUserError(expect, await seth(['arena', '--engines', 'warp-drive']), /unknown engine "warp-drive"/);
  });
});
