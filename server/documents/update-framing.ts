import * as decoding from 'lib0/decoding';

/** Thrown by `checkUpdateFraming` for an update whose bytes do not frame a Yjs v1 update. */
export class MalformedUpdateError extends Error {
  override readonly name = 'MalformedUpdateError';
}

const BITS5 = 31;
const BIT6 = 32;
const BIT7 = 64;
const BIT8 = 128;
/** Type refs of `ContentType` whose type carries a key (`YXmlElement`, `YXmlHook`). */
const KEYED_TYPES = new Set([3, 5]);
const TYPE_REFS = 7;

/** Throws when a read went past the end (a length that points outside the update). */
const inBounds = (d: decoding.Decoder) => {
  if (d.pos > d.arr.length) throw new MalformedUpdateError('a length points past the end');
};
const skipString = (d: decoding.Decoder) => {
  decoding.readVarUint8Array(d);
  inBounds(d);
};
const skipAny = (d: decoding.Decoder) => {
  decoding.readAny(d);
  inBounds(d);
};
const skipId = (d: decoding.Decoder) => {
  decoding.readVarUint(d);
  decoding.readVarUint(d);
};

/** Skips one item's content (Yjs `contentRefs`, v1 encoding); throws on an unknown kind. */
function skipContent(d: decoding.Decoder, kind: number): void {
  switch (kind) {
    case 1: // deleted
      decoding.readVarUint(d);
      return;
    case 2: // JSON: len strings
    case 8: {
      // any: len values
      const len = decoding.readVarUint(d);
      for (let i = 0; i < len; i++) {
        if (kind === 2) skipString(d);
        else skipAny(d);
      }
      return;
    }
    case 3: // binary
    case 4: // string
    case 5: // embed (JSON string)
      skipString(d);
      return;
    case 6: // format: key, JSON value
      skipString(d);
      skipString(d);
      return;
    case 7: {
      // type: ref (+ key for XmlElement, XmlHook)
      const ref = decoding.readVarUint(d);
      if (ref >= TYPE_REFS) throw new MalformedUpdateError(`unknown type ref ${ref}`);
      if (KEYED_TYPES.has(ref)) skipString(d);
      return;
    }
    case 9: // subdocument: guid, options
      skipString(d);
      skipAny(d);
      return;
    default:
      throw new MalformedUpdateError(`unknown content kind ${kind}`);
  }
}

/**
 * Checks that `update` frames a Yjs v1 update to its end: every struct, then the delete set,
 * read without building anything (no items, no strings decoded). `Y.applyUpdate` reads every
 * struct before integrating any, but reads the delete set while applying it, after the structs
 * are integrated: an update whose delete set is cut or garbled would be applied halfway (C5).
 * This check finds those before the one decode `Y.applyUpdate` does, at a fraction of the cost
 * of `Y.decodeUpdate` (which builds every struct). What it does not check (content Yjs rejects
 * while decoding structs) throws in `Y.applyUpdate` before anything is integrated.
 */
export function checkUpdateFraming(update: Uint8Array): void {
  const d = decoding.createDecoder(update);
  try {
    const clients = decoding.readVarUint(d);
    for (let c = 0; c < clients; c++) {
      const structs = decoding.readVarUint(d);
      decoding.readVarUint(d); // client
      decoding.readVarUint(d); // clock
      for (let s = 0; s < structs; s++) {
        if (!decoding.hasContent(d)) throw new MalformedUpdateError('the update ends in a struct');
        const info = decoding.readUint8(d);
        const kind = info & BITS5;
        if (kind === 0 || kind === 10) {
          decoding.readVarUint(d); // GC / Skip length
          continue;
        }
        if (info & BIT8) skipId(d); // origin
        if (info & BIT7) skipId(d); // right origin
        const cantCopyParentInfo = (info & (BIT7 | BIT8)) === 0;
        if (cantCopyParentInfo) {
          if (decoding.readVarUint(d) === 1)
            skipString(d); // parent key
          else skipId(d); // parent item
          if (info & BIT6) skipString(d); // parent sub
        }
        skipContent(d, kind);
      }
    }
    const dsClients = decoding.readVarUint(d);
    for (let c = 0; c < dsClients; c++) {
      decoding.readVarUint(d); // client
      const deletes = decoding.readVarUint(d);
      for (let i = 0; i < deletes; i++) {
        decoding.readVarUint(d); // clock
        decoding.readVarUint(d); // length
      }
    }
  } catch (error) {
    if (error instanceof MalformedUpdateError) throw error;
    throw new MalformedUpdateError(`malformed update: ${(error as Error).message}`);
  }
}
