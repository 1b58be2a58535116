import type { ElementTransformer, Transformer } from '@lexical/markdown';
import { $convertFromMarkdownString, $convertToMarkdownString } from '@lexical/markdown';
import {
  $createTableCellNode,
  $createTableNode,
  $createTableRowNode,
  $isTableCellNode,
  $isTableNode,
  $isTableRowNode,
  TableCellHeaderStates,
  TableCellNode,
  TableNode,
  TableRowNode,
} from '@lexical/table';
import type { LexicalNode } from 'lexical';

const ROW = /^\|(.+)\|\s?$/;
const DIVIDER = /^\|(\s*:?-+:?\s*\|)+\s?$/;

/** Pure: the cells of one Markdown table row (`| a | b\|c |` → `['a', 'b|c']`). */
export function splitRow(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/**
 * A GitHub-style Markdown table (`| a | b |`, then `| --- | --- |`) ⇄ Lexical table: the
 * row before the divider is the header. Cells hold inline Markdown (bold, links, code) converted
 * with `cellTransformers()` (the editor's own list, passed lazily: it contains this one).
 */
export function tableTransformer(cellTransformers: () => Transformer[]): ElementTransformer {
  return {
    dependencies: [TableNode, TableRowNode, TableCellNode],
    export: (node: LexicalNode) => {
      if (!$isTableNode(node)) return null;
      const rows = node.getChildren().filter($isTableRowNode);
      const lines: string[] = [];
      rows.forEach((row, index) => {
        const cells = row
          .getChildren()
          .filter($isTableCellNode)
          .map((cell) =>
            $convertToMarkdownString(cellTransformers(), cell)
              .replace(/\n+/g, ' ')
              .replace(/\|/g, '\\|'),
          );
        lines.push(`| ${cells.join(' | ')} |`);
        if (index === 0) lines.push(`| ${cells.map(() => '---').join(' | ')} |`);
      });
      return lines.join('\n');
    },
    regExp: ROW,
    replace: (parentNode, _children, match) => {
      const previous = parentNode.getPreviousSibling();
      const line = match[0] ?? '';
      if (DIVIDER.test(line)) {
        // The divider marks the row above as the header.
        if ($isTableNode(previous)) {
          const header = previous.getLastChild();
          if ($isTableRowNode(header)) {
            for (const cell of header.getChildren()) {
              if ($isTableCellNode(cell)) cell.setHeaderStyles(TableCellHeaderStates.ROW);
            }
          }
        }
        parentNode.remove();
        return;
      }
      const row = $createTableRowNode();
      for (const text of splitRow(line)) {
        const cell = $createTableCellNode(TableCellHeaderStates.NO_STATUS);
        $convertFromMarkdownString(text, cellTransformers(), cell);
        row.append(cell);
      }
      if ($isTableNode(previous)) {
        previous.append(row);
        parentNode.remove();
      } else {
        const table = $createTableNode();
        table.append(row);
        parentNode.replace(table);
      }
    },
    type: 'element',
  };
}
