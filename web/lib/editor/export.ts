import { $generateHtmlFromNodes } from '@lexical/html';
import { $convertToMarkdownString } from '@lexical/markdown';
import type { LexicalEditor } from 'lexical';
import { MARKDOWN_DOCUMENT } from './markdown.ts';

/** Pure: a file name for `title` (`Release notes 0.2` → `release-notes-0-2`). */
export function fileNameFor(title: string): string {
  const slug = title
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return slug || 'document';
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[c]};`,
  );
}

/** The document as Markdown (GitHub flavour: tables, task lists, fenced code), title first. */
export function exportMarkdown(editor: LexicalEditor, title: string): string {
  const body = editor.getEditorState().read(() => $convertToMarkdownString(MARKDOWN_DOCUMENT));
  return `# ${title}\n\n${body}\n`;
}

const HTML_STYLE = `body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .5rem}
pre,code{font-family:ui-monospace,monospace;background:#f3f4f6}pre{padding:.6rem;overflow:auto}
blockquote{border-left:4px solid #ddd;margin-left:0;padding-left:1rem;color:#555}img{max-width:100%}`;

/** The document as a standalone HTML page (Lexical's own HTML export), title as `<h1>`. */
export function exportHtml(editor: LexicalEditor, title: string): string {
  const body = editor.getEditorState().read(() => $generateHtmlFromNodes(editor, null));
  const t = escapeHtml(title);
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${t}</title>\n<style>${HTML_STYLE}</style>\n</head>\n<body>\n<h1>${t}</h1>\n${body}\n</body>\n</html>\n`;
}

/** Offers `text` as a file download in the browser. */
export function downloadFile(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
