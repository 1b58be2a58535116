import { createCommand, type LexicalCommand } from 'lexical';

/** Opens the link editor for the selection (toolbar Link button, Ctrl+K). */
export const OPEN_LINK_EDITOR_COMMAND: LexicalCommand<void> = createCommand('OPEN_LINK_EDITOR');
