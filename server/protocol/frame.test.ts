import fc from 'fast-check';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { propertySeed } from '../../ring/testing/seed.ts';
import { ProtocolError } from './errors.ts';
import {
  type ClientFrame,
  type CommonFrame,
  decodeClientFrame,
  decodeServerFrame,
  encodeAck,
  encodeAwareness,
  encodeClientFrame,
  encodeHello,
  encodeNotice,
  encodeQueryAwareness,
  encodeRedirect,
  encodeServerFrame,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  encodeTicket,
  encodeUpgradeRequired,
  type ServerFrame,
} from './frame.ts';
import { MAX_TICKET_LENGTH } from './message-types.ts';

/** Random runs use a fresh seed unless FC_SEED pins one; failures print seed and path. */
const SEED = propertySeed();
const run = (numRuns: number) => ({ seed: SEED, numRuns });

/** Text with every kind of code point, lone surrogates included. */
const anyText = (constraints: { minLength?: number } = {}) =>
  fc.string({
    ...constraints,
    maxLength: 40,
    unit: fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      fc.constantFrom('\uD800', '\uDFFF', '"', '\\', '\u0000'),
    ),
  });
const uint = fc.maxSafeNat();
const payload = fc.uint8Array({ maxLength: 200 });

/** fc.record builds prototype-less objects; decoders return plain ones. */
const plain = <T extends object>(value: T): T => ({ ...value });

const commonFrameArb: fc.Arbitrary<CommonFrame> = fc
  .oneof(
    fc.record({ type: fc.constant('sync-step1' as const), stateVector: payload }),
    fc.record({ type: fc.constant('sync-step2' as const), update: payload }),
    fc.record({ type: fc.constant('sync-update' as const), update: payload }),
    fc.record({ type: fc.constant('awareness' as const), update: payload }),
    fc.constant({ type: 'query-awareness' as const }),
  )
  .map(plain);

const ticketArb = fc.stringMatching(/^[A-Za-z0-9_.-]{1,300}$/);

const clientFrameArb: fc.Arbitrary<ClientFrame> = fc.oneof(
  commonFrameArb,
  fc.record({ type: fc.constant('ticket' as const), ticket: ticketArb }).map(plain),
);

const serverFrameArb: fc.Arbitrary<ServerFrame> = fc
  .oneof(
    commonFrameArb,
    fc.record(
      {
        type: fc.constant('hello' as const),
        node: anyText({ minLength: 1 }),
        epoch: uint,
        generation: anyText({ minLength: 1 }),
        protocol: uint,
        perm: fc.constantFrom('edit' as const, 'view' as const),
      },
      { requiredKeys: ['type', 'node', 'epoch', 'generation', 'protocol'] },
    ),
    fc.record({ type: fc.constant('ack' as const), count: uint }),
    fc.record({
      type: fc.constant('redirect' as const),
      owner: anyText({ minLength: 1 }),
      url: anyText({ minLength: 1 }),
      epoch: uint,
    }),
    fc.record({
      type: fc.constant('redirect' as const),
      owner: anyText({ minLength: 1 }),
      url: anyText({ minLength: 1 }),
      epoch: uint,
      graceMs: uint,
    }),
    fc.record({
      type: fc.constant('upgrade-required' as const),
      minBuild: anyText(),
      message: anyText(),
    }),
    fc.record(
      {
        type: fc.constant('notice' as const),
        code: fc.integer({ min: 1000, max: 4999 }),
        reason: anyText(),
        retryAfterMs: uint,
      },
      { requiredKeys: ['type', 'code', 'reason'] },
    ),
  )
  .map(plain);

/** `bytes` copied into the middle of a larger buffer, so decoders see a non-zero byteOffset. */
function embedded(bytes: Uint8Array): Uint8Array {
  const big = new Uint8Array(bytes.length + 16).fill(0xee);
  big.set(bytes, 7);
  return big.subarray(7, 7 + bytes.length);
}

/** The ProtocolError `fn` throws (fails the test if it throws anything else or nothing). */
function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return error as ProtocolError;
  }
  throw new Error('expected a ProtocolError, nothing was thrown');
}

const bytes = (...values: number[]) => Uint8Array.from(values);
/** `type • varString(json)` built with lib0, independent of our encoder. */
function jsonFrameLib0(type: number, json: string | Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  if (typeof json === 'string') encoding.writeVarString(encoder, json);
  else encoding.writeVarUint8Array(encoder, json);
  return encoding.toUint8Array(encoder);
}

describe('round trip', () => {
  it('[P1][P2][P3] decodeClientFrame(encodeClientFrame(m)) deep-equals m for every client frame', () => {
    fc.assert(
      fc.property(clientFrameArb, (frame) => {
        const encoded = encodeClientFrame(frame);
        expect(decodeClientFrame(encoded)).toStrictEqual(frame);
        expect(decodeClientFrame(embedded(encoded))).toStrictEqual(frame);
        if (frame.type !== 'ticket') expect(decodeServerFrame(encoded)).toStrictEqual(frame);
      }),
      run(2000),
    );
  });

  it('[P1][P2][P5] decodeServerFrame(encodeServerFrame(m)) deep-equals m for every server frame', () => {
    fc.assert(
      fc.property(serverFrameArb, (frame) => {
        const encoded = encodeServerFrame(frame);
        expect(decodeServerFrame(encoded)).toStrictEqual(frame);
        expect(decodeServerFrame(embedded(encoded))).toStrictEqual(frame);
      }),
      run(2000),
    );
  });

  it('[P1] the encoding is canonical: a decodable client frame re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(clientFrameArb, (frame) => {
        const encoded = encodeClientFrame(frame);
        expect(encodeClientFrame(decodeClientFrame(encoded))).toEqual(encoded);
      }),
      run(500),
    );
  });

  it('[P3] payloads are zero-copy views of the received frame', () => {
    const update = bytes(1, 2, 3, 4);
    const frame = embedded(encodeSyncUpdate(update));
    const decoded = decodeClientFrame(frame);
    expect(decoded.type).toBe('sync-update');
    if (decoded.type !== 'sync-update') return;
    expect(decoded.update.buffer).toBe(frame.buffer);
    expect(decoded.update.byteOffset).toBe(frame.byteOffset + 3);
    expect(decoded.update).toEqual(update);
  });

  it('[P1] the helpers produce the documented bytes', () => {
    expect(encodeSyncStep1(bytes(9))).toEqual(bytes(0, 0, 1, 9));
    expect(encodeSyncStep2(bytes(9, 8))).toEqual(bytes(0, 1, 2, 9, 8));
    expect(encodeSyncUpdate(new Uint8Array(0))).toEqual(bytes(0, 2, 0));
    expect(encodeAwareness(bytes(7))).toEqual(bytes(1, 1, 7));
    expect(encodeQueryAwareness()).toEqual(bytes(3));
    expect(encodeAck(0)).toEqual(bytes(17, 0));
    expect(encodeAck(300)).toEqual(bytes(17, 0xac, 0x02));
    expect(encodeAck(Number.MAX_SAFE_INTEGER)).toEqual(
      bytes(17, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f),
    );
    expect(encodeNotice({ code: 4503, reason: 'x', retryAfterMs: 5 })).toEqual(
      jsonFrameLib0(20, '{"code":4503,"reason":"x","retryAfterMs":5}'),
    );
    expect(encodeHello({ node: 'n1', epoch: 7, generation: 'g', protocol: 1 })).toEqual(
      jsonFrameLib0(16, '{"node":"n1","epoch":7,"generation":"g","protocol":1}'),
    );
    expect(encodeRedirect({ owner: 'n2', url: 'ws://h:2', epoch: 3 })).toEqual(
      jsonFrameLib0(18, '{"owner":"n2","url":"ws://h:2","epoch":3}'),
    );
    expect(encodeRedirect({ owner: 'n2', url: 'ws://h:2', epoch: 3, graceMs: 3000 })).toEqual(
      jsonFrameLib0(18, '{"owner":"n2","url":"ws://h:2","epoch":3,"graceMs":3000}'),
    );
    expect(encodeUpgradeRequired({ minBuild: '2.0.0', message: 'm' })).toEqual(
      jsonFrameLib0(19, '{"minBuild":"2.0.0","message":"m"}'),
    );
  });

  it('[P5] unknown JSON fields are ignored and not re-emitted', () => {
    const frame = jsonFrameLib0(
      16,
      '{"node":"n1","epoch":1,"generation":"g","protocol":1,"later":true}',
    );
    expect(decodeServerFrame(frame)).toStrictEqual({
      type: 'hello',
      node: 'n1',
      epoch: 1,
      generation: 'g',
      protocol: 1,
    });
  });

  it('[P5] encoders refuse values a client would reject (RangeError, not a frame)', () => {
    expect(() => encodeAck(-1)).toThrow(RangeError);
    expect(() => encodeAck(1.5)).toThrow(RangeError);
    expect(() => encodeAck(2 ** 53)).toThrow(RangeError);
    expect(() => encodeHello({ node: '', epoch: 1, generation: 'g', protocol: 1 })).toThrow(
      RangeError,
    );
    expect(() => encodeRedirect({ owner: 'n', url: 'u', epoch: -1 })).toThrow(RangeError);
    expect(() => encodeRedirect({ owner: 'n', url: 'u', epoch: 1, graceMs: -1 })).toThrow(
      RangeError,
    );
    expect(() => encodeNotice({ code: 200, reason: '' })).toThrow(RangeError);
  });
});

describe('interop with y-protocols (y-websocket framing)', () => {
  function docWithText(text: string): Y.Doc {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, text);
    return doc;
  }

  /** A frame as y-websocket's provider builds it: `writeVarUint(type)` then the body. */
  function yws(type: number, body: (encoder: encoding.Encoder) => void): Uint8Array {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, type);
    body(encoder);
    return encoding.toUint8Array(encoder);
  }

  it('[P3] decodes y-protocols SyncStep1, SyncStep2 and Update as y-websocket sends them', () => {
    const doc = docWithText('hello');
    const step1 = decodeClientFrame(yws(0, (e) => syncProtocol.writeSyncStep1(e, doc)));
    expect(step1).toStrictEqual({ type: 'sync-step1', stateVector: Y.encodeStateVector(doc) });

    const step2 = decodeClientFrame(yws(0, (e) => syncProtocol.writeSyncStep2(e, doc)));
    expect(step2.type).toBe('sync-step2');
    const other = new Y.Doc();
    if (step2.type === 'sync-step2') Y.applyUpdate(other, step2.update);
    expect(other.getText('t').toString()).toBe('hello');

    const captured: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => captured.push(u));
    doc.getText('t').insert(5, ' world');
    const update = decodeClientFrame(yws(0, (e) => syncProtocol.writeUpdate(e, captured[0]!)));
    expect(update).toStrictEqual({ type: 'sync-update', update: captured[0] });
    if (update.type === 'sync-update') Y.applyUpdate(other, update.update);
    expect(other.getText('t').toString()).toBe('hello world');
  });

  it('[P2] decodes y-websocket awareness and query-awareness frames', () => {
    const doc = new Y.Doc();
    const awareness = new awarenessProtocol.Awareness(doc);
    awareness.setLocalState({ user: { name: 'ana' } });
    const raw = awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]);
    const frame = decodeClientFrame(yws(1, (e) => encoding.writeVarUint8Array(e, raw)));
    expect(frame).toStrictEqual({ type: 'awareness', update: raw });

    const remote = new awarenessProtocol.Awareness(new Y.Doc());
    if (frame.type === 'awareness')
      awarenessProtocol.applyAwarenessUpdate(remote, frame.update, 'x');
    expect(remote.getStates().get(doc.clientID)).toEqual({ user: { name: 'ana' } });

    expect(decodeClientFrame(yws(3, () => {}))).toStrictEqual({ type: 'query-awareness' });
    awareness.destroy();
    remote.destroy();
  });

  /** Reads one of our frames the way y-websocket's client does; returns the sync reply type. */
  function readLikeYWebsocket(frame: Uint8Array, doc: Y.Doc) {
    const decoder = decoding.createDecoder(frame);
    const reply = encoding.createEncoder();
    expect(decoding.readVarUint(decoder)).toBe(0);
    const syncType = syncProtocol.readSyncMessage(decoder, reply, doc, 'server');
    expect(decoding.hasContent(decoder)).toBe(false);
    return { syncType, reply: encoding.toUint8Array(reply) };
  }

  it('[P3] y-protocols readSyncMessage reads our SyncStep1, SyncStep2 and Update', () => {
    const server = docWithText('abc');
    const client = new Y.Doc();

    const step1 = readLikeYWebsocket(encodeSyncStep1(Y.encodeStateVector(server)), client);
    expect(step1.syncType).toBe(syncProtocol.messageYjsSyncStep1);
    expect(decodeServerFrame(Uint8Array.of(0, ...step1.reply)).type).toBe('sync-step2');

    const step2 = readLikeYWebsocket(encodeSyncStep2(Y.encodeStateAsUpdate(server)), client);
    expect(step2.syncType).toBe(syncProtocol.messageYjsSyncStep2);
    expect(client.getText('t').toString()).toBe('abc');

    const captured: Uint8Array[] = [];
    server.on('update', (u: Uint8Array) => captured.push(u));
    server.getText('t').insert(3, 'd');
    const update = readLikeYWebsocket(encodeSyncUpdate(captured[0]!), client);
    expect(update.syncType).toBe(syncProtocol.messageYjsUpdate);
    expect(client.getText('t').toString()).toBe('abcd');
  });

  it('[P2] y-websocket reads our awareness frame', () => {
    const doc = new Y.Doc();
    const awareness = new awarenessProtocol.Awareness(doc);
    awareness.setLocalState({ cursor: 3 });
    const frame = encodeAwareness(
      awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]),
    );
    const decoder = decoding.createDecoder(frame);
    expect(decoding.readVarUint(decoder)).toBe(1);
    const remote = new awarenessProtocol.Awareness(new Y.Doc());
    awarenessProtocol.applyAwarenessUpdate(remote, decoding.readVarUint8Array(decoder), 'server');
    expect(decoding.hasContent(decoder)).toBe(false);
    expect(remote.getStates().get(doc.clientID)).toEqual({ cursor: 3 });
    awareness.destroy();
    remote.destroy();
  });
});

describe('malformed frames throw ProtocolError 4400', () => {
  const twoTo53 = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10];
  const maxSafe = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f];
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['[P1] an empty frame', bytes(), /empty frame/],
    ['[P2] type 2 (y-websocket auth)', bytes(2, 0), /type 2 \(y-websocket auth\)/],
    ['[P2] unknown type 99', bytes(99), /unknown message type 99/],
    ['[P2] unknown type 4', bytes(4, 0), /unknown message type 4/],
    ['[P1] a truncated message type varint', bytes(0x80), /truncated varint in message type/],
    ['[P3] a missing sync type', bytes(0), /truncated varint in sync type/],
    ['[P3] unknown sync type 7', bytes(0, 7, 0), /unknown sync type 7/],
    ['[P1] a truncated length varint', bytes(0, 2, 0x85), /truncated varint in sync update length/],
    [
      '[P1] a length prefix larger than the frame',
      bytes(0, 2, 5, 1, 2),
      /length prefix 5 of sync update exceeds the 2 bytes left/,
    ],
    [
      '[P1] a length prefix of 2^53-1',
      bytes(0, 1, ...maxSafe),
      /length prefix 9007199254740991 of sync step2 update exceeds/,
    ],
    ['[P1] a length prefix of 2^53', bytes(0, 0, ...twoTo53), /exceeds 2\^53-1/],
    ['[P1] a varint longer than 8 bytes', bytes(1, ...Array(9).fill(0x80), 1), /exceeds 2\^53-1/],
    ['[P1] a non-minimal varint', bytes(0x80, 0x00), /non-minimal varint in message type/],
    [
      '[P4] trailing bytes after a sync update',
      bytes(0, 2, 1, 42, 0),
      /trailing bytes after sync update \(1 extra\)/,
    ],
    ['[P4] trailing bytes after a step1', bytes(0, 0, 0, 9, 9), /trailing bytes after sync step1/],
    ['[P4] a payload on query-awareness', bytes(3, 0), /trailing bytes after query-awareness/],
    [
      '[P4] trailing bytes after awareness',
      bytes(1, 1, 0, 0),
      /trailing bytes after awareness update/,
    ],
  ];

  for (const [name, frame, reason] of cases) {
    it(`${name}: both decoders`, () => {
      for (const decode of [decodeClientFrame, decodeServerFrame]) {
        const error = protocolError(() => decode(frame));
        expect(error.code).toBe(4400);
        expect(error.reason).toMatch(/^malformed frame: /);
        expect(error.reason).toMatch(reason);
      }
    });
  }

  it('[P21] a ticket frame round-trips; a node never sends one', () => {
    const frame = encodeTicket('eyJhbGciOiJFZERTQSJ9.e30.sig-_');
    expect(decodeClientFrame(frame)).toEqual({
      type: 'ticket',
      ticket: 'eyJhbGciOiJFZERTQSJ9.e30.sig-_',
    });
    expect(protocolError(() => decodeServerFrame(frame)).reason).toMatch(/sent by clients only/);
  });

  it('[P21] empty, oversized or non-JWS tickets are malformed and never encoded', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /1-4096 characters/],
      ['x'.repeat(MAX_TICKET_LENGTH + 1), /1-4096 characters/],
      ['a b', /compact JWS/],
      ['a/b', /compact JWS/],
    ];
    for (const [ticket, reason] of cases) {
      expect(protocolError(() => decodeClientFrame(jsonFrameLib0(21, ticket))).reason).toMatch(
        reason,
      );
      expect(() => encodeTicket(ticket)).toThrow(RangeError);
    }
    expect(decodeClientFrame(jsonFrameLib0(21, 'x'.repeat(MAX_TICKET_LENGTH)))).toMatchObject({
      type: 'ticket',
    });
  });

  it('[P5][P21] hello.perm is optional and must be edit or view', () => {
    const hello = { node: 'n', epoch: 1, generation: 'g', protocol: 1 };
    expect(decodeServerFrame(encodeHello({ ...hello, perm: 'view' }))).toEqual({
      type: 'hello',
      ...hello,
      perm: 'view',
    });
    expect(decodeServerFrame(encodeHello(hello))).toEqual({ type: 'hello', ...hello });
    const bad = jsonFrameLib0(16, JSON.stringify({ ...hello, perm: 'admin' }));
    expect(protocolError(() => decodeServerFrame(bad)).reason).toMatch(/hello.perm/);
  });

  it('[P2] ringdoc types 16-20 from a client are refused as server-only', () => {
    for (const frame of [
      encodeAck(1),
      encodeHello({ node: 'n', epoch: 0, generation: 'g', protocol: 1 }),
    ]) {
      const error = protocolError(() => decodeClientFrame(frame));
      expect(error.code).toBe(4400);
      expect(error.reason).toMatch(/is sent by servers only/);
    }
  });

  const serverCases: Array<[string, Uint8Array, RegExp]> = [
    ['[P5] bad JSON', jsonFrameLib0(16, '{node:'), /hello payload is not valid JSON/],
    [
      '[P5] invalid UTF-8',
      jsonFrameLib0(18, bytes(0xff, 0xfe)),
      /redirect payload is not valid UTF-8/,
    ],
    ['[P5] a JSON array', jsonFrameLib0(20, '[]'), /notice payload is not a JSON object/],
    ['[P5] JSON null', jsonFrameLib0(19, 'null'), /upgrade-required payload is not a JSON object/],
    [
      '[P5] a wrong field type',
      jsonFrameLib0(16, '{"node":1,"epoch":1,"generation":"g","protocol":1}'),
      /hello.node must be a non-empty string/,
    ],
    [
      '[P5] a missing field',
      jsonFrameLib0(18, '{"owner":"n","url":"u"}'),
      /redirect.epoch must be a non-negative integer/,
    ],
    [
      '[P5] a negative number',
      jsonFrameLib0(18, '{"owner":"n","url":"u","epoch":-1}'),
      /redirect.epoch must be a non-negative integer/,
    ],
    [
      '[P5] a fractional number',
      jsonFrameLib0(16, '{"node":"n","epoch":1.5,"generation":"g","protocol":1}'),
      /hello.epoch must be a non-negative integer/,
    ],
    [
      '[P5] an unsafe integer',
      jsonFrameLib0(16, '{"node":"n","epoch":9007199254740992,"generation":"g","protocol":1}'),
      /hello.epoch/,
    ],
    [
      '[P5] a notice code outside 1000-4999',
      jsonFrameLib0(20, '{"code":200,"reason":""}'),
      /notice.code must be a close code/,
    ],
    [
      '[P5] a retryAfterMs of the wrong type',
      jsonFrameLib0(20, '{"code":4503,"reason":"","retryAfterMs":"soon"}'),
      /notice.retryAfterMs must be a non-negative integer/,
    ],
    ['[P4] trailing bytes after an ack', bytes(17, 1, 1), /trailing bytes after ack/],
    ['[P1] a truncated ack', bytes(17), /truncated varint in ack count/],
    [
      '[P4] trailing bytes after a hello',
      Uint8Array.of(
        ...jsonFrameLib0(16, '{"node":"n","epoch":1,"generation":"g","protocol":1}'),
        0,
      ),
      /trailing bytes after hello/,
    ],
  ];

  for (const [name, frame, reason] of serverCases) {
    it(`${name}: decodeServerFrame`, () => {
      const error = protocolError(() => decodeServerFrame(frame));
      expect(error.code).toBe(4400);
      expect(error.reason).toMatch(reason);
    });
  }
});

describe('fuzz', () => {
  /** Frames whose JSON text may legitimately differ on re-encoding (spacing, extra fields). */
  const JSON_TYPES = new Set(['hello', 'redirect', 'upgrade-required', 'notice']);

  /**
   * Decodes with both decoders; anything thrown must be a ProtocolError with code 4400, and
   * an accepted binary frame must re-encode to the same bytes (P1: the encoding is canonical).
   */
  function decodeBoth(frame: Uint8Array): void {
    const pairs = [
      [decodeClientFrame, (f: ClientFrame) => encodeClientFrame(f)],
      [decodeServerFrame, (f: ServerFrame) => encodeServerFrame(f)],
    ] as const;
    for (const [decode, encode] of pairs) {
      let decoded: ClientFrame | ServerFrame;
      try {
        decoded = decode(frame);
      } catch (error) {
        if (!(error instanceof ProtocolError) || error.code !== 4400) throw error;
        continue;
      }
      if (!JSON_TYPES.has(decoded.type)) {
        expect((encode as (f: ClientFrame | ServerFrame) => Uint8Array)(decoded)).toEqual(frame);
      }
    }
  }

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.nat(255) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.nat(255) }),
    fc.record({ kind: fc.constant('append' as const), tail: fc.uint8Array({ maxLength: 12 }) }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

  function mutate(frame: Uint8Array, mutations: Mutation[]): Uint8Array {
    let out = Array.from(frame);
    for (const m of mutations) {
      const at = 'at' in m ? m.at % (out.length + 1) : 0;
      if (m.kind === 'flip' && out.length > 0) out[at % out.length] = m.value;
      if (m.kind === 'truncate') out = out.slice(0, at);
      if (m.kind === 'insert') out.splice(at, 0, m.value);
      if (m.kind === 'append') out.push(...m.tail);
    }
    return Uint8Array.from(out);
  }

  it('[P4] random bytes never throw anything but ProtocolError 4400', () => {
    const frames = fc.oneof(
      fc.uint8Array({ maxLength: 48 }),
      fc.uint8Array({ maxLength: 48 }).map((b) => Uint8Array.of(0, b.length % 4, ...b)),
      fc.uint8Array({ maxLength: 48 }).map((b) => Uint8Array.of(16 + (b.length % 6), ...b)),
    );
    fc.assert(fc.property(frames, decodeBoth), run(10_000));
  });

  it('[P4] mutated valid frames never throw anything but ProtocolError 4400', () => {
    const encoded = fc.oneof(
      serverFrameArb.map((f) => encodeServerFrame(f)),
      clientFrameArb.map((f) => encodeClientFrame(f)),
    );
    const frames = fc
      .tuple(encoded, fc.array(mutation, { minLength: 1, maxLength: 3 }))
      .map(([frame, mutations]) => mutate(frame, mutations));
    fc.assert(fc.property(frames, decodeBoth), run(10_000));
  });
});
