"""Reads [{scheme, password, hash}] as JSON on stdin; answers, per item, what passlib 1.7.4 says.

For each hash: passlib's own identification, verify with the right password, verify with a
wrong one, and whether passlib re-serialises the parsed hash to the identical string.
"""
import json
import sys

from passlib import hash as passlib_hash
from passlib.context import CryptContext

SCHEMES = [
    "bcrypt", "scrypt", "pbkdf2_sha256", "pbkdf2_sha512", "pbkdf2_sha1",
    "sha256_crypt", "sha512_crypt", "bcrypt_sha256",
    "django_pbkdf2_sha256", "django_pbkdf2_sha1", "django_bcrypt", "django_bcrypt_sha256",
]
context = CryptContext(schemes=SCHEMES)

results = []
for item in json.load(sys.stdin):  # the wrong password differs in its first byte (bcrypt reads 72)
    handler = getattr(passlib_hash, item["scheme"])
    # passlib's django_bcrypt is a thin prefix wrapper without a parser: nothing to re-serialise.
    parsed = handler.from_string(item["hash"]) if hasattr(handler, "from_string") else None
    results.append({
        "identified": context.identify(item["hash"]),
        "valid": handler.verify(item["password"], item["hash"]),
        "wrong": handler.verify("y" + item["password"], item["hash"]),
        "roundtrip": None if parsed is None else parsed.to_string() == item["hash"],
    })
json.dump(results, sys.stdout)
