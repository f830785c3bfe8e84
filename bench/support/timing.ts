// A small timing harness: warm up, then repeat and keep the median (these machines are noisy), of
// times that do not count waits for a core (elapsedMs).

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

/**
 * Milliseconds `run` took: its wall time, or the process's CPU time over it when that is less. The
 * work timed here runs on one thread, so on an idle machine the two agree; on a shared one (the
 * machines these benchmarks run on have two cores, often busy with other processes) the wall time
 * also counts the time the process waited for a core, which says nothing about the code. The CPU
 * time counts every thread of the process (the garbage collector's too): taking the lesser of the
 * two keeps either from inflating the figure.
 */
function elapsedMs(run: () => void): number {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  run();
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const { user, system } = process.cpuUsage(cpu);
  return Math.min(wallMs, (user + system) / 1000);
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
