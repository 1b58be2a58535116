import type { EditorThemeClasses } from 'lexical';

/** CSS classes Lexical puts on the nodes it renders (styled in app/globals.css). */
export const EDITOR_THEME: EditorThemeClasses = {
  paragraph: 'rd-p',
  heading: { h1: 'rd-h1', h2: 'rd-h2', h3: 'rd-h3' },
  quote: 'rd-quote',
  list: {
    ul: 'rd-ul',
    ol: 'rd-ol',
    listitem: 'rd-li',
    nested: { listitem: 'rd-li-nested' },
  },
  link: 'rd-link',
  text: {
    bold: 'rd-bold',
    italic: 'rd-italic',
    underline: 'rd-underline',
    code: 'rd-code',
  },
  collaboration: {
    cursor: 'rd-cursor',
    cursorName: 'rd-cursor-name',
  },
};
