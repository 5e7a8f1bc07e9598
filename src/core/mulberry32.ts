/**
 * A small, fast seeded pseudo-random number generator (Tommy Ettinger's mulberry32): the same seed gives the same
 * sequence on every machine. The library's demo, the service's generated load and the benchmark draw their
 * workloads from it, so that a run can be repeated exactly (`--seed`). Not for anything secret.
 *
 * @param seed Any integer; only its low 32 bits are used.
 * @returns A function returning the next number in [0, 1).
 *
 * @example
 * const random = mulberry32(1);
 * random(); // 0.6270739405881613, on every run
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
