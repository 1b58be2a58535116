'use client';

import { createContext, createElement, useContext, useEffect, useState } from 'react';
import type * as Y from 'yjs';
import { observeImage, readImage } from './image-store.ts';

/** The Y.Doc whose `images` map holds the bytes the image nodes of this editor show. */
export const ImageDocContext = createContext<Y.Doc | null>(null);

/** Shows the bytes stored for `imageId` in the document (a placeholder until they arrive). */
export function ImageView({
  imageId,
  alt,
  width,
  height,
}: {
  imageId: string;
  alt: string;
  width: number;
  height: number;
}) {
  const doc = useContext(ImageDocContext);
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!doc) return;
    let current: string | null = null;
    const show = () => {
      const image = readImage(doc, imageId);
      if (!image) return;
      if (current) URL.revokeObjectURL(current);
      current = URL.createObjectURL(new Blob([image.bytes as BlobPart], { type: image.mime }));
      setUrl(current);
    };
    show();
    const stop = observeImage(doc, imageId, show);
    return () => {
      stop();
      if (current) URL.revokeObjectURL(current);
    };
  }, [doc, imageId]);
  if (!url) {
    return createElement(
      'span',
      { className: 'rd-image-loading', 'data-testid': 'image-loading' },
      'Loading image…',
    );
  }
  return createElement('img', {
    src: url,
    alt,
    draggable: false,
    'data-testid': 'image',
    'data-image-id': imageId,
    ...(width > 0 && height > 0 ? { width, height } : {}),
  });
}
