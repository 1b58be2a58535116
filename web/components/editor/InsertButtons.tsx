'use client';

import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { INSERT_TABLE_COMMAND } from '@lexical/table';
import { useRef } from 'react';
import { INSERT_IMAGE_FILES_COMMAND } from './plugins/ImagePlugin.tsx';
import { ToolButton } from './Toolbar.tsx';

/** Toolbar buttons that insert things: a 3×3 table with a header row, an image from a file. */
export function InsertButtons() {
  const [editor] = useLexicalComposerContext();
  const fileRef = useRef<HTMLInputElement | null>(null);
  return (
    <>
      <ToolButton
        id="tb-table"
        label="Insert table"
        onPress={() => {
          editor.dispatchCommand(INSERT_TABLE_COMMAND, { rows: '3', columns: '3' });
          editor.focus();
        }}
      >
        ▦ Table
      </ToolButton>
      <ToolButton id="tb-image" label="Insert image" onPress={() => fileRef.current?.click()}>
        ▣ Image
      </ToolButton>
      <input
        ref={fileRef}
        type="file"
        accept="image/png,image/jpeg,image/gif,image/webp,image/svg+xml"
        className="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length > 0) editor.dispatchCommand(INSERT_IMAGE_FILES_COMMAND, files);
        }}
        data-testid="image-file"
      />
    </>
  );
}
