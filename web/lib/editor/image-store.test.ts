import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  ImageRefused,
  MAX_IMAGE_BYTES,
  observeImage,
  readImage,
  storeImage,
} from './image-store.ts';

describe('image store', () => {
  it('keeps image bytes in the document, so they replicate with it', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    let seen = 0;
    const stop = observeImage(b, 'img1', () => seen++);
    storeImage(a, 'image/png', new Uint8Array([137, 80, 78, 71]), 'img1');
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(seen).toBe(1);
    expect(readImage(b, 'img1')).toEqual({
      mime: 'image/png',
      bytes: new Uint8Array([137, 80, 78, 71]),
    });
    expect(readImage(b, 'other')).toBeNull();
    stop();
  });

  it('refuses images above the limit and files that are not images', () => {
    const doc = new Y.Doc();
    expect(() => storeImage(doc, 'image/png', new Uint8Array(MAX_IMAGE_BYTES + 1), 'big')).toThrow(
      ImageRefused,
    );
    expect(() => storeImage(doc, 'text/html', new Uint8Array(3), 'x')).toThrow(ImageRefused);
    expect(doc.getMap('images').size).toBe(0);
  });
});
