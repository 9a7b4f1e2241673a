"""Reads {"items": [{system, password, hash, ...}]} as JSON on stdin; answers, per item, what the old
system itself says of a hash gatehouse wrote in coexistence mode:
  valid: the right password is accepted; wrong: a password differing in its first byte is accepted;
  rehash: whether the old system would rehash it at its next login (None where it never does).

  django:   django.contrib.auth.hashers.check_password (Django 3.2), PASSWORD_HASHERS[0] chosen by
            the item's "hasher", PBKDF2 iterations set to the item's "iterations" (the Django version)
  werkzeug: werkzeug.security.check_password_hash for pbkdf2; Werkzeug < 2.3 (Debian's 2.2) has no
            scrypt, so scrypt is checked by Werkzeug 3's documented rule with hashlib.scrypt
  passlib:  passlib.context.CryptContext(schemes=["bcrypt"], deprecated="auto") verify / needs_update
  pwdlib:   argon2-cffi's PasswordHasher with pwdlib's parameters (pwdlib's Argon2Hasher wraps it)
"""
import hashlib
import hmac
import json
import sys
import warnings

warnings.simplefilter("ignore")

from django.conf import settings

HASHERS = {
    "pbkdf2_sha256": "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "pbkdf2_sha1": "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "argon2": "django.contrib.auth.hashers.Argon2PasswordHasher",
    "bcrypt_sha256": "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "bcrypt": "django.contrib.auth.hashers.BCryptPasswordHasher",
}
settings.configure(PASSWORD_HASHERS=list(HASHERS.values()))

from django.contrib.auth import hashers as django_hashers  # noqa: E402
from werkzeug.security import check_password_hash  # noqa: E402
from passlib.context import CryptContext  # noqa: E402
import argon2  # noqa: E402

ARGON2_HASH_LEN = argon2.DEFAULT_HASH_LENGTH


def django_check(item):
    hasher = item.get("hasher", "pbkdf2_sha256")
    # Django's Argon2 hash length is argon2-cffi's default: 32 since 21.2 (RFC 9106), 16 in Debian 12's 21.1.
    argon2.DEFAULT_HASH_LENGTH = item.get("argon2_hash_len", ARGON2_HASH_LEN)
    django_hashers.PBKDF2PasswordHasher.iterations = item.get("iterations", 260000)
    django_hashers.PBKDF2SHA1PasswordHasher.iterations = item.get("iterations", 260000)
    preferred = django_hashers.get_hasher(hasher)
    found = django_hashers.identify_hasher(item["hash"])
    return {
        "valid": django_hashers.check_password(item["password"], item["hash"], preferred=hasher),
        "wrong": django_hashers.check_password("y" + item["password"], item["hash"], preferred=hasher),
        "rehash": found.algorithm != preferred.algorithm or preferred.must_update(item["hash"]),
    }


def werkzeug3_scrypt(pwhash, password):
    """Werkzeug >= 2.3: scrypt:<n>:<r>:<p>$<salt>$<hex of hashlib.scrypt(dklen=64)>."""
    method, salt, hashval = pwhash.split("$", 2)
    _, n, r, p = method.split(":")
    n, r, p = int(n), int(r), int(p)
    key = hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p, dklen=64)
    return hmac.compare_digest(key.hex(), hashval)


def werkzeug_check(item):
    check = werkzeug3_scrypt if item["hash"].startswith("scrypt:") else check_password_hash
    h = item["hash"]
    return {"valid": check(h, item["password"]), "wrong": check(h, "y" + item["password"]), "rehash": None}


passlib_context = CryptContext(schemes=["bcrypt"], deprecated="auto")


def passlib_check(item):
    return {
        "valid": passlib_context.verify(item["password"], item["hash"]),
        "wrong": passlib_context.verify("y" + item["password"], item["hash"]),
        "rehash": passlib_context.needs_update(item["hash"]),
    }


# pwdlib.hashers.argon2.Argon2Hasher() == argon2.PasswordHasher() of argon2-cffi >= 21.2 (t=3, m=65536, p=4)
pwdlib_argon2 = argon2.PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16)


def pwdlib_check(item):
    def verify(password):
        try:
            return pwdlib_argon2.verify(item["hash"], password)
        except argon2.exceptions.VerifyMismatchError:
            return False

    return {"valid": verify(item["password"]), "wrong": verify("y" + item["password"]), "rehash": pwdlib_argon2.check_needs_rehash(item["hash"])}


CHECKS = {"django": django_check, "werkzeug": werkzeug_check, "passlib": passlib_check, "pwdlib": pwdlib_check}
json.dump([CHECKS[item["system"]](item) for item in json.load(sys.stdin)["items"]], sys.stdout)
