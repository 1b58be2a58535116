/**
 * Build identifiers and their order (DESIGN C6).
 *
 * A build is a string of dot/dash separated parts, e.g. `2026.11.22`, `3`, `1.4.0-rc1`.
 * Numeric parts compare numerically, other parts lexically, a missing part sorts first:
 * `compareBuilds('1.10', '1.9') > 0`.
 */
export function compareBuilds(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  const n = Math.max(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : Number.NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : Number.NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) {
      if (nx !== ny) return nx < ny ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** The build of this server package (from `RINGDOC_BUILD` or package version). */
export const DEFAULT_SERVER_BUILD = '0.1.0';
