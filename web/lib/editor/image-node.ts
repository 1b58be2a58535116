import {
  $applyNodeReplacement,
  DecoratorNode,
  type DOMExportOutput,
  type EditorConfig,
  type LexicalNode,
  type NodeKey,
  type SerializedLexicalNode,
  type Spread,
} from 'lexical';
import { createElement, type ReactElement } from 'react';
import { ImageView } from './image-view.ts';

export type SerializedImageNode = Spread<
  { imageId: string; alt: string; width: number; height: number },
  SerializedLexicalNode
>;

/**
 * An image whose bytes live in the document itself (`lib/editor/image-store.ts`), not behind
 * a link: it moves, replicates and survives crashes with the document. The node holds the
 * image id, alternative text and natural size (which @lexical/yjs syncs like any property).
 */
export class ImageNode extends DecoratorNode<ReactElement> {
  __imageId: string;
  __alt: string;
  __width: number;
  __height: number;

  static override getType(): string {
    return 'image';
  }

  static override clone(node: ImageNode): ImageNode {
    return new ImageNode(node.__imageId, node.__alt, node.__width, node.__height, node.__key);
  }

  static override importJSON(json: SerializedImageNode): ImageNode {
    return $createImageNode(json.imageId, json.alt, json.width, json.height);
  }

  constructor(imageId = '', alt = '', width = 0, height = 0, key?: NodeKey) {
    super(key);
    this.__imageId = imageId;
    this.__alt = alt;
    this.__width = width;
    this.__height = height;
  }

  override exportJSON(): SerializedImageNode {
    return {
      ...super.exportJSON(),
      imageId: this.__imageId,
      alt: this.__alt,
      width: this.__width,
      height: this.__height,
    };
  }

  override createDOM(config: EditorConfig): HTMLElement {
    const element = document.createElement('div');
    const className = config.theme.image;
    if (typeof className === 'string') element.className = className;
    return element;
  }

  override updateDOM(): false {
    return false;
  }

  override exportDOM(): DOMExportOutput {
    const img = document.createElement('img');
    img.setAttribute('alt', this.__alt);
    img.setAttribute('data-ringdoc-image', this.__imageId);
    return { element: img };
  }

  override isInline(): false {
    return false;
  }

  override decorate(): ReactElement {
    return createElement(ImageView, {
      imageId: this.__imageId,
      alt: this.__alt,
      width: this.__width,
      height: this.__height,
    });
  }
}

/** A new image node showing the stored image `imageId`. */
export function $createImageNode(imageId: string, alt: string, width = 0, height = 0): ImageNode {
  return $applyNodeReplacement(new ImageNode(imageId, alt, width, height));
}

export function $isImageNode(node: LexicalNode | null | undefined): node is ImageNode {
  return node instanceof ImageNode;
}
