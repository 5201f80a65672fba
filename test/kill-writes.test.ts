/**
 * Kill tests (issue #10): every writing command is killed (SIGKILL, SIGINT or SIGTERM) at seeded
 * random moments, TRIALS times, alternating between two inputs so that old and new outputs differ.
 * After every kill the target must be absent (never written yet), or one complete output of one of
 * the two inputs, never a mix; a .npy with its sidecar either matches as a pair or is reported
 * stale, never a false match. After the next complete run no temporary file is left.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, type ExpectStatic } from 'vitest';
import { UserError } from '../src/errors.js';
import { parseDimacs } from '../src/formats/dimacs.js';
import { readNpy } from '../src/formats/npy.js';
import { readSafetensors } from '../src/formats/safetensors.js';
import { loadOutput, modelFingerprint } from '../src/formats/tensor-output.js';
import { loadInstance } from '../src/io/instance-file.js';
import type { TransformerModel } from '../src/problems/transformer.js';
import { makeRng } from '../src/rng.js';
import { BIN, childEnv, expectOk, seth } from './helpers/cli.js';

const TRIALS = 20;
const SIGNALS = ['SIGKILL', 'SIGINT', 'SIGTERM'] as const;

/** Start `seth args`, kill it after `delayMs` (if still running); resolves when it has exited. */
function killedRun(args: readonly string[], delayMs: number, signal: NodeJS.Signals, cwd: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: childEnv(), stdio: 'ignore' });
    const timer = setTimeout(() => child.kill(signal), delayMs);
    child.on('error', fail);
    child.on('exit', () => {
      clearTimeout(timer);
      done();
    });
  });
}

function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => /\.(tmp|old)-\d+-\d+$/.test(n));
}

interface Case {
  name: string;
  /** Command line writing `target` from input 0 or 1. */
  args(which: number): string[];
  target: string;
  /** Throws when the target is not one whole output of one of the two inputs. */
  check(expect: ExpectStatic, dir: string): void;
}

const work = mkdtempSync(join(tmpdir(), 'seth-kill-'));
let models: TransformerModel[] = [];

async function prepare(expect: ExpectStatic): Promise<void> {
  for (const i of [0, 1]) {
    expectOk(expect, await seth(['gen', 'ksat', '--vars', '14', '--clauses', '40', '--seed', String(i), '-o', join(work, `f${i}.cnf`)]));
    expectOk(expect, await seth(['reduce', join(work, `f${i}.cnf`), '--to', 'transformer', '-L', '1', '-H', '2', '-o', join(work, `t${i}.json`)]));
  }
  models = [0, 1].map((i) => {
    const inst = loadInstance(join(work, `t${i}.json`));
    if (inst.problem !== 'transformer') throw new Error('expected a transformer');
    return inst.data;
  });
}

const fingerprints = (): string[] => models.map(modelFingerprint);

const CASES: Case[] = [
  {
    name: 'gen ksat (DIMACS)',
    args: (w) => ['gen', 'ksat', '--vars', '3000', '--clauses', String(60_000 + w), '--seed', String(w), '-o', 'gen.cnf'],
    target: 'gen.cnf',
    check(expect, dir) {
      const cnf = parseDimacs(readFileSync(join(dir, 'gen.cnf'), 'utf8'), 'gen.cnf');
      expect([60_000, 60_001]).toContain(cnf.offsets.length - 1);
    },
  },
  {
    name: 'reduce ksat → 3ov (JSON)',
    args: (w) => ['reduce', join(work, `f${w}.cnf`), '--to', '3ov', '-o', 'red.json'],
    target: 'red.json',
    check(expect, dir) {
      const inst = loadInstance(join(dir, 'red.json'));
      expect(inst.problem).toBe('3ov');
    },
  },
  {
    name: 'eval -o X.npy (data + sidecar)',
    args: (w) => ['eval', join(work, `t${w}.json`), '-o', 'X.npy'],
    target: 'X.npy',
    check(expect, dir) {
      // With each model: a pair that loads must be that model's output; else a clear user error.
      let matched = 0;
      for (const model of models) {
        try {
          const out = loadOutput(join(dir, 'X.npy'), model);
          expect(out.fingerprint).toBe('matched');
          matched++;
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
          expect(e.message).toMatch(/stale sidecar|different instance|no such file/);
        }
      }
      expect(matched).toBeLessThanOrEqual(1);
    },
  },
  {
    name: 'export --format npy DIR (folder)',
    args: (w) => ['export', join(work, `t${w}.json`), '--format', 'npy', '-o', 'npydir'],
    target: 'npydir',
    check(expect, dir) {
      const d = join(dir, 'npydir');
      const manifest = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as { fingerprint: string; tensors: Record<string, { file: string }> };
      const which = fingerprints().indexOf(manifest.fingerprint);
      expect(which).toBeGreaterThanOrEqual(0);
      const X = readNpy(join(d, manifest.tensors.X!.file)).data;
      expect(Array.from(X)).toEqual(Array.from(models[which]!.X));
      expect(readdirSync(d).sort()).toEqual([...Object.values(manifest.tensors).map((t) => t.file), 'manifest.json'].sort());
    },
  },
  {
    name: 'export --format safetensors',
    args: (w) => ['export', join(work, `t${w}.json`), '--format', 'safetensors', '-o', 'm.safetensors'],
    target: 'm.safetensors',
    check(expect, dir) {
      const f = readSafetensors(join(dir, 'm.safetensors'));
      const which = fingerprints().indexOf(f.metadata.fingerprint ?? '');
      expect(which).toBeGreaterThanOrEqual(0);
      expect(Array.from(f.tensors.get('X')!.data)).toEqual(Array.from(models[which]!.X));
    },
  },
];

describe.concurrent('kill tests: outputs are whole or absent, temporaries reaped', () => {
  beforeAll(() => prepare(expect), 120_000);
  it.each(CASES)(`$name: ${TRIALS} kills`, { timeout: 600_000 }, async (c) => {
    const dir = mkdtempSync(join(work, 'case-'));
    // Duration of one complete run: kills land uniformly within it (and a little after).
    const t0 = performance.now();
    expectOk(expect, await seth(c.args(0), { cwd: dir }));
    const full = performance.now() - t0;
    c.check(expect, dir);
    const rng = makeRng(10);
    let torn = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const delay = Math.round(rng.next() * full * 1.1);
      const signal = SIGNALS[trial % SIGNALS.length]!;
      await killedRun(c.args((trial + 1) % 2), delay, signal, dir);
      // A temporary left behind shows the kill landed inside a write (SIGKILL only: the others clean up).
      if (leftovers(dir).length > 0) torn++;
      if (existsSync(join(dir, c.target))) c.check(expect, dir);
      else throw new Error(`trial ${trial}: ${c.target} vanished after ${signal} at ${delay} ms`);
    }
    process.stderr.write(`kill-writes: ${c.name}: ${TRIALS} kills, ${torn} left a temporary (reaped below), run ${Math.round(full)} ms\n`);
    // The next complete run reaps what the killed ones left.
    expectOk(expect, await seth(c.args(0), { cwd: dir }));
    c.check(expect, dir);
    expect(leftovers(dir)).toEqual([]);
  });
});
