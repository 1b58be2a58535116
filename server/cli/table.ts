/** One column of a text table: header text and alignment (numbers read best right-aligned). */
export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

/**
 * Renders rows as a plain-text table: a header line, then one line per row, columns separated by
 * two spaces and padded to the widest cell; trailing spaces are trimmed. Pure. Cells missing from a
 * short row render empty; extra cells are ignored.
 */
export function formatTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
): string {
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    columns
      .map((column, i) => {
        const cell = cells[i] ?? '';
        const width = widths[i] as number;
        return column.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return `${[line(columns.map((c) => c.header)), ...rows.map(line)].join('\n')}\n`;
}

/** `-` for a missing value, else its string form (table cells). */
export function cell(value: string | number | boolean | null | undefined): string {
  return value === null || value === undefined ? '-' : String(value);
}
