import * as Y from 'yjs';

/**
 * Comment threads of one document, kept in its `<docId>/comments` sub-room (DESIGN C9): a
 * `Y.Array` named `threads` of `Y.Map`s. A thread's anchor is not a position: it is the id of
 * the Lexical mark nodes (`@lexical/mark`) wrapped around the commented text in the document,
 * so it moves with the text. Pure Yjs: no editor, no network.
 */
export interface Comment {
  readonly id: string;
  readonly author: string;
  readonly text: string;
  readonly createdAt: number;
}

export interface Thread {
  /** Also the id of the thread's mark nodes in the document. */
  readonly id: string;
  /** The text that was selected when the thread started. */
  readonly quote: string;
  readonly resolved: boolean;
  readonly comments: readonly Comment[];
}

/** The sub-room of `docId` that holds its comments (routed with the document, P7). */
export function commentsRoomOf(docId: string): string {
  return `${docId}/comments`;
}

/** Longest comment or quote kept, in characters. */
export const MAX_COMMENT_LENGTH = 4000;

const threadsOf = (doc: Y.Doc): Y.Array<Y.Map<unknown>> => doc.getArray<Y.Map<unknown>>('threads');

/** Every thread, oldest first. Entries of the wrong shape (another writer's bug) are skipped. */
export function readThreads(doc: Y.Doc): Thread[] {
  const threads: Thread[] = [];
  for (const map of threadsOf(doc).toArray()) {
    if (!(map instanceof Y.Map)) continue;
    const id = map.get('id');
    const quote = map.get('quote');
    const comments = map.get('comments');
    if (typeof id !== 'string' || typeof quote !== 'string' || !(comments instanceof Y.Array)) {
      continue;
    }
    threads.push({
      id,
      quote,
      resolved: map.get('resolved') === true,
      comments: comments.toArray().flatMap((c: unknown) => {
        if (!(c instanceof Y.Map)) return [];
        const text = c.get('text');
        const author = c.get('author');
        const cid = c.get('id');
        const createdAt = c.get('createdAt');
        if (typeof text !== 'string' || typeof author !== 'string' || typeof cid !== 'string') {
          return [];
        }
        return [
          { id: cid, author, text, createdAt: typeof createdAt === 'number' ? createdAt : 0 },
        ];
      }),
    });
  }
  return threads;
}

function commentMap(comment: Comment): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  map.set('id', comment.id);
  map.set('author', comment.author);
  map.set('text', comment.text);
  map.set('createdAt', comment.createdAt);
  return map;
}

function checkText(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new RangeError('a comment cannot be empty');
  if (trimmed.length > MAX_COMMENT_LENGTH) {
    throw new RangeError(`a comment is at most ${MAX_COMMENT_LENGTH} characters`);
  }
  return trimmed;
}

/** Starts a thread anchored by mark id `id` with its first comment. */
export function addThread(doc: Y.Doc, id: string, quote: string, first: Comment): void {
  const comment = { ...first, text: checkText(first.text) };
  doc.transact(() => {
    const map = new Y.Map<unknown>();
    map.set('id', id);
    map.set('quote', quote.slice(0, MAX_COMMENT_LENGTH));
    map.set('resolved', false);
    const comments = new Y.Array<Y.Map<unknown>>();
    comments.push([commentMap(comment)]);
    map.set('comments', comments);
    threadsOf(doc).push([map]);
  });
}

function findThread(doc: Y.Doc, id: string): { map: Y.Map<unknown>; index: number } | null {
  const all = threadsOf(doc).toArray();
  const index = all.findIndex((m) => m instanceof Y.Map && m.get('id') === id);
  return index === -1 ? null : { map: all[index] as Y.Map<unknown>, index };
}

/** Adds a reply; `false` when the thread no longer exists. */
export function reply(doc: Y.Doc, threadId: string, comment: Comment): boolean {
  const text = checkText(comment.text);
  const found = findThread(doc, threadId);
  const comments = found?.map.get('comments');
  if (!(comments instanceof Y.Array)) return false;
  comments.push([commentMap({ ...comment, text })]);
  return true;
}

/** Resolves (or re-opens) a thread; `false` when it no longer exists. */
export function setResolved(doc: Y.Doc, threadId: string, resolved: boolean): boolean {
  const found = findThread(doc, threadId);
  if (!found) return false;
  found.map.set('resolved', resolved);
  return true;
}

/** Deletes a thread; `false` when it no longer exists. (Its marks are the editor's to remove.) */
export function deleteThread(doc: Y.Doc, threadId: string): boolean {
  const found = findThread(doc, threadId);
  if (!found) return false;
  threadsOf(doc).delete(found.index, 1);
  return true;
}
