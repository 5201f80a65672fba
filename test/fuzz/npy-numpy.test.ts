/**
 * numpy is the reference for .npy: every header the project's reader accepts, and every one the
 * fuzz suite's independent re-parser accepts, must load in numpy (np.load, allow_pickle=False)
 * to the same dtype, shape and bytes. Cases: the fuzz suite's mutations of valid files, and
 * header rewrites that vary what Python's tokenizer is lenient or strict about (blanks of every
 * kind between tokens and around the dict, leading zeros, the Python 2 `L` suffix, quote style,
 * trailing commas, parentheses). Needs a Python with numpy ($SETH_PYTHON, the project's .venv or
 * python3); skipped with the reason where there is none, a failure under CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { torchPython } from '../../src/engine/torch.js';
import { parseNpy } from '../../src/formats/npy.js';
import type { NpyArray } from '../../src/formats/elements.js';
import { makeRng, type Rng } from '../../src/rng.js';
import { READERS, mutate } from './harness.js';

const python = torchPython();
const probe = spawnSync(python, ['-c', 'import numpy'], { encoding: 'utf8', timeout: 60_000 });
const missing = probe.error ? `cannot run ${python}` : probe.status !== 0 ? `${python} has no numpy` : undefined;
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
if (missing && !inCi) console.log(`npy-numpy: skipped (${missing}; set SETH_PYTHON)`);

const dir = mkdtempSync(join(tmpdir(), 'seth-npy-numpy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One JSON line per record: {"ok": false} or dtype (str), shape and the data bytes (hex). */
const NUMPY_SCRIPT = `
import io, json, struct, sys, warnings
import numpy as np
warnings.simplefilter('ignore')
buf = open(sys.argv[1], 'rb').read()
at, out = 0, []
while at < len(buf):
    (n,) = struct.unpack_from('<I', buf, at)
    b = buf[at + 4:at + 4 + n]
    at += 4 + n
    try:
        a = np.load(io.BytesIO(b), allow_pickle=False)
        out.append({'ok': True, 'dtype': a.dtype.str, 'shape': list(a.shape), 'hex': a.astype(a.dtype.newbyteorder('<')).tobytes().hex()})
    except Exception:
        out.append({'ok': False})
sys.stdout.write('\\n'.join(json.dumps(o) for o in out))
`;

interface NumpyVerdict {
  ok: boolean;
  dtype?: string;
  shape?: number[];
  hex?: string;
}

function numpyLoad(inputs: readonly Uint8Array[]): NumpyVerdict[] {
  const parts: Buffer[] = [];
  for (const b of inputs) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    parts.push(len, Buffer.from(b));
  }
  const file = join(dir, 'cases.bin');
  writeFileSync(file, Buffer.concat(parts));
  const r = spawnSync(python, ['-c', NUMPY_SCRIPT, file], { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 300_000 });
  if (r.status !== 0) throw new Error(`numpy script failed: ${r.stderr}`);
  return r.stdout.split('\n').map((l) => JSON.parse(l) as NumpyVerdict);
}

const NUMPY_DTYPE = { f64: ['<f8'], f32: ['<f4'], i32: ['<i4'], u8: ['|u1'] } as const;

function sameAsNumpy(a: NpyArray, v: NumpyVerdict): boolean {
  return (
    v.ok &&
    (NUMPY_DTYPE[a.dtype] as readonly string[]).includes(v.dtype ?? '') &&
    JSON.stringify(v.shape) === JSON.stringify(a.shape) &&
    Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).toString('hex') === v.hex
  );
}

/** A header written token by token with the spellings and blanks picked at random. */
function rewriteHeader(input: Uint8Array, rng: Rng): Uint8Array {
  const a = parseNpy(input, 'seed');
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)]!;
  const blank = (): string => pick(['', ' ', '  ', '\t', '\f', '\r', '\n', '\r\n', ' \n ', '\n\t', '\f\n']);
  const int = (d: number): string => (rng.int(3) > 0 ? String(d) : pick([`0${d}`, `${d}L`, `00${d}`, ` ${d} `, `(${d})`]));
  const q = (s: string): string => (rng.int(4) === 0 ? `"${s}"` : `'${s}'`);
  const descr = { f64: '<f8', f32: '<f4', i32: '<i4', u8: pick(['|u1', '<u1', '>u1', '=u1']) }[a.dtype];
  const dims = a.shape.map(int);
  const tuple = dims.length === 1 ? `(${blank()}${dims[0]}${blank()},${blank()})` : `(${dims.join(`${blank()},${blank()}`)}${rng.int(2) ? ',' : ''}${blank()})`;
  const entries = [`${q('descr')}${blank()}:${blank()}${q(descr)}`, `${q('fortran_order')}:${blank()}False`, `${q('shape')}:${blank()}${tuple}`];
  if (rng.int(2)) entries.reverse();
  const lead = pick(['', '', ' ', '\t', ' \t', '\n', '\n ', '\f', '\r']);
  const tail = pick(['\n', '\n', ' \n', '\r\n', '\n\r', '\n\f\n', '\n \n', '\f', '', '\n\x0b']);
  const dict = `${lead}{${blank()}${entries.join(`${blank()},${blank()}`)}${rng.int(2) ? ',' : ''}${blank()}}${tail}`;
  const version = pick([1, 1, 2, 3]);
  const header = Buffer.from(dict, version === 3 ? 'utf8' : 'latin1');
  const fixed = Buffer.alloc(version === 1 ? 10 : 12);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(fixed);
  if (version === 1) fixed.writeUInt16LE(header.length, 8);
  else fixed.writeUInt32LE(header.length, 8);
  return Buffer.concat([fixed, header, Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength)]);
}

describe.skipIf(missing !== undefined && !inCi)('.npy headers against numpy', () => {
  it('everything the reader or the independent re-parser accepts loads equal in numpy', ({ expect }) => {
    const reader = READERS.find((r) => r.name === 'npy')!;
    const rng = makeRng(20261201);
    const pool = reader.seeds(rng, 200);
    const inputs: Uint8Array[] = [];
    for (let i = 0; i < 6000; i++) inputs.push(mutate(pool[rng.int(pool.length)]!, reader.dictionary, rng));
    for (let i = 0; i < 6000; i++) inputs.push(rewriteHeader(pool[rng.int(pool.length)]!, rng));
    const verdicts = numpyLoad(inputs);
    expect(verdicts).toHaveLength(inputs.length);
    let accepted = 0;
    let reparsed = 0;
    const wrong: string[] = [];
    inputs.forEach((b, i) => {
      const v = verdicts[i]!;
      let a: NpyArray | undefined;
      try {
        a = parseNpy(b, 'case');
      } catch {
        a = undefined;
      }
      if (a) {
        accepted++;
        if (!sameAsNumpy(a, v)) wrong.push(`reader accepts, numpy ${v.ok ? 'differs' : 'refuses'}: ${Buffer.from(b).toString('base64')}`);
      }
      const again = reader.reparse(b) as { shape: number[]; data: number[] } | undefined;
      if (again) {
        reparsed++;
        if (!v.ok || JSON.stringify(v.shape) !== JSON.stringify(again.shape))
          wrong.push(`re-parser accepts, numpy ${v.ok ? 'differs' : 'refuses'}: ${Buffer.from(b).toString('base64')}`);
      }
    });
    const numpyOk = verdicts.filter((v) => v.ok).length;
    console.log(`npy-numpy: ${inputs.length} cases, numpy loads ${numpyOk}, the reader accepts ${accepted}, the re-parser ${reparsed}`);
    expect(wrong.slice(0, 5)).toEqual([]);
    // Both sides saw plenty of accepted headers, not only refusals.
    expect(accepted).toBeGreaterThan(1000);
    expect(reparsed).toBeGreaterThan(1000);
  });
});
