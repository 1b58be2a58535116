import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createFileStore, type FileStoreOptions, fileStorePaths } from './file-store.ts';
import { describeStoreContract } from './store.contract.ts';
import { type DocStore, StoreCorruptError, StoreIoError } from './store.ts';
import { createFaultFs, fileStoreFaults, inDocDir } from './testing/fault-fs.ts';
import { createWriter, textOf } from './testing/yjs-updates.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const crashFixture = fileURLToPath(new URL('./testing/append-then-crash.ts', import.meta.url));

const tempDir = () => mkdtemp(join(tmpdir(), 'ringdoc-store-'));

describeStoreContract('file store', async () => {
  const dir = await tempDir();
  const faultFs = createFaultFs();
  const stores: DocStore[] = [];
  const make = (): DocStore => {
    const store = createFileStore({ dir, fs: faultFs.fs });
    stores.push(store);
    return store;
  };
  return {
    store: make(),
    reopen: async () => make(),
    cleanup: async () => {
      await Promise.all(stores.map((store) => store.close()));
      await rm(dir, { recursive: true, force: true });
    },
    faults: fileStoreFaults(faultFs, dir),
  };
});

describe('file store on disk', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A store directory removed after the test, and a factory of stores on it closed then too. */
  const setup = async (defaults: Partial<FileStoreOptions> = {}) => {
    const dir = await tempDir();
    const stores: DocStore[] = [];
    cleanups.push(async () => {
      await Promise.all(stores.map((store) => store.close()));
      await rm(dir, { recursive: true, force: true });
    });
    const open = (options: Partial<FileStoreOptions> = {}): DocStore => {
      const store = createFileStore({ dir, ...defaults, ...options });
      stores.push(store);
      return store;
    };
    return { dir, open, paths: (docId: string) => fileStorePaths(dir, docId) };
  };

  /** Every file under `dir` with its bytes. */
  const snapshotTree = async (dir: string): Promise<Map<string, string>> => {
    const files = new Map<string, string>();
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      files.set(path, (await readFile(path)).toString('hex'));
    }
    return files;
  };

  /** Byte offset of record `index` in a log file. */
  const recordOffset = (log: Uint8Array, index: number): number => {
    let offset = 0;
    for (let i = 0; i < index; i++) {
      offset += 8 + new DataView(log.buffer, log.byteOffset + offset, 4).getUint32(0, true);
    }
    return offset;
  };

  it('[N2] loading unknown documents creates no file', async () => {
    const { dir, open } = await setup();
    const store = open();
    expect(await store.load('nothing')).toBeNull();
    expect(await store.load('team/nothing')).toBeNull();
    expect(await readdir(dir)).toEqual([]);
  });

  it('[N2] the first append fsyncs the log, the document directory and the store directory', async () => {
    const { dir, paths } = await setup();
    const faultFs = createFaultFs();
    const store = createFileStore({ dir, fs: faultFs.fs });
    cleanups.push(() => store.close());
    const [update] = createWriter().next(1);
    await store.append('team/doc', update!, 'g');
    const synced = faultFs.synced();
    expect(synced).toEqual(
      expect.arrayContaining([paths('team/doc').log, paths('team/doc').dir, dir]),
    );
    const meta = JSON.parse(await readFile(paths('team/doc').meta, 'utf8'));
    expect(meta).toMatchObject({ format: 1, id: 'team/doc', generation: 'g' });
  });

  it('[N2] a missing data directory is created durably, parents included', async () => {
    const { dir: base } = await setup();
    const dir = join(base, 'a', 'b');
    const faultFs = createFaultFs();
    const store = createFileStore({ dir, fs: faultFs.fs });
    cleanups.push(() => store.close());
    expect(await store.list()).toEqual([]);
    expect(faultFs.synced()).toEqual(
      expect.arrayContaining([base, join(base, 'a'), join(base, 'a', 'b')]),
    );
    await store.append('doc', createWriter().next(1)[0]!, 'g');
    expect(await readdir(dir)).toEqual(['doc']);
  });

  it('[N2] data survives a reopen, with compaction in between', async () => {
    const { open } = await setup();
    const writer = createWriter();
    const first = open();
    await Promise.all(writer.next(20).map((u) => first.append('doc', u, 'g')));
    await first.compact('doc');
    await Promise.all(writer.next(5).map((u) => first.append('doc', u, 'g')));
    await first.close();
    const second = open();
    const loaded = await second.load('doc');
    expect(loaded?.updates).toHaveLength(6);
    expect(textOf(loaded?.updates ?? [])).toBe(writer.text());
  });

  it('[N2] a torn tail is ignored on load and cut off before the next append', async () => {
    const { open, paths } = await setup();
    const writer = createWriter();
    const updates = writer.next(5);
    const first = open();
    for (const u of updates) await first.append('doc', u, 'g');
    await first.close();
    const { log } = paths('doc');
    const full = (await stat(log)).size;
    await truncate(log, full - 3);

    const second = open();
    const loaded = await second.load('doc');
    expect(loaded?.updates.map((u) => [...u])).toEqual(updates.slice(0, 4).map((u) => [...u]));
    const other = createWriter('other').next(1);
    await second.append('doc', other[0]!, 'g');
    await second.close();

    const third = open();
    const reloaded = await third.load('doc');
    expect(reloaded?.updates.map((u) => [...u])).toEqual(
      [...updates.slice(0, 4), other[0]!].map((u) => [...u]),
    );
    expect((await stat(log)).size).toBe(reloaded?.bytes);
  });

  it('[N2] a damaged record followed by valid ones is StoreCorruptError; nothing is written, other documents work', async () => {
    const { dir, open, paths } = await setup();
    const first = open();
    const writer = createWriter();
    for (const u of writer.next(5)) await first.append('doc-a', u, 'g');
    const other = createWriter('b');
    for (const u of other.next(2)) await first.append('doc-b', u, 'g');
    await first.close();
    const log = await readFile(paths('doc-a').log);
    const at = recordOffset(log, 1) + 9;
    log[at] = (log[at] ?? 0) ^ 0xff;
    await writeFile(paths('doc-a').log, log);
    const docA = join(dir, 'doc-a');
    const before = await snapshotTree(docA);

    const second = open();
    await expect(second.load('doc-a')).rejects.toBeInstanceOf(StoreCorruptError);
    const [more] = writer.next(1);
    await expect(second.append('doc-a', more!, 'g')).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(second.compact('doc-a')).rejects.toBeInstanceOf(StoreCorruptError);
    expect(textOf((await second.load('doc-b'))?.updates ?? [])).toBe(other.text());
    await second.append('doc-b', other.next(1)[0]!, 'g');
    await second.close();
    expect(await snapshotTree(docA)).toEqual(before);
  });

  it('[N2] a damaged snapshot is StoreCorruptError and stays as it was', async () => {
    const { open, paths } = await setup();
    const first = open();
    for (const u of createWriter().next(5)) await first.append('doc', u, 'g');
    await first.compact('doc');
    await first.close();
    const { snapshot } = paths('doc');
    const bytes = await readFile(snapshot);
    bytes[bytes.length - 2] = (bytes[bytes.length - 2] ?? 0) ^ 0x01;
    await writeFile(snapshot, bytes);
    const second = open();
    await expect(second.load('doc')).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(second.append('doc', createWriter().next(1)[0]!, 'g')).rejects.toBeInstanceOf(
      StoreCorruptError,
    );
    expect(await readFile(snapshot)).toEqual(bytes);
  });

  it('[N2] a damaged meta.json is StoreCorruptError', async () => {
    const { open, paths } = await setup();
    const first = open();
    await first.append('doc', createWriter().next(1)[0]!, 'g');
    await first.close();
    await writeFile(paths('doc').meta, '{"format":1,');
    await expect(open().load('doc')).rejects.toBeInstanceOf(StoreCorruptError);
  });

  it.each(['ENOSPC', 'EIO', 'EACCES'])(
    '[C4] %s on one document’s write rejects its append with StoreIoError; another document’s append succeeds',
    async (code) => {
      const { open, paths } = await setup();
      const faultFs = createFaultFs();
      const store = open({ fs: faultFs.fs });
      const [a0, a2] = createWriter('a').next(2);
      const [a1] = createWriter('long'.repeat(100)).next(1);
      const [b0] = createWriter('b').next(1);
      await store.append('doc-a', a0!, 'g');
      const log = paths('doc-a').log;
      const short = a1!.length - 3;
      faultFs.inject({ op: 'write', path: (p) => p === log, code, writtenBeforeError: short });
      const results = await Promise.allSettled([
        store.append('doc-a', a1!, 'g'),
        store.append('doc-b', b0!, 'g'),
      ]);
      expect(results[0].status).toBe('rejected');
      const reason = results[0].status === 'rejected' ? results[0].reason : null;
      expect(reason).toBeInstanceOf(StoreIoError);
      expect((reason as StoreIoError).cause).toMatchObject({ code });
      expect(results[1].status).toBe('fulfilled');

      await store.append('doc-a', a2!, 'g');
      await store.close();
      const loaded = await open().load('doc-a');
      expect(loaded?.updates.map((u) => [...u])).toEqual([[...a0!], [...a2!]]);
      expect((await stat(log)).size).toBe(loaded?.bytes);
    },
  );

  it('[N2] a failing directory fsync on one document’s first append leaves no trace of it', async () => {
    const { dir, open } = await setup();
    const faultFs = createFaultFs();
    const store = open({ fs: faultFs.fs });
    faultFs.inject({ op: 'sync', path: inDocDir(dir, 'doc-a'), code: 'EIO', times: 10 });
    const [a] = createWriter().next(1);
    await expect(store.append('doc-a', a!, 'g')).rejects.toBeInstanceOf(StoreIoError);
    await store.append('doc-b', a!, 'g');
    expect(await store.list()).toEqual(['doc-b']);
    expect(await readdir(dir)).toEqual(['doc-b']);
  });

  it('[N2] documents whose cached state was dropped keep working', async () => {
    const { open } = await setup({ maxCachedDocs: 2 });
    const store = open();
    const writers = Array.from({ length: 5 }, (_, i) => createWriter(`w${i}-`));
    for (let round = 0; round < 3; round++) {
      for (const [i, writer] of writers.entries()) {
        await store.append(`doc-${i}`, writer.next(1)[0]!, 'g');
      }
    }
    for (const [i, writer] of writers.entries()) {
      expect(textOf((await store.load(`doc-${i}`))?.updates ?? [])).toBe(writer.text());
    }
  });

  it('[N2] logs past the record threshold are compacted in the background', async () => {
    const { open, paths } = await setup({ compactAfterRecords: 10 });
    const store = open();
    const writer = createWriter();
    for (const u of writer.next(25)) await store.append('doc', u, 'g');
    await store.close();
    expect((await stat(paths('doc').snapshot)).size).toBeGreaterThan(0);
    const loaded = await open().load('doc');
    expect(loaded?.updates.length).toBeLessThan(25);
    expect(textOf(loaded?.updates ?? [])).toBe(writer.text());
  });

  it('[N2] a crash between the new snapshot and the log reset loads the same content', async () => {
    const { open, paths } = await setup();
    const writer = createWriter();
    const first = open();
    for (const u of writer.next(8)) await first.append('doc', u, 'g');
    const { log } = paths('doc');
    const logBefore = await readFile(log);
    await first.compact('doc');
    await first.close();
    await writeFile(log, logBefore);
    const loaded = await open().load('doc');
    expect(loaded?.updates).toHaveLength(9);
    expect(textOf(loaded?.updates ?? [])).toBe(writer.text());
  });

  it('[N2] an interrupted delete leaves a trash directory that is never listed and is removed', async () => {
    const { dir, open } = await setup();
    await mkdir(join(dir, '~trash-leftover', 'x'), { recursive: true });
    const store = open();
    expect(await store.list()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  describe('crash', () => {
    let child: ChildProcess | null = null;
    afterEach(() => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      child = null;
    });

    it('[C4] every update acknowledged before kill -9 is there after a restart', async () => {
      const { dir, open } = await setup();
      const acked: number[] = [];
      let stderr = '';
      const proc = spawn(
        process.execPath,
        ['--import', 'tsx', crashFixture, dir, 'crash/doc', '25'],
        {
          cwd: repoRoot,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child = proc;
      const closed = new Promise<void>((resolve) => proc.on('close', () => resolve()));
      proc.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      let partial = '';
      const enough = new Promise<void>((resolve, reject) => {
        proc.stdout?.on('data', (chunk: Buffer) => {
          const lines = (partial + chunk.toString()).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) acked.push(Number(line));
          if (acked.length >= 200) resolve();
        });
        proc.on('exit', (code, signal) =>
          reject(new Error(`fixture exited early (${code ?? signal}): ${stderr}`)),
        );
      });
      await enough;
      proc.kill('SIGKILL');
      await closed;
      expect(proc.signalCode).toBe('SIGKILL');

      const store = open();
      const loaded = await store.load('crash/doc');
      const doc = new Y.Doc();
      for (const update of loaded?.updates ?? []) Y.applyUpdate(doc, update);
      const acks = doc.getMap<number>('acks');
      const missing = acked.filter((i) => acks.get(`k${i}`) !== i);
      expect(missing).toEqual([]);
      expect(acks.size).toBeGreaterThanOrEqual(acked.length);
    });
  });
});
