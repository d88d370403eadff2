#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""An independent implementation of cosign's encrypted key file, for tests.

cosign (through go-securesystemslib's `encrypted` package) seals the PKCS#8
DER of a private key with NaCl secretbox (XSalsa20-Poly1305) under a key
derived by scrypt from the password, inside JSON, inside PEM. This script
implements that from the primitives' definitions (hashlib.scrypt; Salsa20,
HSalsa20 and Poly1305 written out below) so ward's C code, built on OpenSSL
and libsodium, is checked against code that shares nothing with it.

  cosign-key.py encrypt PASSWORD [--n N --r R --p P --label L] < key.der > key.pem
  cosign-key.py decrypt PASSWORD < key.pem > key.der
"""
import argparse
import base64
import hashlib
import json
import os
import struct
import sys

MASK = 0xFFFFFFFF
SIGMA = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)  # "expand 32-byte k"


def rotl(v, n):
    return ((v << n) & MASK) | (v >> (32 - n))


def salsa_rounds(x):
    def qr(a, b, c, d):
        x[b] ^= rotl((x[a] + x[d]) & MASK, 7)
        x[c] ^= rotl((x[b] + x[a]) & MASK, 9)
        x[d] ^= rotl((x[c] + x[b]) & MASK, 13)
        x[a] ^= rotl((x[d] + x[c]) & MASK, 18)

    for _ in range(10):
        qr(0, 4, 8, 12)
        qr(5, 9, 13, 1)
        qr(10, 14, 2, 6)
        qr(15, 3, 7, 11)
        qr(0, 1, 2, 3)
        qr(5, 6, 7, 4)
        qr(10, 11, 8, 9)
        qr(15, 12, 13, 14)


def state(key, sixteen):
    k = struct.unpack("<8I", key)
    n = struct.unpack("<4I", sixteen)
    return [SIGMA[0], k[0], k[1], k[2], k[3], SIGMA[1], n[0], n[1], n[2], n[3],
            SIGMA[2], k[4], k[5], k[6], k[7], SIGMA[3]]


def hsalsa20(key, nonce16):
    x = state(key, nonce16)
    salsa_rounds(x)
    return struct.pack("<8I", x[0], x[5], x[10], x[15], x[6], x[7], x[8], x[9])


def salsa20_stream(key, nonce8, length):
    out = bytearray()
    counter = 0
    while len(out) < length:
        inp = state(key, nonce8 + struct.pack("<Q", counter))
        x = list(inp)
        salsa_rounds(x)
        out += struct.pack("<16I", *[(a + b) & MASK for a, b in zip(x, inp)])
        counter += 1
    return bytes(out[:length])


def poly1305(key, msg):
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s = int.from_bytes(key[16:], "little")
    p = (1 << 130) - 5
    acc = 0
    for i in range(0, len(msg), 16):
        block = msg[i:i + 16] + b"\x01"
        acc = (acc + int.from_bytes(block, "little")) * r % p
    return ((acc + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def secretbox_seal(msg, nonce, key):
    sub = hsalsa20(key, nonce[:16])
    stream = salsa20_stream(sub, nonce[16:], 32 + len(msg))
    c = bytes(a ^ b for a, b in zip(msg, stream[32:]))
    return poly1305(stream[:32], c) + c


def secretbox_open(box, nonce, key):
    sub = hsalsa20(key, nonce[:16])
    tag, c = box[:16], box[16:]
    stream = salsa20_stream(sub, nonce[16:], 32 + len(c))
    if poly1305(stream[:32], c) != tag:
        raise SystemExit("cosign-key.py: decryption failed (wrong password?)")
    return bytes(a ^ b for a, b in zip(c, stream[32:]))


def scrypt(password, salt, n, r, p):
    return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, dklen=32,
                          maxmem=256 * 1024 * 1024 + 1024 * 1024)


def b64(b):
    return base64.b64encode(b).decode()


def encrypt(args):
    der = sys.stdin.buffer.read()
    salt, nonce = os.urandom(32), os.urandom(24)
    key = scrypt(args.password.encode(), salt, args.n, args.r, args.p)
    # The member order and compact separators of Go's encoding/json.
    doc = json.dumps({
        "kdf": {"name": "scrypt", "params": {"N": args.n, "r": args.r, "p": args.p},
                "salt": b64(salt)},
        "cipher": {"name": "nacl/secretbox", "nonce": b64(nonce)},
        "ciphertext": b64(secretbox_seal(der, nonce, key)),
    }, separators=(",", ":")).encode()
    body = b64(doc)
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    label = "ENCRYPTED %s PRIVATE KEY" % args.label
    sys.stdout.write("-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, "\n".join(lines), label))


def decrypt(args):
    lines = sys.stdin.read().strip().splitlines()
    doc = json.loads(base64.b64decode("".join(lines[1:-1]), validate=True))
    kdf, cipher = doc["kdf"], doc["cipher"]
    assert kdf["name"] == "scrypt" and cipher["name"] == "nacl/secretbox"
    prm = kdf["params"]
    key = scrypt(args.password.encode(), base64.b64decode(kdf["salt"]), prm["N"], prm["r"],
                 prm["p"])
    sys.stdout.buffer.write(secretbox_open(base64.b64decode(doc["ciphertext"]),
                                           base64.b64decode(cipher["nonce"]), key))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("op", choices=["encrypt", "decrypt"])
    ap.add_argument("password")
    ap.add_argument("--n", type=int, default=32768)
    ap.add_argument("--r", type=int, default=8)
    ap.add_argument("--p", type=int, default=1)
    ap.add_argument("--label", default="COSIGN")
    args = ap.parse_args()
    encrypt(args) if args.op == "encrypt" else decrypt(args)


if __name__ == "__main__":
    main()
