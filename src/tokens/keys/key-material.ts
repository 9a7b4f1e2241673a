/**
 * Recognising public key material handed over as an HMAC secret. A public key or certificate is
 * public: if it were accepted as a secret, anyone holding it could sign tokens (the classic
 * algorithm-confusion forgery). So an HMAC secret is refused when it holds, anywhere:
 * - a PEM or RFC 4716 armour line (`-----BEGIN `, `---- BEGIN `): `openssl x509 -text` output,
 *   `openssl pkcs12` output with its "Bag Attributes", a PEM read as bytes with a BOM or a blank line;
 * - an OpenSSH public key line (`ssh-ed25519 AAAA...`);
 * - JSON text of a JWK or JWK Set (an object with `"kty"` or `"keys"`);
 * - DER that parses as a SubjectPublicKeyInfo, an X.509 certificate, a PKCS#8 private key or a
 *   PKCS#1 RSA public key.
 * The same checks run on what the secret decodes to as base64, base64url or hex (whitespace
 * ignored): a PEM base64-encoded for an environment variable or a Kubernetes secret, the hex of a
 * DER, the base64 of JWK JSON. Decoding goes two levels deep (the base64 of a PEM body is base64 of
 * base64 of DER): every level shrinks the text (to 3/4 or 1/2) and a text has at most two
 * readings, so the whole search is linear, a few passes over the input. Deeper nesting is not
 * looked for. Random secrets match none of these shapes; the DER shapes need an outer SEQUENCE that
 * spans the whole input exactly, with the right structure inside.
 */
import { BASE64_ALPHABET, decodeBase64 } from '../../internal/base64.js';
import { hexToBytesOrNull } from '../../internal/bytes.js';

/**
 * The longest HMAC secret accepted, in bytes. Far beyond any real secret (HMAC hashes a key longer
 * than its block anyway); it bounds the work of looking inside, and a larger input is refused
 * rather than accepted unlooked-at.
 */
export const MAX_SECRET_BYTES = 64 * 1024;

/** How many encodings deep the checks look (see above). */
const MAX_DECODING_DEPTH = 2;

/** Shortest encoded text worth decoding: the smallest key material (Ed25519 SPKI, 44 bytes) encodes longer. */
const MIN_ENCODED_LENGTH = 16;

/**
 * What the material is, for the error message, or null when it is not recognisable key material.
 * The message names only kinds and encodings, never content.
 *
 * @example
 * keyMaterialKind(new TextEncoder().encode('\ufeff\n-----BEGIN CERTIFICATE-----\n...')); // 'PEM text'
 * keyMaterialKind(new TextEncoder().encode(btoa(publicKeyPem))); // 'base64 of PEM text'
 * keyMaterialKind(crypto.getRandomValues(new Uint8Array(32))); // null
 */
export function keyMaterialKind(bytes: Uint8Array): string | null {
  return kindAt(bytes, 0);
}

function kindAt(bytes: Uint8Array, depth: number): string | null {
  const text = latin1(bytes).replace(/^(?:\xef\xbb\xbf|\ufeff)/, '').trim();
  const kind = plainKind(bytes, text);
  if (kind !== null || depth === MAX_DECODING_DEPTH) return kind;
  let found: string | null = null;
  for (const [encoding, decoded] of decodings(text)) {
    const inner: string | null = found === null ? kindAt(decoded, depth + 1) : null;
    if (inner !== null) found = `${encoding} of ${inner}`;
    decoded.fill(0); // decoded copies of a secret are not left behind
  }
  return found;
}

/** The checks on the bytes as they are. */
function plainKind(bytes: Uint8Array, text: string): string | null {
  if (/-{4,5} ?BEGIN [A-Z0-9 ]*/.test(text)) return 'PEM text';
  if (/(?:^|\s)(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp\d+|sk-[a-z0-9-]+@openssh\.com) AAAA/.test(text)) {
    return 'an OpenSSH public key';
  }
  if (text.startsWith('{') && /"(?:kty|keys)"\s*:/.test(text)) return 'JWK text';
  return derKind(bytes);
}

function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}

/**
 * The readings of a text as hex and as base64 (standard or url-safe, even mixed; padding
 * optional), whitespace ignored. Hex text is valid base64 too, so it gets both readings.
 */
function decodings(text: string): Array<[string, Uint8Array]> {
  const compact = text.replace(/\s+/g, '');
  if (compact.length < MIN_ENCODED_LENGTH) return [];
  const out: Array<[string, Uint8Array]> = [];
  const hex = hexToBytesOrNull(compact);
  if (hex) out.push(['hex', hex]);
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) {
    const bytes = decodeBase64(compact.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/'), BASE64_ALPHABET);
    if (bytes) out.push([/[-_]/.test(compact) ? 'base64url' : 'base64', bytes]);
  }
  return out;
}

interface Tlv {
  readonly tag: number;
  /** Content: [start, end). */
  readonly start: number;
  readonly end: number;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const OID = 0x06;
const CONTEXT_0 = 0xa0;

/** One DER TLV at `at`, inside `limit`; null when it does not fit (single-byte tags, definite lengths). */
function readTlv(bytes: Uint8Array, at: number, limit: number): Tlv | null {
  if (at + 2 > limit) return null;
  const tag = bytes[at]!;
  if ((tag & 0x1f) === 0x1f) return null; // multi-byte tags appear in none of the shapes
  let length = bytes[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i]!;
    start += count;
  }
  const end = start + length;
  return end <= limit ? { tag, start, end } : null;
}

/** The TLVs that fill [start, end) exactly, or null. */
function children(bytes: Uint8Array, outer: Tlv): Tlv[] | null {
  const out: Tlv[] = [];
  for (let at = outer.start; at < outer.end; ) {
    const tlv = readTlv(bytes, at, outer.end);
    if (!tlv) return null;
    out.push(tlv);
    at = tlv.end;
  }
  return out;
}

/** An AlgorithmIdentifier: SEQUENCE { OBJECT IDENTIFIER, parameters? }. */
function isAlgorithmIdentifier(bytes: Uint8Array, tlv: Tlv | undefined): boolean {
  if (tlv?.tag !== SEQUENCE) return false;
  const inner = children(bytes, tlv);
  return inner !== null && inner.length >= 1 && inner.length <= 2 && inner[0]!.tag === OID && inner[0]!.end > inner[0]!.start;
}

function isSpki(bytes: Uint8Array, parts: Tlv[]): boolean {
  return parts.length === 2 && isAlgorithmIdentifier(bytes, parts[0]) && parts[1]!.tag === BIT_STRING;
}

/** Certificate: SEQUENCE { tbsCertificate, signatureAlgorithm, signature BIT STRING }. */
function isCertificate(bytes: Uint8Array, parts: Tlv[]): boolean {
  if (parts.length !== 3 || parts[0]!.tag !== SEQUENCE || !isAlgorithmIdentifier(bytes, parts[1]) || parts[2]!.tag !== BIT_STRING) {
    return false;
  }
  // tbsCertificate: [0] version?, serialNumber INTEGER, signature AlgorithmIdentifier, issuer, validity, subject, SPKI, ...
  const tbs = children(bytes, parts[0]!);
  if (!tbs) return false;
  const fields = tbs[0]?.tag === CONTEXT_0 ? tbs.slice(1) : tbs;
  if (fields.length < 6 || fields[0]!.tag !== INTEGER || !isAlgorithmIdentifier(bytes, fields[1])) return false;
  const spki = children(bytes, fields[5]!);
  return fields.slice(2, 6).every((field) => field.tag === SEQUENCE) && spki !== null && isSpki(bytes, spki);
}

/** PKCS#8 PrivateKeyInfo: SEQUENCE { INTEGER version, AlgorithmIdentifier, OCTET STRING, ... }. */
function isPkcs8(bytes: Uint8Array, parts: Tlv[]): boolean {
  return parts.length >= 3 && parts[0]!.tag === INTEGER && isAlgorithmIdentifier(bytes, parts[1]) && parts[2]!.tag === OCTET_STRING;
}

/** PKCS#1 RSAPublicKey: SEQUENCE { INTEGER modulus, INTEGER publicExponent }, a modulus of 512 bits or more. */
function isPkcs1Public(parts: Tlv[]): boolean {
  return parts.length === 2 && parts[0]!.tag === INTEGER && parts[1]!.tag === INTEGER && parts[0]!.end - parts[0]!.start >= 64;
}

function derKind(bytes: Uint8Array): string | null {
  const outer = readTlv(bytes, 0, bytes.length);
  if (!outer || outer.tag !== SEQUENCE || outer.end !== bytes.length) return null;
  const parts = children(bytes, outer);
  if (!parts) return null;
  if (isSpki(bytes, parts)) return 'a DER public key (SubjectPublicKeyInfo)';
  if (isCertificate(bytes, parts)) return 'a DER certificate';
  if (isPkcs8(bytes, parts)) return 'a DER private key (PKCS#8)';
  if (isPkcs1Public(parts)) return 'a DER RSA public key (PKCS#1)';
  return null;
}
