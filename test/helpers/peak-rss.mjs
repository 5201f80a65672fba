// Preloaded into a child process (node --import): prints its peak resident set size at exit,
// for comparing the memory estimates with what a command really used.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(2, `\npeak-rss-bytes ${process.resourceUsage().maxRSS * 1024}\n`);
});
