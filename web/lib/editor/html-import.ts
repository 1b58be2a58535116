import { $isTextNode, type DOMConversionMap, type LexicalNode } from 'lexical';

/** Applies strikethrough to the text inside `<del>` (GitHub's ~~text~~), like Lexical's `<s>`. */
function strikeChildren(child: LexicalNode): LexicalNode {
  if ($isTextNode(child) && !child.hasFormat('strikethrough')) {
    child.toggleFormat('strikethrough');
  }
  return child;
}

/**
 * HTML import rules the editor adds to Lexical's own (`initialConfig.html.import`): pasted
 * `<del>` and `<strike>` keep their strikethrough.
 */
export const HTML_IMPORT: DOMConversionMap = {
  del: () => ({ conversion: () => ({ node: null, forChild: strikeChildren }), priority: 0 }),
  strike: () => ({ conversion: () => ({ node: null, forChild: strikeChildren }), priority: 0 }),
};
