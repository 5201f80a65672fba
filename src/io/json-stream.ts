import { asJsonList } from '../json-rows.js';
import type { ByteSink } from './files.js';

/**
 * JSON written in bounded chunks, never as one string: a whole large instance or model as a
 * single JSON string would need twice its size in heap (UTF-16) and cannot exceed V8's string
 * limit (buffer.constants.MAX_STRING_LENGTH, about 2²⁹ characters), so large outputs would die
 * with "Invalid string length". The text is byte for byte `JSON.stringify(value, null, indent)`
 * for JSON values (plain objects and arrays, strings, numbers, booleans, null; members that are
 * undefined are left out of objects and written as null in arrays, like JSON.stringify), and
 * typed arrays and JsonRows (src/json-rows.ts) are written as arrays of their elements. The walk is iterative (the readers bound
 * nesting at 128 levels, but a writer should not depend on it).
 */

/** Characters gathered before they are encoded and handed to the sink (small enough that the pieces die young in V8's scavenged nursery instead of piling up in old space). */
export const JSON_CHUNK_CHARS = 1 << 16;

type Container =
  | { kind: 'array'; length: number; at: (i: number) => unknown; next: number; depth: number }
  | { kind: 'object'; entries: [string, unknown][]; next: number; depth: number };

export interface StreamJsonOptions {
  /** Spaces per level (JSON.stringify's third argument); 0 = compact. */
  indent?: number;
  /** Largest piece of text built before it goes to the sink (default JSON_CHUNK_CHARS). */
  chunkChars?: number;
}

export function streamJson(sink: ByteSink, value: unknown, options: StreamJsonOptions = {}): void {
  const indent = options.indent ?? 0;
  const limit = Math.max(1, options.chunkChars ?? JSON_CHUNK_CHARS);
  let parts: string[] = [];
  let pending = 0;
  const flushText = (): void => {
    if (pending === 0) return;
    // A piece longer than the limit (one long string value) is encoded in slices.
    const text = parts.join('');
    parts = [];
    pending = 0;
    let i = 0;
    while (i < text.length) {
      let end = Math.min(text.length, i + limit);
      // Never split a surrogate pair between two slices.
      const last = text.charCodeAt(end - 1);
      if (end < text.length && end - 1 > i && last >= 0xd800 && last <= 0xdbff) end--;
      sink.write(Buffer.from(text.slice(i, end), 'utf8'));
      i = end;
    }
  };
  const emit = (s: string): void => {
    parts.push(s);
    pending += s.length;
    if (pending >= limit) flushText();
  };
  const newline = (depth: number): string => (indent > 0 ? `\n${' '.repeat(indent * depth)}` : '');
  const colon = indent > 0 ? ': ' : ':';

  const stack: Container[] = [];
  /** Writes a scalar, or opens a container (pushed on the stack). */
  const open = (v: unknown, depth: number, inArray: boolean): void => {
    const leaf = scalar(v, inArray);
    if (leaf !== undefined) return emit(leaf);
    const list = asJsonList(v);
    if (list) {
      if (list.length === 0) return emit('[]');
      emit('[');
      stack.push({ kind: 'array', length: list.length, at: list.at, next: 0, depth });
      return;
    }
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined && typeof x !== 'function' && typeof x !== 'symbol');
    if (entries.length === 0) return emit('{}');
    emit('{');
    stack.push({ kind: 'object', entries, next: 0, depth });
  };

  open(value, 0, false);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const n = top.kind === 'array' ? top.length : top.entries.length;
    if (top.next === n) {
      stack.pop();
      emit(`${newline(top.depth)}${top.kind === 'array' ? ']' : '}'}`);
      continue;
    }
    const sep = top.next === 0 ? '' : ',';
    if (top.kind === 'array') {
      const v = top.at(top.next++);
      emit(`${sep}${newline(top.depth + 1)}`);
      open(v, top.depth + 1, true);
    } else {
      const [k, v] = top.entries[top.next++]!;
      emit(`${sep}${newline(top.depth + 1)}${JSON.stringify(k)}${colon}`);
      open(v, top.depth + 1, false);
    }
  }
  flushText();
}

/** The text of a scalar as JSON.stringify writes it; undefined for containers. */
function scalar(v: unknown, inArray: boolean): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'bigint':
      throw new TypeError('streamJson: a bigint has no JSON form');
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      if (inArray) return 'null';
      throw new TypeError('streamJson: nothing to write');
    default:
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(v);
      return undefined;
  }
}

/** A sink that gathers the text (small outputs, tests). */
export function stringSink(): ByteSink & { text(): string } {
  const chunks: Buffer[] = [];
  let written = 0;
  return {
    write(chunk: Uint8Array): void {
      chunks.push(Buffer.from(chunk));
      written += chunk.length;
    },
    get written(): number {
      return written;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}
