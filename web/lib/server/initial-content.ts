import { $createHeadingNode } from '@lexical/rich-text';
import { createYjsBinding, type Provider, syncLexicalUpdateToYjs } from '@lexical/yjs';
import { $createParagraphNode, $createTextNode, $getRoot, createEditor } from 'lexical';
import * as Y from 'yjs';
import { EDITOR_NODES } from '../editor/nodes.ts';

/** A provider stand-in for a headless binding: no awareness, no cursors. */
function headlessProvider(): Provider {
  const noop = () => {};
  return {
    awareness: {
      getLocalState: () => null,
      getStates: () => new Map(),
      on: noop,
      off: noop,
      setLocalState: noop,
      setLocalStateField: noop,
    },
    connect: noop,
    disconnect: noop,
    on: noop,
    off: noop,
  };
}

/**
 * The Yjs update that seeds a brand-new document (DESIGN W4): a level-1 heading holding
 * `title`, then an empty paragraph. Built by a headless Lexical editor bound with
 * `@lexical/yjs`, so the structure is exactly what browser editors produce and read.
 * Apply it at most once per document; applying it twice duplicates the content.
 */
export function buildInitialUpdate(title: string): Uint8Array {
  const doc = new Y.Doc();
  const docMap = new Map<string, Y.Doc>([['seed', doc]]);
  const editor = createEditor({
    namespace: 'ringdoc-seed',
    nodes: [...EDITOR_NODES],
    onError: (error) => {
      throw error;
    },
  });
  const binding = createYjsBinding({ editor, id: 'seed', doc, docMap });
  const provider = headlessProvider();
  const unregister = editor.registerUpdateListener(
    ({ prevEditorState, editorState, dirtyElements, dirtyLeaves, normalizedNodes, tags }) => {
      syncLexicalUpdateToYjs(
        binding,
        provider,
        prevEditorState,
        editorState,
        dirtyElements,
        dirtyLeaves,
        normalizedNodes,
        tags,
      );
    },
  );
  try {
    editor.update(
      () => {
        const heading = $createHeadingNode('h1');
        heading.append($createTextNode(title));
        $getRoot().append(heading, $createParagraphNode());
      },
      { discrete: true },
    );
    return Y.encodeStateAsUpdate(doc);
  } finally {
    unregister();
    doc.destroy();
  }
}
