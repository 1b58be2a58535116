import { isOperatorRequest, operatorRequired } from '../../../../lib/server/operator.ts';
import { getBackend } from '../../../../lib/server/runtime.ts';
import { getRingFeed } from './runtime.ts';
import { sseComment, sseEvent, sseRetry } from './sse.ts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** How often an idle stream sends a comment, so proxies keep it open. */
const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/ring/stream` → `text/event-stream` of `snapshot` events, each a `RingSnapshot`
 * (web/lib/ring-view/types.ts) as JSON: the latest at once, then every change (DESIGN W5).
 * The stream ends when the client goes away; `EventSource` reconnects after 2 s. Operators
 * only (the sign-in cookie or the bearer token), else 401: it names every document.
 */
export function GET(request: Request): Response {
  if (!isOperatorRequest(request, getBackend().config.operatorToken)) return operatorRequired();
  const encoder = new TextEncoder();
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      const send = (text: string) => {
        if (!open) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          cleanup();
        }
      };
      send(sseRetry(2000));
      const unsubscribe = getRingFeed().subscribe((json) => send(sseEvent('snapshot', json)));
      const heartbeat = setInterval(() => send(sseComment('keep-alive')), HEARTBEAT_MS);
      cleanup = () => {
        if (!open) return;
        open = false;
        clearInterval(heartbeat);
        unsubscribe();
        request.signal.removeEventListener('abort', cleanup);
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      request.signal.addEventListener('abort', cleanup);
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      // no-transform: Next's gzip would otherwise buffer the events.
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    },
  });
}
