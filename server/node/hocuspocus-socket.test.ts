import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../documents/connection.ts';
import { HocuspocusType } from '../protocol/index.ts';
import { createHocuspocusSocket } from './hocuspocus-socket.ts';

const auth = (name: string, token: string) => {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, name);
  encoding.writeVarUint(e, HocuspocusType.AUTH);
  encoding.writeVarUint(e, 0);
  encoding.writeVarString(e, token);
  return encoding.toUint8Array(e);
};

describe('Hocuspocus socket (H1, H5)', () => {
  it('[H5] a document refused while it opens: its session handler hears the close (no session left behind)', () => {
    const conn: Connection = {
      id: 1,
      closed: false,
      send: () => {},
      close: () => {},
      cork: (fn) => fn(),
    };
    const closes: number[] = [];
    const handler = createHocuspocusSocket({
      conn,
      nextConnectionId: () => 2,
      open(doc) {
        // As admission does when the node is unavailable: the session is rejected at once.
        doc.close(4400, 'build too old');
        return { message: () => {}, close: (code) => closes.push(code) };
      },
    });
    handler.message(auth('notes', 't'));
    expect(closes).toEqual([4400]);
  });
});
