import { timingSafeEqual } from 'node:crypto';
import type { HttpRequestHeaders } from '../transport/transport.ts';

/** Who may read what reveals documents (`/docs`): holders of the cluster secret or the operator token. */
export interface OperatorCheck {
  /**
   * True when `headers` carry the cluster secret (`x-ringdoc-cluster-secret`) or the operator
   * token (`Authorization: Bearer <token>`). Constant-time comparisons.
   */
  authorized(headers: HttpRequestHeaders): boolean;
}

/** True when `presented` equals `expected` (constant time in the length of `expected`). */
export function secretEquals(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Creates the check; an absent operator token means only the cluster secret opens. */
export function createOperatorCheck(options: {
  readonly clusterSecret: string;
  readonly operatorToken: string | null;
}): OperatorCheck {
  return {
    authorized(headers) {
      if (secretEquals(headers['x-ringdoc-cluster-secret'], options.clusterSecret)) return true;
      const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization)?.[1];
      return (
        options.operatorToken !== null &&
        bearer !== undefined &&
        secretEquals(bearer, options.operatorToken)
      );
    },
  };
}
