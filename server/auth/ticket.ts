import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import * as jose from 'jose';
import { systemClock } from '../clock.ts';
import { isValidDocId, type Permission } from '../protocol/index.ts';

/**
 * Access tickets (PROTOCOL.md P21, SECURITY.md): short-lived JWTs the web app signs for one
 * document and one permission, and every node verifies. Claims:
 * `iss` "ringdoc-web", `aud` "ringdoc-node", `doc` (the parent document id; sub-rooms
 * `doc/<sub>` are covered), `perm` ("edit" | "view"), `lnk` (the share link it was minted
 * from, for revocation), `jti`, `iat`, `exp`. Signed with EdDSA (Ed25519) or ES256 (P-256),
 * chosen by the key.
 */
export const TICKET_ISSUER = 'ringdoc-web';
export const TICKET_AUDIENCE = 'ringdoc-node';
/** Default lifetime of a ticket (5 minutes): short enough that a leaked one soon dies. */
export const DEFAULT_TICKET_TTL_SECONDS = 300;
/** Tickets living longer than this are refused whatever their signature (a misconfigured signer). */
export const MAX_TICKET_LIFETIME_SECONDS = 3600;
/** Allowed clock skew between the web app and nodes (seconds). */
export const TICKET_CLOCK_TOLERANCE_SECONDS = 5;

/** What a verified ticket grants. */
export interface Grant {
  /** The parent document id (`doc` claim). */
  readonly docId: string;
  readonly perm: Permission;
  /** The share link it was minted from (`lnk` claim). */
  readonly linkId: string;
  /** `jti`. */
  readonly ticketId: string;
  /** `exp`, in ms since the epoch. */
  readonly expiresAt: number;
}

/** A ticket was refused: `code` 4401 (not authenticated: missing, forged, expired, malformed). */
export class TicketError extends Error {
  override readonly name = 'TicketError';
  readonly code = 4401;
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** True when a ticket for `grantDocId` covers the socket's `docId` (itself or a sub-room, R3). */
export function grantCovers(grantDocId: string, docId: string): boolean {
  return docId === grantDocId || docId.startsWith(`${grantDocId}/`);
}

export interface TicketVerifier {
  /** Verifies signature, issuer, audience, lifetime and claims; rejects with `TicketError`. */
  verify(ticket: string): Promise<Grant>;
}

export interface VerifierOptions {
  /** One or more SPKI PEM public keys (several during a key rotation). */
  readonly publicKeys: string;
  /** Wall clock (ms); default the system clock (`server/clock.ts`). */
  readonly now?: () => number;
}

interface VerifyKey {
  readonly key: CryptoKey;
  readonly alg: string;
}

/** Imports the public key(s); throws a clear `Error` when none is a usable Ed25519/P-256 key. */
export async function createTicketVerifier(options: VerifierOptions): Promise<TicketVerifier> {
  const blocks = pemBlocks(options.publicKeys, 'PUBLIC KEY');
  if (blocks.length === 0) throw new Error('ticket public key: no "BEGIN PUBLIC KEY" PEM block');
  const keys: VerifyKey[] = [];
  for (const pem of blocks) {
    const alg = algorithmOf(createPublicKey(pem));
    keys.push({ key: await jose.importSPKI(pem, alg), alg });
  }
  const now = options.now ?? systemClock().now;
  return {
    async verify(ticket) {
      let lastError: unknown = new jose.errors.JOSEAlgNotAllowed('no key for this algorithm');
      let headerAlg: unknown;
      try {
        headerAlg = jose.decodeProtectedHeader(ticket).alg;
      } catch {
        throw new TicketError('ticket is malformed');
      }
      for (const { key, alg } of keys.filter((k) => k.alg === headerAlg)) {
        try {
          const { payload } = await jose.jwtVerify(ticket, key, {
            algorithms: [alg],
            issuer: TICKET_ISSUER,
            audience: TICKET_AUDIENCE,
            clockTolerance: TICKET_CLOCK_TOLERANCE_SECONDS,
            currentDate: new Date(now()),
            requiredClaims: ['exp', 'iat', 'jti'],
          });
          return grantOf(payload);
        } catch (error) {
          lastError = error;
          if (!(error instanceof jose.errors.JWSSignatureVerificationFailed)) break;
        }
      }
      throw toTicketError(lastError);
    },
  };
}

function grantOf(payload: jose.JWTPayload): Grant {
  const { doc, perm, lnk, jti, exp, iat } = payload as Record<string, unknown>;
  if (typeof doc !== 'string' || !isValidDocId(doc) || doc.includes('/')) {
    throw new TicketError('ticket claim doc is not a document id');
  }
  if (perm !== 'edit' && perm !== 'view') throw new TicketError('ticket claim perm is invalid');
  if (typeof lnk !== 'string' || lnk.length === 0 || lnk.length > 128) {
    throw new TicketError('ticket claim lnk is invalid');
  }
  if (typeof exp !== 'number' || typeof iat !== 'number' || typeof jti !== 'string') {
    throw new TicketError('ticket claims exp, iat and jti are required');
  }
  if (exp - iat > MAX_TICKET_LIFETIME_SECONDS) {
    throw new TicketError(`ticket lives longer than ${MAX_TICKET_LIFETIME_SECONDS} s`);
  }
  return { docId: doc, perm, linkId: lnk, ticketId: jti, expiresAt: exp * 1000 };
}

function toTicketError(error: unknown): TicketError {
  if (error instanceof TicketError) return error;
  if (error instanceof jose.errors.JWTExpired) return new TicketError('ticket expired');
  if (error instanceof jose.errors.JWSSignatureVerificationFailed) {
    return new TicketError('ticket signature is not valid');
  }
  if (error instanceof jose.errors.JWTClaimValidationFailed) {
    return new TicketError(`ticket claim ${error.claim} is not valid (${error.reason})`);
  }
  if (error instanceof jose.errors.JOSEAlgNotAllowed) {
    return new TicketError('ticket algorithm is not allowed');
  }
  return new TicketError('ticket is malformed');
}

/** What the web app asks a ticket for. */
export interface TicketRequest {
  readonly docId: string;
  readonly perm: Permission;
  readonly linkId: string;
}

export interface TicketSigner {
  /** Signs a ticket valid for `ttlSeconds` from now. */
  sign(request: TicketRequest): Promise<{ ticket: string; expiresAt: number }>;
  readonly ttlSeconds: number;
}

export interface SignerOptions {
  /** PKCS#8 PEM private key (Ed25519 or P-256). */
  readonly privateKey: string;
  /** Lifetime of each ticket (default 300 s, at most 3600 s). */
  readonly ttlSeconds?: number;
  /** Wall clock (ms); default the system clock (`server/clock.ts`). */
  readonly now?: () => number;
}

/** Imports the private key; throws a clear `Error` on an unusable key or lifetime. */
export async function createTicketSigner(options: SignerOptions): Promise<TicketSigner> {
  const [pem] = pemBlocks(options.privateKey, 'PRIVATE KEY');
  if (!pem) throw new Error('ticket private key: no "BEGIN PRIVATE KEY" PEM block');
  const alg = algorithmOf(createPrivateKey(pem));
  const key = await jose.importPKCS8(pem, alg);
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_TICKET_TTL_SECONDS;
  if (
    !Number.isInteger(ttlSeconds) ||
    ttlSeconds < 10 ||
    ttlSeconds > MAX_TICKET_LIFETIME_SECONDS
  ) {
    throw new Error(
      `ticket lifetime must be 10-${MAX_TICKET_LIFETIME_SECONDS} s, not ${ttlSeconds}`,
    );
  }
  const now = options.now ?? systemClock().now;
  return {
    ttlSeconds,
    async sign(request) {
      if (!isValidDocId(request.docId) || request.docId.includes('/')) {
        throw new RangeError(`not a document id: ${JSON.stringify(request.docId)}`);
      }
      const iat = Math.floor(now() / 1000);
      const exp = iat + ttlSeconds;
      const ticket = await new jose.SignJWT({
        doc: request.docId,
        perm: request.perm,
        lnk: request.linkId,
      })
        .setProtectedHeader({ alg, typ: 'JWT' })
        .setIssuer(TICKET_ISSUER)
        .setAudience(TICKET_AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .setJti(randomUUID())
        .sign(key);
      return { ticket, expiresAt: exp * 1000 };
    },
  };
}

/** A fresh Ed25519 key pair as PEM (development clusters and tests). */
export function generateTicketKeys(): { publicKey: string; privateKey: string } {
  const pair = generateKeyPairSync('ed25519');
  return {
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function algorithmOf(key: ReturnType<typeof createPublicKey>): 'EdDSA' | 'ES256' {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ES256';
  }
  throw new Error(
    `ticket keys must be Ed25519 or P-256, not ${key.asymmetricKeyType ?? 'unknown'}`,
  );
}

function pemBlocks(text: string, label: string): string[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, 'g');
  return text.match(pattern) ?? [];
}
