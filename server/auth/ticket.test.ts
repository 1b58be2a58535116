import { generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createTicketSigner,
  createTicketVerifier,
  generateTicketKeys,
  grantCovers,
  TICKET_AUDIENCE,
  TICKET_ISSUER,
  TicketError,
} from './ticket.ts';

const keys = generateTicketKeys();
const other = generateTicketKeys();

async function refusal(promise: Promise<unknown>): Promise<TicketError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TicketError);
    return error as TicketError;
  }
  throw new Error('expected a TicketError');
}

describe('access tickets', () => {
  it('[P21] a signed ticket verifies to its document, permission, link and expiry', async () => {
    let t = 1_800_000_000_000;
    const signer = await createTicketSigner({ privateKey: keys.privateKey, now: () => t });
    const verifier = await createTicketVerifier({ publicKeys: keys.publicKey, now: () => t });
    const { ticket, expiresAt } = await signer.sign({ docId: 'abc', perm: 'view', linkId: 'l1' });
    expect(expiresAt).toBe(t + 300_000);
    const grant = await verifier.verify(ticket);
    expect(grant).toMatchObject({ docId: 'abc', perm: 'view', linkId: 'l1', expiresAt });
    t += 299_000;
    await expect(verifier.verify(ticket)).resolves.toMatchObject({ docId: 'abc' });
  });

  it('[P21] a ticket signed by another key is refused as forged (4401)', async () => {
    const signer = await createTicketSigner({ privateKey: other.privateKey });
    const verifier = await createTicketVerifier({ publicKeys: keys.publicKey });
    const { ticket } = await signer.sign({ docId: 'abc', perm: 'edit', linkId: 'l1' });
    const error = await refusal(verifier.verify(ticket));
    expect(error.code).toBe(4401);
    expect(error.reason).toMatch(/signature/);
  });

  it('[P21] an expired ticket is refused (4401), within the 5 s clock tolerance it is not', async () => {
    let t = 1_800_000_000_000;
    const signer = await createTicketSigner({ privateKey: keys.privateKey, now: () => t });
    const verifier = await createTicketVerifier({ publicKeys: keys.publicKey, now: () => t });
    const { ticket } = await signer.sign({ docId: 'abc', perm: 'edit', linkId: 'l1' });
    t += 304_000;
    await expect(verifier.verify(ticket)).resolves.toBeTruthy();
    t += 2_000;
    expect((await refusal(verifier.verify(ticket))).reason).toBe('ticket expired');
  });

  it('[P21] alg "none", HMAC with the public key, wrong audience or a long lifetime are refused', async () => {
    const verifier = await createTicketVerifier({ publicKeys: keys.publicKey });
    const claims = { doc: 'abc', perm: 'edit', lnk: 'l1', jti: 'j' };
    const unsecured = new jose.UnsecuredJWT(claims)
      .setIssuer(TICKET_ISSUER)
      .setAudience(TICKET_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .encode();
    await refusal(verifier.verify(unsecured));
    const hmac = await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(TICKET_ISSUER)
      .setAudience(TICKET_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(keys.publicKey));
    await refusal(verifier.verify(hmac));
    const key = await jose.importPKCS8(keys.privateKey, 'EdDSA');
    const sign = (aud: string, lifetime: string) =>
      new jose.SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA' })
        .setIssuer(TICKET_ISSUER)
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime(lifetime)
        .sign(key);
    expect((await refusal(verifier.verify(await sign('someone-else', '5m')))).reason).toMatch(
      /aud/,
    );
    expect((await refusal(verifier.verify(await sign(TICKET_AUDIENCE, '2h')))).reason).toMatch(
      /longer than/,
    );
    await expect(verifier.verify(await sign(TICKET_AUDIENCE, '5m'))).resolves.toBeTruthy();
    expect((await refusal(verifier.verify('not.a.jwt'))).reason).toMatch(/malformed/);
  });

  it('[P21] during a key rotation both public keys verify; ES256 keys work too', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ecPrivate = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const ecPublic = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const verifier = await createTicketVerifier({ publicKeys: `${keys.publicKey}\n${ecPublic}` });
    for (const privateKey of [keys.privateKey, ecPrivate]) {
      const signer = await createTicketSigner({ privateKey });
      const { ticket } = await signer.sign({ docId: 'abc', perm: 'edit', linkId: 'l1' });
      await expect(verifier.verify(ticket)).resolves.toMatchObject({ docId: 'abc' });
    }
  });

  it('[P21][R3] a ticket covers its document and its sub-rooms only', () => {
    expect(grantCovers('notes', 'notes')).toBe(true);
    expect(grantCovers('notes', 'notes/comments')).toBe(true);
    expect(grantCovers('notes', 'notes2')).toBe(false);
    expect(grantCovers('notes', 'other/notes')).toBe(false);
  });

  it('[P21] signers refuse sub-room ids and silly lifetimes', async () => {
    const signer = await createTicketSigner({ privateKey: keys.privateKey });
    await expect(signer.sign({ docId: 'a/b', perm: 'edit', linkId: 'l' })).rejects.toThrow(
      RangeError,
    );
    await expect(
      createTicketSigner({ privateKey: keys.privateKey, ttlSeconds: 86_400 }),
    ).rejects.toThrow(/lifetime/);
    await expect(createTicketVerifier({ publicKeys: 'nope' })).rejects.toThrow(/PEM/);
  });
});
