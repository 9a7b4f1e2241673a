/**
 * The client address a login is counted under: the connection's peer address, or the address a
 * trusted proxy reports in X-Forwarded-For / Forwarded. IPv4-mapped IPv6 is read as IPv4, and IPv6
 * is grouped by /64 (one subscriber usually holds a whole /64, so counting single addresses would let
 * one client rotate through 2^64 of them).
 */
import { ConfigurationError } from '../errors.js';

/**
 * What a connection over a Unix domain socket records as its address (its peer has none): the
 * Node adapter records it, and `trustedProxies: ['unix']` trusts such connections as a proxy's.
 * @internal
 */
export const UNIX_SOCKET_PEER = 'unix';

/** A parsed address: IPv4 as 32 bits, IPv6 as 128 bits. */
interface Ip {
  readonly v6: boolean;
  readonly bits: bigint;
}

interface Range {
  readonly v6: boolean;
  readonly base: bigint;
  readonly mask: bigint;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;
const V4_MAPPED_MASK = ~((1n << 32n) - 1n) & ((1n << 128n) - 1n);

function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let bits = 0n;
  for (const part of parts) {
    // Decimal only, no leading zeros: "010" is octal to some parsers.
    if (!/^(?:0|[1-9]\d{0,2})$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    bits = (bits << 8n) | BigInt(value);
  }
  return bits;
}

function parseIpv6(text: string): bigint | null {
  const zone = text.indexOf('%');
  const address = zone >= 0 ? text.slice(0, zone) : text; // a zone (fe80::1%eth0) names the link, not the host
  if (address.length === 0 || address.length > 45) return null;
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const readGroups = (half: string): number[] | null => {
    if (half === '') return [];
    const groups: number[] = [];
    const items = half.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIpv4(item);
        if (v4 === null) return null;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(item)) return null;
        groups.push(Number.parseInt(item, 16));
      }
    }
    return groups;
  };
  const head = readGroups(halves[0]!);
  const tail = halves.length === 2 ? readGroups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  // An embedded IPv4 may only end the address.
  if (halves.length === 2 && halves[0]!.includes('.')) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  let bits = 0n;
  for (const group of groups) bits = (bits << 16n) | BigInt(group);
  return bits;
}

/** An address as written by a socket or a proxy: IPv4, IPv6, `[IPv6]`, either with a `:port`. */
function parseIp(raw: string): Ip | null {
  let text = raw.trim();
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return null;
    const rest = text.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return null;
    text = text.slice(1, end);
  } else if (/^[\d.]+:\d{1,5}$/.test(text)) {
    text = text.slice(0, text.lastIndexOf(':')); // 192.0.2.1:4711
  }
  const v4 = parseIpv4(text);
  if (v4 !== null) return { v6: false, bits: v4 };
  const v6 = text.includes(':') ? parseIpv6(text) : null;
  if (v6 === null) return null;
  // ::ffff:192.0.2.1 is IPv4 seen through a dual-stack socket.
  if ((v6 & V4_MAPPED_MASK) === V4_MAPPED_PREFIX) return { v6: false, bits: v6 & 0xffffffffn };
  return { v6: true, bits: v6 };
}

function formatIpv4(bits: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((bits >> shift) & 0xffn)).join('.');
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (of two or more) of zero groups as `::`. */
function formatIpv6(bits: bigint): string {
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((bits >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

const PREFIX_64 = ((1n << 64n) - 1n) << 64n;

function formatKey(ip: Ip, groupIpv6: boolean): string {
  if (!ip.v6) return formatIpv4(ip.bits);
  return groupIpv6 ? `${formatIpv6(ip.bits & PREFIX_64)}/64` : formatIpv6(ip.bits);
}

/**
 * The address throttling counts under, for a peer address alone: IPv4 as dotted decimal (also when
 * IPv4-mapped), IPv6 as its /64 (`2001:db8:1:2::/64`); null when it is not an IP address.
 *
 * @example
 * clientAddressKey('::ffff:192.0.2.7'); // '192.0.2.7'
 * clientAddressKey('2001:db8:1:2:3:4:5:6'); // '2001:db8:1:2::/64'
 */
export function clientAddressKey(address: string | null | undefined, options: { groupIpv6?: boolean } = {}): string | null {
  if (typeof address !== 'string') return null;
  const ip = parseIp(address);
  return ip === null ? null : formatKey(ip, options.groupIpv6 !== false);
}

/**
 * Trusted proxies, compiled: addresses, CIDR ranges, and `'unix'` for Unix domain socket connections.
 *
 * @example
 * const proxies = trustedProxies(['10.0.0.0/8', '::1']);
 * proxies.has('10.1.2.3'); // true
 */
export interface TrustedProxies {
  /** Whether `address` (any form parseIp reads, or `'unix'`) is one of the trusted proxies. */
  has(address: string): boolean;
}

function parseRange(entry: string): Range {
  const slash = entry.indexOf('/');
  const ip = parseIp(slash >= 0 ? entry.slice(0, slash) : entry);
  if (ip === null) throw new ConfigurationError(`trustedProxies: ${JSON.stringify(entry)} is not an IP address or CIDR range`);
  const width = ip.v6 ? 128 : 32;
  let prefix = width;
  if (slash >= 0) {
    const text = entry.slice(slash + 1);
    // An IPv4-mapped range (::ffff:10.0.0.0/104) counts its prefix within the IPv6 address.
    const mappedOffset = !ip.v6 && entry.includes(':') ? 96 : 0;
    prefix = /^\d{1,3}$/.test(text) ? Number(text) - mappedOffset : Number.NaN;
    if (!(prefix >= 0 && prefix <= width)) {
      throw new ConfigurationError(`trustedProxies: ${JSON.stringify(entry)} has a bad prefix length`);
    }
  }
  const all = (1n << BigInt(width)) - 1n;
  const mask = all ^ ((1n << BigInt(width - prefix)) - 1n);
  return { v6: ip.v6, base: ip.bits & mask, mask };
}

const compiled = new WeakMap<readonly string[], TrustedProxies>();

/**
 * Trusted proxies from addresses and CIDR ranges (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`), and
 * `'unix'`: every connection over a Unix domain socket (whose peer has no address, so cannot be
 * named otherwise) comes from a trusted proxy. Throws ConfigurationError on any other entry.
 *
 * @example
 * const proxies = trustedProxies(['10.0.0.0/8', '::1', 'unix']);
 * proxies.has('10.1.2.3'); // true
 * proxies.has('unix'); // true: a connection over a Unix socket
 */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  if (!Array.isArray(entries)) throw new ConfigurationError('trustedProxies must be an array of addresses or CIDR ranges');
  const cached = compiled.get(entries);
  if (cached) return cached;
  let unix = false;
  const ranges: Range[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'string') throw new ConfigurationError('trustedProxies entries must be strings');
    const text = entry.trim();
    if (text.toLowerCase() === UNIX_SOCKET_PEER) unix = true;
    else ranges.push(parseRange(text));
  }
  const proxies: TrustedProxies = {
    has(address) {
      if (address === UNIX_SOCKET_PEER) return unix;
      const ip = parseIp(address);
      return ip !== null && ranges.some((range) => range.v6 === ip.v6 && (ip.bits & range.mask) === range.base);
    },
  };
  compiled.set(entries, proxies);
  return proxies;
}

/** The hops a Forwarded header (RFC 7239) lists, nearest client first: its `for=` values. */
function forwardedHops(value: string): string[] {
  const hops: string[] = [];
  for (const element of splitOutsideQuotes(value, ',')) {
    let hop = '';
    for (const pair of splitOutsideQuotes(element, ';')) {
      const equals = pair.indexOf('=');
      if (equals < 0 || pair.slice(0, equals).trim().toLowerCase() !== 'for') continue;
      hop = pair.slice(equals + 1).trim();
      if (hop.startsWith('"') && hop.endsWith('"') && hop.length >= 2) hop = hop.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    hops.push(hop); // an element without for= is a hop we cannot read
  }
  return hops;
}

function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (char === '\\' && quoted) i++;
    else if (char === '"') quoted = !quoted;
    else if (char === separator && !quoted) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

/**
 * How resolveClientAddress reads forwarded headers.
 *
 * @example
 * resolveClientAddress(peer, request.headers, ['10.0.0.0/8'], { header: 'forwarded' });
 */
export interface ResolveClientAddressOptions {
  /**
   * Which header the trusted proxies write. Default: X-Forwarded-For when the request has one,
   * else Forwarded. Name the one yours sets when it does not strip the other: a client could
   * otherwise send the other header itself.
   */
  header?: 'x-forwarded-for' | 'forwarded';
  /** Group IPv6 by /64. Default true. */
  groupIpv6?: boolean;
}

/**
 * Headers or a plain `name → value` object (lower-case names), as node:http's `req.headers`.
 *
 * @example
 * const headers: HeaderSource = { 'x-forwarded-for': '203.0.113.9' };
 */
export type HeaderSource = Pick<Headers, 'get'> | Readonly<Record<string, string | string[] | undefined>>;

function header(headers: HeaderSource, name: string): string | null {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The address a login is counted under (see clientAddressKey), or null when none is known. The
 * peer address is the answer unless it is a trusted proxy; then the forwarding header is read from
 * the right (the hop nearest to us) past every trusted proxy, and the first untrusted hop is the
 * client. A hop that is not an IP address ends the walk at the hop before it; a client that is
 * itself a trusted proxy is counted as itself. A peer of `'unix'` (a Unix socket connection) has no
 * address of its own: null unless `'unix'` is trusted and the header names a client.
 *
 * @example
 * resolveClientAddress('10.0.0.5', { 'x-forwarded-for': '198.51.100.7, 10.0.0.9' }, ['10.0.0.0/8']);
 * // '198.51.100.7'
 * resolveClientAddress('203.0.113.9', { 'x-forwarded-for': '198.51.100.7' }, ['10.0.0.0/8']);
 * // '203.0.113.9' (the peer is not a trusted proxy: its header is ignored)
 */
export function resolveClientAddress(
  peerAddress: string | null | undefined,
  headers: HeaderSource | null | undefined,
  trusted: readonly string[] | TrustedProxies = [],
  options: ResolveClientAddressOptions = {},
): string | null {
  if (typeof peerAddress !== 'string') return null;
  const peer = parseIp(peerAddress);
  if (peer === null && peerAddress !== UNIX_SOCKET_PEER) return null;
  const group = options.groupIpv6 !== false;
  const proxies = Array.isArray(trusted) ? trustedProxies(trusted) : (trusted as TrustedProxies);
  if (!headers || !proxies.has(peerAddress)) return peer === null ? null : formatKey(peer, group);

  const forwardedFor = options.header === 'forwarded' ? null : header(headers, 'x-forwarded-for');
  let hops: string[];
  if (forwardedFor !== null) hops = forwardedFor.split(',');
  else if (options.header !== 'x-forwarded-for') {
    const forwarded = header(headers, 'forwarded');
    hops = forwarded === null ? [] : forwardedHops(forwarded);
  } else hops = [];

  let client: Ip | null = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = parseIp(hops[i]!);
    if (hop === null) break;
    client = hop;
    if (!proxies.has(hops[i]!)) break;
  }
  return client === null ? null : formatKey(client, group);
}
