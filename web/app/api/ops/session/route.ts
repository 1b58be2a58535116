import { jsonError } from '../../../../lib/server/http.ts';
import {
  isOperatorToken,
  OPERATOR_COOKIE,
  operatorTokenFrom,
} from '../../../../lib/server/operator.ts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * `POST /api/ops/session` (form or JSON `{token}`): an operator signs in to `/ops`. A correct
 * token sets an HttpOnly, SameSite=Strict cookie and redirects (303) to `/ops`; anything else is
 * a 401. `DELETE` signs out.
 */
export async function POST(request: Request) {
  const expected = operatorTokenFrom(process.env);
  let token = '';
  try {
    const type = request.headers.get('content-type') ?? '';
    if (type.includes('application/json')) {
      const body: unknown = await request.json();
      const value = (body as { token?: unknown } | null)?.token;
      token = typeof value === 'string' ? value : '';
    } else {
      const value = (await request.formData()).get('token');
      token = typeof value === 'string' ? value : '';
    }
  } catch {
    token = '';
  }
  if (!token || !isOperatorToken(token, expected)) {
    return jsonError(401, 'wrong operator token');
  }
  const secure = new URL(request.url).protocol === 'https:' ? '; Secure' : '';
  return new Response(null, {
    status: 303,
    headers: {
      location: '/ops',
      'set-cookie': `${OPERATOR_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200${secure}`,
      'cache-control': 'no-store',
    },
  });
}

export function DELETE() {
  return new Response(null, {
    status: 204,
    headers: { 'set-cookie': `${OPERATOR_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0` },
  });
}
