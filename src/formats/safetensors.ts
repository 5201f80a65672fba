import { closeSync, fstatSync, openSync } from 'node:fs';
import { z } from 'zod';
import { UserError, formatBytes, quoteInput } from '../errors.js';
import { describeZodError } from '../zod-error.js';
import { displayName, isStdio, noteInputFd, writeStreamAtomic, type ByteSink } from '../io/files.js';
import { parseJsonText } from '../io/json-text.js';
import { decodeText } from '../io/text.js';
import { defaultBudget, guardMemory, type MemoryBudget } from '../memory.js';
import {
  allocate,
  bytesPerElement,
  dtypeOfData,
  leToHostInPlace,
  readExactly,
  readInto,
  shapeSize,
  writeElementsLE,
  type NpyArray,
  type NpyData,
  type NpyDType,
} from './elements.js';

/**
 * safetensors files (https://github.com/huggingface/safetensors, "Format"), written and read by
 * the project:
 *
 *     N (u64 little-endian)   HEADER (N bytes of UTF-8 JSON)   DATA
 *
 * HEADER = {"__metadata__": {string: string}?, NAME: {"dtype": "F32", "shape": [..],
 * "data_offsets": [begin, end]}, ...}; offsets are relative to the start of DATA, little-endian,
 * C order. The writer pads HEADER with spaces so that DATA starts at a multiple of 8 bytes (as the
 * reference implementation does) and lays the tensors out back to back in the order given.
 *
 * The reader is strict, like the reference implementation: N ≤ 100 MiB; the header is a JSON
 * object starting with `{`; every entry has exactly dtype, shape and data_offsets; each tensor's
 * byte range has the size its dtype and shape imply; the ranges tile DATA exactly (no gap, no
 * overlap, nothing after the last one); the file is not truncated. Each violation is a one-line
 * user error (exit 2).
 *
 * Supported dtypes: F64, F32, I32, U8 (the ones this project reads or writes).
 */

export const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const HEADER_ALIGN = 8;

export const ST_DTYPE: Readonly<Record<NpyDType, string>> = { f64: 'F64', f32: 'F32', i32: 'I32', u8: 'U8' };
const FROM_ST: Readonly<Record<string, NpyDType>> = { F64: 'f64', F32: 'f32', I32: 'i32', U8: 'u8' };

export interface TensorSource {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: NpyData;
  /** Element type stored; default the data's own (f64 data may be stored as f32). */
  readonly dtype?: NpyDType;
}

export interface SafetensorsFile {
  /** `__metadata__`, or an empty object when absent. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Tensors in file order (by data offset). */
  readonly tensors: ReadonlyMap<string, NpyArray>;
}

// ---------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------

function checkSources(tensors: readonly TensorSource[]): void {
  const seen = new Set<string>();
  for (const t of tensors) {
    if (t.name === '__metadata__' || t.name.length === 0) throw new RangeError(`bad tensor name "${t.name}"`);
    if (seen.has(t.name)) throw new RangeError(`tensor "${t.name}" given twice`);
    seen.add(t.name);
    const n = shapeSize(t.shape);
    if (n !== t.data.length) throw new RangeError(`tensor "${t.name}": shape [${t.shape.join(', ')}] has ${n} elements, data has ${t.data.length}`);
  }
}

/** The 8-byte length plus the padded JSON header for these tensors (data follows immediately). */
export function safetensorsPreamble(tensors: readonly TensorSource[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  checkSources(tensors);
  // Entries, not assignments: a tensor may be named `__proto__` (Object.fromEntries defines it as an own key).
  const header: [string, unknown][] = [];
  if (metadata && Object.keys(metadata).length > 0) header.push(['__metadata__', { ...metadata }]);
  let offset = 0;
  for (const t of tensors) {
    const dtype = t.dtype ?? dtypeOfData(t.data);
    const bytes = t.data.length * bytesPerElement(dtype);
    header.push([t.name, { dtype: ST_DTYPE[dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes] }]);
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(Object.fromEntries(header)), 'utf8');
  const padded = Math.ceil((8 + json.length) / HEADER_ALIGN) * HEADER_ALIGN - 8;
  if (padded > MAX_HEADER_BYTES) throw new RangeError(`safetensors header would be ${formatBytes(padded)}, over ${formatBytes(MAX_HEADER_BYTES)}`);
  const out = new Uint8Array(8 + padded);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length);
  return out;
}

/** Stream a safetensors file into a sink, converting each tensor in bounded chunks. */
export function streamSafetensors(sink: ByteSink, tensors: readonly TensorSource[], metadata?: Readonly<Record<string, string>>): void {
  sink.write(safetensorsPreamble(tensors, metadata));
  for (const t of tensors) writeElementsLE(sink, t.data, t.dtype ?? dtypeOfData(t.data));
}

/** Encode a (small) safetensors file in memory. */
export function encodeSafetensors(tensors: readonly TensorSource[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  streamSafetensors(
    {
      write(chunk) {
        parts.push(Uint8Array.from(chunk));
        total += chunk.length;
      },
      get written() {
        return total;
      },
    },
    tensors,
    metadata,
  );
  return Buffer.concat(parts);
}

/** Write a safetensors file atomically, streaming the data in chunks (`-` = stdout). */
export function writeSafetensors(path: string, tensors: readonly TensorSource[], metadata?: Readonly<Record<string, string>>): void {
  checkSources(tensors);
  writeStreamAtomic(path, (sink) => streamSafetensors(sink, tensors, metadata));
}

// ---------------------------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------------------------

interface Entry {
  name: string;
  dtype: NpyDType;
  shape: number[];
  begin: number;
  end: number;
}

interface ParsedHeader {
  metadata: Record<string, string>;
  entries: Entry[];
  dataStart: number;
}

function fail(name: string, message: string): UserError {
  return new UserError(`${name}: not a valid safetensors file: ${message}`);
}

const NonNegInt = z.number().int().nonnegative().refine(Number.isSafeInteger, 'too large');
const EntrySchema = z.strictObject({
  dtype: z.string(),
  shape: z.array(NonNegInt),
  data_offsets: z.tuple([NonNegInt, NonNegInt]),
});

function parseLength(first8: Uint8Array, fileSize: number, name: string): number {
  if (fileSize < 8) throw fail(name, `file is ${fileSize} bytes, too short for the 8-byte header length (truncated?)`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw fail(name, `header length ${n} bytes is over the limit of ${formatBytes(MAX_HEADER_BYTES)}`);
  }
  const len = Number(n);
  if (8 + len > fileSize) throw fail(name, `header says ${len} bytes but the file ends after ${fileSize - 8} (truncated)`);
  return len;
}

function parseHeader(bytes: Uint8Array, fileSize: number, name: string): ParsedHeader {
  // The header is JSON text after the 8-byte length: positions (header:line:col) count within it.
  // Duplicate tensor names are refused by the JSON reader (it rejects repeated keys).
  let raw: unknown;
  try {
    const text = decodeText(bytes, 'header');
    if (!text.startsWith('{')) throw fail(name, `header must start with '{', found ${quoteInput(text.slice(0, 20))}`);
    raw = parseJsonText(text, 'header');
  } catch (e) {
    if (e instanceof UserError && e.message.startsWith('header:')) throw fail(name, e.message);
    throw e;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail(name, 'header must be a JSON object');
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key === '__metadata__') {
      // Not z.record: it drops a key named `__proto__`; Object.fromEntries keeps every key as an own key.
      const pairs = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value) : undefined;
      if (!pairs?.every((p): p is [string, string] => typeof p[1] === 'string'))
        throw fail(name, '__metadata__ must be an object whose values are all strings');
      metadata = Object.fromEntries(pairs);
      continue;
    }
    const e = EntrySchema.safeParse(value);
    if (!e.success) throw fail(name, `tensor "${key}": expected {dtype, shape, data_offsets} (${describeZodError(e.error)})`);
    const dtype = FROM_ST[e.data.dtype];
    if (!dtype) throw fail(name, `tensor "${key}": dtype ${JSON.stringify(e.data.dtype)} not supported; expected one of F64, F32, I32, U8`);
    const [begin, end] = e.data.data_offsets;
    let count: number;
    try {
      count = shapeSize(e.data.shape);
    } catch (err) {
      throw fail(name, `tensor "${key}": shape [${e.data.shape.join(', ')}]: ${(err as Error).message}`);
    }
    if (end < begin) throw fail(name, `tensor "${key}": data_offsets [${begin}, ${end}] end before they begin`);
    const want = count * bytesPerElement(dtype);
    if (end - begin !== want) {
      throw fail(
        name,
        `tensor "${key}": shape [${e.data.shape.join(', ')}] of ${e.data.dtype} needs ${want} bytes, data_offsets [${begin}, ${end}] span ${end - begin}`,
      );
    }
    entries.push({ name: key, dtype, shape: e.data.shape, begin, end });
  }
  const dataStart = 8 + bytes.length;
  const dataLen = fileSize - dataStart;
  // The byte ranges must tile [0, dataLen) exactly. Zero-length tensors may sit anywhere in order.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev: Entry | undefined;
  for (const e of entries) {
    if (e.begin < at) throw fail(name, `tensors "${prev?.name}" and "${e.name}" overlap (bytes ${e.begin}..${at} of the data)`);
    if (e.begin > at) {
      throw fail(
        name,
        `gap in the data: bytes ${at}..${e.begin} belong to no tensor${prev ? ` (after "${prev.name}", before "${e.name}")` : ` (before "${e.name}")`}`,
      );
    }
    at = e.end;
    prev = e;
  }
  if (at > dataLen) throw fail(name, `tensor "${prev?.name}" ends at data byte ${at} but the file holds only ${dataLen} data bytes (truncated)`);
  if (at < dataLen) throw fail(name, `${dataLen - at} bytes after the last tensor belong to no tensor`);
  return { metadata, entries, dataStart };
}

function fromLittleEndian(dtype: NpyDType, bytes: Uint8Array, count: number): NpyData {
  const data = allocate(dtype, count);
  const dst = new Uint8Array(data.buffer);
  dst.set(bytes);
  leToHostInPlace(dst, bytesPerElement(dtype));
  return data;
}

/** Parse a safetensors file held in memory (data copied into fresh, aligned typed arrays). */
export function parseSafetensors(bytes: Uint8Array, name: string): SafetensorsFile {
  const len = parseLength(bytes.subarray(0, 8), bytes.length, name);
  const h = parseHeader(bytes.subarray(8, 8 + len), bytes.length, name);
  const tensors = new Map<string, NpyArray>();
  for (const e of h.entries) {
    const count = shapeSize(e.shape);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: fromLittleEndian(e.dtype, bytes.subarray(h.dataStart + e.begin, h.dataStart + e.end), count) });
  }
  return { metadata: h.metadata, tensors };
}

export interface ReadSafetensorsOptions {
  budget?: MemoryBudget;
  /**
   * Called with every tensor's dtype and shape after the header is validated and before any data
   * is read (a 4 GiB file of the wrong shape is refused without reading it); may throw.
   */
  beforeData?: (tensors: ReadonlyMap<string, { dtype: NpyDType; shape: readonly number[] }>) => void;
}

/** Read and validate a safetensors file; tensors are read straight into typed arrays. */
export function readSafetensors(path: string, options: ReadSafetensorsOptions = {}): SafetensorsFile {
  const name = displayName(path);
  if (isStdio(path)) throw new UserError('safetensors files cannot be read from standard input; give a path');
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${name}: no such file`);
    throw new UserError(`${name}: cannot read (${(e as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UserError(`${name}: is a directory, expected a .safetensors file`);
    noteInputFd(path, fd);
    const size = st.size;
    const len = parseLength(readExactly(fd, 0, Math.min(8, size)), size, name);
    const h = parseHeader(readExactly(fd, 8, len), size, name);
    options.beforeData?.(new Map(h.entries.map((e) => [e.name, { dtype: e.dtype, shape: e.shape }])));
    guardMemory(`reading ${name}`, size - h.dataStart, options.budget ?? defaultBudget());
    const tensors = new Map<string, NpyArray>();
    for (const e of h.entries) {
      const data = allocate(e.dtype, shapeSize(e.shape));
      const bytes = new Uint8Array(data.buffer);
      readInto(fd, h.dataStart + e.begin, bytes);
      leToHostInPlace(bytes, bytesPerElement(e.dtype));
      tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
    }
    return { metadata: h.metadata, tensors };
  } finally {
    closeSync(fd);
  }
}
