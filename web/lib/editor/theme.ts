import type { EditorThemeClasses } from 'lexical';

/** CSS classes Lexical puts on the nodes it renders (styled in app/globals.css). */
export const EDITOR_THEME: EditorThemeClasses = {
  paragraph: 'rd-p',
  heading: { h1: 'rd-h1', h2: 'rd-h2', h3: 'rd-h3' },
  quote: 'rd-quote',
  code: 'rd-code-block',
  list: {
    ul: 'rd-ul',
    ol: 'rd-ol',
    checklist: 'rd-checklist',
    listitem: 'rd-li',
    listitemChecked: 'rd-li-checked',
    listitemUnchecked: 'rd-li-unchecked',
    nested: { listitem: 'rd-li-nested' },
  },
  link: 'rd-link',
  table: 'rd-table',
  tableRow: 'rd-tr',
  tableCell: 'rd-td',
  tableCellHeader: 'rd-th',
  tableSelection: 'rd-table-selection',
  image: 'rd-image',
  // Comment anchors (`@lexical/mark`): highlighted while their thread is open.
  mark: 'comment-mark',
  markOverlap: 'comment-mark-overlap',
  text: {
    bold: 'rd-bold',
    italic: 'rd-italic',
    underline: 'rd-underline',
    strikethrough: 'rd-strike',
    underlineStrikethrough: 'rd-underline-strike',
    code: 'rd-code',
  },
  collaboration: {
    cursor: 'rd-cursor',
    cursorName: 'rd-cursor-name',
  },
};
