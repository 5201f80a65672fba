/**
 * Error kinds and exit codes. The CLI prints `message` on one line and exits with `exitCode`;
 * it never prints a stack trace for these.
 *   0 success · 1 a check failed · 2 bad input or usage.
 */
export class UserError extends Error {
  readonly exitCode = 2;
  /** Where in the input, when known (set by inputError): lets a reader tell which problem comes first. */
  readonly pos: SourcePos | undefined;
  constructor(message: string, pos?: SourcePos) {
    super(message);
    this.name = 'UserError';
    this.pos = pos;
  }
}

/** A check ran and disagreed (exit 1). */
export class CheckFailure extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailure';
  }
}

/** Where in an input a problem was found: `file:line:col`. Lines and columns count from 1. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export function formatPos(pos: SourcePos): string {
  return `${pos.file}:${pos.line}:${pos.col}`;
}

/** Longest error line the CLI prints (characters, after escaping); longer ones are cut with "…". */
export const MAX_MESSAGE_CHARS = 600;

/**
 * A message as one printable line of bounded length: newlines become spaces, every other control
 * character (C0, DEL, C1, the Unicode line/paragraph separators and bidi overrides) is escaped as
 * \xNN or \uNNNN so that bytes from a hostile input never reach the terminal raw.
 */
export function oneLineMessage(message: string, max = MAX_MESSAGE_CHARS): string {
  let out = '';
  for (let i = 0; i < message.length && out.length <= max; i++) {
    const c = message.charCodeAt(i);
    if (c === 10 || c === 13) out += ' ';
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c === 0x2028 || c === 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0xfeff) {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += message[i];
  }
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/** A piece of the input quoted for a message: at most `max` characters, escaped (see oneLineMessage). */
export function quoteInput(s: string, max = 24): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return `'${oneLineMessage(cut, max * 6)}'`;
}

/** A JSON value named in a message without echoing it whole: strings quoted and cut, containers by kind. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return quoteInput(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return typeof v === 'number' || typeof v === 'boolean' ? quoteInput(String(v)) : typeof v;
}

/** Bad input at a known place: "file:line:col: what was expected, what was found". */
export function inputError(pos: SourcePos, message: string): UserError {
  return new UserError(`${formatPos(pos)}: ${message}`, pos);
}

/** Human-readable byte count, e.g. 1.5 GiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (!Number.isFinite(v)) return `${bytes.toExponential(2)} B`;
  return `${v < 10 && u > 0 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}
