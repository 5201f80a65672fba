import { inputError, quoteInput } from '../errors.js';
import { textPosition } from './text.js';

/**
 * The one JSON reader for input files. Before `JSON.parse` sees the text, a single iterative scan
 * (no recursion, so no stack to overflow) checks what JSON.parse does not:
 *   - nesting depth at most `maxDepth` (so nothing downstream — zod, canonical forms,
 *     JSON.stringify of provenance — can recurse deeper);
 *   - no object with the same key twice (JSON.parse would keep the last silently);
 *   - every number finite as a double and at most MAX_NUMBER_CHARS characters long
 *     (JSON.parse turns a 400-digit integer into Infinity);
 * and names the line and column of the first problem, whatever the problem is.
 */
export const MAX_JSON_DEPTH = 128;
export const MAX_NUMBER_CHARS = 400;

export interface JsonTextOptions {
  maxDepth?: number;
}

const enum Ch {
  Tab = 9,
  Nl = 10,
  Cr = 13,
  Space = 32,
  Quote = 34,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  D0 = 48,
  D1 = 49,
  D9 = 57,
  Colon = 58,
  E = 69,
  LBracket = 91,
  Backslash = 92,
  RBracket = 93,
  e = 101,
  LBrace = 123,
  RBrace = 125,
}

function isWs(c: number): boolean {
  return c === Ch.Space || c === Ch.Nl || c === Ch.Cr || c === Ch.Tab;
}

function isDigit(c: number): boolean {
  return c >= Ch.D0 && c <= Ch.D9;
}

class JsonScanError extends Error {
  constructor(
    readonly at: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parse JSON text (BOM already removed, see decodeText); errors are `file:line:col: …` user errors. */
export function parseJsonText(text: string, file: string, options: JsonTextOptions = {}): unknown {
  try {
    scanJson(text, options.maxDepth ?? MAX_JSON_DEPTH);
  } catch (e) {
    if (!(e instanceof JsonScanError)) throw e;
    throw inputError({ file, ...textPosition(text, e.at) }, `not valid JSON: ${e.message}`);
  }
  return JSON.parse(text);
}

function describeAt(text: string, i: number): string {
  if (i >= text.length) return 'end of input';
  const cp = text.codePointAt(i)!;
  if (cp < 0x20 || cp === 0x7f) return `the control character 0x${cp.toString(16).padStart(2, '0')}`;
  return quoteInput(text.slice(i, i + 12), 12);
}

/** Throws JsonScanError at the first offset where `text` stops being acceptable JSON. */
export function scanJson(text: string, maxDepth: number): void {
  const n = text.length;
  let i = 0;
  // One frame per open container: true for objects (with the keys seen so far), false for arrays.
  const keys: (Set<string> | null)[] = [];
  const fail = (at: number, message: string): never => {
    throw new JsonScanError(at, message);
  };
  const expected = (what: string): never => fail(i, `expected ${what}, found ${describeAt(text, i)}`);
  const ws = (): void => {
    while (i < n && isWs(text.charCodeAt(i))) i++;
  };
  /** Scans a string starting at the quote; returns its decoded value when `decode`. */
  const string = (decode: boolean): string => {
    const start = i;
    i++;
    let escaped = false;
    for (;;) {
      if (i >= n) fail(start, "expected a closing '\"' for the string that starts here, found end of input");
      const c = text.charCodeAt(i);
      if (c === Ch.Quote) break;
      if (c < 0x20) fail(i, `expected an escaped character in a string, found the raw control character 0x${c.toString(16).padStart(2, '0')}`);
      if (c === Ch.Backslash) {
        escaped = true;
        const e = text[i + 1];
        if (e === 'u') {
          for (let k = 2; k <= 5; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) fail(i, 'expected four hex digits after \\u');
          }
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(i, `expected a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX), found ${describeAt(text, i)}`);
      } else i++;
    }
    i++;
    if (!decode) return '';
    const raw = text.slice(start + 1, i - 1);
    return escaped ? (JSON.parse(text.slice(start, i)) as string) : raw;
  };
  const number = (): void => {
    const start = i;
    let exp = false;
    if (text.charCodeAt(i) === Ch.Minus) i++;
    const c0 = text.charCodeAt(i);
    if (c0 === Ch.D0) i++;
    else if (c0 >= Ch.D1 && c0 <= Ch.D9) while (i < n && isDigit(text.charCodeAt(i))) i++;
    else expected('a digit');
    if (text.charCodeAt(i) === Ch.Dot) {
      i++;
      if (!isDigit(text.charCodeAt(i))) expected('a digit after the decimal point');
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    }
    const ce = text.charCodeAt(i);
    if (ce === Ch.e || ce === Ch.E) {
      exp = true;
      i++;
      const cs = text.charCodeAt(i);
      if (cs === Ch.Plus || cs === Ch.Minus) i++;
      if (!isDigit(text.charCodeAt(i))) expected('a digit in the exponent');
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    }
    const len = i - start;
    if (len > MAX_NUMBER_CHARS) fail(start, `expected a number of at most ${MAX_NUMBER_CHARS} characters, found one of ${len}`);
    if ((exp || len > 15) && !Number.isFinite(Number(text.slice(start, i)))) {
      fail(start, `expected a number within the range of a double (about ±1.8e308), found ${quoteInput(text.slice(start, i))}`);
    }
  };
  const literal = (word: string): void => {
    if (!text.startsWith(word, i)) expected('a JSON value');
    i += word.length;
  };
  /** A scalar or the opening of a container (which pushes a frame). */
  const valueStart = (): void => {
    ws();
    const c = text.charCodeAt(i);
    if (c === Ch.LBrace || c === Ch.LBracket) {
      if (keys.length >= maxDepth) fail(i, `expected at most ${maxDepth} levels of nesting, found a deeper one`);
      keys.push(c === Ch.LBrace ? new Set<string>() : null);
      i++;
      return;
    }
    if (c === Ch.Quote) string(false);
    else if (c === Ch.Minus || isDigit(c)) number();
    else if (c === 116) literal('true');
    else if (c === 102) literal('false');
    else if (c === 110) literal('null');
    else expected('a JSON value');
  };
  const key = (set: Set<string>): void => {
    ws();
    if (text.charCodeAt(i) !== Ch.Quote) expected('a key in double quotes');
    const at = i;
    const k = string(true);
    if (set.has(k)) fail(at, `expected each key once per object, found ${quoteInput(k)} a second time`);
    set.add(k);
    ws();
    if (text.charCodeAt(i) !== Ch.Colon) expected("':' after the key");
    i++;
  };

  valueStart();
  // After a value: close containers or move on to the next member, until the stack is empty.
  let justOpened = keys.length > 0;
  while (keys.length > 0) {
    const top = keys[keys.length - 1]!;
    ws();
    const c = text.charCodeAt(i);
    const close = top ? Ch.RBrace : Ch.RBracket;
    if (justOpened) {
      justOpened = false;
      if (c === close) {
        i++;
        keys.pop();
        continue;
      }
      if (top) key(top);
    } else if (c === close) {
      i++;
      keys.pop();
      continue;
    } else if (c === Ch.Comma) {
      i++;
      if (top) key(top);
    } else expected(top ? "',' or '}'" : "',' or ']'");
    const depth = keys.length;
    valueStart();
    justOpened = keys.length > depth;
  }
  ws();
  if (i < n) expected('end of input after the JSON value');
}
