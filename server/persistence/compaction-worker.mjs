// The body of a compaction thread (see compaction-thread.ts, which starts it and documents it).
// Plain JavaScript on purpose: a worker thread does not inherit the TypeScript loader the process
// registered (bin/register-ts.mjs); it needs Node and the yjs package only.
//
// workerData: { niceOffset: number } — how much nicer than the process this thread runs (Linux
// keeps a nice value per thread, and setpriority(PRIO_PROCESS, 0) sets the calling thread's):
// background work that yields the core to the event loop when both want it.
//
// Requests, each answered in turn:
// - { id, op: 'read', path, ranges: { at, length }[] }: those bytes of a file, one pread each;
// - { id, op: 'merge', packed: ArrayBuffer, ends: number[] }: the updates laid end to end in
//   `packed` (transferred), update i ending at byte ends[i], merged into one.
// Replies: { id, packed: ArrayBuffer, ends: number[] } (transferred; a merge's reply holds one
// update), or { id, error: string, code?: string } when a read fails (code: the errno name) or
// Yjs cannot merge the updates (an update it cannot decode).
import { closeSync, openSync, readSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import * as Y from 'yjs';
import { MERGE_FAN_IN, mergeAllInGroups } from './merge-groups.mjs';

/** The ranges of the file at `path`, end to end in one buffer. */
function read(path, ranges) {
  const ends = [];
  let total = 0;
  for (const r of ranges) {
    total += r.length;
    ends.push(total);
  }
  const bytes = new Uint8Array(total);
  const fd = openSync(path, 'r');
  try {
    let at = 0;
    for (const r of ranges) {
      for (let done = 0; done < r.length; ) {
        const n = readSync(fd, bytes, at + done, r.length - done, r.at + done);
        if (n === 0) throw new Error(`${path}: bytes ${r.at}–${r.at + r.length} are past its end`);
        done += n;
      }
      at += r.length;
    }
  } finally {
    closeSync(fd);
  }
  return { packed: bytes.buffer, ends };
}

/** The updates of `packed`, merged; the reply's one update. */
function merge(packed, ends) {
  let start = 0;
  const updates = ends.map((end) => {
    const update = new Uint8Array(packed, start, end - start);
    start = end;
    return update;
  });
  const merged = mergeAllInGroups(updates, MERGE_FAN_IN, Y.mergeUpdates);
  const whole =
    merged.byteOffset === 0 && merged.byteLength === merged.buffer.byteLength
      ? merged.buffer
      : merged.slice().buffer;
  return { packed: whole, ends: [whole.byteLength] };
}

try {
  // only ever nicer (a lower priority needs no privilege), at most 19
  const own = getPriority();
  const nice = Math.min(19, own + workerData.niceOffset);
  if (nice > own) setPriority(nice);
} catch (error) {
  parentPort.postMessage({
    id: -1,
    error: `nicer by ${workerData.niceOffset} refused: ${error?.message ?? error}`,
  });
}

parentPort.on('message', (request) => {
  try {
    const { packed, ends } =
      request.op === 'read'
        ? read(request.path, request.ranges)
        : merge(request.packed, request.ends);
    parentPort.postMessage({ id: request.id, packed, ends }, [packed]);
  } catch (error) {
    parentPort.postMessage({
      id: request.id,
      error: String(error?.message ?? error),
      code: typeof error?.code === 'string' ? error.code : undefined,
    });
  }
});
