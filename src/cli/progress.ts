/**
 * A progress bar on stderr that appears only once a run has taken more than a second, and only
 * on a terminal (pipes and logs stay clean).
 */
export function makeProgress(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): {
  update: (done: number, total: number) => void;
  finish: () => void;
} {
  const start = Date.now();
  let shown = false;
  return {
    update(done: number, total: number): void {
      if (!stream.isTTY || Date.now() - start < 1000) return;
      shown = true;
      const width = 30;
      const filled = Math.round((width * done) / Math.max(1, total));
      const secs = ((Date.now() - start) / 1000).toFixed(1);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} heads, ${secs} s`);
    },
    finish(): void {
      if (shown) stream.write('\n');
    },
  };
}
