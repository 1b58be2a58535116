import { runtimeBuild } from '../../../lib/build.ts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * `GET /api/build` → `{ build }`: the web build serving this request. Behind the web gateway it is
 * the build a load of this browser would get now (its cookie routes it; a cookie naming a build no
 * longer served is re-assigned on this very request), so a tab of a rolled-back build learns it
 * may reload to the stable one. Public, cheap, never cached.
 */
export function GET() {
  return Response.json(
    { build: runtimeBuild(process.env) },
    { headers: { 'cache-control': 'no-store' } },
  );
}
