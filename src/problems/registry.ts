import { constants } from 'node:buffer';
import type { z } from 'zod';
import { UserError } from '../errors.js';
import { guardMemory, type MemoryBudget } from '../memory.js';
import { KOV_BRUTE_ORACLE, solveKovBrute } from '../oracles/kov-brute.js';
import { MINISAT_ORACLE, solveWithMinisat } from '../oracles/minisat.js';
import { OV_BRUTE_ORACLE, solveOvBrute } from '../oracles/ov-brute.js';
import { THREE_OV_BRUTE_ORACLE, solveThreeOvBrute } from '../oracles/three-ov-brute.js';
import type { Answer, OvAnswer } from './answer.js';
import type { Instance, ProblemId } from './instance.js';
import {
  KsatJsonSchema,
  assignmentToLiterals,
  cnfFromJson,
  cnfToJson,
  type KsatJson,
  evaluateCnf,
  maxClauseWidth,
  numClauses,
  type Cnf,
  type SatSolution,
} from './ksat.js';
import { matmulBatchSizes, type MatmulBatch, type MatmulProducts } from './matmul-batch.js';
import { MatmulBatchJsonSchema, matmulBatchFromJson, matmulBatchToJson, type MatmulBatchJson } from './matmul-batch-json.js';
import { directProducts, verifyMatmulProducts } from './matmul-batch-products.js';
import { KovJsonSchema, kovFromJson, kovSizes, kovToJson, verifyKovWitness, type KovInstance, type KovJson } from './kov.js';
import {
  TensorAttentionJsonSchema,
  tensorAttentionFromJson,
  tensorAttentionSizes,
  tensorAttentionToJson,
  type TensorAttentionInstance,
  type TensorAttentionJson,
} from './tensor-attention.js';
import { OvJsonSchema, ovFromJson, ovToJson, type OvJson, verifyOvWitness, type OvInstance } from './ov.js';
import { ThreeOvJsonSchema, threeOvFromJson, threeOvToJson, type ThreeOvJson, verifyThreeOvWitness, type ThreeOvInstance } from './three-ov.js';
import { TransformerJsonSchema, maxAbsEntry, modelBytes, modelFromJson, modelToJson, type TransformerJson, type TransformerModel } from './transformer.js';

/** What solving a transformer/attention instance means: computing its output with an engine. */
export interface ModelOutput {
  output: Float64Array;
  engine: string;
  dtype: string;
}

/** What an oracle may allocate against: the run's memory budget. */
export interface SolveContext {
  budget?: MemoryBudget | undefined;
}

/**
 * A problem's catalogue entry: sizes (what declared overheads are measured against), the JSON
 * schema of its file form, the independent solver, and witness verification against the instance.
 */
export interface ProblemSpec<I, Sol> {
  readonly id: ProblemId;
  readonly title: string;
  readonly summary: string;
  /** Decision problems have an answer; computations (transformer) have an output. */
  readonly decision: boolean;
  /** Name of the independent solver behind `solve`. */
  readonly oracle: string;
  /**
   * A computation (`decision: false`): where its result comes from instead, the hint of `seth
   * solve`'s refusal ("… is a computation, not a decision problem: HINT").
   */
  readonly computationHint?: string;
  readonly jsonSchema: z.ZodType;
  sizes(instance: I): Record<string, number>;
  /** How `seth check --explain` names an instance of these sizes ("a CNF formula with …"); default: the id and its sizes. */
  describeSizes?(sizes: Readonly<Record<string, number>>): string;
  /** Bytes an instance of these sizes occupies in memory (for refusing work up front). */
  estimateBytes(sizes: Readonly<Record<string, number>>): number;
  /**
   * Ground truth from an oracle that is independent of the reductions and engines. Absent for
   * computations (models, tensor attention): evaluating those is the checker's job
   * (src/check/reference-output.ts), not the problem's.
   */
  solve?(instance: I, ctx: SolveContext): Promise<Sol>;
  /**
   * Refuses (UserError) an instance whose witness alone would not fit in memory or in one printed
   * string, before solving it. Absent where witnesses are small (an index tuple).
   */
  guardWitness?(instance: I, budget: MemoryBudget): void;
  /**
   * A model the engines evaluate (transformer, attention): the instance as that model. What
   * `seth eval`, `seth export` and `seth info`'s measured sizes take; absent for every other problem.
   */
  asModel?(instance: I): TransformerModel;
  /** Checks a solution's witness against the instance itself (true for NO answers without witness). */
  verify(instance: I, solution: Sol): boolean;
  answer(solution: Sol): Answer | undefined;
  /** Witness in the form reports use (DIMACS literals, index tuples). */
  witnessOf(solution: Sol): unknown;
  toJson(instance: I): unknown;
  /** Build the instance from JSON that `jsonSchema` has already validated. */
  fromJson(json: unknown): I;
}

export type AnyProblemSpec = ProblemSpec<unknown, unknown>;

function define<I, Sol>(p: ProblemSpec<I, Sol>): AnyProblemSpec {
  return p;
}

/** The orthogonal-vectors family: answer YES/NO, an index tuple as witness, checked against the instance. */
type VectorsSpec<I, W> = Omit<ProblemSpec<I, { answer: OvAnswer; witness?: W | undefined }>, 'decision' | 'verify' | 'answer' | 'witnessOf'> & {
  verifyWitness: (instance: I, witness: W) => boolean;
};

function defineVectors<I, W>({ verifyWitness, ...p }: VectorsSpec<I, W>): AnyProblemSpec {
  return define<I, { answer: OvAnswer; witness?: W | undefined }>({
    ...p,
    decision: true,
    verify: (o, s) => (s.answer === 'NO' ? s.witness === undefined : s.witness !== undefined && verifyWitness(o, s.witness)),
    answer: (s) => s.answer,
    witnessOf: (s) => s.witness ?? null,
  });
}

/**
 * A SAT witness has one literal per declared variable (`p cnf 2000000000 1` declares two billion):
 * the assignment, its literal array and the printed text must fit the budget, and the text must fit
 * one JavaScript string (buffer.constants.MAX_STRING_LENGTH).
 */
function guardLiteralWitness(vars: number, budget: MemoryBudget): void {
  const chars = vars * (String(vars).length + 2);
  if (chars > constants.MAX_STRING_LENGTH) {
    throw new UserError(
      `refusing to solve: the witness of ${vars} variables would be about ${chars.toExponential(2)} characters of text, ` +
        `over the JavaScript string limit of ${constants.MAX_STRING_LENGTH}`,
    );
  }
  // 2 bytes of assignment arrays, 8 per literal in the witness array, 2 per character of text.
  guardMemory(`the witness of ${vars} variables`, vars * 10 + 2 * chars, budget);
}

/** Bytes of `vectors` bit-packed vectors of dimension `dim` (32-bit words). */
const bitVectorBytes = (dim: number | undefined, vectors: number): number => 4 * Math.ceil(Math.max(1, dim ?? 1) / 32) * vectors;

const ksat = define<Cnf, SatSolution>({
  id: 'ksat',
  title: 'k-SAT (CNF)',
  summary: 'CNF formula over variables 1..n; DIMACS files (or JSON). Answer SAT/UNSAT, witness one literal per variable.',
  decision: true,
  oracle: MINISAT_ORACLE,
  jsonSchema: KsatJsonSchema,
  sizes: (c) => ({ vars: c.vars, clauses: numClauses(c), k: maxClauseWidth(c) }),
  describeSizes: (s) => `a CNF formula with ${s.vars} variables and ${s.clauses} clauses (k = ${s.k})`,
  estimateBytes: (s) => 16 * (s.clauses ?? 0) * Math.max(1, s.k ?? 3) + (s.vars ?? 0),
  solve: (c) => Promise.resolve(solveWithMinisat(c)),
  guardWitness: (c, budget) => guardLiteralWitness(c.vars, budget),
  verify: (c, s) =>
    s.answer === 'UNSAT' ? s.assignment === undefined : s.assignment !== undefined && s.assignment.length === c.vars && evaluateCnf(c, s.assignment).satisfied,
  answer: (s) => s.answer,
  witnessOf: (s) => (s.assignment ? assignmentToLiterals(s.assignment) : null),
  toJson: cnfToJson,
  fromJson: (j) => cnfFromJson(j as KsatJson),
});

const ov = defineVectors<OvInstance, [number, number]>({
  id: 'ov',
  title: 'Orthogonal Vectors',
  summary: 'A, B ⊆ {0,1}^d: is there a ∈ A, b ∈ B with ⟨a,b⟩ = 0? Witness (i, j).',
  oracle: OV_BRUTE_ORACLE,
  jsonSchema: OvJsonSchema,
  sizes: (o) => ({ sizeA: o.A.rows, sizeB: o.B.rows, dim: o.dim }),
  estimateBytes: (s) => bitVectorBytes(s.dim, (s.sizeA ?? 0) + (s.sizeB ?? 0)),
  solve: (o) => Promise.resolve(solveOvBrute(o)),
  verifyWitness: verifyOvWitness,
  toJson: ovToJson,
  fromJson: (j) => ovFromJson(j as OvJson),
});

const threeOv = defineVectors<ThreeOvInstance, [number, number, number]>({
  id: '3ov',
  title: '3-Orthogonal Vectors',
  summary: 'A, B, C ⊆ {0,1}^d: is there (a, b, c) with Σ_k a[k]b[k]c[k] = 0? Witness (i, j, k).',
  oracle: THREE_OV_BRUTE_ORACLE,
  jsonSchema: ThreeOvJsonSchema,
  sizes: (o) => ({ sizeA: o.A.rows, sizeB: o.B.rows, sizeC: o.C.rows, dim: o.dim }),
  estimateBytes: (s) => bitVectorBytes(s.dim, (s.sizeA ?? 0) + (s.sizeB ?? 0) + (s.sizeC ?? 0)),
  solve: (o) => Promise.resolve(solveThreeOvBrute(o)),
  verifyWitness: verifyThreeOvWitness,
  toJson: threeOvToJson,
  fromJson: (j) => threeOvFromJson(j as ThreeOvJson),
});

const kov = defineVectors<KovInstance, number[]>({
  id: 'kov',
  title: 'k-Orthogonal Vectors',
  summary: 'S_1, …, S_k ⊆ {0,1}^d (k ≥ 2): one vector from each with no coordinate where all are 1? Witness: one index per set.',
  oracle: KOV_BRUTE_ORACLE,
  jsonSchema: KovJsonSchema,
  sizes: kovSizes,
  estimateBytes: (s) => bitVectorBytes(s.dim, s.totalVectors ?? 0),
  solve: (o) => Promise.resolve(solveKovBrute(o)),
  verifyWitness: verifyKovWitness,
  toJson: kovToJson,
  fromJson: (j) => kovFromJson(j as KovJson),
});

/** A computation: an output, no answer and no witness; `seth solve` refuses it with its `computationHint`. */
type ComputationSpec<I, Sol> = Omit<ProblemSpec<I, Sol>, 'decision' | 'answer' | 'witnessOf' | 'computationHint'> & { computationHint: string };

function defineComputation<I, Sol>(p: ComputationSpec<I, Sol>): AnyProblemSpec {
  return define<I, Sol>({ ...p, decision: false, answer: () => undefined, witnessOf: () => null });
}

/** What to do with a computation instead of solving it. */
const COMPUTATION_HINT = 'evaluate it with seth eval, or check the instance it came from with seth check';

const tensorAttention = defineComputation<TensorAttentionInstance, ModelOutput>({
  id: 'tensor-attention',
  title: 'Tensor (third-order) attention',
  summary: 'D⁻¹·exp(s·Q(K1 ⊘ K2)ᵀ)·(V1 ⊘ V2): each query scores every pair of keys (Alman–Song, arXiv 2310.04064).',
  oracle: 'the tensor-attention reference evaluation (float64, n³ work)',
  computationHint: COMPUTATION_HINT,
  jsonSchema: TensorAttentionJsonSchema,
  sizes: tensorAttentionSizes,
  estimateBytes: (s) => 8 * ((s.queries ?? 0) * 2 + 2 * ((s.keys1 ?? 0) + (s.keys2 ?? 0))) * (s.width ?? 0),
  verify: (t, s) => s.output.length === t.queries * t.width,
  toJson: tensorAttentionToJson,
  fromJson: (j) => tensorAttentionFromJson(j as TensorAttentionJson),
});

function modelSpec(id: 'transformer' | 'attention', title: string, summary: string): AnyProblemSpec {
  return defineComputation<TransformerModel, ModelOutput>({
    id,
    title,
    summary,
    oracle: 'the selected engine',
    computationHint: COMPUTATION_HINT,
    jsonSchema: TransformerJsonSchema,
    asModel: (m) => m,
    sizes: (m) => ({ tokens: m.tokens, width: m.width, layers: m.layers, heads: m.heads, maxAbsEntry: maxAbsEntry(m) }),
    // The model, plus the engine's working set (Q, K, V, output, residual copy: about 6 n·m).
    estimateBytes: (s) => {
      const p = { tokens: s.tokens ?? 0, width: s.width ?? 0, layers: s.layers ?? 1, heads: s.heads ?? 1 };
      return modelBytes(p) + 6 * 8 * p.tokens * p.width;
    },
    verify: (m, s) => s.output.length === m.tokens * m.width,
    toJson: modelToJson,
    fromJson: (j) => modelFromJson(j as TransformerJson),
  });
}

const matmulBatch = defineComputation<MatmulBatch, MatmulProducts>({
  id: 'matmul-batch',
  title: 'Batch of matrix products',
  summary: 'count pairs (A_t, B_t) of N×N matrices (integer, rational or float entries); output every A_t·B_t (docs/model.md §4).',
  oracle: 'direct multiplication (exact rationals for integer/rational entries)',
  computationHint: "seth check recovers its products from a transformer's gradient and compares them with direct multiplication",
  jsonSchema: MatmulBatchJsonSchema,
  sizes: matmulBatchSizes,
  // A, B and the product of every pair, as doubles.
  estimateBytes: (s) => 3 * 8 * (s.count ?? 0) * (s.size ?? 0) ** 2,
  solve: (b) => Promise.resolve(directProducts(b)),
  verify: verifyMatmulProducts,
  toJson: matmulBatchToJson,
  fromJson: (j) => matmulBatchFromJson(j as MatmulBatchJson),
});

export const PROBLEMS: readonly AnyProblemSpec[] = [
  ksat,
  ov,
  threeOv,
  kov,
  modelSpec('attention', 'Multi-head attention', 'Σ_h softmax(s·XW_Q(XW_K)ᵀ)·XW_V on tokens X: one layer, no residual.'),
  modelSpec('transformer', 'Transformer (L layers, H heads)', 'X_ℓ = MLP(X_{ℓ−1} + Σ_h Att_h(X_{ℓ−1})), output X_L (docs/model.md §1).'),
  tensorAttention,
  matmulBatch,
];

export function problemSpec(id: ProblemId): AnyProblemSpec {
  const p = PROBLEMS.find((q) => q.id === id);
  if (!p) throw new Error(`no problem spec for ${id}`);
  return p;
}

/** The instance as a model the engines evaluate, where its problem is one (asModel); else undefined. */
export function modelOf(inst: Instance): TransformerModel | undefined {
  return problemSpec(inst.problem).asModel?.(inst.data);
}
