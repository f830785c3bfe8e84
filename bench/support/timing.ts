// A small timing harness: warm up, then repeat and keep the median (these machines are noisy).

export interface Timing {
  /** Median milliseconds per run. */
  medianMs: number;
  runs: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function elapsedMs(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Runs `run` for at least `warmupMs` (and `minWarmups` times) to let the JIT settle, then times it
 * `minRuns` to `maxRuns` times, stopping once `budgetMs` of timed runs have passed.
 */
export function time(
  run: () => void,
  { warmupMs = 300, minWarmups = 2, minRuns = 5, maxRuns = 50, budgetMs = 2000 } = {},
): Timing {
  let warm = 0;
  for (let i = 0; i < minWarmups || warm < warmupMs; i++) warm += elapsedMs(run);
  const samples: number[] = [];
  let spent = 0;
  while (samples.length < minRuns || (samples.length < maxRuns && spent < budgetMs)) {
    const ms = elapsedMs(run);
    samples.push(ms);
    spent += ms;
  }
  return { medianMs: median(samples), runs: samples.length };
}
