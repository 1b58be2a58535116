import { $isAutoLinkNode, AutoLinkNode } from '@lexical/link';
import {
  CHECK_LIST,
  ELEMENT_TRANSFORMERS,
  MULTILINE_ELEMENT_TRANSFORMERS,
  TEXT_FORMAT_TRANSFORMERS,
  TEXT_MATCH_TRANSFORMERS,
  type TextMatchTransformer,
  type Transformer,
} from '@lexical/markdown';
import { tableTransformer } from './markdown-table.ts';

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

/**
 * Auto-links (typed addresses) export as Markdown links; Lexical's LINK transformer leaves
 * them as plain text, which most renderers do not link for a bare `example.com`.
 */
const AUTO_LINK_EXPORT: TextMatchTransformer = {
  dependencies: [AutoLinkNode],
  export: (node, exportChildren) => {
    if (!$isAutoLinkNode(node)) return null;
    return `[${exportChildren(node)}](${node.getURL()})`;
  },
  regExp: /(?!)/,
  type: 'text-match',
};

/**
 * Markdown for export and import of whole documents: the shortcuts plus GitHub tables.
 * (Tables are not a typing shortcut: a `|` row would turn into a table while being typed.)
 */
export const MARKDOWN_DOCUMENT: Transformer[] = [
  tableTransformer(() => MARKDOWN_DOCUMENT),
  AUTO_LINK_EXPORT,
  ...MARKDOWN_SHORTCUTS,
];
