import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { UserError, formatBytes } from '../errors.js';
import { evaluateCnf, numClauses, type Cnf, type SatSolution } from '../problems/ksat.js';

/** Name recorded in provenance (`expected.oracle`) for answers computed here. */
export const MINISAT_ORACLE = 'minisat (logic-solver)';

/**
 * The part of npm `logic-solver` (MiniSat compiled to JavaScript, CommonJS) used here. Terms are
 * variable names, negated with a leading '-'. Names must not look numeric, hence `v1`, `v2`, ….
 */
interface LogicFormula {
  readonly __logicFormula?: never;
}
type LogicTerm = string;
interface LogicSolution {
  evaluate(term: LogicTerm): boolean;
}
interface LogicSolver {
  require(formula: LogicFormula | LogicTerm): void;
  solve(): LogicSolution | null;
}
interface LogicModule {
  Solver: new () => LogicSolver;
  or(...operands: LogicTerm[]): LogicFormula | LogicTerm;
  FALSE: LogicTerm;
  disablingAssertions<T>(f: () => T): T;
}

/**
 * logic-solver's MiniSat is asm.js. Where V8 validates asm.js (its default), it compiles the whole
 * module to WebAssembly when the script is parsed: about 0.35 s of CPU on the bench machine,
 * before the first clause, and more than MiniSat then needs for any formula of up to a few hundred
 * variables. With validation off (V8's --no-validate-asm, in force only while the package is
 * required: the decision is taken when the script is parsed) the same code runs as ordinary,
 * lazily compiled JavaScript — the same program (asm.js is a subset of JavaScript), about 10× faster
 * to load and several times slower per clause. So a process starts with that copy and moves to
 * the precompiled one (a second module instance) once the formulas it has solved add up to what
 * compiling would have cost, or at once for a formula too large for the light copy to pay off
 * (random 3-SAT at the threshold, per formula: 20 variables 0.07 s against 0.4 s; 200 variables 0.3 s against 0.4 s).
 */
export type MinisatBuild = 'interpreted' | 'compiled';

/** What compiling the asm.js module costs, in solve time of the interpreted copy (measured: 0.3–0.4 s CPU). */
const COMPILE_COST_MS = 350;
/** Formulas with more literals than this go to the compiled copy at once (random 3-SAT at the threshold: about 200 variables). */
const INTERPRETED_MAX_LITERALS = 2600;

const builds: Partial<Record<MinisatBuild, LogicModule>> = {};
let interpretedMs = 0;

function loadBuild(build: MinisatBuild): LogicModule {
  const loaded = builds[build];
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  // Each build is its own module instance: drop the other's cached files before requiring.
  const dir = dirname(require.resolve('logic-solver'));
  for (const key of Object.keys(require.cache)) if (key.startsWith(dir + sep)) delete require.cache[key];
  if (build === 'interpreted') setFlagsFromString('--no-validate-asm');
  let mod: LogicModule;
  try {
    mod = require('logic-solver') as LogicModule;
  } finally {
    if (build === 'interpreted') setFlagsFromString('--validate-asm');
  }
  builds[build] = mod;
  return mod;
}

/** The copy of MiniSat that solves a formula with this many literals next (see MinisatBuild). */
export function minisatBuildFor(literals: number): MinisatBuild {
  if (builds.compiled) return 'compiled';
  return literals <= INTERPRETED_MAX_LITERALS && interpretedMs < COMPILE_COST_MS ? 'interpreted' : 'compiled';
}

function varName(v: number): string {
  return `v${v}`;
}

/**
 * logic-solver's MiniSat is compiled by emscripten with a fixed 64 MiB heap (TOTAL_MEMORY, not
 * growable, 5 MiB of it stack) and aborts with "Cannot enlarge memory arrays" past it. What a
 * formula needs there, calibrated on random 3-SAT and 10-SAT (docs/reliability.md): 16 bytes per
 * literal (clause arena, grown by copying), 4 per clause, 8 per variable that occurs (bounded
 * by min(vars, literals)), against
 * 60 MiB usable. Formulas at the limit solved (1M vars·1M clauses·3M literals); 3.6M literals
 * aborted with 150k or 1.2M variables.
 */
export const MINISAT_HEAP_BYTES = 60 * 1024 * 1024;

export function minisatHeapEstimate(cnf: Cnf): number {
  return minisatSizeEstimate(cnf.vars, numClauses(cnf), cnf.lits.length);
}

/** The same from the sizes alone (before the formula exists). */
export function minisatSizeEstimate(vars: number, clauses: number, literals: number): number {
  // At most min(vars, literals) variables occur; counting them exactly would cost a vars-sized array.
  return 16 * literals + 4 * clauses + 8 * Math.min(vars, literals);
}

/**
 * Decide a CNF with MiniSat. A formula over MiniSat's heap is refused up front (UserError) instead
 * of aborting inside the solver. An empty clause is UNSAT without calling the solver; variables that
 * occur in no clause get 0. A SAT model is re-checked with `evaluateCnf`; a model that does not
 * satisfy the formula is an oracle bug and throws.
 */
export function solveWithMinisat(cnf: Cnf): SatSolution {
  const m = numClauses(cnf);
  for (let i = 0; i < m; i++) if (cnf.offsets[i + 1] === cnf.offsets[i]) return { answer: 'UNSAT' };

  const need = minisatHeapEstimate(cnf);
  if (need > MINISAT_HEAP_BYTES) {
    throw new UserError(
      `refusing to solve a formula with ${cnf.vars} variables, ${m} clauses and ${cnf.lits.length} literals: ` +
        `${MINISAT_ORACLE} would need about ${formatBytes(need)} of its fixed ${formatBytes(MINISAT_HEAP_BYTES)} heap ` +
        '(split the formula, or solve it with an external solver)',
    );
  }
  const build = minisatBuildFor(cnf.lits.length);
  const logic = loadBuild(build);
  const t0 = performance.now();
  const solution = logic.disablingAssertions(() => {
    const solver = new logic.Solver();
    for (let i = 0; i < m; i++) {
      const terms: LogicTerm[] = [];
      for (let p = cnf.offsets[i]!; p < cnf.offsets[i + 1]!; p++) {
        const l = cnf.lits[p]!;
        terms.push(l > 0 ? varName(l) : `-${varName(-l)}`);
      }
      solver.require(logic.or(...terms));
    }
    return solver.solve();
  });
  if (build === 'interpreted') interpretedMs += performance.now() - t0;
  if (solution === null) return { answer: 'UNSAT' };

  const used = new Uint8Array(cnf.vars + 1);
  for (const l of cnf.lits) used[Math.abs(l)] = 1;
  const assignment = new Uint8Array(cnf.vars);
  for (let v = 1; v <= cnf.vars; v++) {
    if (used[v] === 1 && solution.evaluate(varName(v))) assignment[v - 1] = 1;
  }
  const check = evaluateCnf(cnf, assignment);
  if (!check.satisfied) {
    throw new Error(
      `oracle bug: ${MINISAT_ORACLE} returned a model that falsifies clause ${check.failingClause} of a formula with ${cnf.vars} variables and ${m} clauses`,
    );
  }
  return { answer: 'SAT', assignment };
}
