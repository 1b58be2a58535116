'use client';

import type { LexicalEditor } from 'lexical';
import { useEffect, useId, useRef, useState } from 'react';
import { downloadFile, exportHtml, exportMarkdown, fileNameFor } from '../../lib/editor/export.ts';

/**
 * Export the document: Markdown (.md), HTML (.html) or print (the browser's "Save as PDF").
 * A disclosure button with a small menu; Escape closes it.
 */
export function ExportMenu({
  editor,
  title,
}: {
  editor: LexicalEditor | null;
  title: () => string;
}) {
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const ref = useRef<HTMLDivElement | null>(null);

  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent) => {
      if (!ref.current?.contains(event.target as Node)) setOpen(false);
    };
    const onEscape = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', onEscape);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', onEscape);
    };
  }, [open]);

  const run = (what: 'md' | 'html' | 'print') => {
    setOpen(false);
    if (!editor) return;
    const name = fileNameFor(title());
    if (what === 'md') {
      downloadFile(`${name}.md`, 'text/markdown', exportMarkdown(editor, title()));
    } else if (what === 'html') {
      downloadFile(`${name}.html`, 'text/html', exportHtml(editor, title()));
    } else {
      window.print();
    }
  };

  return (
    <div className="export-menu" ref={ref}>
      <button
        type="button"
        aria-expanded={open}
        aria-controls={menuId}
        onClick={() => setOpen((o) => !o)}
        disabled={!editor}
        data-testid="export-button"
      >
        Export
      </button>
      {open ? (
        <ul id={menuId} className="export-list">
          <li>
            <button type="button" onClick={() => run('md')} data-testid="export-markdown">
              Markdown (.md)
            </button>
          </li>
          <li>
            <button type="button" onClick={() => run('html')} data-testid="export-html">
              Web page (.html)
            </button>
          </li>
          <li>
            <button type="button" onClick={() => run('print')} data-testid="export-print">
              Print or save as PDF
            </button>
          </li>
        </ul>
      ) : null}
    </div>
  );
}
