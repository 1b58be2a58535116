import { describe, expect, it } from 'vitest';
import { cell, formatTable } from './table.ts';

describe('formatTable', () => {
  it('pads columns to the widest cell, right-aligns numbers and trims line ends', () => {
    const text = formatTable(
      [{ header: 'NODE' }, { header: 'DOCS', align: 'right' }, { header: 'URL' }],
      [
        ['n1', '3', 'ws://a'],
        ['node-22', '1234', ''],
      ],
    );
    expect(text).toBe(
      ['NODE     DOCS  URL', 'n1          3  ws://a', 'node-22  1234', ''].join('\n'),
    );
  });

  it('renders only the header for no rows, and empty cells for short rows', () => {
    expect(formatTable([{ header: 'A' }, { header: 'B' }], [])).toBe('A  B\n');
    expect(formatTable([{ header: 'A' }, { header: 'B' }], [['x']])).toBe('A  B\nx\n');
  });

  it('cell shows - for missing values', () => {
    expect([cell(null), cell(undefined), cell(0), cell(false), cell('x')]).toEqual([
      '-',
      '-',
      '0',
      'false',
      'x',
    ]);
  });
});
