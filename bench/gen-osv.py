#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Generate realistic OSV records for the vulnerability database bench.

    bench/gen-osv.py [--count N] [--seed S] [--status DPKG_STATUS] OUT

OUT ending in .zip is written as one zip archive (as OSV publishes
all.zip), else as a directory of RECORD_ID.json files. Deterministic for a
seed. The mix: about half Debian:12 records (DEBIAN-CVE-* from the security
tracker, with DSA/DLA advisories aliasing some of them), the rest GHSA
records for npm and PyPI, GO-* for Go modules and ALPINE/CVE records for
Alpine:v3.19. One in a hundred Debian records name the source packages
of the dpkg status file given (e.g. build/debootstrap/rootfs/var/lib/dpkg/
status, a Debian 12 minbase), with fixes above and below their installed
versions and unfixed ones, so a scan of that rootfs finds what a real one
would; the others name packages that are not installed, as most of a real
feed does. Without --status a built-in list of Debian 12 sources is used.
"""
import argparse
import json
import os
import random
import re
import sys
import zipfile

# Debian 12 minbase sources, used when no status file is given.
FALLBACK = [
    ("acl", "2.3.1-3"), ("adduser", "3.134"), ("apt", "2.6.1"), ("attr", "1:2.5.1-4"),
    ("audit", "1:3.0.9-1"), ("base-files", "12.4+deb12u5"), ("bash", "5.2.15-2"),
    ("bzip2", "1.0.8-5"), ("cdebconf", "0.270"), ("coreutils", "9.1-1"),
    ("dash", "0.5.12-2"), ("db5.3", "5.3.28+dfsg2-1"), ("debconf", "1.5.82"),
    ("debianutils", "5.7-0.5~deb12u1"), ("diffutils", "1:3.8-4"), ("dpkg", "1.21.22"),
    ("e2fsprogs", "1.47.0-2"), ("findutils", "4.9.0-4"), ("gcc-12", "12.2.0-14"),
    ("glibc", "2.36-9+deb12u4"), ("gmp", "2:6.2.1+dfsg1-1.1"), ("gnupg2", "2.2.40-1.1"),
    ("gnutls28", "3.7.9-2+deb12u2"), ("grep", "3.8-5"), ("gzip", "1.12-1"),
    ("hostname", "3.23+nmu1"), ("init-system-helpers", "1.65.2"), ("keyutils", "1.6.3-2"),
    ("krb5", "1.20.1-2+deb12u1"), ("libcap-ng", "0.8.3-1"), ("libcap2", "1:2.66-4"),
    ("libgcrypt20", "1.10.1-3"), ("libgpg-error", "1.46-1"), ("libidn2", "2.3.3-1"),
    ("libpsl", "0.21.2-1"), ("libseccomp", "2.5.4-1"), ("libselinux", "3.4-1"),
    ("libsemanage", "3.4-1"), ("libsepol", "3.4-2.1"), ("libtasn1-6", "4.19.0-2"),
    ("libunistring", "1.0-2"), ("libxcrypt", "1:4.4.33-2"), ("libzstd", "1.5.4+dfsg2-5"),
    ("lz4", "1.9.4-1"), ("mawk", "1.3.4.20200120-3.1"), ("ncurses", "6.4-4"),
    ("nettle", "3.8.1-2"), ("openssl", "3.0.11-1~deb12u2"), ("p11-kit", "0.24.1-2"),
    ("pam", "1.5.2-6+deb12u1"), ("pcre2", "10.42-1"), ("perl", "5.36.0-7+deb12u1"),
    ("sed", "4.9-1"), ("shadow", "1:4.13+dfsg1-1"), ("systemd", "252.22-1~deb12u1"),
    ("sysvinit", "3.06-4"), ("tar", "1.34+dfsg-1.2+deb12u1"), ("tzdata", "2024a-0+deb12u1"),
    ("util-linux", "2.38.1-5+deb12u1"), ("xxhash", "0.8.1-1"), ("xz-utils", "5.4.1-0.2"),
    ("zlib", "1:1.2.13.dfsg-1"),
]

NPM = ["lodash", "minimist", "express", "axios", "moment", "qs", "semver", "tar", "ws",
       "jsonwebtoken", "node-fetch", "undici", "debug", "glob", "yargs-parser", "marked"]
PYPI = ["requests", "urllib3", "django", "flask", "jinja2", "pyyaml", "cryptography",
        "pillow", "numpy", "setuptools", "werkzeug", "aiohttp", "sqlparse", "certifi"]
GO = ["golang.org/x/net", "golang.org/x/crypto", "golang.org/x/text", "stdlib",
      "github.com/gin-gonic/gin", "google.golang.org/grpc", "github.com/docker/docker",
      "k8s.io/apimachinery", "github.com/opencontainers/runc"]
ALPINE = ["busybox", "musl", "openssl", "zlib", "curl", "apk-tools", "expat", "libxml2"]
URGENCY = ["unimportant", "low", "low*", "medium", "medium**", "high", "not yet assigned"]
GHSA_SEV = ["LOW", "MODERATE", "HIGH", "CRITICAL"]
CVES = {}  # source name -> CVE ids of its DEBIAN-CVE records so far
WORDS = ("buffer overflow use-after-free integer heap stack memory crafted remote local "
         "attacker denial service privilege escalation injection parser request header "
         "certificate validation bypass path traversal race condition null pointer").split()


def read_status(path):
    """(source name, source version) of every installed package."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    out = {}
    for stanza in text.split("\n\n"):
        fields = {}
        for line in stanza.splitlines():
            m = re.match(r"^([A-Za-z-]+):\s*(.*)$", line)
            if m:
                fields[m.group(1)] = m.group(2)
        if "Package" not in fields or "Version" not in fields:
            continue
        if "installed" not in fields.get("Status", "installed"):
            continue
        src, ver = fields["Package"], fields["Version"]
        if "Source" in fields:
            m = re.match(r"^(\S+)(?:\s+\((\S+)\))?$", fields["Source"])
            if m:
                src = m.group(1)
                if m.group(2):
                    ver = m.group(2)
        if "Source" not in fields or not re.search(r"\(", fields.get("Source", "")):
            ver = re.sub(r"\+b\d+$", "", ver)
        out[src] = ver
    return sorted(out.items())


def ts(rng, year):
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (year, rng.randint(1, 12), rng.randint(1, 28),
                                               rng.randint(0, 23), rng.randint(0, 59),
                                               rng.randint(0, 59))


def cvss(rng):
    pick = lambda s: rng.choice(s)
    return "CVSS:3.1/AV:%s/AC:%s/PR:%s/UI:%s/S:%s/C:%s/I:%s/A:%s" % (
        pick("NNNAL"), pick("LLH"), pick("NNLH"), pick("NR"), pick("UUUC"), pick("HLN"),
        pick("HLN"), pick("HLN"))


def details(rng):
    n = rng.randint(40, 110)
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def refs(rng, cve):
    r = [{"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/" + cve}]
    for _ in range(rng.randint(0, 3)):
        r.append({"type": "WEB", "url": "https://example.org/%08x" % rng.getrandbits(32)})
    return r


def semver(rng):
    return "%d.%d.%d" % (rng.randint(0, 9), rng.randint(0, 30), rng.randint(0, 40))


def debian_events(rng, installed):
    """Events for an installed source version: fixed above (affected),
    fixed below (not), or unfixed."""
    k = rng.random()
    if installed and k < 0.35:
        return [{"introduced": "0"}, {"fixed": installed + "+deb12u%d" % rng.randint(1, 9)}]
    if installed and k < 0.8:
        return [{"introduced": "0"}, {"fixed": "0.%d-1" % rng.randint(1, 9)}]
    if k < 0.9:
        return [{"introduced": "0"}]
    return [{"introduced": "0"}, {"fixed": "%d.%d-%d" % (rng.randint(1, 9),
                                                         rng.randint(0, 9), rng.randint(1, 5))}]


def record(rng, i, sources):
    year = 2016 + i % 9
    cve = "CVE-%d-%05d" % (year, i)
    k = rng.random()
    rec = {"schema_version": "1.6.0", "modified": ts(rng, 2025), "published": ts(rng, year)}
    if k < 0.5:
        real = rng.random() < 0.01
        if real:
            name, installed = rng.choice(sources)
        else:
            name, installed = "src-%05d" % rng.randint(0, 19999), None
        dsa = rng.random() < 0.15
        rec["id"] = ("DSA-%d-1" % (4000 + i) if dsa else "DEBIAN-" + cve)
        if dsa:
            # An advisory names CVEs the tracker already has for the source.
            seen = CVES.get(name, [])
            rec["aliases"] = rng.sample(seen, min(len(seen), rng.randint(1, 3))) or [cve]
            rec["summary"] = name + " security update"
        else:
            rec["upstream"] = [cve]
            CVES.setdefault(name, []).append(cve)
        rec["details"] = details(rng)
        aff = {"package": {"ecosystem": "Debian:12", "name": name,
                           "purl": "pkg:deb/debian/%s?arch=source" % name},
               "ranges": [{"type": "ECOSYSTEM", "events": debian_events(rng, installed)}],
               "ecosystem_specific": {"urgency": rng.choice(URGENCY)}}
        rec["affected"] = [aff]
    elif k < 0.65 or k < 0.8:
        npm = k < 0.65
        name = rng.choice(NPM if npm else PYPI)
        rec["id"] = "GHSA-%04x-%04x-%04x" % (rng.getrandbits(16), rng.getrandbits(16),
                                             rng.getrandbits(16))
        rec["aliases"] = [cve]
        rec["summary"] = "%s: %s %s" % (name, rng.choice(WORDS), rng.choice(WORDS))
        rec["details"] = details(rng)
        rec["severity"] = [{"type": "CVSS_V3", "score": cvss(rng)}]
        rec["affected"] = [{
            "package": {"ecosystem": "npm" if npm else "PyPI", "name": name},
            "ranges": [{"type": "SEMVER" if npm else "ECOSYSTEM",
                        "events": [{"introduced": "0"}, {"fixed": semver(rng)}]}],
            "database_specific": {"source": "generated"}}]
        rec["database_specific"] = {"severity": rng.choice(GHSA_SEV), "cwe_ids": ["CWE-79"]}
        rec["references"] = refs(rng, cve)
    elif k < 0.9:
        name = rng.choice(GO)
        rec["id"] = "GO-%d-%05d" % (year, i)
        rec["aliases"] = [cve]
        rec["summary"] = "%s in %s" % (rng.choice(WORDS), name)
        rec["details"] = details(rng)
        intro = semver(rng)
        rec["affected"] = [{
            "package": {"ecosystem": "Go", "name": name},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"},
                                                     {"fixed": intro}]}],
            "ecosystem_specific": {"imports": [{"path": name, "symbols": ["F"]}]}}]
        rec["references"] = refs(rng, cve)
    else:
        name = rng.choice(ALPINE)
        rec["id"] = "ALPINE-" + cve
        rec["upstream"] = [cve]
        rec["details"] = details(rng)
        rec["affected"] = [{
            "package": {"ecosystem": "Alpine:v3.19", "name": name},
            "ranges": [{"type": "ECOSYSTEM", "events": [
                {"introduced": "0"}, {"fixed": "%s-r%d" % (semver(rng), rng.randint(0, 9))}]}]}]
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--status", help="dpkg status file whose source packages some records name")
    ap.add_argument("out")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    sources = read_status(a.status) if a.status and os.path.exists(a.status) else FALLBACK
    if not sources:
        sources = FALLBACK
    recs = (record(rng, i, sources) for i in range(a.count))
    n = 0
    if a.out.endswith(".zip"):
        tmp = a.out + ".tmp"
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            for r in recs:
                z.writestr(r["id"] + ".json", json.dumps(r, indent=2))
                n += 1
        os.replace(tmp, a.out)
    else:
        os.makedirs(a.out, exist_ok=True)
        for r in recs:
            with open(os.path.join(a.out, r["id"] + ".json"), "w") as f:
                json.dump(r, f, indent=2)
            n += 1
    print("gen-osv: %d records (seed %d, %d Debian sources) -> %s" % (n, a.seed, len(sources),
                                                                        a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
