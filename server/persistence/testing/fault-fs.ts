import { constants } from 'node:fs';
import { join } from 'node:path';
import { fileStorePaths } from '../file-store.ts';
import type { StoreFile, StoreFs } from '../store-fs.ts';
import { nodeStoreFs } from '../store-fs.ts';
import type { StoreFaults } from './store-faults.ts';

export type FaultOp =
  | 'open'
  | 'write'
  | 'sync'
  | 'datasync'
  | 'truncate'
  | 'rename'
  | 'mkdir'
  | 'read';

/** One injected fault: which operation on which path, and what happens to it. */
export interface Fault {
  readonly op: FaultOp;
  readonly path: (path: string) => boolean;
  /** errno code to fail with (e.g. `EIO`, `ENOSPC`); without one the operation goes on after `gate`. */
  readonly code?: string;
  /** For a failing `write`: bytes really written before the error (a short write). */
  readonly writtenBeforeError?: number;
  /** The operation waits for this first. */
  readonly gate?: Promise<void>;
  /** Called when an operation hits the fault (before waiting on `gate`). */
  readonly onHit?: () => void;
  /** How many operations it affects (default 1). */
  readonly times?: number;
}

/** A `StoreFs` that counts fsyncs and applies injected faults. */
export interface FaultFs {
  readonly fs: StoreFs;
  /** `sync` calls so far (files and directories). */
  syncs(): number;
  /** Paths whose `sync` completed, in completion order. */
  synced(): readonly string[];
  /** Adds a fault; returns a function removing it. */
  inject(fault: Fault): () => void;
}

/** Wraps `base` (default the real file system) with fault injection. */
export function createFaultFs(base: StoreFs = nodeStoreFs): FaultFs {
  const faults = new Map<Fault, { left: number }>();
  let syncs = 0;
  const synced: string[] = [];

  const hit = async (op: FaultOp, path: string): Promise<Fault | null> => {
    for (const [fault, state] of faults) {
      if (fault.op !== op || state.left <= 0 || !fault.path(path)) continue;
      state.left--;
      if (state.left <= 0) faults.delete(fault);
      fault.onHit?.();
      if (fault.gate) await fault.gate;
      return fault.code === undefined ? null : fault;
    }
    return null;
  };

  /** `durable`: opened with `O_DSYNC`, so every write is also a data sync (faults included). */
  const wrapFile = (path: string, file: StoreFile, durable: boolean): StoreFile => ({
    async write(buffer, offset, length, position) {
      const fault = await hit('write', path);
      if (fault) {
        const partial = Math.min(fault.writtenBeforeError ?? 0, length);
        if (partial > 0) await file.write(buffer, offset, partial, position);
        throw errno(fault, 'write', path);
      }
      const result = await file.write(buffer, offset, length, position);
      if (durable) {
        syncs++;
        const syncFault = await hit('datasync', path);
        if (syncFault) throw errno(syncFault, 'write (O_DSYNC)', path);
        synced.push(path);
      }
      return result;
    },
    async sync() {
      syncs++;
      const fault = await hit('sync', path);
      if (fault) throw errno(fault, 'fsync', path);
      await file.sync();
      synced.push(path);
    },
    async datasync() {
      syncs++;
      const fault = await hit('datasync', path);
      if (fault) throw errno(fault, 'fdatasync', path);
      await file.datasync();
      synced.push(path);
    },
    async truncate(length) {
      const fault = await hit('truncate', path);
      if (fault) throw errno(fault, 'ftruncate', path);
      return file.truncate(length);
    },
    close: () => file.close(),
  });

  const fs: StoreFs = {
    async open(path, flags) {
      const fault = await hit('open', path);
      if (fault) throw errno(fault, 'open', path);
      return wrapFile(path, await base.open(path, flags), (flags & constants.O_DSYNC) !== 0);
    },
    readFile: (path) => base.readFile(path),
    async readRanges(path, ranges) {
      const fault = await hit('read', path);
      if (fault) throw errno(fault, 'read', path);
      return base.readRanges(path, ranges);
    },
    readdir: (path) => base.readdir(path),
    async mkdir(path, options) {
      const fault = await hit('mkdir', path);
      if (fault) throw errno(fault, 'mkdir', path);
      return base.mkdir(path, options);
    },
    async rename(from, to) {
      const fault = await hit('rename', from);
      if (fault) throw errno(fault, 'rename', from);
      return base.rename(from, to);
    },
    rm: (path, options) => base.rm(path, options),
    unlink: (path) => base.unlink(path),
  };

  return {
    fs,
    syncs: () => syncs,
    synced: () => synced,
    inject(fault) {
      faults.set(fault, { left: fault.times ?? 1 });
      return () => faults.delete(fault);
    },
  };
}

/** The contract's durability probe for a file store on `dir`: a barrier is the fsync of a log. */
export function fileStoreFaults(faultFs: FaultFs, dir: string): StoreFaults {
  const logOf = (docId: string) => fileStorePaths(dir, docId).log;
  return {
    barriers: () => faultFs.syncs(),
    hold(docId) {
      let release = () => {};
      let reached = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const reachedPromise = new Promise<void>((resolve) => {
        reached = resolve;
      });
      const log = logOf(docId);
      faultFs.inject({ op: 'sync', path: (p) => p === log, gate, onHit: reached });
      return { reached: reachedPromise, release: () => release() };
    },
    failNext(docId, code) {
      const log = logOf(docId);
      faultFs.inject({ op: 'sync', path: (p) => p === log, code });
    },
  };
}

/** True for paths inside `docId`'s directory of a file store on `dir`. */
export function inDocDir(dir: string, docId: string): (path: string) => boolean {
  const docDir = fileStorePaths(dir, docId).dir;
  return (path) => path === docDir || path.startsWith(join(docDir, '/'));
}

function errno(fault: Fault, syscall: string, path: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(
    `${fault.code}: injected fault, ${syscall} '${path}'`,
  );
  error.code = fault.code;
  error.syscall = syscall;
  error.path = path;
  return error;
}
