'use client';

import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { DRAG_DROP_PASTE } from '@lexical/rich-text';
import { $insertNodes, COMMAND_PRIORITY_HIGH, createCommand, type LexicalCommand } from 'lexical';
import { useEffect, useState } from 'react';
import type * as Y from 'yjs';
import { $createImageNode } from '../../../lib/editor/image-node.ts';
import { ImageRefused, MAX_IMAGE_BYTES, storeImage } from '../../../lib/editor/image-store.ts';

/** Inserts image files at the selection (toolbar "Image" button). */
export const INSERT_IMAGE_FILES_COMMAND: LexicalCommand<File[]> =
  createCommand('INSERT_IMAGE_FILES');

/** Longest side of a stored image after downscaling (px). */
const MAX_SIDE = 1600;

interface Prepared {
  readonly mime: string;
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Reads an image file, downscaling photos that are too large to keep in the document. */
async function prepare(file: File): Promise<Prepared> {
  const raw = new Uint8Array(await file.arrayBuffer());
  if (file.type === 'image/svg+xml' || file.type === 'image/gif') {
    return { mime: file.type, bytes: raw, width: 0, height: 0 };
  }
  const bitmap = await createImageBitmap(file).catch(() => null);
  if (!bitmap) throw new ImageRefused('the file could not be read as an image');
  const { width, height } = bitmap;
  if (raw.byteLength <= MAX_IMAGE_BYTES && Math.max(width, height) <= MAX_SIDE) {
    bitmap.close();
    return { mime: file.type, bytes: raw, width, height };
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise<Blob | null>((resolve) =>
    canvas.toBlob(resolve, 'image/jpeg', 0.85),
  );
  if (!blob) throw new ImageRefused('the image could not be resized');
  return {
    mime: 'image/jpeg',
    bytes: new Uint8Array(await blob.arrayBuffer()),
    width: canvas.width,
    height: canvas.height,
  };
}

/**
 * Pasted, dropped or chosen image files are stored in the document (`images` map, at most
 * 1 MiB each after downscaling to 1600 px) and shown through image nodes in every tab.
 */
export function ImagePlugin({ doc }: { doc: Y.Doc | null }) {
  const [editor] = useLexicalComposerContext();
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const insert = (files: File[]) => {
      const images = files.filter((f) => f.type.startsWith('image/'));
      if (images.length === 0 || !doc) return false;
      void (async () => {
        for (const file of images) {
          try {
            const image = await prepare(file);
            const id = storeImage(doc, image.mime, image.bytes, crypto.randomUUID());
            editor.update(() => {
              $insertNodes([$createImageNode(id, file.name, image.width, image.height)]);
            });
            setProblem(null);
          } catch (error) {
            setProblem(
              error instanceof ImageRefused ? error.message : 'the image could not be added',
            );
          }
        }
      })();
      return true;
    };
    const a = editor.registerCommand(DRAG_DROP_PASTE, insert, COMMAND_PRIORITY_HIGH);
    const b = editor.registerCommand(INSERT_IMAGE_FILES_COMMAND, insert, COMMAND_PRIORITY_HIGH);
    return () => {
      a();
      b();
    };
  }, [editor, doc]);

  return problem ? (
    <p className="image-problem" role="alert" data-testid="image-problem">
      Image not added: {problem}.
    </p>
  ) : null;
}
