import * as Y from 'yjs';

/** The shared type Lexical's Yjs binding keeps a document in (`@lexical/yjs`, rootName). */
export const LEXICAL_ROOT = 'root';

/** Lexical text format bits (lexical `TextFormatType`). */
export const Format = { BOLD: 1, ITALIC: 2, STRIKETHROUGH: 4, UNDERLINE: 8, CODE: 16 } as const;

/** A stretch of text with one format (and link, if inside one). */
export interface Run {
  readonly text: string;
  readonly format: number;
  readonly link?: string;
}

/** One block of a document: a paragraph, heading, quote, code block or list item. */
export interface Block {
  /** Lexical node type: `paragraph`, `heading`, `quote`, `code`, `listitem`, … */
  readonly type: string;
  /** `h1`…`h6` for headings. */
  readonly tag?: string;
  /** `bullet`, `number` or `check` for list items. */
  readonly listType?: string;
  /** Nesting depth of list items (0 = top level). */
  readonly depth: number;
  readonly runs: readonly Run[];
}

/** Plain text of a block. */
export function blockText(block: Block): string {
  return block.runs.map((r) => r.text).join('');
}

/**
 * The blocks of a document as Lexical's Yjs binding stores it: the root XmlText embeds one
 * XmlText per element (attributes `__type`, `__tag`, `__listType`, …); inside an element a
 * Y.Map `{__type: 'text', __format}` is followed by its text, `{__type: 'linebreak'}` is a
 * line break, and inline elements (links) are nested XmlTexts. Pure; never throws on shapes
 * it does not know (they are skipped).
 */
export function readBlocks(doc: Y.Doc): Block[] {
  const root = doc.get(LEXICAL_ROOT, Y.XmlText);
  const blocks: Block[] = [];
  let loose = '';
  const flushLoose = () => {
    if (loose === '') return;
    for (const line of loose.split('\n')) {
      blocks.push({ type: 'paragraph', depth: 0, runs: line ? [{ text: line, format: 0 }] : [] });
    }
    loose = '';
  };
  for (const op of root.toDelta() as Array<{ insert?: unknown }>) {
    if (op.insert instanceof Y.XmlText) {
      flushLoose();
      collectBlock(op.insert, blocks, 0, undefined);
    } else if (typeof op.insert === 'string') {
      // Not Lexical's shape (a plain text root, e.g. a script's): one paragraph per line.
      loose += op.insert;
    }
  }
  flushLoose();
  return blocks;
}

function embeddedElements(element: Y.XmlText): Y.XmlText[] {
  const out: Y.XmlText[] = [];
  for (const op of element.toDelta() as Array<{ insert?: unknown }>) {
    if (op.insert instanceof Y.XmlText) out.push(op.insert);
  }
  return out;
}

function attr(element: Y.XmlText, key: string): string | undefined {
  const value = element.getAttribute(key) as unknown;
  return typeof value === 'string' ? value : undefined;
}

function collectBlock(
  element: Y.XmlText,
  blocks: Block[],
  depth: number,
  listType: string | undefined,
): void {
  const type = attr(element, '__type') ?? 'paragraph';
  if (type === 'list') {
    const kind = attr(element, '__listType') ?? 'bullet';
    for (const item of embeddedElements(element)) collectBlock(item, blocks, depth, kind);
    return;
  }
  if (type === 'listitem') {
    const nested = embeddedElements(element).filter((e) => attr(e, '__type') === 'list');
    const runs = inlineRuns(element, undefined);
    if (runs.length > 0 || nested.length === 0) {
      blocks.push({ type, listType: listType ?? 'bullet', depth, runs });
    }
    for (const list of nested) collectBlock(list, blocks, depth + 1, undefined);
    return;
  }
  const tag = attr(element, '__tag');
  blocks.push({ type, ...(tag ? { tag } : {}), depth, runs: inlineRuns(element, undefined) });
}

function inlineRuns(element: Y.XmlText, link: string | undefined): Run[] {
  const runs: Run[] = [];
  let format = 0;
  const push = (text: string, f: number, l: string | undefined) => {
    const last = runs.at(-1);
    if (last && last.format === f && last.link === l) {
      runs[runs.length - 1] = { ...last, text: last.text + text };
    } else {
      runs.push({ text, format: f, ...(l ? { link: l } : {}) });
    }
  };
  for (const op of element.toDelta() as Array<{ insert?: unknown }>) {
    const insert = op.insert;
    if (typeof insert === 'string') {
      push(insert, format, link);
    } else if (insert instanceof Y.Map) {
      const type = insert.get('__type');
      if (type === 'linebreak') push('\n', 0, link);
      else {
        const f = insert.get('__format');
        format = typeof f === 'number' ? f : 0;
      }
    } else if (insert instanceof Y.XmlText) {
      const type = attr(insert, '__type');
      if (type === 'list') continue;
      const url = attr(insert, '__url') ?? link;
      for (const run of inlineRuns(insert, url)) push(run.text, run.format, run.link);
    }
  }
  return runs.filter((r) => r.text !== '');
}

/** The document's plain text: one line per block. */
export function plainText(blocks: readonly Block[]): string {
  return blocks.map(blockText).join('\n');
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

function runHtml(run: Run): string {
  let html = escapeHtml(run.text).replaceAll('\n', '<br>');
  if (run.format & Format.CODE) html = `<code>${html}</code>`;
  if (run.format & Format.BOLD) html = `<strong>${html}</strong>`;
  if (run.format & Format.ITALIC) html = `<em>${html}</em>`;
  if (run.format & Format.UNDERLINE) html = `<u>${html}</u>`;
  if (run.format & Format.STRIKETHROUGH) html = `<s>${html}</s>`;
  if (run.link) html = `<a href="${escapeHtml(run.link)}">${html}</a>`;
  return html;
}

const BLOCK_TAGS: Readonly<Record<string, string>> = {
  paragraph: 'p',
  quote: 'blockquote',
  code: 'pre',
};

/** HTML of the blocks (lists become `<ul>`/`<ol>`, nested by depth). Pure. */
export function toHtml(blocks: readonly Block[]): string {
  const out: string[] = [];
  const open: string[] = [];
  const closeTo = (depth: number) => {
    while (open.length > depth) out.push(`</${open.pop()}>`);
  };
  for (const block of blocks) {
    const inner = block.runs.map(runHtml).join('');
    if (block.type === 'listitem') {
      const tag = block.listType === 'number' ? 'ol' : 'ul';
      closeTo(block.depth + 1);
      if (open.length === block.depth + 1 && open[block.depth] !== tag) closeTo(block.depth);
      while (open.length < block.depth + 1) {
        open.push(tag);
        out.push(`<${tag}>`);
      }
      out.push(`<li>${inner}</li>`);
      continue;
    }
    closeTo(0);
    const tag = block.type === 'heading' ? (block.tag ?? 'h1') : (BLOCK_TAGS[block.type] ?? 'p');
    out.push(`<${tag}>${inner}</${tag}>`);
  }
  closeTo(0);
  return out.join('\n');
}

function runMarkdown(run: Run): string {
  if (run.format & Format.CODE) return `\`${run.text}\``;
  let text = run.text.replace(/([\\*_`[\]#])/g, '\\$1');
  if (run.format & Format.BOLD) text = `**${text}**`;
  if (run.format & Format.ITALIC) text = `*${text}*`;
  if (run.format & Format.STRIKETHROUGH) text = `~~${text}~~`;
  if (run.link) text = `[${text}](${run.link})`;
  return text;
}

/** Markdown of the blocks (CommonMark plus `~~strike~~`). Pure. */
export function toMarkdown(blocks: readonly Block[]): string {
  const lines: string[] = [];
  const counters: number[] = [];
  for (const block of blocks) {
    const text = block.runs.map(runMarkdown).join('');
    if (block.type === 'listitem') {
      counters.length = block.depth + 1;
      const n = (counters[block.depth] ?? 0) + 1;
      counters[block.depth] = n;
      const marker = block.listType === 'number' ? `${n}.` : '-';
      lines.push(`${'  '.repeat(block.depth)}${marker} ${text}`);
      continue;
    }
    counters.length = 0;
    if (lines.length > 0) lines.push('');
    if (block.type === 'heading') {
      const level = Number((block.tag ?? 'h1').slice(1)) || 1;
      lines.push(`${'#'.repeat(level)} ${text}`);
    } else if (block.type === 'quote') lines.push(`> ${text}`);
    else if (block.type === 'code') lines.push(`\`\`\`\n${blockText(block)}\n\`\`\``);
    else lines.push(text);
  }
  return `${lines.join('\n')}\n`;
}
