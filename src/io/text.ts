import { isUtf8 } from 'node:buffer';
import { UserError, inputError } from '../errors.js';

/**
 * Bytes → text for every text reader (DIMACS, JSON instances, sidecars, safetensors headers).
 * Invalid UTF-8 is an error at the line and column of the first bad byte; a leading UTF-8
 * byte-order mark is dropped (columns then count from after it, in every format alike).
 */
export function decodeText(bytes: Uint8Array, file: string): string {
  const invalid = utf8Error(bytes, file);
  if (invalid) throw invalid;
  return decodeLossy(bytes);
}

/** The error for the first invalid UTF-8 byte, or undefined when the bytes are valid UTF-8. */
export function utf8Error(bytes: Uint8Array, file: string): UserError | undefined {
  if (isUtf8(bytes)) return undefined;
  const at = firstInvalidUtf8(bytes);
  const { line, col } = bytePosition(bytes, at);
  return inputError({ file, line, col }, `expected UTF-8 text, found the byte 0x${bytes[at]!.toString(16).padStart(2, '0')} (binary data?)`);
}

/** Text with invalid bytes as U+FFFD and a leading BOM dropped. */
export function decodeLossy(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Read text with `read`, reporting whichever problem comes first in the file: the reader's own
 * error, or the first invalid UTF-8 byte (so a bad token on line 2 is named even when binary
 * garbage follows on line 3, and garbage before it is named as such).
 */
export function readText<T>(bytes: Uint8Array, file: string, read: (text: string) => T): T {
  const invalid = utf8Error(bytes, file);
  if (!invalid) return read(decodeLossy(bytes));
  try {
    read(decodeLossy(bytes));
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    const a = e.pos;
    const b = invalid.pos!;
    if (a && (a.line < b.line || (a.line === b.line && a.col < b.col))) throw e;
  }
  throw invalid;
}

/** Index of the first byte that does not continue a valid UTF-8 sequence (RFC 3629). */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    // Continuation bytes, and the smallest code point that needs them (overlong encodings are invalid).
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return b.length;
}

/** 1-based line and column (in characters, after a leading BOM) of a byte offset in UTF-8 text. */
export function bytePosition(b: Uint8Array, at: number): { line: number; col: number } {
  let line = 1;
  let col = 1;
  const start = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  for (let i = start; i < at && i < b.length; i++) {
    const c = b[i]!;
    if (c === 10) {
      line++;
      col = 1;
    } else if ((c & 0xc0) !== 0x80) col++;
  }
  return { line, col };
}

/** 1-based line and column of a character index in a string. */
export function textPosition(text: string, at: number): { line: number; col: number } {
  let line = 1;
  let ls = 0;
  for (let k = text.indexOf('\n'); k !== -1 && k < at; k = text.indexOf('\n', k + 1)) {
    line++;
    ls = k + 1;
  }
  return { line, col: at - ls + 1 };
}
