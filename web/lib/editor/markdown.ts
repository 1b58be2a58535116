import {
  CHECK_LIST,
  ELEMENT_TRANSFORMERS,
  MULTILINE_ELEMENT_TRANSFORMERS,
  TEXT_FORMAT_TRANSFORMERS,
  TEXT_MATCH_TRANSFORMERS,
  type Transformer,
} from '@lexical/markdown';

/**
 * The Markdown the editor understands while typing (`# `, `- `, `1. `, `[ ] `, `> `,
 * ``` fences, `**bold**`, `*italic*`, `~~strike~~`, `` `code` ``, `[text](url)`) — Lexical's
 * own transformers; the check list goes before the bullet list so `- [ ] ` is a checkbox.
 */
export const MARKDOWN_SHORTCUTS: Transformer[] = [
  CHECK_LIST,
  ...ELEMENT_TRANSFORMERS,
  ...MULTILINE_ELEMENT_TRANSFORMERS,
  ...TEXT_FORMAT_TRANSFORMERS,
  ...TEXT_MATCH_TRANSFORMERS,
];
