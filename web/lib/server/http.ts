/** JSON response that is never cached. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
}

/** `{ error }` with `status`. */
export function jsonError(status: number, error: string): Response {
  return json({ error }, status);
}

/** Largest request body the API reads (64 KiB): titles and tokens are small. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads a JSON object body: `{}` when the body is empty; a 400 response when it is not a JSON
 * object, or a 413 when it is over {@link MAX_BODY_BYTES}. A malformed request changes nothing.
 */
export async function readJsonObject(
  request: Request,
): Promise<Record<string, unknown> | Response> {
  let text: string;
  try {
    text = await request.text();
  } catch {
    return jsonError(400, 'unreadable request body');
  }
  if (text.length > MAX_BODY_BYTES) return jsonError(413, 'request body too large');
  if (text.trim() === '') return {};
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      return body as Record<string, unknown>;
    }
  } catch {
    /* below */
  }
  return jsonError(400, 'the request body must be a JSON object');
}

/**
 * The optional string field `name` of `body`: `undefined` when absent (or null), the string,
 * or a 400 response when it has another type.
 */
export function optionalString(
  body: Record<string, unknown>,
  name: string,
): string | undefined | Response {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : jsonError(400, `${name} must be a string`);
}

/** Message of an unknown thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
