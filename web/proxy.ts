import type { NextRequest } from 'next/server';
import { NextResponse } from 'next/server';
import {
  isOperatorRequest,
  operatorRequired,
  operatorSignInPage,
  operatorTokenFrom,
} from './lib/server/operator.ts';

/**
 * Operators only (SECURITY.md): the ops page and the ring API show every document id and where
 * it lives, so they need the operator token (bearer or the `/ops` sign-in cookie); without it
 * `/ops` answers 401 with a sign-in form and `/api/ring*` a 401. The route handlers check again.
 */
export function proxy(request: NextRequest) {
  if (isOperatorRequest(request, operatorTokenFrom(process.env))) return NextResponse.next();
  return request.nextUrl.pathname.startsWith('/api/') ? operatorRequired() : operatorSignInPage();
}

export const config = {
  matcher: ['/ops', '/ops/:path*', '/api/ring', '/api/ring/:path*'],
};
