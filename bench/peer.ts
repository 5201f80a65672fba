/**
 * A peer benchmark in another process, on the same inputs, its runs interleaved with ours so that
 * both see the same machine load: bench/numpy_attention.py and bench/torch_attention.py speak one
 * protocol (`--serve SPEC.json`; first line {"numpy"|"torch": version, "blas"?: …}; then one
 * request line {"case": i, "dtype": "f64"|"f32"} → one answer {"ms": t}).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export class PeerServer {
  private readonly waiting: ((line: string | null) => void)[] = [];
  /** The peer's first line (versions, BLAS). */
  hello: Record<string, unknown> = {};
  private constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    createInterface({ input: proc.stdout }).on('line', (line) => this.waiting.shift()?.(line));
    proc.once('exit', () => {
      for (const w of this.waiting.splice(0)) w(null);
    });
  }

  /** Start `python script --serve spec`; null (with a note on stderr) when it fails. */
  static async start(python: string, script: string, specFile: string, label: string): Promise<PeerServer | null> {
    const proc = spawn(python, [script, '--serve', specFile], { stdio: ['pipe', 'pipe', 'pipe'] });
    const server = new PeerServer(proc);
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.on('error', () => undefined);
    const first = await new Promise<string | null>((resolve) => server.waiting.push(resolve));
    if (first === null) {
      console.error(`${label} bench skipped: ${stderr.trim().split('\n').pop() ?? 'it exited'}`);
      return null;
    }
    server.hello = JSON.parse(first) as Record<string, unknown>;
    return server;
  }

  /** One timed run (ms), or null when the peer has gone. */
  time(caseIndex: number, dtype: 'f64' | 'f32'): Promise<number | null> {
    return new Promise((resolve) => {
      this.waiting.push((line) => resolve(line === null ? null : (JSON.parse(line) as { ms: number }).ms));
      this.proc.stdin.write(JSON.stringify({ case: caseIndex, dtype }) + '\n');
    });
  }

  close(): void {
    this.proc.stdin.end();
  }
}
