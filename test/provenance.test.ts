/**
 * Run records: every file the CLI writes, and `seth check --json`, say which tool (version, git
 * commit), which machine (Node, platform), when (UTC), with which arguments (files absolute) and
 * which inputs (sha256) made them; models reduced from a file no generator made carry that source,
 * so they can be checked on their own; outputs carry the instance fingerprint and per-head outputs.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseNpy } from '../src/formats/npy.js';
import { readSafetensors } from '../src/formats/safetensors.js';
import { RunRecordSchema, identityOf, makeProvenance, runRecord, stampRun } from '../src/provenance.js';
import { SATLIB, expectOk, expectUserError, newTmp, seth } from './helpers/cli.js';

const sha = (path: string): string => `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
const json = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

describe('the run record', () => {
  it('names tool, version, Node, platform, UTC time, argv and the seeds of the chain', () => {
    const p = makeProvenance('x', 7, {});
    p.from = makeProvenance('y', null, {});
    const r = RunRecordSchema.parse(stampRun(p).run);
    expect(r.node).toBe(process.version);
    expect(r.platform).toBe(`${process.platform}-${process.arch}`);
    expect(new Date(r.time).toISOString()).toBe(r.time);
    expect(r.seeds).toEqual([7, null]);
    expect(r.tool).toBe('seth-workbench');
  });
  it('records the git commit when the tool runs from a checkout', () => {
    const r = runRecord();
    if (existsSync(join(__dirname, '..', '.git'))) expect(r.commit).toMatch(/^[0-9a-f]{40}/);
  });
  it("is not part of an instance's identity", () => {
    const a = stampRun(makeProvenance('x', 1, { a: 1 }, undefined, 'seth one'));
    const b = stampRun(makeProvenance('x', 1, { a: 1 }, undefined, 'seth two'));
    b.run!.time = '2000-01-01T00:00:00.000Z';
    expect(identityOf(a)).toEqual(identityOf(b));
    expect(identityOf(a)).not.toEqual(identityOf(makeProvenance('x', 2, { a: 1 })));
  });
});

describe('run records in written files', () => {
  let dir = '';
  let cnf = '';
  beforeAll(async () => {
    dir = newTmp('prov');
    cnf = join(dir, 'uf20-01.cnf');
    copyFileSync(join(SATLIB, 'uf20-91', 'uf20-01.cnf'), cnf);
    expectOk(expect, await seth(['gen', 'ksat', '--vars', '10', '--clauses', '30', '--planted', '--seed', '3', '-o', join(dir, 'g.cnf')]));
    expectOk(expect, await seth(['reduce', 'uf20-01.cnf', '-L', '2', '-H', '2', '-o', 'm.json'], { cwd: dir }));
    expectOk(expect, await seth(['eval', 'm.json', '--per-head', '-o', 'XL.json'], { cwd: dir }));
    expectOk(expect, await seth(['eval', 'm.json', '--per-head', '-o', 'XL.npy'], { cwd: dir }));
    expectOk(expect, await seth(['eval', 'm.json', '--per-head', '-o', 'XL.safetensors'], { cwd: dir }));
  }, 120_000);

  it('seth gen: the DIMACS provenance comment holds the run record and the instance fingerprint', () => {
    const line = /^c provenance: (.*)$/m.exec(readFileSync(join(dir, 'g.cnf'), 'utf8'))![1]!;
    const run = RunRecordSchema.parse((JSON.parse(line) as { run: unknown }).run);
    expect(run.argv).toContain(join(dir, 'g.cnf') === run.argv.at(-1) ? join(dir, 'g.cnf') : run.argv.at(-1));
    expect(run.seeds).toEqual([3]);
    expect(run.instance).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("seth reduce from a SATLIB file: absolute argv, the input's sha256, and the source embedded", () => {
    const p = json(join(dir, 'm.json')).provenance as { run: unknown; from: { from?: { generator: string; embedded?: unknown; location?: string } } };
    const run = RunRecordSchema.parse(p.run);
    expect(run.argv).toContain(cnf);
    expect(run.cwd).toBe(dir);
    expect(run.inputs).toContainEqual({ path: cnf, bytes: readFileSync(cnf).length, sha256: sha(cnf) });
    const source = p.from.from!;
    expect(source.generator).toBe('file');
    expect(source.location).toBe(cnf);
    expect(source.embedded).toMatchObject({ problem: 'ksat', vars: 20 });
  });

  it('a model reduced from a SATLIB file is checked on its own (source rebuilt from the embedded copy)', async () => {
    const r = await seth(['check', 'm.json', '--json'], { cwd: dir });
    expectOk(expect, r);
    expect(JSON.parse(r.stdout)).toMatchObject({ agree: true, witnessVerified: true, answer: 'SAT' });
  });

  it('seth check --json: tool, version, input path, instance fingerprint and the run record', async () => {
    const r = await seth(['check', 'uf20-01.cnf', '-L', '2', '-H', '2', '--output', 'XL.json', '--json'], { cwd: dir });
    expectOk(expect, r);
    const rep = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(rep).toMatchObject({ tool: 'seth-workbench', input: cnf, agree: true });
    expect(rep.instance).toMatch(/^sha256:/);
    const run = RunRecordSchema.parse(rep.provenance);
    expect(run.instance).toBe(rep.instance);
    expect(run.inputs.map((i) => i.path)).toEqual(expect.arrayContaining([cnf, join(dir, 'XL.json')]));
    expect(rep.outputOrigin).toMatch(/fingerprint matched/);
  });

  it('seth eval -o XL.json writes the instance fingerprint and the per-head outputs', () => {
    const out = json(join(dir, 'XL.json')) as { instance_fingerprint: string; perHead: number[][][][]; provenance: { run: unknown } };
    expect(out.instance_fingerprint).toMatch(/^sha256:/);
    expect(out.perHead.length).toBe(2);
    expect(out.perHead[0]!.length).toBe(2);
    RunRecordSchema.parse(out.provenance.run);
  });

  it('seth eval --per-head -o X.npy writes X.per-head.npy [L, H, n, m], named in the sidecar', () => {
    const side = json(join(dir, 'XL.npy.json')) as { per_head: { file: string; shape: number[] }; instance_fingerprint: string };
    expect(side.per_head.file).toBe('XL.per-head.npy');
    const ph = parseNpy(readFileSync(join(dir, 'XL.per-head.npy')), 'ph');
    expect(ph.shape).toEqual(side.per_head.shape);
    expect(ph.shape.slice(0, 2)).toEqual([2, 2]);
    const xl = json(join(dir, 'XL.json')) as { perHead: number[][][][] };
    expect(ph.data[0]).toBe(xl.perHead[0]![0]![0]![0]);
  });

  it('seth eval --per-head -o X.safetensors writes X_L and per_head, and check reads it back', async () => {
    const f = readSafetensors(join(dir, 'XL.safetensors'));
    expect(f.tensors.get('per_head')!.shape.slice(0, 2)).toEqual([2, 2]);
    expect(f.metadata.instance_fingerprint).toMatch(/^sha256:/);
    const r = await seth(['check', 'm.json', '--output', 'XL.safetensors', '--json'], { cwd: dir });
    expectOk(expect, r);
    expect(JSON.parse(r.stdout)).toMatchObject({ agree: true, engine: 'external' });
  });

  it('an edited embedded source is refused (fingerprint)', async () => {
    const text = readFileSync(join(dir, 'm.json'), 'utf8').replace(
      '"embedded":{"problem":"ksat","vars":20,"clauses":[[4,-18,19]',
      '"embedded":{"problem":"ksat","vars":20,"clauses":[[4,-18,-19]',
    );
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'bad.json'), text);
    expectUserError(expect, await seth(['check', 'bad.json'], { cwd: dir }), 'bad.json', 'fingerprint');
  });
});
