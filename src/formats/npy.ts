import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UserError, formatBytes, quoteInput } from '../errors.js';
import { displayName, isStdio, memorySink, noteInputFd, writeStreamAtomic, type ByteSink } from '../io/files.js';
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
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0), written and read by the project.
 *
 * Layout (numpy/lib/format.py, "NEP 1"):
 *
 *     \x93NUMPY  major minor  HEADER_LEN (u16 LE for v1, u32 LE for v2/v3)  HEADER  DATA
 *
 * HEADER is a Python dict literal `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`
 * padded with spaces and ended by `\n` so that DATA starts at a multiple of 64 bytes. DATA is the
 * array in C order, little-endian. The writer emits exactly what `numpy.save` emits (version 1.0
 * unless the header needs more than 65535 bytes), so its files are byte-for-byte numpy's.
 *
 * Supported element types: f64 (`<f8`), f32 (`<f4`), i32 (`<i4`), u8 (`|u1`). The reader is strict:
 * big-endian data, Fortran order, other dtypes, truncated data, trailing bytes and headers over
 * 100 MiB are user errors (exit 2) naming the file and what was expected.
 *
 * Large arrays are streamed: the writer converts and writes fixed-size chunks into a temporary
 * file in the target's folder and renames it over the target once complete (the same contract as
 * `writeOutputAtomic`), so neither a huge string nor a second full-size copy is built.
 */

/** Headers longer than this are refused (a hostile or corrupt length field). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;
const CHUNK_BYTES = 1 << 22;

export const NPY_DESCR: Readonly<Record<NpyDType, string>> = { f64: '<f8', f32: '<f4', i32: '<i4', u8: '|u1' };
const DESCR_TO_DTYPE: Readonly<Record<string, NpyDType>> = {
  '<f8': 'f64',
  '<f4': 'f32',
  '<i4': 'i32',
  '|u1': 'u8',
  '<u1': 'u8',
  '>u1': 'u8',
  '=u1': 'u8',
};

// ---------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------

/** The header dict exactly as numpy writes it, e.g. `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`. */
export function npyHeaderDict(dtype: NpyDType, shape: readonly number[]): string {
  const dims = shape.map((d) => String(d));
  const tuple = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  return `{'descr': '${NPY_DESCR[dtype]}', 'fortran_order': False, 'shape': ${tuple}, }`;
}

/** Magic, version, length and padded header: everything before the data (a multiple of 64 bytes). */
export function npyPreamble(dtype: NpyDType, shape: readonly number[]): Uint8Array {
  shapeSize(shape);
  const dict = npyHeaderDict(dtype, shape);
  // Version 1.0 has a u16 header length; numpy switches to 2.0 only when that does not fit.
  let version = 1;
  let lenBytes = 2;
  let total = padTo(MAGIC.length + 2 + lenBytes + dict.length + 1, ALIGN);
  if (total - (MAGIC.length + 2 + lenBytes) > 0xffff) {
    version = 2;
    lenBytes = 4;
    total = padTo(MAGIC.length + 2 + lenBytes + dict.length + 1, ALIGN);
  }
  const headerLen = total - (MAGIC.length + 2 + lenBytes);
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (lenBytes === 2) view.setUint16(8, headerLen, true);
  else view.setUint32(8, headerLen, true);
  const start = MAGIC.length + 2 + lenBytes;
  out.set(Buffer.from(dict, 'latin1'), start);
  out.fill(0x20, start + dict.length, total - 1);
  out[total - 1] = 0x0a;
  return out;
}

function padTo(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

export interface NpyWriteSource {
  readonly shape: readonly number[];
  readonly data: NpyData;
  /** Element type written; default the data's own. f64 data may be written as f32 and back. */
  readonly dtype?: NpyDType;
}

function checkSource(src: NpyWriteSource): NpyDType {
  const dtype = src.dtype ?? dtypeOfData(src.data);
  const n = shapeSize(src.shape);
  if (n !== src.data.length) throw new RangeError(`shape [${src.shape.join(', ')}] has ${n} elements, data has ${src.data.length}`);
  return dtype;
}

/** Stream one array as .npy into a sink (no temporary full-size copy). */
export function streamNpy(sink: ByteSink, src: NpyWriteSource): void {
  const dtype = checkSource(src);
  sink.write(npyPreamble(dtype, src.shape));
  writeElementsLE(sink, src.data, dtype);
}

/** Encode a (small) array as .npy bytes in memory. */
export function encodeNpy(src: NpyWriteSource): Uint8Array {
  const dtype = checkSource(src);
  const pre = npyPreamble(dtype, src.shape);
  const out = new Uint8Array(pre.length + src.data.length * bytesPerElement(dtype));
  const sink = memorySink(out);
  sink.write(pre);
  writeElementsLE(sink, src.data, dtype);
  return out;
}

/** Write an array as a .npy file, atomically and in chunks (`-` = stdout). */
export function writeNpy(path: string, src: NpyWriteSource): void {
  checkSource(src);
  writeStreamAtomic(path, (sink) => streamNpy(sink, src));
}

// ---------------------------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------------------------

interface ParsedPreamble {
  dtype: NpyDType;
  shape: number[];
  /** Offset of the first data byte. */
  dataOffset: number;
}

function fail(name: string, message: string): UserError {
  return new UserError(`${name}: not a valid .npy file: ${message}`);
}

/**
 * Parse the fixed part (10 or 12 bytes). Returns the header length and where the header starts;
 * `head` must hold at least 12 bytes or the whole file.
 */
function parseFixed(head: Uint8Array, fileSize: number, name: string): { version: number; headerStart: number; headerLen: number } {
  if (fileSize < 10 || head.length < 10) throw fail(name, `file is ${fileSize} bytes, too short for the 10-byte preamble (truncated?)`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (head[i] !== MAGIC[i]) throw fail(name, 'missing the magic string \\x93NUMPY at byte 0');
  }
  const major = head[6]!;
  const minor = head[7]!;
  if (major < 1 || major > 3 || minor !== 0) throw fail(name, `format version ${major}.${minor} unsupported (expected 1.0, 2.0 or 3.0)`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let headerStart = 10;
  let headerLen: number;
  if (major === 1) headerLen = view.getUint16(8, true);
  else {
    if (fileSize < 12 || head.length < 12) throw fail(name, `file is ${fileSize} bytes, too short for a version ${major}.0 preamble (truncated?)`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  }
  if (headerLen > MAX_HEADER_BYTES) {
    throw fail(name, `header length ${headerLen} bytes (${formatBytes(headerLen)}) is over the limit of ${formatBytes(MAX_HEADER_BYTES)}`);
  }
  if (headerStart + headerLen > fileSize) {
    throw fail(name, `header says ${headerLen} bytes but the file ends after ${fileSize - headerStart} (truncated)`);
  }
  return { version: major, headerStart, headerLen };
}

function parseHeader(text: string, version: number, headerStart: number, headerLen: number, name: string): ParsedPreamble {
  if (!text.endsWith('\n')) throw fail(name, 'header does not end with a newline');
  let dict: Map<string, PyValue>;
  try {
    dict = parsePyDict(text, version);
  } catch (e) {
    throw fail(name, `header ${quoteInput(text.trim(), 120)}: ${(e as Error).message}`);
  }
  const keys = [...dict.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape') {
    throw fail(name, `header keys are {${[...dict.keys()].join(', ')}}, expected exactly descr, fortran_order, shape`);
  }
  const descr = dict.get('descr');
  if (typeof descr !== 'string') throw fail(name, "header 'descr' must be a string such as '<f8'");
  const dtype = DESCR_TO_DTYPE[descr];
  if (!dtype) {
    const hint = descr.startsWith('>') ? ' (big-endian data: convert with arr.astype(arr.dtype.newbyteorder("<")))' : '';
    throw fail(name, `dtype '${descr}' not supported; expected one of '<f8' (f64), '<f4' (f32), '<i4' (i32), '|u1' (u8)${hint}`);
  }
  const fortran = dict.get('fortran_order');
  if (typeof fortran !== 'boolean') throw fail(name, "header 'fortran_order' must be True or False");
  if (fortran) throw fail(name, 'Fortran-order arrays are not supported; save a C-order array (numpy.ascontiguousarray)');
  const shape = dict.get('shape');
  if (!Array.isArray(shape) || !shape.every((d): d is number => typeof d === 'number')) {
    throw fail(name, "header 'shape' must be a tuple of non-negative integers");
  }
  try {
    shapeSize(shape);
  } catch (e) {
    throw fail(name, `header 'shape' (${shape.join(', ')}): ${(e as Error).message}`);
  }
  return { dtype, shape, dataOffset: headerStart + headerLen };
}

function checkDataLength(pre: ParsedPreamble, fileSize: number, name: string): number {
  const n = shapeSize(pre.shape);
  const need = n * bytesPerElement(pre.dtype);
  const have = fileSize - pre.dataOffset;
  if (have < need) {
    throw fail(name, `shape (${pre.shape.join(', ')}) of ${pre.dtype} needs ${need} data bytes, the file has ${have} (truncated)`);
  }
  if (have > need) throw fail(name, `${have - need} unexpected bytes after the ${need} data bytes`);
  return n;
}

function decodeHeaderText(bytes: Uint8Array, version: number, name: string): string {
  try {
    return new TextDecoder(version === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(bytes);
  } catch {
    throw fail(name, 'header is not valid UTF-8');
  }
}

/** Parse .npy bytes held in memory (the data is copied into a fresh, aligned typed array). */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  const fixed = parseFixed(bytes, bytes.length, name);
  const text = decodeHeaderText(bytes.subarray(fixed.headerStart, fixed.headerStart + fixed.headerLen), fixed.version, name);
  const pre = parseHeader(text, fixed.version, fixed.headerStart, fixed.headerLen, name);
  const n = checkDataLength(pre, bytes.length, name);
  const data = allocate(pre.dtype, n);
  const dst = new Uint8Array(data.buffer);
  dst.set(bytes.subarray(pre.dataOffset, pre.dataOffset + dst.length));
  leToHostInPlace(dst, bytesPerElement(pre.dtype));
  return { dtype: pre.dtype, shape: pre.shape, data };
}

export interface ReadNpyOptions {
  /** Memory budget checked against the size the header declares; default `defaultBudget()`. */
  budget?: MemoryBudget;
  /** Called with the header's dtype and shape before any data is read; may throw (a wrong shape is refused unread). */
  beforeData?: (dtype: NpyDType, shape: readonly number[]) => void;
}

/**
 * Read a .npy file. The header is validated and the declared size checked against the file size
 * and the memory budget before the data is read straight into a typed array.
 */
export function readNpy(path: string, options: ReadNpyOptions = {}): NpyArray {
  const name = displayName(path);
  let fd: number;
  try {
    fd = openSync(isStdio(path) ? '/dev/stdin' : path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${name}: no such file`);
    throw new UserError(`${name}: cannot read (${(e as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UserError(`${name}: is a directory, expected a .npy file`);
    noteInputFd(path, fd);
    if (!st.isFile()) {
      // A pipe: no size to check up front; read it whole.
      return parseNpy(readAllFrom(fd), name);
    }
    const fileSize = st.size;
    const head = readExactly(fd, 0, Math.min(12, fileSize));
    const fixed = parseFixed(head, fileSize, name);
    const text = decodeHeaderText(readExactly(fd, fixed.headerStart, fixed.headerLen), fixed.version, name);
    const pre = parseHeader(text, fixed.version, fixed.headerStart, fixed.headerLen, name);
    options.beforeData?.(pre.dtype, pre.shape);
    const n = checkDataLength(pre, fileSize, name);
    guardMemory(`reading ${name}`, n * bytesPerElement(pre.dtype), options.budget ?? defaultBudget());
    const data = allocate(pre.dtype, n);
    const dst = new Uint8Array(data.buffer);
    readInto(fd, pre.dataOffset, dst);
    leToHostInPlace(dst, bytesPerElement(pre.dtype));
    return { dtype: pre.dtype, shape: pre.shape, data };
  } finally {
    closeSync(fd);
  }
}

function readAllFrom(fd: number): Uint8Array {
  const parts: Buffer[] = [];
  for (;;) {
    const b = Buffer.alloc(CHUNK_BYTES);
    const got = readSync(fd, b, 0, b.length, null);
    if (got === 0) break;
    parts.push(b.subarray(0, got));
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------
// The Python literal subset used by .npy headers
// ---------------------------------------------------------------------------------------------

type PyValue = string | number | boolean | number[];

/** Parse `{'key': value, ...}` where values are strings, True/False, ints or tuples of ints. */
function parsePyDict(text: string, version: number): Map<string, PyValue> {
  let i = 0;
  const ws = (): void => {
    // Python's own whitespace between tokens (numpy pads with spaces); not NBSP or other Unicode spaces.
    while (i < text.length && ' \t\n\r\f'.includes(text[i]!)) i++;
  };
  const expect = (c: string): void => {
    ws();
    if (text[i] !== c) throw new Error(`expected '${c}' at character ${i}, found ${text[i] === undefined ? 'the end' : `'${text[i]}'`}`);
    i++;
  };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') throw new Error(`expected a quoted string at character ${i}`);
    const end = text.indexOf(q, i + 1);
    if (end < 0) throw new Error('unterminated string');
    const s = text.slice(i + 1, end);
    if (s.includes('\\')) throw new Error('escapes in strings are not supported');
    i = end + 1;
    return s;
  };
  const int = (): number => {
    ws();
    // Python 3 decimal literals: no leading zeros (`01` is a SyntaxError in ast.literal_eval). The
    // Python 2 long suffix `3L` is read by numpy only in version 1.0 and 2.0 headers (it filters
    // them out before a second attempt); a version 3.0 header with one does not load.
    const m = /^(0|[1-9][0-9]*)(L?)/.exec(text.slice(i, i + 40));
    if (!m) throw new Error(`expected a non-negative integer at character ${i}`);
    if (m[2] === 'L' && version > 2) throw new Error(`the Python 2 suffix L at character ${i + m[1]!.length} is not valid in a version ${version}.0 header`);
    i += m[0].length;
    if (/[0-9A-Za-z_.]/.test(text[i] ?? '')) throw new Error(`expected a decimal integer without leading zeros at character ${i - m[0].length}`);
    return Number(m[1]);
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') return str();
    if (text.startsWith('True', i)) return ((i += 4), true);
    if (text.startsWith('False', i)) return ((i += 5), false);
    if (c === '(') {
      i++;
      const items: number[] = [];
      ws();
      if (text[i] === ')') return (i++, items);
      for (;;) {
        items.push(int());
        ws();
        if (text[i] === ',') {
          i++;
          ws();
          if (text[i] === ')') return (i++, items);
          continue;
        }
        if (text[i] === ')') {
          if (items.length === 1) throw new Error('a one-element tuple needs a trailing comma');
          return (i++, items);
        }
        throw new Error(`expected ',' or ')' in the shape tuple at character ${i}`);
      }
    }
    return int();
  };
  const out = new Map<string, PyValue>();
  // Before the dict only what ast.literal_eval strips (spaces and tabs): a dict on a later,
  // indented line is an IndentationError in numpy.
  while (text[i] === ' ' || text[i] === '\t') i++;
  if (text[i] !== '{') throw new Error(`expected '{' at character ${i}, found ${text[i] === undefined ? 'the end' : `'${text[i]}'`}`);
  i++;
  ws();
  while (text[i] !== '}') {
    const key = str();
    if (out.has(key)) throw new Error(`key '${key}' appears twice`);
    expect(':');
    out.set(key, value());
    ws();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`expected ',' or '}' at character ${i}`);
    ws();
  }
  i++;
  ws();
  if (i !== text.length) throw new Error(`unexpected text after the dict at character ${i}`);
  return out;
}
