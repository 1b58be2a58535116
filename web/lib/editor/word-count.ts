/** Pure: the number of words in `text` (letters or digits in a row, across scripts). */
export function countWords(text: string): number {
  return text.match(/[\p{L}\p{N}][\p{L}\p{N}'’_-]*/gu)?.length ?? 0;
}
