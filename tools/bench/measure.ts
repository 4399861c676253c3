/** Runs `work` repeatedly for fixed windows and reports the median rate. */
export function measure(
  work: () => number,
  options: { warmupMs?: number; windowMs?: number; windows?: number } = {},
): number {
  const warmupEnd = performance.now() + (options.warmupMs ?? 500);
  while (performance.now() < warmupEnd) {
    work();
  }
  const rates: number[] = [];
  for (let w = 0; w < (options.windows ?? 5); w += 1) {
    let units = 0;
    const start = performance.now();
    const end = start + (options.windowMs ?? 1000);
    let now = start;
    while (now < end) {
      units += work();
      now = performance.now();
    }
    rates.push(units / ((now - start) / 1000));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] ?? 0;
}

/** Formats a number with thousands separators. */
export function fmt(value: number, digits = 0): string {
  return value.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}
