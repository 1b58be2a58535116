'use client';

import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { useEffect } from 'react';
import { countWords } from '../../../lib/editor/word-count.ts';

/** How often the count may be recomputed while someone types (ms). */
const COUNT_EVERY_MS = 400;

/** Reports the document's word count, recomputed at most every 400 ms (not per keystroke). */
export function WordCountPlugin({ onCount }: { onCount: (words: number) => void }) {
  const [editor] = useLexicalComposerContext();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let latest = '';
    const flush = () => {
      timer = null;
      onCount(countWords(latest));
    };
    const stop = editor.registerTextContentListener((text) => {
      latest = text;
      if (timer === null) timer = setTimeout(flush, COUNT_EVERY_MS);
    });
    return () => {
      stop();
      if (timer !== null) clearTimeout(timer);
    };
  }, [editor, onCount]);
  return null;
}
