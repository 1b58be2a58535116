import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Cookie set by the `/ops` sign-in (HttpOnly, SameSite=Strict). */
export const OPERATOR_COOKIE = 'ringdoc_ops';

/** The operator token from `env` (`RINGDOC_OPERATOR_TOKEN` or `RINGDOC_OPERATOR_TOKEN_FILE`), or `null`. */
export function operatorTokenFrom(
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  if (env.RINGDOC_OPERATOR_TOKEN) return env.RINGDOC_OPERATOR_TOKEN;
  const file = env.RINGDOC_OPERATOR_TOKEN_FILE;
  if (!file) return null;
  try {
    return readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** True when `presented` is the operator token `expected` (constant time; false without one). */
export function isOperatorToken(presented: string, expected: string | null): boolean {
  return expected !== null && expected.length > 0 && equal(presented, expected);
}

function equal(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The value of cookie `name` in a `Cookie` header, or `null`. */
export function cookieValue(header: string | null, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/**
 * True when `request` is an operator's (SECURITY.md): `Authorization: Bearer <token>` or the
 * sign-in cookie equal to `token` (constant-time). Always false without a configured token.
 */
export function isOperatorRequest(request: Request, token: string | null): boolean {
  if (token === null || token.length === 0) return false;
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
  if (bearer !== undefined && equal(bearer, token)) return true;
  const cookie = cookieValue(request.headers.get('cookie'), OPERATOR_COOKIE);
  return cookie !== null && equal(cookie, token);
}

/** The 401 of an operator-only API route (no ids, no hint beyond what is needed). */
export function operatorRequired(): Response {
  return new Response(JSON.stringify({ error: 'operator sign-in required' }), {
    status: 401,
    headers: {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'www-authenticate': 'Bearer realm="ringdoc-ops"',
    },
  });
}

/** The 401 page of `/ops`: a plain sign-in form posting the token to `/api/ops/session`. */
export function operatorSignInPage(): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in · ringdoc ops</title></head>
<body style="font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto">
<h1>ringdoc ops</h1>
<p>The ops page shows every document and where it lives: operators only. Sign in with the operator token (<code>npm start</code> prints it; <code>RINGDOC_OPERATOR_TOKEN</code> in production).</p>
<form method="post" action="/api/ops/session">
<label>Operator token <input type="password" name="token" autocomplete="off" required data-testid="ops-token"></label>
<button type="submit" data-testid="ops-sign-in">Sign in</button>
</form></body></html>`;
  return new Response(html, {
    status: 401,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  });
}
