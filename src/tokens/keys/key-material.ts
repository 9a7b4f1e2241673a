/**
 * Recognising public key material handed over as an HMAC secret. A public key or certificate is
 * public: if it were accepted as a secret, anyone holding it could sign tokens (the classic
 * algorithm-confusion forgery). So an HMAC secret is refused when it holds, anywhere:
 * - a PEM or RFC 4716 armour line (`-----BEGIN `, `---- BEGIN `): `openssl x509 -text` output,
 *   `openssl pkcs12` output with its "Bag Attributes", a PEM read as bytes with a BOM or a blank line;
 * - an OpenSSH public key line (`ssh-ed25519 AAAA...`);
 * - JSON text of a JWK or JWK Set (an object with `"kty"` or `"keys"`);
 * - DER (or the base64 of DER) that parses as a SubjectPublicKeyInfo, an X.509 certificate, a
 *   PKCS#8 private key or a PKCS#1 RSA public key.
 * Random secrets match none of these shapes; the DER shapes need an outer SEQUENCE that spans the
 * whole input exactly, with the right structure inside.
 */

/**
 * What the material is, for the error message, or null when it is not recognisable key material.
 *
 * @example
 * keyMaterialKind(new TextEncoder().encode('\ufeff\n-----BEGIN CERTIFICATE-----\n...')); // 'PEM text'
 * keyMaterialKind(crypto.getRandomValues(new Uint8Array(32))); // null
 */
export function keyMaterialKind(bytes: Uint8Array): string | null {
  const text = latin1(bytes).replace(/^(?:\xef\xbb\xbf|\ufeff)/, '').trim();
  if (/-{4,5} ?BEGIN [A-Z0-9 ]*/.test(text)) return 'PEM text';
  if (/(?:^|\s)(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp\d+|sk-[a-z0-9-]+@openssh\.com) AAAA/.test(text)) {
    return 'an OpenSSH public key';
  }
  if (text.startsWith('{') && /"(?:kty|keys)"\s*:/.test(text)) return 'JWK text';
  return derKind(bytes) ?? derKind(base64Bytes(text));
}

function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}

/** The bytes of standard or url-safe base64 text (whitespace ignored), or an empty array. */
function base64Bytes(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (compact.length < 16 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) return new Uint8Array(0);
  try {
    return Uint8Array.from(atob(compact.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')), (c) => c.charCodeAt(0));
  } catch {
    return new Uint8Array(0);
  }
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
