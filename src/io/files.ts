import { createHash } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { UserError, formatBytes } from '../errors.js';
import { noteInput as recordInput } from '../provenance.js';

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
    if (isStdio(path)) {
      const bytes = readFileSync(0);
      recordInput(path, bytes, true);
      return bytes;
    }
    const st = statSync(path);
    if (st.isDirectory()) throw new UserError(`${path}: is a directory, expected a file`);
    noteInput(path, st);
    if (st.size > maxBytes) {
      throw new UserError(
        `${path}: file is ${formatBytes(st.size)}, over the limit of ${formatBytes(maxBytes)} for this format; pass --force to read it anyway`,
      );
    }
    const bytes = readFileSync(path);
    recordInput(path, bytes);
    return bytes;
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

// ------------------------------------------------------------------ inputs are never outputs

/**
 * Files the running command has read (device:inode → real path), so that no output replaces one.
 * Recorded only inside `commandScope` (the CLI runs every command in one): library callers and
 * long-lived processes keep no list.
 */
let inputs: Map<string, string> | undefined;

/** Run one command with its own list of inputs. */
export async function commandScope<T>(run: () => Promise<T>): Promise<T> {
  const outer = inputs;
  inputs = new Map();
  try {
    return await run();
  } finally {
    inputs = outer;
  }
}

/** Record that `path` is an input of this command (`st` when already known). */
export function noteInput(path: string, st?: { dev: number; ino: number }): void {
  if (inputs === undefined || isStdio(path)) return;
  try {
    const s = st ?? statSync(path);
    inputs.set(`${s.dev}:${s.ino}`, realpathSync(path));
  } catch {
    // A file that cannot be stat'ed is reported by the reader itself.
  }
}

/** The same for a file already open (readers that work on descriptors). */
export function noteInputFd(path: string, fd: number): void {
  if (!isStdio(path)) noteInput(path, fstatSync(fd));
}

/** Refuse to write `path` when it is (or, for a folder, contains) an input of this command. */
function refuseInputAsOutput(path: string, folder: boolean): void {
  if (inputs === undefined || inputs.size === 0) return;
  let st;
  try {
    st = statSync(path);
  } catch {
    return; // does not exist yet
  }
  if (inputs.has(`${st.dev}:${st.ino}`)) {
    throw new UserError(`${path}: is also an input of this command; refusing to overwrite it (write the output to another path)`);
  }
  if (folder) {
    const root = realpathSync(path) + sep;
    for (const real of inputs.values()) {
      if (real.startsWith(root)) throw new UserError(`${path}: holds ${real}, an input of this command; refusing to replace the folder`);
    }
  }
}

// ------------------------------------------------------------------ temporary files

/**
 * Temporary names: `.NAME.tmp-PID-TIME` beside the target (same file system, so the final rename
 * is atomic). A run killed by SIGKILL cannot clean up; the next write to the same target removes
 * the temporaries of processes that no longer exist (reapStale).
 */
function tempName(path: string, kind: 'tmp' | 'old'): string {
  return join(dirname(path), `.${basename(path)}.${kind}-${process.pid}-${Date.now()}`);
}

const TEMP_RE = /^\.(.+)\.(tmp|old)-(\d+)-\d+$/;

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove what killed runs left beside `path`: temporaries of dead processes; a folder moved aside
 * (`.old-`) while its replacement was being renamed in is put back when the target is missing.
 */
export function reapStale(path: string): void {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP_RE.exec(name);
    if (!m || m[1] !== base || processAlive(Number(m[3]))) continue;
    const full = join(dir, name);
    try {
      if (m[2] === 'old' && !pathExists(path)) renameSync(full, path);
      else rmSync(full, { recursive: true, force: true });
    } catch {
      // Another run may be reaping the same leftovers.
    }
  }
}

function pathExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Temporaries of this process that exist right now (removed on SIGINT/SIGTERM). */
const liveTemps = new Set<string>();
let signalDepth = 0;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function onSignal(signal: NodeJS.Signals): void {
  for (const t of liveTemps) rmSync(t, { recursive: true, force: true });
  liveTemps.clear();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  // Die of the signal itself, as the default handler would have.
  process.kill(process.pid, signal);
}

/**
 * While a temporary exists, SIGINT/SIGTERM/SIGHUP are held: a signal that arrives during a (synchronous)
 * write is handled when the write is over: the temporary has been renamed or removed by then, and
 * the process dies of the signal. The handlers stay a little longer (a timer, so that the event
 * loop polls its signal pipe at least once first): a signal that arrived during the write is
 * delivered, not lost.
 */
function holdSignals(): () => void {
  if (signalDepth++ === 0) for (const s of SIGNALS) process.on(s, onSignal);
  return () => {
    setTimeout(() => {
      if (--signalDepth === 0) for (const s of SIGNALS) process.removeListener(s, onSignal);
    }, 100).unref();
  };
}

/**
 * Write a file by streaming chunks into a temporary file in the same folder, then renaming it
 * over `path` (never half a file; `-` streams to stdout). `fill` produces the bytes. The target
 * must not be an input of this command.
 */
export function writeStreamAtomic(path: string, fill: (sink: ByteSink) => void): void {
  if (isStdio(path)) {
    fill(fdSink(1));
    return;
  }
  refuseInputAsOutput(path, false);
  reapStale(path);
  const tmp = tempName(path, 'tmp');
  const release = holdSignals();
  let fd: number | undefined;
  try {
    liveTemps.add(tmp);
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
  } finally {
    liveTemps.delete(tmp);
    release();
  }
}

/**
 * Write a folder of files as a unit: `fill` writes into a fresh temporary folder beside `path`,
 * which then replaces `path` (an existing folder is moved aside, the new one renamed in, the old
 * one removed). Readers see the old folder or the new one, never a mix; a kill between the two
 * renames leaves the old folder aside, and the next write puts it back (reapStale).
 */
export function writeFolderAtomic(path: string, fill: (tmpDir: string) => void): void {
  if (isStdio(path)) throw new UserError('this output is a folder of files; give a folder path, not -');
  let existing = false;
  try {
    const st = statSync(path);
    if (!st.isDirectory()) throw new UserError(`${path}: exists and is not a folder`);
    existing = true;
  } catch (e) {
    if (e instanceof UserError) throw e;
  }
  refuseInputAsOutput(path, true);
  reapStale(path);
  existing = existing || pathExists(path);
  const tmp = tempName(path, 'tmp');
  const release = holdSignals();
  liveTemps.add(tmp);
  try {
    try {
      mkdirSync(tmp, { recursive: true });
    } catch (e) {
      throw new UserError(`${path}: cannot create a folder beside it (${(e as Error).message})`);
    }
    fill(tmp);
    if (existing) {
      const old = tempName(path, 'old');
      renameSync(path, old);
      renameSync(tmp, path);
      rmSync(old, { recursive: true, force: true });
    } else renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (e instanceof UserError) throw e;
    throw new UserError(`${path}: cannot write the folder (${(e as Error).message})`);
  } finally {
    liveTemps.delete(tmp);
    release();
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

/** A sink that also feeds every chunk to a SHA-256 (the digest of exactly what was written). */
export function hashingSink(inner: ByteSink): ByteSink & { digest(): string } {
  const h = createHash('sha256');
  return {
    write(chunk: Uint8Array): void {
      h.update(chunk);
      inner.write(chunk);
    },
    get written(): number {
      return inner.written;
    },
    digest: () => `sha256:${h.digest('hex')}`,
  };
}

/** SHA-256 ("sha256:<hex>") and size of a file, read in chunks. */
export function fileDigest(path: string): { sha256: string; bytes: number } {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let bytes = 0;
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      h.update(buf.subarray(0, got));
      bytes += got;
    }
    return { sha256: `sha256:${h.digest('hex')}`, bytes };
  } finally {
    closeSync(fd);
  }
}
