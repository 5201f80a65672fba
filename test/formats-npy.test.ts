import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { MAX_HEADER_BYTES, encodeNpy, npyPreamble, parseNpy, readNpy, writeNpy } from '../src/formats/npy.js';
import type { NpyArray, NpyDType } from '../src/formats/elements.js';

const dir = mkdtempSync(join(tmpdir(), 'seth-npy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** What numpy 1.x/2.x writes for these arrays (np.save), checked by hand: 10-byte preamble + dict + spaces + \n = 128 bytes. */
function expectedPreamble(dict: string): string {
  const pad = 128 - 10 - dict.length - 1;
  return `\x93NUMPY\x01\x00\x76\x00${dict}${' '.repeat(pad)}\n`;
}

describe('.npy writer: byte for byte what the spec (and numpy.save) gives', () => {
  it('f64 3×4: header, padding to 64 bytes, little-endian C-order data', () => {
    const data = Float64Array.from({ length: 12 }, (_, i) => i);
    const bytes = encodeNpy({ shape: [3, 4], data });
    expect(bytes.length).toBe(128 + 96);
    expect(latin1(bytes.subarray(0, 128))).toBe(expectedPreamble("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }"));
    // 0x76 = 118 = header length after the 10-byte fixed part.
    expect([...bytes.subarray(6, 10)]).toEqual([1, 0, 0x76, 0]);
    // 1.0 as little-endian IEEE double: 00 00 00 00 00 00 f0 3f
    expect([...bytes.subarray(136, 144)]).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    const back = new DataView(bytes.buffer, bytes.byteOffset + 128);
    for (let i = 0; i < 12; i++) expect(back.getFloat64(8 * i, true)).toBe(i);
  });

  it('f32 [2], scalar [], empty [0, 2] of i32, u8 [2]', () => {
    const f32 = encodeNpy({ shape: [2], data: Float32Array.of(1.5, 2) });
    expect(latin1(f32.subarray(0, 128))).toBe(expectedPreamble("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"));
    expect([...f32.subarray(128)]).toEqual([0, 0, 0xc0, 0x3f, 0, 0, 0, 0x40]);
    const scalar = encodeNpy({ shape: [], data: Float64Array.of(3) });
    expect(latin1(scalar.subarray(0, 128))).toBe(expectedPreamble("{'descr': '<f8', 'fortran_order': False, 'shape': (), }"));
    expect(scalar.length).toBe(136);
    const empty = encodeNpy({ shape: [0, 2], data: new Int32Array(0) });
    expect(latin1(empty)).toBe(expectedPreamble("{'descr': '<i4', 'fortran_order': False, 'shape': (0, 2), }"));
    const u8 = encodeNpy({ shape: [2], data: Uint8Array.of(1, 2) });
    expect(latin1(u8.subarray(0, 128))).toBe(expectedPreamble("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }"));
    expect([...u8.subarray(128)]).toEqual([1, 2]);
  });

  it('every preamble is a multiple of 64 bytes and ends with a newline', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 5 }), fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 15 })),
        fc.constantFrom<NpyDType>('f64', 'f32', 'i32', 'u8'),
        (shape, dtype) => {
          const pre = npyPreamble(dtype, shape);
          expect(pre.length % 64).toBe(0);
          expect(pre[pre.length - 1]).toBe(0x0a);
        },
      ),
    );
  });

  it('f64 data written as f32 rounds to nearest', () => {
    const bytes = encodeNpy({ shape: [2], data: Float64Array.of(0.1, 1 / 3), dtype: 'f32' });
    const arr = parseNpy(bytes, 'x.npy');
    expect(arr.dtype).toBe('f32');
    expect([...arr.data]).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
  });
});

const arrayArb: fc.Arbitrary<NpyArray> = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }), fc.constantFrom<NpyDType>('f64', 'f32', 'i32', 'u8'), fc.integer())
  .map(([shape, dtype, seed]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    let s = seed >>> 0;
    const next = (): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s;
    };
    const data =
      dtype === 'f64'
        ? Float64Array.from({ length: n }, () => (next() - 2 ** 31) / 7)
        : dtype === 'f32'
          ? Float32Array.from({ length: n }, () => (next() - 2 ** 31) / 7)
          : dtype === 'i32'
            ? Int32Array.from({ length: n }, () => next() | 0)
            : Uint8Array.from({ length: n }, () => next() & 255);
    return { dtype, shape, data };
  });

describe('.npy round trip through our own reader', () => {
  it('in memory (property)', () => {
    fc.assert(
      fc.property(arrayArb, (a) => {
        const back = parseNpy(encodeNpy(a), 'a.npy');
        expect(back.dtype).toBe(a.dtype);
        expect(back.shape).toEqual(a.shape);
        expect(back.data).toEqual(a.data);
      }),
    );
  });

  it('through files, atomically (no temporary left behind)', () => {
    fc.assert(
      fc.property(arrayArb, (a) => {
        const p = join(dir, 'rt.npy');
        writeNpy(p, a);
        const back = readNpy(p);
        expect(back.shape).toEqual(a.shape);
        expect(back.data).toEqual(a.data);
        expect(readFileSync(p)).toEqual(Buffer.from(encodeNpy(a)));
      }),
      { numRuns: 30 },
    );
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a large array streams in chunks and reads back', () => {
    const n = 3_000_000; // 24 MB of f64, several write chunks
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = i * 0.5;
    const p = join(dir, 'big.npy');
    writeNpy(p, { shape: [1000, 3000], data, dtype: 'f32' });
    const back = readNpy(p);
    expect(back.dtype).toBe('f32');
    expect(back.shape).toEqual([1000, 3000]);
    expect(back.data[n - 1]).toBe(Math.fround((n - 1) * 0.5));
    expect(back.data[12345]).toBe(6172.5);
  });

  it('reads version 2.0 headers and double-quoted keys', () => {
    const dict = '{"descr": "<f8", "shape": (2,), "fortran_order": False}';
    const len = 128 - 12;
    const b = new Uint8Array(128 + 16);
    b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
    new DataView(b.buffer).setUint32(8, len, true);
    b.set(Buffer.from(dict.padEnd(len - 1, ' ') + '\n', 'latin1'), 12);
    new DataView(b.buffer).setFloat64(128, 7, true);
    new DataView(b.buffer).setFloat64(136, -1, true);
    const a = parseNpy(b, 'v2.npy');
    expect(a.shape).toEqual([2]);
    expect([...a.data]).toEqual([7, -1]);
  });
});

function npyError(bytes: Uint8Array): UserError {
  try {
    parseNpy(bytes, 'bad.npy');
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError');
}

function withDict(dict: string, dataBytes: number, version = 1): Uint8Array {
  const fixed = version === 1 ? 10 : 12;
  const total = Math.ceil((fixed + dict.length + 1) / 64) * 64;
  const b = new Uint8Array(total + dataBytes);
  b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  if (version === 1) new DataView(b.buffer).setUint16(8, total - fixed, true);
  else new DataView(b.buffer).setUint32(8, total - fixed, true);
  b.set(Buffer.from(dict.padEnd(total - fixed - 1, ' ') + '\n', 'latin1'), fixed);
  return b;
}

describe('.npy reader rejects bad files with one clear line (UserError, exit 2)', () => {
  const good = encodeNpy({ shape: [3, 4], data: new Float64Array(12) });
  it.each([
    ['truncated data', good.subarray(0, good.length - 1), /needs 96 data bytes, the file has 95 \(truncated\)/],
    ['truncated header', good.subarray(0, 50), /truncated/],
    ['shorter than the preamble', good.subarray(0, 5), /too short/],
    ['trailing bytes', Buffer.concat([good, Buffer.from([0])]), /1 unexpected bytes after the 96 data bytes/],
    ['bad magic', Buffer.concat([Buffer.from('XNUMPY'), good.subarray(6)]), /magic/],
    [
      'unknown version',
      (() => {
        const b = Uint8Array.from(good);
        b[6] = 9;
        return b;
      })(),
      /version 9\.0/,
    ],
    ['wrong dtype <i8', withDict("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", 8), /dtype '<i8' not supported/],
    ['big-endian >f8', withDict("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", 8), /big-endian/],
    ['object dtype', withDict("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8), /not supported/],
    ['Fortran order', withDict("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", 32), /Fortran-order/],
    ['missing key', withDict("{'descr': '<f8', 'shape': (1,), }", 8), /expected exactly descr, fortran_order, shape/],
    ['extra key', withDict("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1, }", 8), /expected exactly/],
    ['negative dimension', withDict("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", 8), /non-negative integer/],
    ['not a dict', withDict("['descr']", 0), /expected '\{'/],
    ['one-tuple without comma', withDict("{'descr': '<f8', 'fortran_order': False, 'shape': (1), }", 8), /trailing comma/],
  ])('%s', (_label, bytes, pattern) => {
    const e = npyError(bytes);
    expect(e.exitCode).toBe(2);
    expect(e.message).not.toContain('\n');
    expect(e.message.startsWith('bad.npy: not a valid .npy file: '), e.message).toBe(true);
    expect(e.message).toMatch(pattern);
  });

  it('a header over 100 MiB is refused before anything is read (v2 length field)', () => {
    const b = new Uint8Array(64);
    b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
    new DataView(b.buffer).setUint32(8, MAX_HEADER_BYTES + 1, true);
    expect(npyError(b).message).toMatch(/over the limit of 100 MiB/);
    // and from a file
    const p = join(dir, 'huge-header.npy');
    writeFileSync(p, b);
    expect(() => readNpy(p)).toThrow(/over the limit of 100 MiB/);
  });

  it('missing file and folder are user errors', () => {
    expect(() => readNpy(join(dir, 'nope.npy'))).toThrow(UserError);
    expect(() => readNpy(dir)).toThrow(/is a directory/);
  });

  it('the file reader reports truncation like the in-memory one', () => {
    const p = join(dir, 'trunc.npy');
    writeFileSync(p, good.subarray(0, good.length - 8));
    expect(() => readNpy(p)).toThrow(/needs 96 data bytes, the file has 88 \(truncated\)/);
  });
});

const numpyOk = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
if (!numpyOk) console.log('formats-npy: numpy cross-check skipped (python3 cannot import numpy)');

describe.skipIf(!numpyOk)('.npy agrees with numpy itself', () => {
  it('numpy.save gives the same bytes; numpy.load reads ours', () => {
    const script = `
import numpy as np, sys
d = sys.argv[1]
np.save(d + '/np_f8.npy', np.arange(12, dtype='<f8').reshape(3, 4) / 7)
np.save(d + '/np_f4.npy', (np.arange(5, dtype='<f4') - 2) / 3)
np.save(d + '/np_u1.npy', np.array([[1, 2, 3]], dtype=np.uint8))
a = np.load(d + '/ours.npy')
assert a.dtype == np.float32 and a.shape == (2, 3), (a.dtype, a.shape)
print(repr(a.tolist()))
`;
    writeNpy(join(dir, 'ours.npy'), { shape: [2, 3], data: Float64Array.of(1, 2, 3, 4, 5, 0.25), dtype: 'f32' });
    const r = spawnSync('python3', ['-c', script, dir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('[[1.0, 2.0, 3.0], [4.0, 5.0, 0.25]]');
    const f8 = readNpy(join(dir, 'np_f8.npy'));
    expect(Buffer.from(encodeNpy(f8))).toEqual(readFileSync(join(dir, 'np_f8.npy')));
    expect(f8.data[5]).toBe(5 / 7);
    const f4 = readNpy(join(dir, 'np_f4.npy'));
    expect(Buffer.from(encodeNpy(f4))).toEqual(readFileSync(join(dir, 'np_f4.npy')));
    const u1 = readNpy(join(dir, 'np_u1.npy'));
    expect(u1.shape).toEqual([1, 3]);
    expect(Buffer.from(encodeNpy(u1))).toEqual(readFileSync(join(dir, 'np_u1.npy')));
  });
});
