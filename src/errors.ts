/**
 * Error kinds and exit codes. The CLI prints `message` on one line and exits with `exitCode`;
 * it never prints a stack trace for these.
 *   0 success · 1 a check failed · 2 bad input or usage.
 */
export class UserError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
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

/** Bad input at a known place: "file:line:col: what was expected, what was found". */
export function inputError(pos: SourcePos, message: string): UserError {
  return new UserError(`${formatPos(pos)}: ${message}`);
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
