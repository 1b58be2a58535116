import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.ts';
import { encodeSyncStep1 } from './frame.ts';
import {
  decodeHocuspocusFrame,
  encodeHocuspocusAuthenticated,
  encodeHocuspocusFrame,
  encodeHocuspocusSyncStatus,
  HocuspocusType,
  isHocuspocusPath,
} from './hocuspocus.ts';

const message = (name: string, type: number, write: (e: encoding.Encoder) => void = () => {}) => {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, name);
  encoding.writeVarUint(e, type);
  write(e);
  return encoding.toUint8Array(e);
};

describe('Hocuspocus mapping (H1, H2, H4)', () => {
  it('[H1] /hocuspocus and its sub-paths, nothing else', () => {
    expect(isHocuspocusPath('/hocuspocus')).toBe(true);
    expect(isHocuspocusPath('/hocuspocus/app?x=1')).toBe(true);
    expect(isHocuspocusPath('/hocuspocusx')).toBe(false);
    expect(isHocuspocusPath('/doc/hocuspocus')).toBe(false);
  });

  it('[H2] an auth message of 3.x (token only) and 4.x (token and version) opens a document', () => {
    const v3 = message('notes', HocuspocusType.AUTH, (e) => {
      encoding.writeVarUint(e, 0);
      encoding.writeVarString(e, 'tkn');
    });
    const v4 = message('notes', HocuspocusType.AUTH, (e) => {
      encoding.writeVarUint(e, 0);
      encoding.writeVarString(e, 'tkn');
      encoding.writeVarString(e, '4.8.0');
    });
    for (const bytes of [v3, v4]) {
      expect(decodeHocuspocusFrame(bytes)).toEqual({
        kind: 'auth',
        documentName: 'notes',
        token: 'tkn',
      });
    }
  });

  it('[H2] a sync message minus its name is a ringdoc frame, both ways', () => {
    const frame = encodeSyncStep1(new Uint8Array([0]));
    const named = encodeHocuspocusFrame('a/b', frame);
    expect(decodeHocuspocusFrame(named)).toEqual({ kind: 'frame', documentName: 'a/b', frame });
    const reply = message('a/b', HocuspocusType.SYNC_REPLY, (e) => {
      encoding.writeUint8Array(e, frame.subarray(1));
    });
    expect(decodeHocuspocusFrame(reply)).toEqual({ kind: 'frame', documentName: 'a/b', frame });
  });

  it('[H2] pong, close and stateless; a truncated message is a ProtocolError', () => {
    expect(decodeHocuspocusFrame(new Uint8Array([HocuspocusType.PONG]))).toEqual({ kind: 'pong' });
    expect(decodeHocuspocusFrame(message('d', HocuspocusType.CLOSE))).toEqual({
      kind: 'close',
      documentName: 'd',
    });
    expect(decodeHocuspocusFrame(message('d', HocuspocusType.STATELESS))).toMatchObject({
      kind: 'ignored',
      type: HocuspocusType.STATELESS,
    });
    expect(() => decodeHocuspocusFrame(new Uint8Array([5, 0x61]))).toThrow(ProtocolError);
  });

  it('[H4] Authenticated and SyncStatus carry the document name first', () => {
    expect([...encodeHocuspocusAuthenticated('d', 'readonly')]).toEqual([
      1,
      0x64,
      HocuspocusType.AUTH,
      2,
      8,
      ...new TextEncoder().encode('readonly'),
    ]);
    expect([...encodeHocuspocusSyncStatus('d', true)]).toEqual([1, 0x64, 8, 1]);
  });
});
