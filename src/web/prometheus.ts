/**
 * Reading Prometheus text exposition (format 0.0.4) for the explorer: the sum of a counter
 * family's samples, optionally only those with a given label value, and rates between two
 * scrapes. Pure: text in, numbers out.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample of the text; comments and lines that are not samples are skipped. */
export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    const labels: Record<string, string> = {};
    if (m[2]) for (const l of m[2].matchAll(LABEL)) labels[l[1]] = l[2].replace(/\\(.)/g, '$1');
    out.push({ name: m[1], labels, value });
  }
  return out;
}

/** Sum of the samples named `name` (and matching `where`, when given). */
export function sumOf(samples: readonly Sample[], name: string, where?: Record<string, string>): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (where && !Object.entries(where).every(([k, v]) => s.labels[k] === v)) continue;
    total += s.value;
  }
  return total;
}

/** Per-second rate of a counter between two readings; a reset (restart) counts from zero. */
export function ratePerSecond(
  prev: { value: number; atMs: number } | undefined,
  next: { value: number; atMs: number },
): number {
  if (!prev || next.atMs <= prev.atMs) return 0;
  const delta = next.value >= prev.value ? next.value - prev.value : next.value;
  return (delta * 1000) / (next.atMs - prev.atMs);
}
