import type { MemberRecord } from '../../ring/etcd/member-record.ts';
import { type HealthSample, parseHealth } from './health.ts';

const httpBase = (url: string) => url.replace(/^ws(s?):\/\//, 'http$1://').replace(/\/+$/, '');

/**
 * Reads one member's health: `/metrics` and `/readyz` on its internal URL (`timeoutMs` each,
 * default 2000). Resolves `null` when it does not answer `/metrics`.
 */
export async function probeHealth(
  member: Pick<MemberRecord, 'internalUrl'>,
  timeoutMs = 2000,
): Promise<HealthSample | null> {
  const base = httpBase(member.internalUrl);
  try {
    const [metrics, ready] = await Promise.all([
      fetch(`${base}/metrics`, { signal: AbortSignal.timeout(timeoutMs) }),
      fetch(`${base}/readyz`, { signal: AbortSignal.timeout(timeoutMs) }).then(
        (r) => r.status === 200,
        () => false,
      ),
    ]);
    if (metrics.status !== 200) return null;
    return parseHealth(await metrics.text(), ready);
  } catch {
    return null;
  }
}
