/**
 * End-to-end tests of the `seth` command line: every command of issues #2 and #3 as a user types
 * it, run as a child process on the compiled CLI (`bin/seth.js`; test/global-setup.ts compiles
 * dist/ before the suite), in temporary folders.
 *
 * Conventions checked throughout: exit 0 success, 1 a failed check, 2 bad input or usage; bad input
 * gets one line on stderr starting with `seth: ` that names the file (and for DIMACS `line:col`),
 * and never a stack trace; outputs are written atomically (no half file, no temp file left).
 *
 * Most blocks are `describe.concurrent`: each CLI start costs most of a second, so the suite runs
 * its processes a few at a time.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type ExpectStatic } from 'vitest';
import {
  withoutRunRecords,
  ROOT,
  INSTANCES,
  SATLIB,
  VERSION,
  type RunResult,
  seth,
  sethOnce,
  recordedAnswer,
  shell,
  show,
  expectOk,
  expectUserError,
  expectUsageError,
  expectNoTrace,
  BYTE_ESTIMATE,
  tempLeftovers,
  newTmp,
} from './helpers/cli.js';

interface Cnf {
  vars: number;
  clauses: number[][];
}

/** A minimal DIMACS reader for checking witnesses (independent of src/formats/dimacs.ts). */
function readCnf(text: string): Cnf {
  let vars = -1;
  const clauses: number[][] = [];
  let cur: number[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('c')) continue;
    if (t.startsWith('%')) break;
    if (t.startsWith('p')) {
      vars = Number(t.split(/\s+/)[2]);
      continue;
    }
    for (const tok of t.split(/\s+/)) {
      const v = Number(tok);
      if (v === 0) {
        clauses.push(cur);
        cur = [];
      } else cur.push(v);
    }
  }
  return { vars, clauses };
}

/** A SAT witness: one DIMACS literal per variable, ±i in position i − 1, satisfying every clause. */
function expectSatWitness(e: ExpectStatic, cnf: Cnf, witness: unknown): void {
  e(Array.isArray(witness), `witness ${JSON.stringify(witness)}`).toBe(true);
  const w = witness as number[];
  e(w.length).toBe(cnf.vars);
  w.forEach((lit, i) => e(Math.abs(lit), `witness[${i}] = ${lit}`).toBe(i + 1));
  const truth = new Set(w);
  cnf.clauses.forEach((c, i) =>
    e(
      c.some((lit) => truth.has(lit)),
      `clause ${i + 1} (${c.join(' ')}) falsified`,
    ).toBe(true),
  );
}

function dot(...vs: string[]): number {
  let s = 0;
  for (let k = 0; k < vs[0]!.length; k++) if (vs.every((v) => v[k] === '1')) s++;
  return s;
}

interface VectorFile {
  problem: string;
  dim: number;
  A: string[];
  B: string[];
  C?: string[];
  provenance?: Provenance;
}

interface Provenance {
  tool: string;
  version: string;
  command: string;
  seed: number | null;
  generator: string;
  params: Record<string, unknown>;
  expected?: { answer: string; source: string; oracle?: string };
  from?: Provenance;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function parseJsonOut<T>(e: ExpectStatic, r: RunResult): T {
  let v: T | undefined;
  e(() => (v = JSON.parse(r.stdout) as T), `stdout is not JSON\n${show(r)}`).not.toThrow();
  return v as T;
}

/** Lines of a DIMACS file without those that record the command line (which names -o FILE). */
interface CheckJson {
  problem: string;
  answer: string;
  oracle: string | null;
  agree: boolean | null;
  witness: unknown;
  witnessVerified: boolean | null;
  chain: string[];
  params: { tokens: number; width: number; layers: number; heads: number; maxAbsEntry: number; beta: number | null };
  margin: number;
  robustToOutputError: boolean;
}

/** Every field `seth check --json` promises (issue #3), with sane values. */
function expectCheckReport(e: ExpectStatic, rep: CheckJson, answer: string): void {
  for (const k of ['answer', 'oracle', 'agree', 'witness', 'witnessVerified', 'chain', 'params', 'margin', 'robustToOutputError']) {
    e(rep, `field ${k} missing`).toHaveProperty(k);
  }
  e(rep.answer).toBe(answer);
  e(rep.oracle).toBe(answer);
  e(rep.agree).toBe(true);
  e(Array.isArray(rep.chain) && rep.chain.length > 0).toBe(true);
  for (const k of ['tokens', 'width', 'layers', 'heads', 'maxAbsEntry', 'beta'] as const) e(rep.params, `params.${k}`).toHaveProperty(k);
  for (const k of ['tokens', 'width', 'layers', 'heads'] as const) {
    e(Number.isInteger(rep.params[k]) && rep.params[k] >= 1, `params.${k} = ${rep.params[k]}`).toBe(true);
  }
  e(rep.params.maxAbsEntry).toBeGreaterThan(0);
  e(rep.margin).toBeGreaterThanOrEqual(0.4);
  e(rep.robustToOutputError).toBe(true);
  if (answer === 'SAT' || answer === 'YES') e(rep.witnessVerified).toBe(true);
  else e(rep.witness).toBeNull();
}

/** Minimal structural check of a JSON Schema document (no validator library in the project). */
function expectJsonSchema(e: ExpectStatic, schema: unknown, path = '#'): void {
  const TYPES = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];
  e(typeof schema === 'object' && schema !== null && !Array.isArray(schema), `${path} is not a schema object`).toBe(true);
  const s = schema as Record<string, unknown>;
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    for (const t of types) e(TYPES, `${path}.type = ${String(t)}`).toContain(t);
  }
  if (s.properties !== undefined) {
    const props = s.properties as Record<string, unknown>;
    for (const [k, v] of Object.entries(props)) expectJsonSchema(e, v, `${path}.properties.${k}`);
    if (s.required !== undefined) {
      e(Array.isArray(s.required), `${path}.required`).toBe(true);
      for (const r of s.required as string[]) e(Object.keys(props), `${path}.required names ${r}`).toContain(r);
    }
  }
  if (s.items !== undefined && typeof s.items === 'object') expectJsonSchema(e, s.items, `${path}.items`);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (s[key] !== undefined) (s[key] as unknown[]).forEach((sub, i) => expectJsonSchema(e, sub, `${path}.${key}[${i}]`));
  }
  if (typeof s.$ref === 'string') e(s.$ref, `${path}.$ref`).toMatch(/^#/);
}

// ---------------------------------------------------------------- gen

describe.concurrent('seth gen', () => {
  const KSAT = ['gen', 'ksat', '--vars', '20', '--clauses', '91', '--k', '3', '--seed', '7'];
  let dir: string;
  beforeAll(() => {
    dir = newTmp('gen');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gen ksat --vars 20 --clauses 91 --k 3 --seed 7: DIMACS with a provenance header', async ({ expect }) => {
    const r = await sethOnce(KSAT);
    expectOk(expect, r);
    const text = r.stdout;
    expect(text).toMatch(/^c generator: \S*ksat/m);
    expect(text).toContain(`c tool: seth-workbench ${VERSION}`);
    expect(text).toMatch(/^c seed: 7$/m);
    expect(text).toMatch(/^c command: seth gen ksat --vars 20 --clauses 91 --k 3 --seed 7$/m);
    expect(text).toMatch(/^c expected: (SAT|UNSAT) \(/m);
    // Header comments come before the problem line.
    const pLine = text.split('\n').findIndex((l) => l.startsWith('p '));
    expect(
      text
        .split('\n')
        .slice(0, pLine)
        .every((l) => l.startsWith('c')),
    ).toBe(true);
    expect(text).toMatch(/^p cnf 20 91$/m);
    const cnf = readCnf(text);
    expect(cnf.vars).toBe(20);
    expect(cnf.clauses).toHaveLength(91);
    const seen = new Set<string>();
    for (const c of cnf.clauses) {
      expect(c).toHaveLength(3);
      expect(new Set(c.map(Math.abs)).size).toBe(3);
      for (const lit of c) expect(Math.abs(lit) >= 1 && Math.abs(lit) <= 20).toBe(true);
      seen.add([...c].sort((a, b) => a - b).join(' '));
    }
    expect(seen.size, 'duplicate clauses').toBe(91);
  });

  it('same seed gives the same bytes; another seed gives another formula', async ({ expect }) => {
    const [a, b, c] = await Promise.all([sethOnce(KSAT), seth(KSAT), seth([...KSAT.slice(0, -1), '8'])]);
    expectOk(expect, a);
    expectOk(expect, b);
    expectOk(expect, c);
    expect(a.stdout.length).toBeGreaterThan(0);
    expect(withoutRunRecords(b.stdout)).toBe(withoutRunRecords(a.stdout));
    expect(readCnf(c.stdout).clauses).not.toEqual(readCnf(a.stdout).clauses);
  });

  it('seed 0 is a real seed (reproducible, recorded, different from seed 1)', async ({ expect }) => {
    const args = ['gen', 'ov', '--size', '8', '--dim', '10', '--seed'];
    const [a, b, c] = await Promise.all([seth([...args, '0']), seth([...args, '0']), seth([...args, '1'])]);
    expectOk(expect, a);
    expectOk(expect, c);
    expect(withoutRunRecords(b.stdout)).toBe(withoutRunRecords(a.stdout));
    const f0 = parseJsonOut<VectorFile>(expect, a);
    const f1 = parseJsonOut<VectorFile>(expect, c);
    expect(f0.provenance?.seed).toBe(0);
    expect(f1.provenance?.seed).toBe(1);
    expect(f0.A).not.toEqual(f1.A);
  });

  it('gen php --pigeons 5 --holes 4: PHP(5,4), UNSAT by construction', async ({ expect }) => {
    const r = await seth(['gen', 'php', '--pigeons', '5', '--holes', '4']);
    expectOk(expect, r);
    expect(r.stdout).toMatch(/^p cnf 20 45$/m);
    expect(r.stdout).toMatch(/^c expected: UNSAT \(construction\)$/m);
    expect(r.stdout).toMatch(/^c seed: none$/m);
    const cnf = readCnf(r.stdout);
    expect(cnf.clauses).toHaveLength(5 + (4 * 5 * 4) / 2);
    expect(cnf.clauses.slice(0, 5).every((c) => c.length === 4 && c.every((l) => l > 0))).toBe(true);
    expect(cnf.clauses.slice(5).every((c) => c.length === 2 && c.every((l) => l < 0))).toBe(true);
  });

  it('gen ov --size 64 --dim 24 --density 0.5 --plant --seed 1: one planted orthogonal pair', async ({ expect }) => {
    const r = await seth(['gen', 'ov', '--size', '64', '--dim', '24', '--density', '0.5', '--plant', '--seed', '1']);
    expectOk(expect, r);
    const f = parseJsonOut<VectorFile>(expect, r);
    expect(f.problem).toBe('ov');
    expect(f.dim).toBe(24);
    expect(f.A).toHaveLength(64);
    expect(f.B).toHaveLength(64);
    for (const v of [...f.A, ...f.B]) expect(v).toMatch(/^[01]{24}$/);
    let pairs = 0;
    for (const a of f.A) for (const b of f.B) if (dot(a, b) === 0) pairs++;
    expect(pairs).toBe(1);
    const p = f.provenance!;
    expect(p.tool).toBe('seth-workbench');
    expect(p.version).toBe(VERSION);
    expect(p.seed).toBe(1);
    expect(p.command).toBe('seth gen ov --size 64 --dim 24 --density 0.5 --plant --seed 1');
    expect(p.expected).toEqual({ answer: 'YES', source: 'construction' });
  });

  it('gen ov --no: a certified NO instance', async ({ expect }) => {
    const r = await seth(['gen', 'ov', '--size', '12', '--dim', '10', '--no', '--seed', '4']);
    expectOk(expect, r);
    const f = parseJsonOut<VectorFile>(expect, r);
    for (const a of f.A) for (const b of f.B) expect(dot(a, b)).toBeGreaterThan(0);
    expect(f.provenance?.expected).toEqual({ answer: 'NO', source: 'construction' });
  });

  it('gen 3ov --size 6 --size-b 5 --size-c 4 --dim 10 --plant --seed 2: exactly one zero triple', async ({ expect }) => {
    const r = await seth(['gen', '3ov', '--size', '6', '--size-b', '5', '--size-c', '4', '--dim', '10', '--density', '0.6', '--plant', '--seed', '2']);
    expectOk(expect, r);
    const f = parseJsonOut<VectorFile>(expect, r);
    expect(f.problem).toBe('3ov');
    expect([f.A.length, f.B.length, f.C?.length]).toEqual([6, 5, 4]);
    let triples = 0;
    for (const a of f.A) for (const b of f.B) for (const c of f.C!) if (dot(a, b, c) === 0) triples++;
    expect(triples).toBe(1);
    expect(f.provenance?.expected).toEqual({ answer: 'YES', source: 'construction' });
  });

  it('-o FILE writes the file (nothing on stdout), the same instance as on stdout', async ({ expect }) => {
    const out = join(dir, 'o.cnf');
    const [r, s] = await Promise.all([seth([...KSAT, '-o', out]), sethOnce(KSAT)]);
    expectOk(expect, r);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(true);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain(`-o ${out}`);
    expect(withoutRunRecords(text)).toBe(withoutRunRecords(s.stdout));
    expect(tempLeftovers(dir)).toEqual([]);
  });

  it('output validates against `seth schema` (required fields present)', async ({ expect }) => {
    const [g, s] = await Promise.all([seth(['gen', '3ov', '--size', '3', '--dim', '4', '--seed', '5']), seth(['schema', '3ov'])]);
    expectOk(expect, g);
    expectOk(expect, s);
    const f = parseJsonOut<Record<string, unknown>>(expect, g);
    const schema = parseJsonOut<{ required?: string[] }>(expect, s);
    for (const k of schema.required ?? []) expect(f, `required field ${k}`).toHaveProperty(k);
  });

  it('shipped generated instances are reproduced by the command they record', async ({ expect }) => {
    const files = readdirSync(INSTANCES).filter((f) => /\.(cnf|json)$/.test(f));
    const made: { f: string; command: string }[] = [];
    for (const f of files) {
      const text = readFileSync(join(INSTANCES, f), 'utf8');
      const command = f.endsWith('.json') ? (JSON.parse(text) as { provenance?: Provenance }).provenance?.command : /^c command: (.*)$/m.exec(text)?.[1];
      if (command?.startsWith('seth gen ')) made.push({ f, command });
    }
    expect(made.map((m) => m.f).sort()).toEqual(['3ov-planted.json', 'ov-no.json', 'ov-planted.json', 'php-5-4.cnf']);
    const runs = await Promise.all(
      made.map(async ({ f, command }) => {
        const args = command.split(' ').slice(1);
        const o = args.indexOf('-o');
        expect(args[o + 1]).toBe(`instances/${f}`);
        args.splice(o, 2);
        return { f, r: await seth(args) };
      }),
    );
    for (const { f, r } of runs) {
      expectOk(expect, r);
      expect(withoutRunRecords(r.stdout), f).toBe(withoutRunRecords(readFileSync(join(INSTANCES, f), 'utf8')));
    }
  });

  it('gen ksat --vars 3 --clauses 5 --k 4 (k > n): exit 2 with a clear message', async ({ expect }) => {
    const r = await seth(['gen', 'ksat', '--vars', '3', '--clauses', '5', '--k', '4']);
    expectUserError(expect, r, '--k', /vars/);
    expect(r.stdout).toBe('');
  });

  it('unknown family: exit 2', async ({ expect }) => {
    const r = await seth(['gen', 'nope']);
    expect(r.code, show(r)).toBe(2);
    expectNoTrace(expect, r);
    expect(r.stderr).toMatch(/^seth: /);
  });
});

// ---------------------------------------------------------------- solve, info, piping

describe.concurrent('seth solve / seth info', () => {
  let dir: string;
  beforeAll(() => {
    dir = newTmp('solve');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('solve tiny-sat.cnf --json: SAT with one DIMACS literal per variable, satisfying the formula', async ({ expect }) => {
    const r = await sethOnce(['solve', 'instances/tiny-sat.cnf', '--json']);
    expectOk(expect, r);
    const j = parseJsonOut<{ answer: string; witness: unknown }>(expect, r);
    expect(j.answer).toBe('SAT');
    expectSatWitness(expect, readCnf(readFileSync(join(INSTANCES, 'tiny-sat.cnf'), 'utf8')), j.witness);
  });

  it('solve tiny-unsat.cnf --json: UNSAT, witness null', async ({ expect }) => {
    const r = await sethOnce(['solve', 'instances/tiny-unsat.cnf', '--json']);
    expectOk(expect, r);
    const j = parseJsonOut<{ answer: string; witness: unknown }>(expect, r);
    expect(j).toMatchObject({ answer: 'UNSAT', witness: null });
  });

  it('solve on OV / 3-OV files: YES with an index witness that checks, NO without', async ({ expect }) => {
    const [ov, no, tri] = await Promise.all([
      sethOnce(['solve', 'instances/ov-planted.json', '--json']),
      sethOnce(['solve', 'instances/ov-no.json', '--json']),
      sethOnce(['solve', 'instances/3ov-planted.json', '--json']),
    ]);
    for (const r of [ov, no, tri]) expectOk(expect, r);
    const jo = parseJsonOut<{ answer: string; witness: [number, number] }>(expect, ov);
    const fo = readJson<VectorFile>(join(INSTANCES, 'ov-planted.json'));
    expect(jo.answer).toBe('YES');
    expect(dot(fo.A[jo.witness[0]]!, fo.B[jo.witness[1]]!)).toBe(0);
    expect(parseJsonOut<{ answer: string; witness: unknown }>(expect, no)).toMatchObject({ answer: 'NO', witness: null });
    const jt = parseJsonOut<{ answer: string; witness: [number, number, number] }>(expect, tri);
    const ft = readJson<VectorFile>(join(INSTANCES, '3ov-planted.json'));
    expect(jt.answer).toBe('YES');
    expect(dot(ft.A[jt.witness[0]]!, ft.B[jt.witness[1]]!, ft.C![jt.witness[2]]!)).toBe(0);
  });

  it('solve without --json prints the answer and the verified witness', async ({ expect }) => {
    const r = await seth(['solve', 'instances/tiny-sat.cnf']);
    expectOk(expect, r);
    expect(r.stdout.split('\n')[0]).toBe('SAT');
    expect(r.stdout).toMatch(/witness: .*verified/);
  });

  it('every shipped instance: the oracle agrees with the answer its header records', async ({ expect }) => {
    const files = readdirSync(INSTANCES).filter((f) => /\.(cnf|json)$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(8);
    const runs = await Promise.all(files.map(async (f) => ({ f, solve: await sethOnce(['solve', `instances/${f}`, '--json']) })));
    for (const { f, solve } of runs) {
      expectOk(expect, solve);
      const expected = recordedAnswer(join(INSTANCES, f));
      expect(expected, `${f}: no expected answer in its header`).toBeDefined();
      expect(parseJsonOut<{ answer: string }>(expect, solve).answer, f).toBe(expected);
    }
  });

  it('piping: seth gen ksat … | seth solve -', async ({ expect }) => {
    const r = await shell('seth gen ksat --vars 20 --clauses 91 --k 3 --seed 7 | seth solve - --json');
    expectOk(expect, r);
    const j = parseJsonOut<{ answer: string; witness: unknown }>(expect, r);
    expect(['SAT', 'UNSAT']).toContain(j.answer);
    const g = await sethOnce(['gen', 'ksat', '--vars', '20', '--clauses', '91', '--k', '3', '--seed', '7']);
    expect(g.stdout).toContain(`c expected: ${j.answer}`);
    if (j.answer === 'SAT') expectSatWitness(expect, readCnf(g.stdout), j.witness);
  });

  it('solve - reads standard input', async ({ expect }) => {
    const r = await seth(['solve', '-', '--json'], { input: readFileSync(join(INSTANCES, 'tiny-unsat.cnf')) });
    expectOk(expect, r);
    expect(parseJsonOut<{ answer: string }>(expect, r).answer).toBe('UNSAT');
  });

  it('DIMACS: comments anywhere (including `c p …`), clauses across lines, SATLIB `%` trailer', async ({ expect }) => {
    const f = join(dir, 'loose.cnf');
    writeFileSync(f, 'c p cnf 9 9\np cnf 3 2\n1 -2\nc in between\n 3 0 -1 2 0\n%\n0\n\n');
    const r = await seth(['solve', f, '--json']);
    expectOk(expect, r);
    const j = parseJsonOut<{ answer: string; witness: unknown }>(expect, r);
    expect(j.answer).toBe('SAT');
    expectSatWitness(
      expect,
      {
        vars: 3,
        clauses: [
          [1, -2, 3],
          [-1, 2],
        ],
      },
      j.witness,
    );
  });

  it('info FILE: problem, sizes and provenance of a DIMACS file', async ({ expect }) => {
    const r = await seth(['info', 'instances/php-5-4.cnf']);
    expectOk(expect, r);
    expect(r.stdout).toMatch(/ksat/);
    expect(r.stdout).toMatch(/vars = 20/);
    expect(r.stdout).toMatch(/clauses = 45/);
    expect(r.stdout).toMatch(/seth gen php --pigeons 5 --holes 4/);
    expect(r.stdout).toMatch(/UNSAT \(construction\)/);
  });

  it('info FILE --json on an OV file', async ({ expect }) => {
    const r = await seth(['info', 'instances/ov-planted.json', '--json']);
    expectOk(expect, r);
    const j = parseJsonOut<{ problem: string; sizes: Record<string, number>; provenance: Provenance }>(expect, r);
    expect(j.problem).toBe('ov');
    expect(j.sizes).toMatchObject({ sizeA: 16, sizeB: 16, dim: 12 });
    expect(j.provenance.expected?.answer).toBe('YES');
    expect(j.provenance.seed).toBe(1);
  });
});

// ---------------------------------------------------------------- list, schema, path

describe.concurrent('seth list / schema / path', () => {
  it('list names the problems, generators, reductions', async ({ expect }) => {
    const r = await seth(['list']);
    expectOk(expect, r);
    for (const w of ['ksat', 'ov', '3ov', 'transformer', 'php', 'ksat-to-ov', 'ksat-to-3ov', 'ov-to-3ov', 'ov-to-attention', '3ov-to-transformer']) {
      expect(r.stdout).toContain(w);
    }
  });

  it('list --json', async ({ expect }) => {
    const r = await seth(['list', '--json']);
    expectOk(expect, r);
    const j = parseJsonOut<{ problems: { id: string }[]; generators: { id: string }[]; reductions: { id: string }[] }>(expect, r);
    expect(j.problems.map((p) => p.id)).toEqual(expect.arrayContaining(['ksat', 'ov', '3ov', 'transformer']));
    expect(j.generators.map((g) => g.id)).toEqual(expect.arrayContaining(['ksat', 'php', 'ov', '3ov']));
    expect(j.reductions.map((x) => x.id)).toEqual(expect.arrayContaining(['ksat-to-ov', 'ksat-to-3ov', 'ov-to-3ov', 'ov-to-attention', '3ov-to-transformer']));
  });

  for (const problem of ['ksat', 'ov', '3ov', 'transformer']) {
    it(`schema ${problem}: a valid JSON Schema of the instance file`, async ({ expect }) => {
      const r = await seth(['schema', problem]);
      expectOk(expect, r);
      const s = parseJsonOut<Record<string, unknown>>(expect, r);
      expect(String(s.$schema)).toMatch(/^https?:\/\/json-schema\.org\//);
      expect(s.type).toBe('object');
      expect(s.properties).toHaveProperty('problem');
      expect(s.required).toContain('problem');
      expectJsonSchema(expect, s);
    });
  }

  it('schema of an unknown problem: exit 2', async ({ expect }) => {
    expectUserError(expect, await seth(['schema', 'nope']), 'nope');
  });

  it('path ksat transformer lists both chains', async ({ expect }) => {
    const r = await seth(['path', 'ksat', 'transformer']);
    expectOk(expect, r);
    expect(r.stdout).toMatch(/ksat-to-3ov → 3ov-to-transformer/);
    expect(r.stdout).toMatch(/ksat-to-ov → ov-to-3ov → 3ov-to-transformer/);
  });

  it('path ksat transformer --json', async ({ expect }) => {
    const r = await seth(['path', 'ksat', 'transformer', '--json']);
    expectOk(expect, r);
    const chains = parseJsonOut<{ id: string }[][]>(expect, r).map((c) => c.map((x) => x.id).join(','));
    expect(chains).toContain('ksat-to-3ov,3ov-to-transformer');
    expect(chains).toContain('ksat-to-ov,ov-to-3ov,3ov-to-transformer');
  });
});

// ---------------------------------------------------------------- reduce, info, eval

describe('seth reduce / info / eval on a transformer', () => {
  let dir: string;
  let model: string;
  let reduced: RunResult;
  beforeAll(async () => {
    dir = newTmp('reduce');
    model = join(dir, 'model.json');
    reduced = await seth(['reduce', 'instances/tiny-sat.cnf', '--to', 'transformer', '--layers', '2', '--heads', '2', '-o', model]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reduce FILE --to transformer --layers 2 --heads 2 -o OUT writes the model', () => {
    expectOk(expect, reduced);
    expect(reduced.stdout).toBe('');
    const m = readJson<{ problem: string; config: Record<string, unknown>; provenance: Provenance }>(model);
    expect(m.problem).toBe('transformer');
    expect(m.config).toMatchObject({ layers: 2, heads: 2 });
    expect(m.provenance.command).toContain('seth reduce instances/tiny-sat.cnf');
    expect(m.provenance.from).toBeDefined();
    expect(tempLeftovers(dir)).toEqual([]);
  });

  describe.concurrent('on the reduced model', () => {
    it('info OUT: every declared size equals the measured one (✓)', async ({ expect }) => {
      const r = await seth(['info', model]);
      expectOk(expect, r);
      expect(r.stdout).toMatch(/transformer/);
      const rows = r.stdout.split('\n').filter((l) => /measured \d/.test(l));
      expect(rows.map((l) => l.trim().split(/\s+/)[0])).toEqual(expect.arrayContaining(['tokens', 'width', 'layers', 'heads']));
      for (const l of rows) {
        expect(l).toMatch(/✓\s*$/);
        expect(l).not.toContain('✗');
      }
    });

    it('info OUT --json: measured = declared', async ({ expect }) => {
      const r = await seth(['info', model, '--json']);
      expectOk(expect, r);
      const j = parseJsonOut<{ measured: Record<string, number>; declared: { sizes: Record<string, number> } }>(expect, r);
      expect(j.measured).toMatchObject({ layers: 2, heads: 2 });
      for (const [k, v] of Object.entries(j.declared.sizes)) expect(j.measured[k], k).toBe(v);
    });

    it('eval OUT -o X_L.json: X_L of tokens × width, finite, with provenance', async ({ expect }) => {
      const xl = join(dir, 'X_L.json');
      const r = await seth(['eval', model, '-o', xl]);
      expectOk(expect, r);
      let j: { tokens: number; width: number; X_L: number[][]; provenance: Provenance } | undefined;
      expect(() => (j = readJson(xl))).not.toThrow();
      const m = readJson<{ config: { tokens: number; width: number } }>(model);
      expect(j!.X_L).toHaveLength(m.config.tokens);
      for (const row of j!.X_L) {
        expect(row).toHaveLength(m.config.width);
        for (const x of row) expect(Number.isFinite(x)).toBe(true);
      }
      expect(j!.provenance.tool).toBe('seth-workbench');
      expect(j!.provenance.command).toContain('seth eval');
      expect(j!.provenance.from?.generator).toBe('3ov-to-transformer');
    });

    it('eval OUT -o - prints X_L on stdout', async ({ expect }) => {
      const r = await seth(['eval', model, '-o', '-']);
      expectOk(expect, r);
      expect(parseJsonOut<{ X_L: number[][] }>(expect, r).X_L.length).toBeGreaterThan(0);
    });

    it('reduce --to ov writes an OV instance', async ({ expect }) => {
      const out = join(dir, 'ov.json');
      const r = await seth(['reduce', 'instances/tiny-sat.cnf', '--to', 'ov', '-o', out]);
      expectOk(expect, r);
      const f = readJson<VectorFile>(out);
      expect(f.problem).toBe('ov');
      expect(f.dim).toBe(10);
      expect(f.A.length * f.B.length).toBe(64);
    });

    it('reduce --via an explicit chain that connects', async ({ expect }) => {
      const out = join(dir, 'via.json');
      const r = await seth(['reduce', 'instances/tiny-sat.cnf', '--via', 'ksat-to-ov,ov-to-3ov,3ov-to-transformer', '-o', out]);
      expectOk(expect, r);
      expect(readJson<{ problem: string }>(out).problem).toBe('transformer');
    });

    it('eval on a non-model instance: exit 2', async ({ expect }) => {
      const r = await seth(['eval', 'instances/tiny-sat.cnf', '-o', join(dir, 'never.json')]);
      expectUserError(expect, r, 'instances/tiny-sat.cnf');
      expect(existsSync(join(dir, 'never.json'))).toBe(false);
    });
  });
});

// ---------------------------------------------------------------- check

describe.concurrent('seth check', () => {
  const cases: [string, string, string[]][] = [
    ['instances/tiny-sat.cnf', 'SAT', []],
    ['instances/tiny-unsat.cnf', 'UNSAT', []],
    ['instances/php-3-2.cnf', 'UNSAT', []],
    ['instances/php-5-4.cnf', 'UNSAT', []],
    ['instances/uf20-like-sat.cnf', 'SAT', ['--layers', '2', '--heads', '2']],
    ['instances/ov-planted.json', 'YES', []],
    ['instances/ov-no.json', 'NO', []],
    ['instances/3ov-planted.json', 'YES', []],
  ];
  for (const [file, answer, extra] of cases) {
    it(`check ${file} ${extra.join(' ')} --json → ${answer}, every field`, async ({ expect }) => {
      const r = await seth(['check', file, ...extra, '--json']);
      expectOk(expect, r);
      const rep = parseJsonOut<CheckJson>(expect, r);
      expectCheckReport(expect, rep, answer);
      expect(rep.chain[rep.chain.length - 1]).toBe('3ov-to-transformer');
      if (extra.includes('--layers')) expect(rep.params).toMatchObject({ layers: 2, heads: 2 });
      if (answer === 'SAT') expectSatWitness(expect, readCnf(readFileSync(join(ROOT, file), 'utf8')), rep.witness);
      if (file.endsWith('/ov-planted.json')) {
        const f = readJson<VectorFile>(join(ROOT, file));
        const [i, j] = rep.witness as [number, number];
        expect(dot(f.A[i]!, f.B[j]!)).toBe(0);
      }
      if (file.endsWith('/3ov-planted.json')) {
        const f = readJson<VectorFile>(join(ROOT, file));
        const [i, j, k] = rep.witness as [number, number, number];
        expect(dot(f.A[i]!, f.B[j]!, f.C![k]!)).toBe(0);
      }
    });
  }

  it('check on a freshly generated OV file (plain and --to attention)', async ({ expect }) => {
    const dir = newTmp('check-ov');
    try {
      const f = join(dir, 'ov.json');
      expectOk(expect, await seth(['gen', 'ov', '--size', '12', '--dim', '10', '--plant', '--seed', '3', '-o', f]));
      const [t, a] = await Promise.all([seth(['check', f, '--json']), seth(['check', f, '--to', 'attention', '--json'])]);
      expectOk(expect, t);
      expectOk(expect, a);
      const rt = parseJsonOut<CheckJson>(expect, t);
      const ra = parseJsonOut<CheckJson>(expect, a);
      expectCheckReport(expect, rt, 'YES');
      expectCheckReport(expect, ra, 'YES');
      expect(ra.chain).toEqual(['ov-to-attention']);
      expect(ra.params).toMatchObject({ layers: 1, heads: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('check instances/ov-no.json --to attention → NO', async ({ expect }) => {
    const r = await seth(['check', 'instances/ov-no.json', '--to', 'attention', '--json']);
    expectOk(expect, r);
    const rep = parseJsonOut<CheckJson>(expect, r);
    expectCheckReport(expect, rep, 'NO');
    expect(rep.chain).toEqual(['ov-to-attention']);
  });

  it('check --via ksat-to-ov,ov-to-3ov,3ov-to-transformer', async ({ expect }) => {
    const r = await seth(['check', 'instances/tiny-sat.cnf', '--via', 'ksat-to-ov,ov-to-3ov,3ov-to-transformer', '--json']);
    expectOk(expect, r);
    const rep = parseJsonOut<CheckJson>(expect, r);
    expect(rep.chain).toEqual(['ksat-to-ov', 'ov-to-3ov', '3ov-to-transformer']);
    expectCheckReport(expect, rep, 'SAT');
  });

  it('check without --json prints a table', async ({ expect }) => {
    const r = await seth(['check', 'instances/tiny-sat.cnf']);
    expectOk(expect, r);
    for (const w of ['chain', 'answer', 'oracle', 'witness', 'margin', 'robust']) expect(r.stdout).toContain(w);
    expect(r.stdout).toMatch(/agree/);
    expect(r.stdout).toMatch(/✓ verified/);
  });

  const uf = join(SATLIB, 'uf20-91', 'uf20-01.cnf');
  it.skipIf(!existsSync(uf))('check ../shared/data/satlib/uf20-91/uf20-01.cnf --layers 2 --heads 2 → SAT, verified', async ({ expect }) => {
    const r = await seth(['check', uf, '--layers', '2', '--heads', '2', '--json']);
    expectOk(expect, r);
    const rep = parseJsonOut<CheckJson>(expect, r);
    expectCheckReport(expect, rep, 'SAT');
    expectSatWitness(expect, readCnf(readFileSync(uf, 'utf8')), rep.witness);
  });
});

// ---------------------------------------------------------------- test-reduction

describe.concurrent('seth test-reduction', () => {
  it('test-reduction ksat-to-ov --runs 20 --seed 3: exit 0', async ({ expect }) => {
    const r = await seth(['test-reduction', 'ksat-to-ov', '--runs', '20', '--seed', '3']);
    expectOk(expect, r);
    expect(r.stdout).toMatch(/ok\s+ksat-to-ov/);
    expect(r.stdout).toMatch(/seed 3/);
  });

  it('test-reduction nope: exit 2', async ({ expect }) => {
    expectUserError(expect, await seth(['test-reduction', 'nope']), 'nope');
  });
});

// ---------------------------------------------------------------- usage errors

describe.concurrent('usage errors (exit 2)', () => {
  it('no command', async ({ expect }) => {
    expectUsageError(expect, await seth([]));
  });

  it('unknown command', async ({ expect }) => {
    expectUsageError(expect, await seth(['frobnicate']), 'frobnicate');
  });

  it('unknown option: exit 2 and the command does not run', async ({ expect }) => {
    const r = await seth(['solve', 'instances/tiny-sat.cnf', '--bogus']);
    expectUsageError(expect, r, 'bogus');
    expect(r.stdout, 'the command ran despite the usage error').toBe('');
  });

  it('unknown option on a writing command writes nothing', async ({ expect }) => {
    const dir = newTmp('usage');
    try {
      const out = join(dir, 'out.json');
      const r = await seth(['reduce', 'instances/tiny-sat.cnf', '-o', out, '--bogus']);
      expectUsageError(expect, r, 'bogus');
      expect(existsSync(out), 'output written despite the usage error').toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('missing file', async ({ expect }) => {
    expectUserError(expect, await seth(['solve', 'instances/does-not-exist.cnf']), 'instances/does-not-exist.cnf');
  });

  it('--version prints the version', async ({ expect }) => {
    const r = await seth(['--version']);
    expectOk(expect, r);
    expect(r.stdout.trim()).toBe(VERSION);
  });
});

// ---------------------------------------------------------------- bad input

describe.concurrent('bad input: exit 2, one line naming the file, no stack trace', () => {
  let dir: string;
  let modelText: string;
  const file = (name: string, content: string | Buffer): string => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  beforeAll(async () => {
    dir = newTmp('bad');
    const m = join(dir, 'good-model.json');
    const r = await seth(['reduce', 'instances/tiny-sat.cnf', '--to', 'transformer', '--layers', '2', '--heads', '2', '-o', m]);
    if (r.code !== 0) throw new Error(`cannot make the base model for the bad-input tests\n${show(r)}`);
    modelText = readFileSync(m, 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** DIMACS cases: [name, text, line:col that must be named, words of the message]. */
  const dimacs: [string, string, string, RegExp][] = [
    ['missing p line', '1 2 0\n-1 0\n', '1:1', /p cnf/],
    ['two p lines', 'p cnf 2 1\np cnf 2 1\n1 2 0\n', '2:1', /p/],
    ['a stray 0 (an empty clause beyond the declared count)', 'p cnf 2 1\n1 2 0\n0\n', '3:1', /0|clause/],
    ['literal > n', 'p cnf 2 1\n1 3 0\n', '2:3', /3/],
    ['non-integer token', 'p cnf 2 1\n1 x 0\n', '2:3', /x/],
    ['fewer clauses than declared', 'p cnf 2 3\n1 2 0\n-1 0\n', '4:1', /3/],
    ['more clauses than declared', 'p cnf 2 1\n1 2 0\n-1 0\n', '3:', /1/],
    ['unterminated last clause', 'p cnf 2 2\n1 2 0\n-1\n', '3:', /0/],
    ['malformed p line', 'p cnf two 1\n1 0\n', '1:', /expected/],
  ];
  for (const [name, text, pos, what] of dimacs) {
    it(`DIMACS: ${name}`, async ({ expect }) => {
      const f = file(`${name.replace(/\W+/g, '-')}.cnf`, text);
      const r = await seth(['solve', f]);
      expectUserError(expect, r, `${f}:${pos}`, /expected/, what);
      expect(r.stdout).toBe('');
    });
  }

  it('DIMACS errors name the file also when read from stdin', async ({ expect }) => {
    const r = await seth(['solve', '-'], { input: 'p cnf 2 1\n1 3 0\n' });
    expectUserError(expect, r, '<stdin>:2:3');
  });

  it('empty file', async ({ expect }) => {
    const f = file('empty.cnf', '');
    expectUserError(expect, await seth(['solve', f]), f, /empty/);
  });

  it('binary garbage (random bytes with NULs)', async ({ expect }) => {
    const bytes = Buffer.alloc(4096);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      bytes[i] = x >>> 24;
    }
    bytes[17] = 0;
    bytes[1000] = 0;
    const f = file('garbage.bin', bytes);
    expectUserError(expect, await seth(['solve', f]), f, /binary/);
  });

  it('a header declaring a huge size is refused with an estimate and --force', async ({ expect }) => {
    const f = file('huge.cnf', 'p cnf 5 100000000000\n1 0\n');
    const r = await seth(['solve', f]);
    expectUserError(expect, r, f, '--force', BYTE_ESTIMATE);
    expect(r.ms).toBeLessThan(15_000);
  });

  it('JSON failing the schema names the field path (A[1])', async ({ expect }) => {
    const f = file('schema.json', '{"problem":"ov","dim":3,"A":["010",5],"B":["111"]}');
    expectUserError(expect, await seth(['solve', f]), f, 'A[1]');
  });

  it('JSON without a known "problem"', async ({ expect }) => {
    const f = file('noproblem.json', '{"dim":3,"A":[],"B":[]}');
    expectUserError(expect, await seth(['solve', f]), f, 'problem');
  });

  it('truncated JSON', async ({ expect }) => {
    const f = file('truncated.json', '{"problem":"ov","dim":3,');
    expectUserError(expect, await seth(['info', f]), f, /JSON/);
  });

  it('OV vectors of unequal length', async ({ expect }) => {
    const f = file('unequal.json', '{"problem":"ov","dim":3,"A":["010","01"],"B":["111"]}');
    expectUserError(expect, await seth(['solve', f]), f, 'A[1]', /3/);
  });

  it('3-OV vector with entries not 0/1', async ({ expect }) => {
    const f = file('not01.json', '{"problem":"3ov","dim":3,"A":["010"],"B":["111"],"C":["102"]}');
    expectUserError(expect, await seth(['solve', f]), f, 'C[0]', /0\/1/);
  });

  it('transformer: mismatched shapes (a short row of X)', async ({ expect }) => {
    const m = JSON.parse(modelText) as { X: number[][] };
    m.X[2] = m.X[2]!.slice(0, 5);
    const f = file('short-row.json', JSON.stringify(m));
    expectUserError(expect, await seth(['eval', f, '-o', join(dir, 'never.json')]), f, 'X[2]');
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });

  it('transformer: mismatched shapes (a weight matrix)', async ({ expect }) => {
    const m = JSON.parse(modelText) as { layers: { heads: { W_Q: number[][] }[] }[] };
    m.layers[0]!.heads[0]!.W_Q.pop();
    const f = file('short-wq.json', JSON.stringify(m));
    expectUserError(expect, await seth(['info', f]), f, /layers\[0\]\.heads\[0\]\.W_Q/);
  });

  it('transformer: config disagrees with X', async ({ expect }) => {
    const m = JSON.parse(modelText) as { config: { tokens: number } };
    m.config.tokens += 1;
    const f = file('bad-config.json', JSON.stringify(m));
    expectUserError(expect, await seth(['check', f, '--json']), f, /X|tokens/);
  });

  it('transformer: a number like 1e999 (Infinity)', async ({ expect }) => {
    const text = JSON.stringify(JSON.parse(modelText)).replace(/"X":\[\[0/, '"X":[[1e999');
    expect(text).toContain('1e999');
    const f = file('infinity.json', text);
    // Refused by the JSON reader at the number itself (JSON.parse would make it Infinity).
    expectUserError(expect, await seth(['eval', f, '-o', '-']), f, /:1:\d+: .*'1e999'/);
  });

  it('transformer: a NaN literal (invalid JSON)', async ({ expect }) => {
    const text = JSON.stringify(JSON.parse(modelText)).replace(/"X":\[\[0/, '"X":[[NaN');
    const f = file('nan.json', text);
    expectUserError(expect, await seth(['eval', f, '-o', '-']), f, /JSON/);
  });

  it('transformer: the NaN error points at the NaN (line:col)', async ({ expect }) => {
    const text = JSON.stringify(JSON.parse(modelText)).replace(/"X":\[\[0/, '"X":[[NaN');
    const f = file('nan2.json', text);
    const col = text.indexOf('NaN') + 1;
    expectUserError(expect, await seth(['info', f]), `${f}:1:${col}:`);
  });

  it('check on k-SAT with 60 variables is refused before allocating, with an estimate and --force, quickly', async ({ expect }) => {
    const f = file('v60.cnf', 'p cnf 60 3\n1 30 60 0\n-2 31 -59 0\n5 -45 58 0\n');
    const r = await seth(['check', f, '--json']);
    expectUserError(expect, r, '--force', BYTE_ESTIMATE);
    expect(r.stdout).toBe('');
    expect(r.ms).toBeLessThan(15_000);
  });

  it('reduce on k-SAT with 60 variables is refused the same way', async ({ expect }) => {
    const f = file('v60r.cnf', 'p cnf 60 3\n1 30 60 0\n-2 31 -59 0\n5 -45 58 0\n');
    const out = join(dir, 'v60r.json');
    const r = await seth(['reduce', f, '-o', out]);
    expectUserError(expect, r, '--force', BYTE_ESTIMATE);
    expect(existsSync(out)).toBe(false);
  });

  it('reduce --via ksat-to-ov,3ov-to-transformer (the chain does not connect)', async ({ expect }) => {
    const out = join(dir, 'via.json');
    const r = await seth(['reduce', 'instances/tiny-sat.cnf', '--via', 'ksat-to-ov,3ov-to-transformer', '-o', out]);
    expectUserError(expect, r, /3ov-to-transformer/);
    expect(existsSync(out)).toBe(false);
  });

  it('reduce --via an unknown reduction', async ({ expect }) => {
    expectUserError(expect, await seth(['reduce', 'instances/tiny-sat.cnf', '--via', 'nope', '-o', join(dir, 'x.json')]), 'nope');
  });

  it('reduce --to an unknown problem', async ({ expect }) => {
    expectUserError(expect, await seth(['reduce', 'instances/tiny-sat.cnf', '--to', 'nope', '-o', join(dir, 'y.json')]), '--to', 'nope');
  });

  it('reduce --to a problem no chain reaches (ov → ksat)', async ({ expect }) => {
    const out = join(dir, 'z.cnf');
    expectUserError(expect, await seth(['reduce', 'instances/ov-planted.json', '--to', 'ksat', '-o', out]), 'ksat');
    expect(existsSync(out)).toBe(false);
  });

  it('gen with a non-numeric option', async ({ expect }) => {
    const r = await seth(['gen', 'ov', '--size', 'many', '--dim', '4']);
    expect(r.code, show(r)).toBe(2);
    expectNoTrace(expect, r);
    expect(r.stdout).toBe('');
  });
});

// ---------------------------------------------------------------- atomic writes

describe.concurrent('atomic writes', () => {
  function setup(): { dir: string; bad: string } {
    const dir = newTmp('atomic');
    const bad = join(dir, 'bad.cnf');
    writeFileSync(bad, 'p cnf 2 1\n1 3 0\n');
    return { dir, bad };
  }

  it('a failing reduce leaves no output and no temporary file', async ({ expect }) => {
    const { dir, bad } = setup();
    try {
      const out = join(dir, 'out.json');
      expectUserError(expect, await seth(['reduce', bad, '-o', out]), bad);
      expect(existsSync(out)).toBe(false);
      expect(tempLeftovers(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failing reduce leaves an existing output untouched', async ({ expect }) => {
    const { dir, bad } = setup();
    try {
      const out = join(dir, 'out.json');
      writeFileSync(out, 'previous contents\n');
      expectUserError(expect, await seth(['reduce', bad, '-o', out]), bad);
      expect(readFileSync(out, 'utf8')).toBe('previous contents\n');
      expect(tempLeftovers(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failing gen (k > n) writes nothing', async ({ expect }) => {
    const { dir } = setup();
    try {
      const out = join(dir, 'out.cnf');
      writeFileSync(out, 'keep\n');
      const r = await seth(['gen', 'ksat', '--vars', '3', '--clauses', '5', '--k', '4', '-o', out]);
      expect(r.code, show(r)).toBe(2);
      expect(readFileSync(out, 'utf8')).toBe('keep\n');
      expect(tempLeftovers(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failing eval leaves an existing output untouched', async ({ expect }) => {
    const { dir } = setup();
    try {
      const out = join(dir, 'X_L.json');
      writeFileSync(out, '{"old":true}\n');
      const r = await seth(['eval', 'instances/ov-planted.json', '-o', out]);
      expectUserError(expect, r);
      expect(readFileSync(out, 'utf8')).toBe('{"old":true}\n');
      expect(tempLeftovers(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a write that fails at the rename (target is a folder) cleans up its temporary file', async ({ expect }) => {
    const { dir } = setup();
    try {
      const target = join(dir, 'target');
      mkdirSync(target);
      const r = await seth(['reduce', 'instances/tiny-sat.cnf', '-o', target]);
      expectUserError(expect, r, target);
      expect(tempLeftovers(dir)).toEqual([]);
      expect(readdirSync(target)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('output into a folder that does not exist: exit 2, one line', async ({ expect }) => {
    const { dir } = setup();
    try {
      const out = join(dir, 'no', 'such', 'folder', 'out.json');
      expectUserError(expect, await seth(['reduce', 'instances/tiny-sat.cnf', '-o', out]), out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a successful write leaves exactly the output in the folder', async ({ expect }) => {
    const { dir } = setup();
    try {
      const out = join(dir, 'ok.json');
      expectOk(expect, await seth(['reduce', 'instances/ov-planted.json', '--to', '3ov', '-o', out]));
      expect(readdirSync(dir).sort()).toEqual(['bad.cnf', 'ok.json']);
      expect(readJson<{ problem: string }>(out).problem).toBe('3ov');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
