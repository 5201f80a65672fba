import { defaultBudget } from '../src/memory.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UserError } from '../src/errors.js';
import { writeDimacs } from '../src/formats/dimacs.js';
import { findGenerator, GENERATORS } from '../src/generators/index.js';
import type { AnyGenerator } from '../src/generators/types.js';
import { solveExhaustive } from './helpers/exhaustive-sat.js';
import { solveWithMinisat } from '../src/oracles/minisat.js';
import { countOrthogonalPairs, solveOvBrute } from '../src/oracles/ov-brute.js';
import { countOrthogonalTriples, solveThreeOvBrute } from '../src/oracles/three-ov-brute.js';
import { isPositive, type Answer } from '../src/problems/answer.js';
import { dot3Rows, dotRows } from '../src/problems/bit-matrix.js';
import type { Instance } from '../src/problems/instance.js';
import { clauseAt, numClauses, type Cnf } from '../src/problems/ksat.js';
import type { OvInstance } from '../src/problems/ov.js';
import { problemSpec } from '../src/problems/registry.js';
import type { ThreeOvInstance } from '../src/problems/three-ov.js';
import type { Provenance } from '../src/provenance.js';
import { makeRng } from '../src/rng.js';
import { TOOL_NAME, TOOL_VERSION } from '../src/version.js';

const COMMAND = 'seth gen test --seed 7';
const SEEDS = [0, 1, 2, 3];

// ---------------------------------------------------------------- helpers

/** Bytes of the file `seth gen` would write (provenance included): DIMACS for CNF, else the JSON form. */
function serialize(inst: Instance): string {
  if (inst.problem === 'ksat') return writeDimacs(inst.data);
  return JSON.stringify(problemSpec(inst.problem).toJson(inst.data));
}

/** The instance alone, without provenance (so that a changed parameter must change the data). */
function serializeData(inst: Instance): string {
  if (inst.problem === 'ksat') return writeDimacs({ ...inst.data, provenance: undefined });
  return JSON.stringify(problemSpec(inst.problem).toJson({ ...inst.data, provenance: undefined }));
}

/** The JSON form validates against the problem's zod schema. */
function validates(inst: Instance): boolean {
  const spec = problemSpec(inst.problem);
  return spec.jsonSchema.safeParse(spec.toJson(inst.data)).success;
}

function provenanceOf(inst: Instance): Provenance | undefined {
  return inst.data.provenance;
}

/** Count of zero pairs / triples with the problem modules' own dot products (not the oracles). */
function naiveOvCount(inst: OvInstance): number {
  let n = 0;
  for (let i = 0; i < inst.A.rows; i++) for (let j = 0; j < inst.B.rows; j++) if (dotRows(inst.A, i, inst.B, j) === 0) n++;
  return n;
}

function naiveThreeOvCount(inst: ThreeOvInstance): number {
  let n = 0;
  for (let i = 0; i < inst.A.rows; i++) {
    for (let j = 0; j < inst.B.rows; j++) {
      for (let k = 0; k < inst.C.rows; k++) if (dot3Rows(inst.A, i, inst.B, j, inst.C, k) === 0) n++;
    }
  }
  return n;
}

/** The answer of an oracle independent of the generator's labelling. */
function independentAnswer(inst: Instance): Answer {
  switch (inst.problem) {
    case 'ksat':
      return inst.data.vars <= 20 ? solveExhaustive(inst.data).answer : solveWithMinisat(inst.data).answer;
    case 'ov':
      return naiveOvCount(inst.data) > 0 ? 'YES' : 'NO';
    case '3ov':
      return naiveThreeOvCount(inst.data) > 0 ? 'YES' : 'NO';
    default:
      throw new Error(`add an independent oracle for decision problem ${inst.problem} to this test`);
  }
}

/** The oracle the labels name (MiniSat for ksat, brute force for ov/3ov). */
function namedOracleAnswer(inst: Instance): Answer {
  switch (inst.problem) {
    case 'ksat':
      return solveWithMinisat(inst.data).answer;
    case 'ov':
      return solveOvBrute(inst.data).answer;
    case '3ov':
      return solveThreeOvBrute(inst.data).answer;
    default:
      throw new Error(`add the oracle for decision problem ${inst.problem} to this test`);
  }
}

function run(g: AnyGenerator, options: Record<string, unknown>, seed: number): Instance {
  return g.generate(options, makeRng(seed), COMMAND, defaultBudget());
}

const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

// ---------------------------------------------------------------- generic properties (every generator)

describe('registry', () => {
  it('ids are unique and findGenerator finds each', () => {
    const ids = GENERATORS.map((g) => g.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const g of GENERATORS) expect(findGenerator(g.id)).toBe(g);
    expect(findGenerator('no-such-family')).toBeUndefined();
    expect(ids).toEqual(expect.arrayContaining(['ksat', 'php', 'ov', '3ov']));
  });
});

for (const g of GENERATORS) {
  describe(`generator ${g.id} (generic)`, () => {
    const base = g.examples[0]!;

    it('has examples, variations and documented CLI options', () => {
      expect(g.examples.length).toBeGreaterThan(0);
      expect(g.summary.length).toBeGreaterThan(0);
      expect(Object.keys(g.flags.shape).length).toBeGreaterThan(0);
      for (const [name, schema] of Object.entries<z.core.$ZodType>(g.flags.shape)) {
        const help = z.globalRegistry.get(schema)?.description;
        expect(typeof help, name).toBe('string');
        expect(help?.length ?? 0, name).toBeGreaterThan(0);
      }
    });

    it('examples are already normalised by the schema', () => {
      for (const ex of g.examples) expect(g.schema.parse(ex)).toEqual(ex);
    });

    it('parses what yargs hands over (kebab-case and camelCase keys, plus extras)', () => {
      for (const ex of g.examples) {
        const argv: Record<string, unknown> = { _: ['gen', g.id], $0: 'seth', seed: 5 };
        for (const name of Object.keys(g.flags.shape)) {
          const v = ex[camel(name)];
          if (v !== undefined) {
            argv[name] = v;
            argv[camel(name)] = v;
          }
        }
        expect(g.schema.parse(argv)).toEqual(ex);
        // Each CLI option names a parameter.
        for (const name of Object.keys(g.flags.shape)) expect(Object.keys(ex)).toContain(camel(name));
      }
    });

    it('same seed ⇒ same bytes', () => {
      for (const ex of g.examples) {
        for (const seed of [0, 1, 12345]) {
          expect(serialize(run(g, ex, seed))).toBe(serialize(run(g, ex, seed)));
        }
      }
    });

    it(g.usesSeed ? 'seed 0 works and differs from seed 1' : 'ignores the seed', () => {
      const a = serializeData(run(g, base, 0));
      const b = serializeData(run(g, base, 1));
      if (g.usesSeed) expect(a).not.toBe(b);
      else expect(a).toBe(b);
    });

    it('every variation changes exactly one parameter, changes the output, and all parameters are covered', () => {
      const covered = new Set<string>();
      const baseOut = serializeData(run(g, base, 0));
      for (const v of g.variations) {
        const keys = Object.keys(v);
        expect(keys).toHaveLength(1);
        const key = keys[0]!;
        expect(Object.keys(base)).toContain(key);
        expect(v[key]).not.toEqual(base[key]);
        covered.add(key);
        const opts = g.schema.parse({ ...base, ...v });
        expect(serializeData(run(g, opts, 0)), `variation ${JSON.stringify(v)}`).not.toBe(baseOut);
      }
      expect([...covered].sort()).toEqual(Object.keys(base).sort());
    });

    it('output validates against its problem schema and records its provenance', () => {
      for (const ex of g.examples) {
        for (const seed of SEEDS) {
          const inst = run(g, ex, seed);
          expect(inst.problem).toBe(g.problem);
          expect(validates(inst)).toBe(true);
          const p = provenanceOf(inst);
          expect(p).toBeDefined();
          expect(p!.tool).toBe(TOOL_NAME);
          expect(p!.version).toBe(TOOL_VERSION);
          expect(p!.command).toBe(COMMAND);
          expect(p!.generator).toBe(g.id);
          expect(p!.seed).toBe(g.usesSeed ? seed : null);
          expect(p!.params).toEqual(ex);
        }
      }
    });

    it('the expected answer agrees with independent oracles; constructed answers are verified', () => {
      const decision = problemSpec(g.problem).decision;
      let labelled = 0;
      for (const ex of g.examples) {
        for (const seed of SEEDS) {
          const inst = run(g, ex, seed);
          const e = provenanceOf(inst)!.expected;
          if (!decision) {
            // Computations (no yes/no answer) carry no label.
            expect(e).toBeUndefined();
            continue;
          }
          if (!e) continue;
          labelled++;
          expect(e.source === 'oracle').toBe(e.oracle !== undefined);
          expect(e.answer, `${JSON.stringify(ex)} seed ${seed}`).toBe(namedOracleAnswer(inst));
          expect(e.answer, `${JSON.stringify(ex)} seed ${seed}`).toBe(independentAnswer(inst));
        }
      }
      // Every small example of a decision problem is labelled.
      expect(labelled).toBe(decision ? g.examples.length * SEEDS.length : 0);
    });

    it('planted instances are YES/SAT by construction and the oracle agrees', () => {
      const plantKeys = ['plant', 'planted'].filter((k) => k in base);
      for (const key of plantKeys) {
        let tried = 0;
        for (const ex of g.examples) {
          // Not every example admits a planted variant (e.g. more clauses than a planted assignment allows).
          const parsed = g.schema.safeParse({ ...ex, [key]: true, no: false });
          if (!parsed.success) continue;
          const opts = parsed.data;
          tried++;
          for (const seed of SEEDS) {
            const inst = run(g, opts, seed);
            const e = provenanceOf(inst)!.expected!;
            expect(e.source).toBe('construction');
            expect(isPositive(e.answer)).toBe(true);
            expect(namedOracleAnswer(inst)).toBe(e.answer);
          }
        }
        expect(tried).toBeGreaterThan(0);
      }
    });

    it('does not use Math.random', () => {
      const original = Math.random;
      Math.random = () => {
        throw new Error('Math.random called');
      };
      try {
        for (const ex of g.examples) run(g, ex, 3);
      } finally {
        Math.random = original;
      }
    });
  });
}

// ---------------------------------------------------------------- family-specific

function ksat(): AnyGenerator {
  return findGenerator('ksat')!;
}

function ksatParse(o: Record<string, unknown>): Record<string, unknown> {
  return ksat().schema.parse(o);
}

function genCnf(id: string, o: Record<string, unknown>, seed: number): Cnf {
  const g = findGenerator(id)!;
  const inst = g.generate(g.schema.parse(o), makeRng(seed), COMMAND, defaultBudget());
  if (inst.problem !== 'ksat') throw new Error('expected ksat');
  return inst.data;
}

describe('ksat', () => {
  const cases = [
    { vars: 12, clauses: 40, k: 3, planted: false },
    { vars: 4, clauses: 32, k: 3, planted: false }, // every clause there is
    { vars: 4, clauses: 28, k: 3, planted: true }, // every clause the hidden assignment satisfies
    { vars: 6, clauses: 50, k: 2, planted: false },
    { vars: 30, clauses: 100, k: 5, planted: true },
    { vars: 3, clauses: 6, k: 1, planted: false },
  ];

  it('clauses have k distinct variables in range and are never repeated', () => {
    for (const c of cases) {
      for (const seed of SEEDS) {
        const cnf = genCnf('ksat', c, seed);
        expect(cnf.vars).toBe(c.vars);
        expect(numClauses(cnf)).toBe(c.clauses);
        const keys = new Set<string>();
        for (let i = 0; i < numClauses(cnf); i++) {
          const cl = Array.from(clauseAt(cnf, i));
          expect(cl).toHaveLength(c.k);
          const vs = cl.map(Math.abs);
          expect(new Set(vs).size).toBe(c.k);
          for (const v of vs) expect(v >= 1 && v <= c.vars).toBe(true);
          keys.add([...cl].sort((a, b) => a - b).join(','));
        }
        expect(keys.size).toBe(c.clauses);
      }
    }
  });

  it('both signs occur (mixed polarities)', () => {
    const cnf = genCnf('ksat', { vars: 12, clauses: 40, k: 3 }, 0);
    const pos = Array.from(cnf.lits).filter((l) => l > 0).length;
    expect(pos).toBeGreaterThan(30);
    expect(pos).toBeLessThan(90);
  });

  it('planted formulas are satisfiable (exhaustive check) for many seeds and sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 14 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 200 }), fc.nat(1000), (n, k, m0, seed) => {
        const max = (() => {
          let c = 1;
          for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
          return Math.round(c) * (2 ** k - 1);
        })();
        const m = Math.min(m0, max);
        const cnf = genCnf('ksat', { vars: n, clauses: m, k, planted: true }, seed);
        expect(solveExhaustive(cnf).answer).toBe('SAT');
        expect(cnf.provenance!.expected).toEqual({ answer: 'SAT', source: 'construction' });
        // The hidden assignment is not recorded.
        expect(Object.keys(cnf.provenance!.params).sort()).toEqual(['clauses', 'k', 'planted', 'vars']);
      }),
      { numRuns: 60 },
    );
  });

  it('unplanted labels come from MiniSat and match exhaustive search (both answers occur)', () => {
    const seen = new Set<string>();
    for (const m of [20, 50, 70, 90]) {
      for (const seed of [0, 1, 2]) {
        const cnf = genCnf('ksat', { vars: 14, clauses: m, k: 3 }, seed);
        const e = cnf.provenance!.expected!;
        expect(e.source).toBe('oracle');
        expect(e.oracle).toMatch(/minisat/i);
        expect(e.answer).toBe(solveExhaustive(cnf).answer);
        seen.add(e.answer);
      }
    }
    expect(seen).toEqual(new Set(['SAT', 'UNSAT']));
  });

  it('validation gives clear messages', () => {
    expect(() => ksatParse({ vars: 2, clauses: 1, k: 3 })).toThrow(/--k 3 exceeds --vars 2/);
    expect(() => ksatParse({ vars: 3, clauses: 9, k: 3 })).toThrow(/exceeds the 8 distinct clauses/);
    expect(() => ksatParse({ vars: 3, clauses: 8, k: 3, planted: true })).toThrow(/exceeds the 7 distinct clauses.*planted/);
    expect(() => ksatParse({ vars: 0, clauses: 1, k: 1 })).toThrow(/--vars must be an integer ≥ 1/);
    expect(() => ksatParse({ vars: 5, clauses: 1, k: 0 })).toThrow(/--k must be an integer ≥ 1/);
    expect(() => ksatParse({ vars: 5.5, clauses: 1, k: 1 })).toThrow(/--vars must be an integer/);
    expect(() => ksatParse({ vars: 'x', clauses: 1, k: 1 })).toThrow(/--vars must be a number/);
    expect(() => ksatParse({ vars: 5, clauses: 1, k: 1, planted: 'maybe' })).toThrow(/--planted must be true or false/);
    expect(ksatParse({ vars: '5', clauses: '3', k: '2', planted: 'true' })).toEqual({ vars: 5, clauses: 3, k: 2, planted: true });
  });

  it('refuses absurd sizes before allocating', () => {
    const g = ksat();
    expect(() => g.generate({ vars: 2_000_000_000, clauses: 2_000_000_000, k: 30, planted: false }, makeRng(0), COMMAND, defaultBudget())).toThrow(UserError);
  });
});

describe('php', () => {
  it('PHP(p, h) is UNSAT iff p > h (exhaustive solver), and the label says so', () => {
    for (let p = 1; p <= 5; p++) {
      for (let h = 1; h <= 4; h++) {
        if (p * h > 20) continue;
        const cnf = genCnf('php', { pigeons: p, holes: h }, 0);
        const truth = solveExhaustive(cnf).answer;
        expect(truth, `PHP(${p},${h})`).toBe(p > h ? 'UNSAT' : 'SAT');
        expect(cnf.provenance!.expected).toEqual({ answer: truth, source: 'construction' });
        expect(cnf.provenance!.seed).toBeNull();
      }
    }
  });

  it('has the documented variables and clauses', () => {
    const cnf = genCnf('php', { pigeons: 3, holes: 2 }, 0);
    expect(cnf.vars).toBe(6);
    const clauses = Array.from({ length: numClauses(cnf) }, (_, i) => Array.from(clauseAt(cnf, i)));
    expect(clauses).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
      [-1, -3],
      [-1, -5],
      [-3, -5],
      [-2, -4],
      [-2, -6],
      [-4, -6],
    ]);
  });

  it('validates its options', () => {
    const g = findGenerator('php')!;
    expect(() => g.schema.parse({ pigeons: 0, holes: 2 })).toThrow(/--pigeons must be an integer ≥ 1/);
    expect(() => g.schema.parse({ pigeons: 2 })).toThrow(/--holes/);
    expect(() => g.generate({ pigeons: 1e7, holes: 1e7 }, makeRng(0), COMMAND, defaultBudget())).toThrow(UserError);
  });
});

function genOv(o: Record<string, unknown>, seed: number): OvInstance {
  const g = findGenerator('ov')!;
  const inst = g.generate(g.schema.parse(o), makeRng(seed), COMMAND, defaultBudget());
  if (inst.problem !== 'ov') throw new Error('expected ov');
  return inst.data;
}

function genThreeOv(o: Record<string, unknown>, seed: number): ThreeOvInstance {
  const g = findGenerator('3ov')!;
  const inst = g.generate(g.schema.parse(o), makeRng(seed), COMMAND, defaultBudget());
  if (inst.problem !== '3ov') throw new Error('expected 3ov');
  return inst.data;
}

describe('ov', () => {
  it('plain instances have iid entries of about the given density, and size-b defaults to size', () => {
    const inst = genOv({ size: 40, dim: 50, density: 0.3 }, 0);
    expect(inst.B.rows).toBe(40);
    let ones = 0;
    for (const w of [...inst.A.data, ...inst.B.data]) ones += w.toString(2).split('1').length - 1;
    expect(ones / (80 * 50)).toBeGreaterThan(0.25);
    expect(ones / (80 * 50)).toBeLessThan(0.35);
    expect(genOv({ size: 3, 'size-b': 5, dim: 4 }, 0).B.rows).toBe(5);
  });

  it('planted instances have exactly one orthogonal pair (random sizes, dims, densities)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 7 }),
        fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(31, 32, 33, 64, 65)),
        fc.constantFrom(0.05, 0.3, 0.5, 0.8, 1),
        fc.nat(10_000),
        (size, sizeB, dim, density, seed) => {
          fc.pre(dim >= 2 || size === 1 || sizeB === 1);
          const inst = genOv({ size, sizeB, dim, density, plant: true }, seed);
          expect(naiveOvCount(inst)).toBe(1);
          expect(countOrthogonalPairs(inst)).toBe(1);
          expect(inst.provenance!.expected).toEqual({ answer: 'YES', source: 'construction' });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('no instances have no orthogonal pair', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 7 }),
        fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(32, 33, 65)),
        fc.constantFrom(0.05, 0.5, 1),
        fc.nat(10_000),
        (size, sizeB, dim, density, seed) => {
          const inst = genOv({ size, sizeB, dim, density, no: true }, seed);
          expect(naiveOvCount(inst)).toBe(0);
          expect(inst.provenance!.expected).toEqual({ answer: 'NO', source: 'construction' });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('validation: ranges, plant with no, and the minimum dimension for a unique planted pair', () => {
    const g = findGenerator('ov')!;
    expect(() => g.schema.parse({ size: 3, dim: 4, plant: true, no: true })).toThrow(/exclude each other/);
    expect(() => g.schema.parse({ size: 2, dim: 1, plant: true })).toThrow(/needs --dim ≥ 2/);
    expect(() => g.schema.parse({ size: 0, dim: 3 })).toThrow(/--size must be an integer ≥ 1/);
    expect(() => g.schema.parse({ size: 2, dim: 0 })).toThrow(/--dim must be an integer ≥ 1/);
    expect(() => g.schema.parse({ size: 2, dim: 3, density: 0 })).toThrow(/--density must be in \(0, 1\]/);
    expect(() => g.schema.parse({ size: 2, dim: 3, density: 1.5 })).toThrow(/--density must be in \(0, 1\]/);
    expect(() => g.schema.parse({ size: 2, 'size-b': 0, dim: 3 })).toThrow(/--size-b must be an integer ≥ 1/);
    expect(g.schema.parse({ size: 1, 'size-b': 5, dim: 1, plant: true })).toMatchObject({ sizeB: 5 });
    const opts = { size: 2, sizeB: 2, dim: 1, density: 0.5, plant: true, no: false };
    expect(() => g.generate(opts, makeRng(0), COMMAND, defaultBudget())).toThrow(UserError);
    expect(() => g.generate({ ...opts, size: 1e13, dim: 64, plant: false }, makeRng(0), COMMAND, defaultBudget())).toThrow(UserError);
  });
});

describe('3ov', () => {
  it('planted instances have exactly one zero triple, and its vectors pairwise intersect where needed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(32, 33, 65)),
        fc.constantFrom(0.1, 0.5, 0.9, 1),
        fc.nat(10_000),
        (size, sizeB, sizeC, dim, density, seed) => {
          fc.pre(dim >= [size, sizeB, sizeC].filter((s) => s >= 2).length);
          const inst = genThreeOv({ size, sizeB, sizeC, dim, density, plant: true }, seed);
          expect(naiveThreeOvCount(inst)).toBe(1);
          expect(countOrthogonalTriples(inst)).toBe(1);
          expect(inst.provenance!.expected).toEqual({ answer: 'YES', source: 'construction' });
          // Not the trivial disjoint-support construction: when |C| ≥ 2 the planted a and b share a 1.
          const w = solveThreeOvBrute(inst).witness!;
          if (sizeC >= 2) expect(dotRows(inst.A, w[0], inst.B, w[1])).toBeGreaterThan(0);
          if (sizeB >= 2) expect(dotRows(inst.A, w[0], inst.C, w[2])).toBeGreaterThan(0);
          if (size >= 2) expect(dotRows(inst.B, w[1], inst.C, w[2])).toBeGreaterThan(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('no instances have no zero triple', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(33, 65)),
        fc.constantFrom(0.1, 0.5, 1),
        fc.nat(10_000),
        (size, sizeB, sizeC, dim, density, seed) => {
          const inst = genThreeOv({ size, sizeB, sizeC, dim, density, no: true }, seed);
          expect(naiveThreeOvCount(inst)).toBe(0);
          expect(inst.provenance!.expected).toEqual({ answer: 'NO', source: 'construction' });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('validation and defaults', () => {
    const g = findGenerator('3ov')!;
    expect(g.schema.parse({ size: 4, dim: 3 })).toEqual({ size: 4, sizeB: 4, sizeC: 4, dim: 3, density: 0.5, plant: false, no: false });
    expect(g.schema.parse({ size: 4, 'size-c': 2, dim: 3 })).toMatchObject({ sizeB: 4, sizeC: 2 });
    expect(() => g.schema.parse({ size: 2, dim: 2, plant: true })).toThrow(/needs --dim ≥ 3/);
    expect(g.schema.parse({ size: 2, 'size-c': 1, dim: 2, plant: true })).toMatchObject({ sizeC: 1 });
    expect(() => g.schema.parse({ size: 2, dim: 4, plant: true, no: true })).toThrow(/exclude each other/);
    expect(() => g.schema.parse({ size: 2, dim: 4, density: -0.1 })).toThrow(/--density/);
    expect(() =>
      g.generate({ size: 1e9, sizeB: 1e9, sizeC: 1e9, dim: 64, density: 0.5, plant: false, no: false }, makeRng(0), COMMAND, defaultBudget()),
    ).toThrow(UserError);
  });
});
