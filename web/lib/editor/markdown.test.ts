import { $convertFromMarkdownString, $convertToMarkdownString } from '@lexical/markdown';
import { $getRoot, createEditor } from 'lexical';
import { describe, expect, it } from 'vitest';
import { MARKDOWN_DOCUMENT } from './markdown.ts';
import { splitRow } from './markdown-table.ts';
import { EDITOR_NODES } from './nodes.ts';

function roundTrip(markdown: string): { structure: string[]; markdown: string } {
  const editor = createEditor({
    namespace: 'md-test',
    nodes: [...EDITOR_NODES],
    onError: (e) => {
      throw e;
    },
  });
  editor.update(() => $convertFromMarkdownString(markdown, MARKDOWN_DOCUMENT), {
    discrete: true,
  });
  return editor.getEditorState().read(() => ({
    structure: $getRoot()
      .getChildren()
      .map((n) => n.getType()),
    markdown: $convertToMarkdownString(MARKDOWN_DOCUMENT),
  }));
}

const DOC = [
  '# Release notes',
  '',
  'Read the [docs](https://example.com/docs) and **ship**.',
  '',
  '## Steps',
  '',
  '- build',
  '- test',
  '',
  '1. first',
  '2. second',
  '',
  '```ts',
  'const x = 1;',
  '```',
  '',
  '| Name | Role |',
  '| --- | --- |',
  '| Ada | *Engineer* |',
].join('\n');

describe('markdown export/import', () => {
  it('round-trips headings, lists, links, code and tables', () => {
    const first = roundTrip(DOC);
    expect(first.structure).toEqual([
      'heading',
      'paragraph',
      'heading',
      'list',
      'list',
      'code',
      'table',
    ]);
    expect(first.markdown).toContain('| Name | Role |\n| --- | --- |\n| Ada | *Engineer* |');
    expect(first.markdown).toContain('[docs](https://example.com/docs)');
    const second = roundTrip(first.markdown);
    expect(second.markdown).toBe(first.markdown);
    expect(second.structure).toEqual(first.structure);
  });

  it('splits table rows on unescaped pipes', () => {
    expect(splitRow('| a | b\\|c |')).toEqual(['a', 'b|c']);
  });
});
