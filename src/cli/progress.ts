import cliProgress from 'cli-progress';

/** A progress bar on stderr for long jobs; plain lines when stderr is not a terminal. */
export function progressBar(label: string): { update(done: number, total: number): void; stop(): void } {
  if (!process.stderr.isTTY) {
    let lastShown = 0;
    return {
      update(done, total) {
        const now = Date.now();
        if (now - lastShown < 1000 && done < total) return;
        lastShown = now;
        process.stderr.write(`${label}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
