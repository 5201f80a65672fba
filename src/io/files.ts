import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync, fsyncSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError, formatBytes } from '../errors.js';

/** `-` means standard input / standard output. */
export const STDIO = '-';
/**
 * What the CLI hands over for a lone `-` argument (yargs would parse a bare `-` positional as
 * `true`); see src/cli/main.ts.
 */
export const STDIO_ARG = '<stdio>';

export function isStdio(path: string): boolean {
  return path === STDIO || path === STDIO_ARG;
}

/** Display name of an input path in error messages. */
export function displayName(path: string): string {
  return isStdio(path) ? '<stdin>' : path;
}

/** Read a whole input as bytes; `-` reads standard input. Missing files are user errors. */
export function readInputBytes(path: string, maxBytes = Number.POSITIVE_INFINITY): Buffer {
  try {
    if (isStdio(path)) return readFileSync(0);
    const st = statSync(path);
    if (st.isDirectory()) throw new UserError(`${path}: is a directory, expected a file`);
    if (st.size > maxBytes) {
      throw new UserError(
        `${path}: file is ${formatBytes(st.size)}, over the limit of ${formatBytes(maxBytes)} for this format; pass --force to read it anyway`,
      );
    }
    return readFileSync(path);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${path}: no such file`);
    if (code === 'EACCES') throw new UserError(`${path}: permission denied`);
    throw new UserError(`${displayName(path)}: cannot read (${(e as Error).message})`);
  }
}

/** Write a whole buffer or string atomically (see writeStreamAtomic); `-` writes stdout. */
export function writeOutputAtomic(path: string, data: string | Uint8Array): void {
  writeStreamAtomic(path, (sink) => sink.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data));
}

export interface ByteSink {
  /** Append bytes; the sink may keep no reference to `chunk` after returning. */
  write(chunk: Uint8Array): void;
  /** Bytes written so far. */
  readonly written: number;
}

/**
 * Write a file by streaming chunks into a temporary file in the same folder, then renaming it
 * over `path` (never half a file; `-` streams to stdout). `fill` produces the bytes.
 */
export function writeStreamAtomic(path: string, fill: (sink: ByteSink) => void): void {
  if (isStdio(path)) {
    fill(fdSink(1));
    return;
  }
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    fill(fdSink(fd));
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${path}: cannot write (folder ${dirname(path)} does not exist)`);
    throw new UserError(`${path}: cannot write (${(e as Error).message})`);
  }
}

/** A sink that fills a preallocated buffer (for small in-memory encodings). */
export function memorySink(out: Uint8Array): ByteSink {
  let off = 0;
  return {
    write(chunk: Uint8Array): void {
      out.set(chunk, off);
      off += chunk.length;
    },
    get written(): number {
      return off;
    },
  };
}

function fdSink(fd: number): ByteSink {
  let written = 0;
  return {
    write(chunk: Uint8Array): void {
      let off = 0;
      while (off < chunk.length) {
        try {
          off += writeSync(fd, chunk, off, chunk.length - off);
        } catch (e) {
          // stdout may be a non-blocking pipe: wait and retry.
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
          if (fd === 1 && (e as NodeJS.ErrnoException).code === 'EPIPE') return;
          throw e;
        }
      }
      written += chunk.length;
    },
    get written(): number {
      return written;
    },
  };
}

/** True when the bytes look like binary data rather than text (NUL bytes or invalid UTF-8). */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 1 << 16);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n === bytes.length ? n : trimUtf8(bytes, n)));
    return false;
  } catch {
    return true;
  }
}

function trimUtf8(bytes: Uint8Array, n: number): number {
  // Do not cut a multi-byte character in half when sampling a prefix.
  let end = n;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return end;
}
