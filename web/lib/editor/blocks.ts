import { $createCodeNode, $isCodeNode } from '@lexical/code';
import { $isLinkNode } from '@lexical/link';
import {
  $isListNode,
  INSERT_CHECK_LIST_COMMAND,
  INSERT_ORDERED_LIST_COMMAND,
  INSERT_UNORDERED_LIST_COMMAND,
  ListNode,
  REMOVE_LIST_COMMAND,
} from '@lexical/list';
import {
  $createHeadingNode,
  $createQuoteNode,
  $isHeadingNode,
  $isQuoteNode,
  type HeadingTagType,
} from '@lexical/rich-text';
import { $setBlocksType } from '@lexical/selection';
import { $getNearestNodeOfType } from '@lexical/utils';
import {
  $createParagraphNode,
  $getSelection,
  $isRangeSelection,
  type LexicalEditor,
} from 'lexical';

/** The block kinds the toolbar and shortcuts switch between. */
export type BlockType =
  | 'paragraph'
  | HeadingTagType
  | 'bullet'
  | 'number'
  | 'check'
  | 'quote'
  | 'code-block';

export const BLOCKS: ReadonlyArray<{ value: BlockType; label: string }> = [
  { value: 'paragraph', label: 'Normal text' },
  { value: 'h1', label: 'Heading 1' },
  { value: 'h2', label: 'Heading 2' },
  { value: 'h3', label: 'Heading 3' },
  { value: 'bullet', label: 'Bulleted list' },
  { value: 'number', label: 'Numbered list' },
  { value: 'check', label: 'Checklist' },
  { value: 'quote', label: 'Quote' },
  { value: 'code-block', label: 'Code block' },
];

/** What the selection looks like, for the toolbar's pressed states. */
export interface SelectionFormat {
  readonly block: BlockType;
  readonly bold: boolean;
  readonly italic: boolean;
  readonly underline: boolean;
  readonly strikethrough: boolean;
  readonly code: boolean;
  readonly link: boolean;
}

export const NO_FORMAT: SelectionFormat = {
  block: 'paragraph',
  bold: false,
  italic: false,
  underline: false,
  strikethrough: false,
  code: false,
  link: false,
};

/** Reads the selection's block type and text formats (inside `editorState.read`). */
export function $readSelectionFormat(): SelectionFormat {
  const selection = $getSelection();
  if (!$isRangeSelection(selection)) return NO_FORMAT;
  const anchor = selection.anchor.getNode();
  const top = anchor.getKey() === 'root' ? anchor : anchor.getTopLevelElement();
  let block: BlockType = 'paragraph';
  const list = $getNearestNodeOfType(anchor, ListNode);
  if (list && $isListNode(list)) {
    const type = list.getListType();
    block = type === 'number' ? 'number' : type === 'check' ? 'check' : 'bullet';
  } else if ($isHeadingNode(top)) {
    block = top.getTag();
  } else if ($isQuoteNode(top)) {
    block = 'quote';
  } else if ($isCodeNode(top)) {
    block = 'code-block';
  }
  return {
    block,
    bold: selection.hasFormat('bold'),
    italic: selection.hasFormat('italic'),
    underline: selection.hasFormat('underline'),
    strikethrough: selection.hasFormat('strikethrough'),
    code: selection.hasFormat('code'),
    link: $isLinkNode(anchor.getParent()) || $isLinkNode(anchor),
  };
}

const LISTS = {
  bullet: INSERT_UNORDERED_LIST_COMMAND,
  number: INSERT_ORDERED_LIST_COMMAND,
  check: INSERT_CHECK_LIST_COMMAND,
} as const;

function isList(block: BlockType): block is 'bullet' | 'number' | 'check' {
  return block === 'bullet' || block === 'number' || block === 'check';
}

/**
 * Turns the selected blocks into `wanted`; choosing the type the selection already has
 * turns it back into normal text (like the list buttons of Google Docs).
 */
export function setBlockType(editor: LexicalEditor, current: BlockType, wanted: BlockType): void {
  const next =
    wanted === current && wanted !== 'paragraph' && !isList(wanted) ? 'paragraph' : wanted;
  if (isList(next)) {
    editor.dispatchCommand(current === next ? REMOVE_LIST_COMMAND : LISTS[next], undefined);
    return;
  }
  if (isList(current)) {
    editor.dispatchCommand(REMOVE_LIST_COMMAND, undefined);
  }
  editor.update(() => {
    const selection = $getSelection();
    if (!$isRangeSelection(selection)) return;
    $setBlocksType(selection, () => {
      if (next === 'paragraph') return $createParagraphNode();
      if (next === 'quote') return $createQuoteNode();
      if (next === 'code-block') return $createCodeNode();
      return $createHeadingNode(next);
    });
  });
}
