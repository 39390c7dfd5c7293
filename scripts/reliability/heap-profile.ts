/**
 * What grows in a heap, by allocation site: V8's sampling heap profiler (HeapProfiler.
 * startSampling) records a sample every ~32 KiB allocated, and `getSamplingProfile` lists
 * the samples still alive, as a tree of call frames with each node's `selfSize`. Taken
 * right after full collections at two times, the difference per site is what was kept in
 * between (sampled: sizes are estimates, a site below the interval may not show).
 */

/** HeapProfiler.SamplingHeapProfileNode, the parts used. */
export interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

/** Bytes alive per allocation site: the allocating frame and `depth - 1` of its callers. */
export function sizesBySite(root: SamplingNode, depth = 4): Map<string, number> {
  const out = new Map<string, number>();
  const frame = (n: SamplingNode) => {
    const f = n.callFrame;
    const file = f.url.split('/').pop() ?? '';
    // lineNumber and columnNumber are zero-based in the protocol
    return `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
  };
  const walk = (n: SamplingNode, stack: string[]) => {
    const here = [frame(n), ...stack];
    if (n.selfSize > 0) {
      const key = here.slice(0, depth).join(' < ');
      out.set(key, (out.get(key) ?? 0) + n.selfSize);
    }
    for (const c of n.children) walk(c, here);
  };
  walk(root, []);
  return out;
}

/** The sites whose live bytes grew most from `before` to `after`, largest first. */
export function growthBySite(
  before: Map<string, number>,
  after: Map<string, number>,
  top = 5,
): { site: string; bytes: number }[] {
  const sites = new Set([...before.keys(), ...after.keys()]);
  return [...sites]
    .map((site) => ({ site, bytes: (after.get(site) ?? 0) - (before.get(site) ?? 0) }))
    .filter((g) => g.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}
