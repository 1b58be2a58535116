/**
 * Server-sent events framing (WHATWG HTML §9.2): `event:` then one `data:` line per line of
 * `data`, ended by a blank line. Pure.
 */
export function sseEvent(event: string, data: string): string {
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}`);
  return `event: ${event}\n${lines.join('\n')}\n\n`;
}

/** A comment line (ignored by `EventSource`; keeps idle connections and proxies alive). */
export function sseComment(text: string): string {
  return `: ${text.replace(/\r\n|\r|\n/g, ' ')}\n\n`;
}

/** Tells `EventSource` how long to wait before reconnecting, in ms. */
export function sseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}
