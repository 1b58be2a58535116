const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:', 'tel:']);
const EMAIL = /^[^\s@/]+@[^\s@/]+\.[^\s@/]+$/;
const HOST_LIKE = /^(localhost|[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+)(:\d+)?([/?#]\S*)?$/u;

/**
 * Pure: the link target for what a person typed, or `null` when it is not a link.
 * `example.com/x` becomes `https://example.com/x`, `a@b.org` becomes `mailto:a@b.org`;
 * only http(s), mailto and tel are kept (never `javascript:`).
 */
export function normalizeUrl(input: string): string | null {
  const text = input.trim();
  if (text === '' || /\s/.test(text)) return null;
  if (EMAIL.test(text) && !text.includes(':')) return `mailto:${text}`;
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(text)?.[1]?.toLowerCase();
  if (scheme && !HOST_LIKE.test(text)) {
    if (!SAFE_SCHEMES.has(scheme)) return null;
    try {
      return new URL(text).href;
    } catch {
      return null;
    }
  }
  if (text.startsWith('//')) return `https:${text}`;
  if (HOST_LIKE.test(text)) return `https://${text}`;
  return null;
}

const BARE_DOMAIN =
  /(?<![@\w.\-/])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:com|org|net|io|dev|app|edu|gov|co|info|ai|me|uk|de|fr|eu|nl|ch|se|no|jp|ca|au)(?![\w-])(?:\/[^\s]*[^\s.,;:!?'")\]])?/i;

/**
 * Pure: the first bare domain in `text` (`example.com`, `docs.example.org/a`), for the
 * auto-link plugin — Lexical's own URL matcher needs `https://` or `www.`. Only well-known
 * top-level domains count, so `notes.txt` stays text.
 */
export function matchBareDomain(
  text: string,
): { index: number; length: number; text: string; url: string } | null {
  const match = BARE_DOMAIN.exec(text);
  if (!match) return null;
  return {
    index: match.index,
    length: match[0].length,
    text: match[0],
    url: `https://${match[0]}`,
  };
}
