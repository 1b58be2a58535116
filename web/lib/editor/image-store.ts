import type * as Y from 'yjs';

/** The Y.Map of image bytes inside every ringdoc Y.Doc (they move and replicate with it). */
export const IMAGES_MAP = 'images';

/** Largest image kept in a document, after downscaling (bytes). */
export const MAX_IMAGE_BYTES = 1024 * 1024;

/** One stored image. */
export interface StoredImage {
  readonly mime: string;
  readonly bytes: Uint8Array;
}

/** Thrown when an image stays above {@link MAX_IMAGE_BYTES} or is not an image. */
export class ImageRefused extends Error {
  override readonly name = 'ImageRefused';
}

const MIME = /^image\/(png|jpeg|gif|webp|svg\+xml)$/;

/**
 * Stores `bytes` in `doc` under a new id and returns the id. Refuses non-images and images
 * above {@link MAX_IMAGE_BYTES} (callers downscale first) with {@link ImageRefused}.
 */
export function storeImage(doc: Y.Doc, mime: string, bytes: Uint8Array, id: string): string {
  if (!MIME.test(mime)) throw new ImageRefused(`not an image this editor keeps (${mime})`);
  if (bytes.byteLength > MAX_IMAGE_BYTES) {
    throw new ImageRefused(
      `image is ${Math.ceil(bytes.byteLength / 1024)} KiB; at most ${MAX_IMAGE_BYTES / 1024} KiB`,
    );
  }
  doc.getMap(IMAGES_MAP).set(id, { mime, bytes });
  return id;
}

/** The image stored under `id`, or `null` (not there yet, or not an image record). */
export function readImage(doc: Y.Doc, id: string): StoredImage | null {
  const value = doc.getMap(IMAGES_MAP).get(id) as Partial<StoredImage> | undefined;
  if (!value || typeof value.mime !== 'string' || !(value.bytes instanceof Uint8Array)) {
    return null;
  }
  return { mime: value.mime, bytes: value.bytes };
}

/** Calls `listener` whenever the image `id` arrives or changes; returns the unsubscribe. */
export function observeImage(doc: Y.Doc, id: string, listener: () => void): () => void {
  const map = doc.getMap(IMAGES_MAP);
  const handler = (event: Y.YMapEvent<unknown>) => {
    if (event.keysChanged.has(id)) listener();
  };
  map.observe(handler);
  return () => map.unobserve(handler);
}
