'use client';

import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { $getRoot } from 'lexical';
import { useEffect } from 'react';
import { countWords } from '../../../lib/editor/word-count.ts';

/** How often the count may be recomputed while someone types (ms). */
const COUNT_EVERY_MS = 400;

/**
 * Reports the document's word count, recomputed at most every 400 ms and only then reading
 * the text (a text-content listener would build the whole text on every keystroke).
 */
export function WordCountPlugin({ onCount }: { onCount: (words: number) => void }) {
  const [editor] = useLexicalComposerContext();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      onCount(countWords(editor.getEditorState().read(() => $getRoot().getTextContent())));
    };
    const stop = editor.registerUpdateListener(({ dirtyElements, dirtyLeaves }) => {
      if (dirtyElements.size === 0 && dirtyLeaves.size === 0) return;
      if (timer === null) timer = setTimeout(flush, COUNT_EVERY_MS);
    });
    flush();
    return () => {
      stop();
      if (timer !== null) clearTimeout(timer);
    };
  }, [editor, onCount]);
  return null;
}
