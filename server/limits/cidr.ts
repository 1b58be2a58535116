import { BlockList, isIP } from 'node:net';

/** One CIDR (`10.0.0.0/8`, `::1/128`) or single address, as `--trusted-proxies` takes it. */
export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Parses a CIDR or a bare address; throws a clear `Error` on anything else. */
export function parseCidr(text: string): Cidr {
  const [address = '', bits] = text.trim().split('/');
  const version = isIP(address);
  if (version === 0)
    throw new Error(`trusted proxy ${JSON.stringify(text)}: not an IP address or CIDR`);
  const max = version === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (bits !== undefined && !/^\d+$/.test(bits))
  ) {
    throw new Error(`trusted proxy ${JSON.stringify(text)}: prefix must be 0-${max}`);
  }
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** The address as `net` understands it: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes IPv4. */
export function normalizeAddress(address: string): string {
  const trimmed = address.trim().replace(/^\[|\]$/g, '');
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(trimmed);
  return mapped ? mapped[1]! : trimmed;
}

/** Decides who the client is for the per-address limits (P22). */
export interface ClientAddressResolver {
  /**
   * The client's address: the peer's, unless the peer is a trusted proxy; then the
   * right-most `X-Forwarded-For` entry that is not itself a trusted proxy (entries to its left
   * are written by the client and could be forged). Malformed entries end the walk.
   */
  resolve(peer: string, forwardedFor: string): string;
}

/** Creates the resolver for `trusted` CIDRs (none: `X-Forwarded-For` is never read). */
export function createClientAddressResolver(trusted: readonly string[]): ClientAddressResolver {
  const list = new BlockList();
  for (const text of trusted) {
    const cidr = parseCidr(text);
    list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  const isTrusted = (address: string): boolean => {
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
  return {
    resolve(peer, forwardedFor) {
      const direct = normalizeAddress(peer);
      if (trusted.length === 0 || !isTrusted(direct)) return direct;
      const hops = forwardedFor
        .split(',')
        .map(normalizeAddress)
        .filter((h) => h.length > 0);
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = hops[i]!;
        if (isIP(hop) === 0) return direct;
        if (!isTrusted(hop)) return hop;
      }
      return direct;
    },
  };
}
