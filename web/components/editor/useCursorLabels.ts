'use client';

import { type RefObject, useEffect } from 'react';

/** How long a remote cursor's name stays up after it moved (ms). */
const LABEL_MS = 1800;

/**
 * Remote cursors show their name only for a moment after they move (class `is-moving` on
 * the caret), so names do not sit on top of the text people are reading; the coloured
 * caret itself stays.
 */
export function useCursorLabels(containerRef: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const timers = new Map<Element, ReturnType<typeof setTimeout>>();
    const places = new WeakMap<Element, string>();
    const mark = () => {
      for (const caret of container.querySelectorAll('.rd-cursor')) {
        const rect = caret.getBoundingClientRect();
        const place = `${Math.round(rect.left)},${Math.round(rect.top)}`;
        if (places.get(caret) === place) continue;
        places.set(caret, place);
        caret.classList.add('is-moving');
        clearTimeout(timers.get(caret));
        timers.set(
          caret,
          setTimeout(() => {
            caret.classList.remove('is-moving');
            timers.delete(caret);
          }, LABEL_MS),
        );
      }
    };
    const observer = new MutationObserver(mark);
    observer.observe(container, { subtree: true, childList: true, attributes: true });
    return () => {
      observer.disconnect();
      for (const timer of timers.values()) clearTimeout(timer);
    };
  }, [containerRef]);
}
