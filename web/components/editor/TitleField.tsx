'use client';

import { useEffect, useRef, useState } from 'react';
import type * as Y from 'yjs';
import {
  observeDocTitle,
  readDocTitle,
  reconcileDocTitle,
  writeDocTitle,
} from '../../lib/collab/doc-title.ts';

export interface TitleFieldProps {
  /** The document (once the provider exists); the title lives in its `meta` map. */
  readonly doc: Y.Doc | null;
  /** `true` once the document is in sync with a node (only then may the index title win). */
  readonly synced: boolean;
  /** Title and last change of the index record (what the document list shows). */
  readonly indexTitle: string | null;
  readonly indexUpdated: number;
  readonly readOnly: boolean;
  /** Stores a new title in the index (the list); resolves to the stored, normalized title. */
  readonly onRename: (title: string) => Promise<string | null>;
  /** Called whenever the shown title changes (tab title, breadcrumbs). */
  readonly onTitle: (title: string) => void;
}

/**
 * The document's title as a large heading-like field. A rename is written into the
 * document itself (so every open tab follows it live) and into the index (the list).
 * While this person is typing in the field, renames from others do not overwrite it.
 */
export function TitleField({
  doc,
  synced,
  indexTitle,
  indexUpdated,
  readOnly,
  onRename,
  onTitle,
}: TitleFieldProps) {
  const [value, setValue] = useState(indexTitle ?? '');
  const saved = useRef(indexTitle ?? '');
  const editing = useRef(false);
  const cancelled = useRef(false);

  useEffect(() => {
    if (!doc) return;
    const show = (title: string) => {
      saved.current = title;
      onTitle(title);
      if (!editing.current) setValue(title);
    };
    if (synced && indexTitle !== null) show(reconcileDocTitle(doc, indexTitle, indexUpdated));
    else {
      const own = readDocTitle(doc);
      if (own) show(own.title);
    }
    return observeDocTitle(doc, show);
  }, [doc, synced, indexTitle, indexUpdated, onTitle]);

  const commit = async () => {
    editing.current = false;
    if (cancelled.current) {
      cancelled.current = false;
      setValue(saved.current);
      return;
    }
    const next = value.replace(/\s+/g, ' ').trim();
    if (next === '' || next === saved.current) {
      setValue(saved.current);
      return;
    }
    const stored = (await onRename(next)) ?? next;
    if (doc) writeDocTitle(doc, stored, Date.now());
    saved.current = stored;
    setValue(stored);
    onTitle(stored);
  };

  return (
    <input
      className="title-input"
      aria-label="Title"
      value={value}
      placeholder="Untitled document"
      readOnly={readOnly || indexTitle === null}
      onFocus={() => {
        editing.current = true;
      }}
      onChange={(e) => setValue(e.target.value)}
      onBlur={() => void commit()}
      onKeyDown={(e) => {
        if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
        if (e.key === 'Escape') {
          cancelled.current = true;
          (e.target as HTMLInputElement).blur();
        }
      }}
      data-testid="doc-title"
    />
  );
}
