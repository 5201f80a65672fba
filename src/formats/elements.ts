import { readSync } from 'node:fs';
import { endianness } from 'node:os';
import { UserError } from '../errors.js';
import type { ByteSink } from '../io/files.js';

/**
 * The element layer under the tensor formats (.npy, safetensors, ONNX initialisers, X_L outputs):
 * the four element types, typed arrays of them, shapes, little-endian bytes written in bounded
 * chunks into a sink, and exact reads from a file descriptor. (The types keep the `Npy` prefix of
 * the format they were first written for.)
 */

export type NpyDType = 'f64' | 'f32' | 'i32' | 'u8';
export type NpyData = Float64Array | Float32Array | Int32Array | Uint8Array;

export interface NpyArray {
  readonly dtype: NpyDType;
  readonly shape: readonly number[];
  /** C-order elements; its typed-array class matches `dtype`. */
  readonly data: NpyData;
}

const CHUNK_BYTES = 1 << 22;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

export function bytesPerElement(dtype: NpyDType): number {
  return dtype === 'f64' ? 8 : dtype === 'u8' ? 1 : 4;
}

export function dtypeOfData(data: NpyData): NpyDType {
  if (data instanceof Float64Array) return 'f64';
  if (data instanceof Float32Array) return 'f32';
  if (data instanceof Int32Array) return 'i32';
  return 'u8';
}

export function allocate(dtype: NpyDType, length: number): NpyData {
  switch (dtype) {
    case 'f64':
      return new Float64Array(length);
    case 'f32':
      return new Float32Array(length);
    case 'i32':
      return new Int32Array(length);
    case 'u8':
      return new Uint8Array(length);
  }
}

/** Number of elements of a shape; throws a RangeError for negative, fractional or unsafe sizes. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`bad dimension ${d}`);
    n *= d;
    if (!Number.isSafeInteger(n)) throw new RangeError('shape has more elements than can be addressed');
  }
  return n;
}

/**
 * Write `data` as little-endian elements of `dtype` in bounded chunks. f64 ↔ f32 conversion
 * (round to nearest) happens chunk by chunk; other conversions are refused.
 */
export function writeElementsLE(sink: ByteSink, data: NpyData, dtype: NpyDType): void {
  const from = dtypeOfData(data);
  if (from !== dtype && !(isFloat(from) && isFloat(dtype))) {
    throw new RangeError(`cannot write ${from} data as ${dtype}`);
  }
  const bpe = bytesPerElement(dtype);
  const per = Math.max(1, Math.floor(CHUNK_BYTES / bpe));
  if (from === dtype && LITTLE_ENDIAN_HOST) {
    for (let i = 0; i < data.length; i += per) {
      const len = Math.min(per, data.length - i);
      sink.write(new Uint8Array(data.buffer, data.byteOffset + i * bpe, len * bpe));
    }
    return;
  }
  const buf = allocate(dtype, Math.min(per, data.length));
  const bytes = new Uint8Array(buf.buffer);
  for (let i = 0; i < data.length; i += per) {
    const len = Math.min(per, data.length - i);
    buf.set(data.subarray(i, i + len));
    if (!LITTLE_ENDIAN_HOST) swapInPlace(bytes.subarray(0, len * bpe), bpe);
    sink.write(bytes.subarray(0, len * bpe));
  }
}

function isFloat(d: NpyDType): boolean {
  return d === 'f32' || d === 'f64';
}

/** Little-endian bytes ↔ host order, in place (a no-op on little-endian hosts). */
export function leToHostInPlace(bytes: Uint8Array, width: number): void {
  if (!LITTLE_ENDIAN_HOST) swapInPlace(bytes, width);
}

function swapInPlace(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i < bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/** Read `length` bytes at `position`; the caller has checked the file is long enough. */
export function readExactly(fd: number, position: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  readInto(fd, position, out);
  return out;
}

export function readInto(fd: number, position: number, dst: Uint8Array): void {
  let off = 0;
  while (off < dst.length) {
    const got = readSync(fd, dst, off, Math.min(dst.length - off, 1 << 30), position + off);
    if (got === 0) throw new UserError(`file ended early while reading (changed while being read?)`);
    off += got;
  }
}
