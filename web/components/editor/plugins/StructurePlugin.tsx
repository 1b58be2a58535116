'use client';

import { $isCodeNode, CodeNode } from '@lexical/code';
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { $isTableNode } from '@lexical/table';
import { mergeRegister } from '@lexical/utils';
import { $createParagraphNode, $isDecoratorNode, RootNode } from 'lexical';
import { useEffect } from 'react';

/**
 * Keeps pasted and typed structure sound:
 * - a code block inside a code block (`<pre><code>` pastes) is unwrapped into its parent;
 * - a document that ends with a table, code block or image gets an empty paragraph after it,
 *   so there is always somewhere to type below (and to paste the next thing).
 */
export function StructurePlugin() {
  const [editor] = useLexicalComposerContext();
  useEffect(
    () =>
      mergeRegister(
        editor.registerNodeTransform(CodeNode, (node) => {
          const parent = node.getParent();
          if (!$isCodeNode(parent)) return;
          for (const child of node.getChildren()) node.insertBefore(child);
          node.remove();
        }),
        editor.registerNodeTransform(RootNode, (root) => {
          const last = root.getLastChild();
          if ($isTableNode(last) || $isCodeNode(last) || $isDecoratorNode(last)) {
            last.insertAfter($createParagraphNode());
          }
        }),
      ),
    [editor],
  );
  return null;
}
