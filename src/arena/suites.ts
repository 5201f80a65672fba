import { REDUCTIONS } from '../../reductions/index.js';
import { chooseChain } from '../check/run.js';
import { UserError } from '../errors.js';
import { findGenerator } from '../generators/index.js';
import type { MemoryBudget } from '../memory.js';
import type { Instance, ProblemId } from '../problems/instance.js';
import type { TransformerModel } from '../problems/transformer.js';
import { runForward, type ChainStep } from '../reduction/chain.js';
import { makeRng } from '../rng.js';
import { randomTransformer } from '../testing/random-transformer.js';
import { isPositive } from '../problems/answer.js';

/**
 * The arena's instances: every one built from a seeded generator (recorded), with its answer known
 * by construction or by an independent oracle, through a chain of the workbench's reductions to a
 * model; plus a control set of benign random models (small entries) that carry no answer, on
 * which every approximation is expected to be accurate.
 */
export type Known = 'YES' | 'NO';

export interface ArenaInstance {
  readonly id: string;
  /** sat-chain, unsat-chain, ov-yes, ov-no, control, … */
  readonly family: string;
  readonly known: Known | null;
  /** construction, or oracle:NAME */
  readonly knownBy: string;
  readonly generator: string;
  readonly params: Record<string, unknown>;
  readonly seed: number;
  readonly chain: readonly string[];
  readonly model: TransformerModel;
  /** The chain's last step, whose reduction reads the decision from X_L (absent for controls). */
  readonly step?: ChainStep;
  /** The generated source instance (absent for controls). */
  readonly source?: Instance;
}

export interface ChainedSpec {
  kind: 'chain';
  family: string;
  generator: string;
  params: Record<string, unknown>;
  seed: number;
  to: ProblemId;
  via?: string[];
  reductionOptions?: Record<string, unknown>;
}

/**
 * Controls: `smooth` = small random logits (near-uniform attention: the regime of kernel, low-rank
 * and polynomial methods); `local` = each token attends to its neighbours in position (tokens carry
 * (cos θ_i, sin θ_i), θ_i = πi/n (a half circle: no wrap-around), and W_Q = W_K = c·I on those two
 * coordinates with c² = 2n²/π², so the weight of the key d positions away is ≈ e^{−d²}: the regime
 * of sparse, local and LSH methods). Both are single attention layers with values of size ≤ 1.
 */
export interface ControlSpec {
  kind: 'control';
  shape: 'smooth' | 'local';
  seed: number;
  tokens: number;
  width: number;
}

export type InstanceSpec = ChainedSpec | ControlSpec;

function describeParams(p: Record<string, unknown>): string {
  return Object.entries(p)
    .filter(([, v]) => v !== false && v !== undefined)
    .map(([k, v]) => (v === true ? k : `${k}=${String(v)}`))
    .join(',');
}

export function buildInstance(spec: InstanceSpec, budget: MemoryBudget): ArenaInstance {
  if (spec.kind === 'control') {
    const model = spec.shape === 'smooth' ? smoothControl(spec) : localControl(spec);
    const params = { shape: spec.shape, tokens: spec.tokens, width: spec.width };
    return {
      id: `control-${spec.shape}(${describeParams(params)})#${spec.seed}`,
      family: `control-${spec.shape}`,
      known: null,
      knownBy: 'none (benign control)',
      generator: 'random-transformer',
      params,
      seed: spec.seed,
      chain: [],
      model,
    };
  }
  const g = findGenerator(spec.generator);
  if (!g) throw new UserError(`arena: unknown generator ${spec.generator}`);
  const options = g.schema.parse(spec.params);
  const inst = g.generate(options, makeRng(spec.seed), `seth arena (${spec.generator} ${describeParams(spec.params)} seed ${spec.seed})`, budget);
  const expected = inst.data.provenance?.expected;
  if (!expected) throw new UserError(`arena: ${spec.generator} ${describeParams(spec.params)} came out unlabelled; the arena needs known answers`);
  const chain = chooseChain(inst.problem, { to: spec.to, via: spec.via, reductions: REDUCTIONS });
  const steps = runForward(chain, inst.data, spec.reductionOptions ?? {}, budget, 'seth arena');
  const step = steps[steps.length - 1]!;
  const model = step.target as TransformerModel;
  const known: Known = isPositive(expected.answer) ? 'YES' : 'NO';
  const ro = spec.reductionOptions && Object.keys(spec.reductionOptions).length ? `;${describeParams(spec.reductionOptions)}` : '';
  return {
    id: `${spec.generator}(${describeParams(spec.params)})→${chain.map((r) => r.id).join('→')}${ro}#${spec.seed}`,
    family: spec.family,
    known,
    knownBy: expected.source === 'oracle' ? `oracle:${expected.oracle ?? '?'}` : expected.source,
    generator: spec.generator,
    params: { ...spec.params, ...(spec.reductionOptions ?? {}) },
    seed: spec.seed,
    chain: chain.map((r) => r.id),
    model,
    step,
    source: inst,
  };
}

function smoothControl(spec: ControlSpec): TransformerModel {
  return randomTransformer(makeRng(spec.seed), {
    tokens: spec.tokens,
    width: spec.width,
    layers: 1,
    heads: 2,
    residual: false,
    kind: 'attention',
    qkSpread: 0.3,
    valueSpread: 1 / spec.width,
    scale: 1 / Math.sqrt(spec.width),
  });
}

function localControl(spec: ControlSpec): TransformerModel {
  const { tokens: n, width: m } = spec;
  const rng = makeRng(spec.seed);
  const X = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    X[i * m] = Math.cos((Math.PI * i) / n);
    X[i * m + 1] = Math.sin((Math.PI * i) / n);
    for (let c = 2; c < m; c++) X[i * m + c] = 2 * rng.next() - 1;
  }
  const c = (Math.SQRT2 * n) / Math.PI;
  const Q = new Float64Array(m * m);
  Q[0] = c;
  Q[m + 1] = c;
  const V = new Float64Array(m * m);
  for (let k = 2; k < m; k++) V[k * m + k] = 1;
  return {
    kind: 'attention',
    tokens: n,
    width: m,
    layers: 1,
    heads: 1,
    scale: 1,
    residual: false,
    X,
    weights: [[{ Q, K: Float64Array.from(Q), V }]],
    mlp: [null],
    annotations: { construction: 'arena local control' },
  };
}

/** The decision a chain's last reduction reads from an output (statistic, threshold, answer). */
export function decide(inst: ArenaInstance, output: Float64Array): { statistic: number; threshold: number; answer: Known } | null {
  const s = inst.step;
  if (!s?.reduction.decision) return null;
  const d = s.reduction.decision({ source: s.source, target: s.target, meta: s.meta, options: s.options }, output);
  return { statistic: d.statistic, threshold: d.threshold, answer: d.positive ? 'YES' : 'NO' };
}

const seeds = (k: number, base: number): number[] => Array.from({ length: k }, (_, i) => base + i);

const satChain = (vars: number, clauses: number, seed: number, to: ProblemId, extra: Partial<ChainedSpec> = {}): ChainedSpec => ({
  kind: 'chain',
  family: 'sat-chain',
  generator: 'ksat',
  params: { vars, clauses, k: 3, planted: true },
  seed,
  to,
  ...extra,
});
const unsatChain = (vars: number, clauses: number, seed: number, to: ProblemId, extra: Partial<ChainedSpec> = {}): ChainedSpec => ({
  kind: 'chain',
  family: 'unsat-chain',
  generator: 'ksat',
  params: { vars, clauses, k: 3, planted: false },
  seed,
  to,
  ...extra,
});
const php = (pigeons: number, holes: number): ChainedSpec => ({
  kind: 'chain',
  family: 'unsat-chain',
  generator: 'php',
  params: { pigeons, holes },
  seed: 0,
  to: 'attention',
});
const ov = (size: number, dim: number, yes: boolean, seed: number): ChainedSpec => ({
  kind: 'chain',
  family: yes ? 'ov-yes' : 'ov-no',
  generator: 'ov',
  params: { size, dim, density: 0.5, plant: yes, no: !yes },
  seed,
  to: 'attention',
});
const control = (shape: 'smooth' | 'local', tokens: number, width: number, seed: number): ControlSpec => ({ kind: 'control', shape, seed, tokens, width });

/** The decision suites (threshold and selector are sweeps of their own: src/arena/threshold.ts, selector.ts). */
export function suiteSpecs(suite: 'quick' | 'standard', seed: number): InstanceSpec[] {
  if (suite === 'quick') {
    return [
      satChain(8, 24, seed, 'attention'),
      satChain(8, 24, seed + 1, 'transformer', { reductionOptions: { layers: 2, heads: 2 } }),
      unsatChain(8, 64, seed, 'attention'),
      php(3, 2),
      ov(16, 3, true, seed),
      ov(16, 3, false, seed),
      control('smooth', 32, 6, seed),
      control('local', 32, 6, seed),
    ];
  }
  return [
    ...[8, 10, 12].flatMap((v) => seeds(2, seed).map((s) => satChain(v, Math.round(3 * v), s, 'attention'))),
    ...seeds(2, seed).map((s) => satChain(10, 30, s + 10, 'transformer', { reductionOptions: { layers: 2, heads: 2 } })),
    ...[8, 10].flatMap((v) => seeds(2, seed).map((s) => unsatChain(v, 8 * v, s, 'attention'))),
    ...seeds(1, seed).map((s) => unsatChain(10, 80, s + 10, 'transformer', { reductionOptions: { layers: 2, heads: 2 } })),
    php(3, 2),
    php(4, 3),
    ...[64, 256].flatMap((size) => [3, 8].flatMap((dim) => seeds(2, seed).flatMap((s) => [ov(size, dim, true, s), ov(size, dim, false, s)]))),
    ...[64, 256].flatMap((n) => seeds(2, seed).flatMap((s) => [control('smooth', n, 8, s), control('local', n, 8, s)])),
  ];
}

/** The engines a suite runs by default: every approximation, at a cheap and a more generous setting. */
export function defaultEngines(suite: 'quick' | 'standard'): string[] {
  const cheap = [
    'topk:k=8',
    'window:w=8',
    'poly',
    'performer:features=64',
    'nystrom:landmarks=8',
    'linformer:k=8',
    'linformer:k=8,projection=mean',
    'lsh:hashes=3,block=8,samples=8',
    'lowprec:format=fp16',
    'lowprec:format=bf16',
    'lowprec:format=e4m3',
    'lowprec:format=e5m2',
  ];
  if (suite === 'quick') return cheap;
  return [
    ...cheap,
    'topk:k=32',
    'window:w=32',
    'performer:features=256',
    'nystrom:landmarks=32',
    'linformer:k=32',
    'lsh:hashes=4,block=32,samples=32',
    'lowprec:format=fp16,accumulate=f32',
  ];
}
