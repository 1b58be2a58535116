import { createYjsBinding, type Provider, syncLexicalUpdateToYjs } from '@lexical/yjs';
import { $createParagraphNode, $getRoot, createEditor } from 'lexical';
import * as Y from 'yjs';
import { writeDocTitle } from '../collab/doc-title.ts';
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
 * The Yjs update that seeds a brand-new document (DESIGN W4): one empty paragraph, and the
 * title in the document's `meta` map (not in the text, so a rename never leaves a stale
 * heading behind; tabs show and rename it live through `lib/collab/doc-title.ts`). Built by a
 * headless Lexical editor bound with `@lexical/yjs`, so the structure is exactly what browser
 * editors produce and read. Apply it at most once per document; applying it twice duplicates
 * the content.
 */
export function buildInitialUpdate(title: string, at: number = Date.now()): Uint8Array {
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
        $getRoot().append($createParagraphNode());
      },
      { discrete: true },
    );
    writeDocTitle(doc, title, at);
    return Y.encodeStateAsUpdate(doc);
  } finally {
    unregister();
    doc.destroy();
  }
}
