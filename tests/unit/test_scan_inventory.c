/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The package inventory: each database parser on records written here
 * from the formats' documentation (deb-control(5) / dpkg status, apk's
 * installed database, os-release(5), npm's package-lock.json v1-v3,
 * Python core metadata, Go's build info in ELF, rpm header blobs in an
 * rpmdb.sqlite made here with sqlite), purls, and a rootfs that attacks
 * the scanner: corrupt records (counted warnings), symlinks out of the
 * rootfs, FIFOs, oversize files, deep trees, a BerkeleyDB rpm database.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <sqlite3.h>

#include <ward/image.h>
#include <ward/scan.h>

#include "scan/inventory_internal.h"

/* ---- helpers --------------------------------------------------------------- */

static void
builder(struct scan_inv *b)
{
	assert_int_equal(scan_inv_init(b, "test", NULL), 0);
}

static const struct ward_package *
find_pkg(const struct ward_inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->n_pkgs; i++)
		if (strcmp(inv->pkgs[i].name, name) == 0)
			return &inv->pkgs[i];
	fail_msg("package '%s' not in the inventory (%zu packages)", name, inv->n_pkgs);
	return NULL;
}

static bool
has_warning(const struct ward_inventory *inv, const char *needle)
{
	for (size_t i = 0; i < inv->n_warnings_kept; i++)
		if (strstr(inv->warnings[i], needle))
			return true;
	return false;
}

static void
assert_str_or_null(const char *got, const char *want)
{
	if (!want)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

static char *
mkroot(void)
{
	char *d = strdup("/tmp/ward-scan-inv-XXXXXX");
	assert_non_null(mkdtemp(d));
	return d;
}

static void
write_file(const char *root, const char *rel, const char *content)
{
	char path[PATH_MAX], cmd[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	assert_true(fd >= 0);
	assert_int_equal(ward_fs_write_all(fd, content, strlen(content)), 0);
	close(fd);
}

static void
rmroot(char *root)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	free(root);
}

static struct ward_inventory *
scan_root(const char *root)
{
	struct ward_inventory *inv = NULL;
	struct ward_error *err = NULL;
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	if (ward_scan_inventory(fd, "test rootfs", &inv, &err) < 0)
		fail_msg("scan: %s", err->msg);
	close(fd);
	return inv;
}

/* ---- os-release ---------------------------------------------------------------- */

static void
test_os_release_parse_quotes_and_escapes(void **state)
{
	(void)state;
	static const char s[] = "# comment\n"
				"NAME=\"Debian GNU/Linux\"\n"
				"ID=debian\n"
				"ID=ubuntu\n" /* the last assignment wins */
				"VERSION_ID='22.04'\n"
				"PRETTY_NAME=\"Ubuntu \\\"Jammy\\\" 22.04\"\n"
				"  VERSION_CODENAME=jammy  \n"
				"ID_LIKE=debian\n"
				"not an assignment\n";
	struct ward_os_release os;

	assert_int_equal(scan_os_release_parse(s, sizeof(s) - 1, &os, NULL), 0);
	assert_string_equal(os.id, "ubuntu");
	assert_string_equal(os.version_id, "22.04");
	assert_string_equal(os.pretty_name, "Ubuntu \"Jammy\" 22.04");
	assert_string_equal(os.version_codename, "jammy");
	assert_string_equal(os.id_like, "debian");
	scan_os_release_clear(&os);

	assert_int_equal(scan_os_release_parse("ID=\nX=1", 7, &os, NULL), 0);
	assert_null(os.id);
	assert_null(os.version_id);
	scan_os_release_clear(&os);
}

/* ---- dpkg ------------------------------------------------------------------------ */

static const char dpkg_status[] = "Package: bash\n"
				  "Status: install ok installed\n"
				  "Priority: required\n"
				  "Architecture: amd64\n"
				  "Source: bash (5.2.15-2)\n"
				  "Version: 5.2.15-2+b2\n"
				  "Description: GNU Bourne Again SHell\n"
				  " Bash is an sh-compatible command language interpreter.\n"
				  " .\n"
				  " Continuation lines are skipped.\n"
				  "\n"
				  "Package: bsdutils\n"
				  "Status: install ok installed\n"
				  "Architecture: amd64\n"
				  "Source: util-linux (2.38.1-5+deb12u3)\n"
				  "Version: 1:2.38.1-5+deb12u3\n"
				  "\n"
				  "Package: libattr1\n"
				  "Status: install ok installed\n"
				  "Architecture: amd64\n"
				  "Multi-Arch: same\n"
				  "Source: attr\n"
				  "Version: 1:2.5.1-4\n"
				  "\n\n\n"
				  "Package: removed-pkg\n"
				  "Status: deinstall ok config-files\n"
				  "Version: 1.0\n"
				  "\n"
				  "Package: never\n"
				  "Status: purge ok not-installed\n"
				  "\n"
				  "Package: noversion\n"
				  "Status: install ok installed\n"
				  "\n"
				  "Status: install ok installed\n"
				  "Version: 1.0\n"
				  "\n"
				  "Package: bad/name\n"
				  "Version: 1.0\n"
				  "\n"
				  "Package: badsource\n"
				  "Version: 2.0\n"
				  "Source: foo (1.0\n"
				  "\n"
				  "garbage without a colon\n"
				  "Package: garbage\n"
				  "Version: 1\n"
				  "\n"
				  "Package: base-files\n"
				  "Status: install ok installed\n"
				  "Architecture: amd64\n"
				  "Version: 12.4+deb12u5";

static void
test_dpkg_status_sources_and_binnmu(void **state)
{
	(void)state;
	struct scan_inv b;
	const struct ward_package *p;

	builder(&b);
	b.inv->os.id = strdup("debian");
	b.inv->os.version_id = strdup("12");
	assert_int_equal(scan_inv_set_os(&b, NULL), 0);
	assert_int_equal(scan_dpkg_parse(&b, dpkg_status, sizeof(dpkg_status) - 1,
					 "/var/lib/dpkg/status", NULL),
			 0);
	/* bash, bsdutils, libattr1, badsource, base-files */
	assert_int_equal(b.inv->n_pkgs, 5);

	p = find_pkg(b.inv, "bash");
	assert_string_equal(p->version, "5.2.15-2+b2");
	assert_null(p->source_name);			    /* same name */
	assert_string_equal(p->source_version, "5.2.15-2"); /* binNMU: source lacks +b2 */
	assert_string_equal(p->arch, "amd64");
	assert_string_equal(p->location, "/var/lib/dpkg/status");
	assert_string_equal(
		p->purl, "pkg:deb/debian/"
			 "bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12&upstream=bash%405.2.15-2");

	/* The binary has an epoch its source lacks. */
	p = find_pkg(b.inv, "bsdutils");
	assert_string_equal(p->version, "1:2.38.1-5+deb12u3");
	assert_string_equal(p->source_name, "util-linux");
	assert_string_equal(p->source_version, "2.38.1-5+deb12u3");

	/* "Source: attr": the source's version is the binary's. */
	p = find_pkg(b.inv, "libattr1");
	assert_string_equal(p->source_name, "attr");
	assert_null(p->source_version);
	assert_string_equal(p->purl,
			    "pkg:deb/debian/libattr1@1%3A2.5.1-4?arch=amd64&distro=debian-12&"
			    "upstream=attr");

	/* A malformed Source is a warning; the package stays, its own source. */
	p = find_pkg(b.inv, "badsource");
	assert_string_equal(p->source_name, "foo");
	assert_null(p->source_version);
	assert_true(has_warning(b.inv, "invalid version in Source"));

	/* The last paragraph has no trailing newline. */
	p = find_pkg(b.inv, "base-files");
	assert_string_equal(p->version, "12.4+deb12u5");

	/* noversion, no Package, bad/name, the garbage line, badsource: 5 */
	assert_int_equal(b.inv->n_warnings, 5);
	assert_true(has_warning(b.inv, "package 'noversion' (line"));
	assert_true(has_warning(b.inv, "no Package field"));
	assert_true(has_warning(b.inv, "invalid Package name"));
	assert_true(has_warning(b.inv, "neither 'Field: value' nor a continuation"));
	scan_inv_clear(&b);
}

static void
test_dpkg_warnings_counted_past_the_kept_ones(void **state)
{
	(void)state;
	struct scan_inv b;
	char *buf = malloc(200 * 32), *p = buf;

	for (int i = 0; i < 200; i++)
		p += sprintf(p, "Package: p%d\n\n", i); /* no Version: each a warning */
	builder(&b);
	assert_int_equal(scan_dpkg_parse(&b, buf, (size_t)(p - buf), "status", NULL), 0);
	assert_int_equal(b.inv->n_pkgs, 0);
	assert_int_equal(b.inv->n_warnings, 200);
	assert_int_equal(b.inv->n_warnings_kept, WARD_SCAN_WARNINGS_KEPT);
	scan_inv_clear(&b);
	free(buf);
}

static void
test_dpkg_status_d_distroless(void **state)
{
	(void)state;
	char *root = mkroot();
	struct ward_inventory *inv;

	write_file(root, "etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
	write_file(root, "var/lib/dpkg/status.d/libc6",
		   "Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\nSource: glibc\n");
	write_file(root, "var/lib/dpkg/status.d/libc6.md5sums", "0123  /lib/x\n");
	/* DEP-5: the distinct License: names, in order */
	write_file(root, "usr/share/doc/libc6/copyright",
		   "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
		   "Upstream-Name: glibc\n\n"
		   "Files: *\nCopyright: 1991-2023 FSF\nLicense: LGPL-2.1+\n\n"
		   "Files: debian/*\nLicense: GPL-2+\n\n"
		   "Files: x/*\nLicense: LGPL-2.1+\n\n"
		   "License: GPL-2+\n This program is free software...\n");
	write_file(root, "var/lib/dpkg/status.d/tzdata",
		   "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n");
	inv = scan_root(root);
	assert_int_equal(inv->n_pkgs, 2);
	assert_string_equal(find_pkg(inv, "libc6")->source_name, "glibc");
	assert_string_equal(find_pkg(inv, "libc6")->location, "/var/lib/dpkg/status.d/libc6");
	assert_string_equal(find_pkg(inv, "libc6")->license, "LGPL-2.1+ AND GPL-2+");
	assert_null(find_pkg(inv, "tzdata")->license);
	assert_string_equal(find_pkg(inv, "tzdata")->purl,
			    "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12");
	assert_string_equal(inv->os.id, "debian");
	assert_int_equal(inv->n_warnings, 0);
	ward_inventory_free(inv);
	rmroot(root);
}

/* ---- apk ---------------------------------------------------------------------------- */

static const char apk_db[] = "C:Q1Zf3a5nW3Hnq3FfPnM2U/0a0oNlQ=\n"
			     "P:musl\n"
			     "V:1.2.4_git20230717-r4\n"
			     "A:x86_64\n"
			     "S:383152\n"
			     "I:622592\n"
			     "T:the musl c library (libc) implementation\n"
			     "U:https://musl.libc.org/\n"
			     "L:MIT\n"
			     "o:musl\n"
			     "m:Timo Teräs <timo.teras@iki.fi>\n"
			     "t:1704481499\n"
			     "c:cdd1a8e4ab6a1ce04a4e0e7d1fb3d7a3fa6d8d4c\n"
			     "D:\n"
			     "p:so:libc.musl-x86_64.so.1=1\n"
			     "F:lib\n"
			     "R:ld-musl-x86_64.so.1\n"
			     "a:0:0:755\n"
			     "Z:Q1fNvvcwW6gD3Dd1n9UHx1kG4Q3gE=\n"
			     "\n"
			     "P:libcrypto3\n"
			     "V:3.1.4-r5\n"
			     "A:x86_64\n"
			     "L:Apache-2.0\n"
			     "o:openssl\n"
			     "F:usr/lib\n"
			     "R:libcrypto.so.3\n"
			     "\n"
			     "P:noversion\n"
			     "A:x86_64\n"
			     "\n"
			     "this line is not X:value\n"
			     "P:broken\n"
			     "V:1-r0\n";

static void
test_apk_installed_db(void **state)
{
	(void)state;
	struct scan_inv b;
	const struct ward_package *p;

	builder(&b);
	b.inv->os.id = strdup("alpine");
	b.inv->os.version_id = strdup("3.19.1");
	assert_int_equal(scan_inv_set_os(&b, NULL), 0);
	assert_int_equal(
		scan_apk_parse(&b, apk_db, sizeof(apk_db) - 1, "/lib/apk/db/installed", NULL), 0);
	assert_int_equal(b.inv->n_pkgs, 2);
	p = find_pkg(b.inv, "musl");
	assert_string_equal(p->version, "1.2.4_git20230717-r4");
	assert_string_equal(p->arch, "x86_64");
	assert_string_equal(p->license, "MIT");
	assert_null(p->source_name);
	assert_string_equal(
		p->purl,
		"pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1");
	p = find_pkg(b.inv, "libcrypto3");
	assert_string_equal(p->source_name, "openssl");
	assert_string_equal(p->license, "Apache-2.0");
	assert_int_equal(b.inv->n_warnings, 2);
	assert_true(has_warning(b.inv, "package 'noversion'"));
	assert_true(has_warning(b.inv, "not 'X:value'"));
	scan_inv_clear(&b);
}

/* ---- npm -------------------------------------------------------------------------------- */

static void
test_npm_package_json_and_locks(void **state)
{
	(void)state;
	static const char pkg[] = "{\"name\":\"@babel/core\",\"version\":\"7.23.7\","
				  "\"license\":{\"type\":\"MIT\"}}";
	static const char v1[] =
		"{\"lockfileVersion\":1,\"dependencies\":{"
		"\"lodash\":{\"version\":\"4.17.21\"},"
		"\"a\":{\"version\":\"1.0.0\",\"dependencies\":{\"b\":{\"version\":\"2.0.0\"}}},"
		"\"local\":{\"version\":\"file:../local\"},"
		"\"bad\":{\"version\":7}}}";
	static const char v3[] =
		"{\"lockfileVersion\":3,\"packages\":{"
		"\"\":{\"name\":\"app\",\"version\":\"1.0.0\"},"
		"\"node_modules/express\":{\"version\":\"4.18.2\",\"license\":\"MIT\"},"
		"\"node_modules/express/node_modules/debug\":{\"version\":\"2.6.9\"},"
		"\"node_modules/@types/node\":{\"version\":\"20.10.6\"},"
		"\"node_modules/alias\":{\"name\":\"real-name\",\"version\":\"1.2.3\"},"
		"\"node_modules/mylib\":{\"resolved\":\"packages/mylib\",\"link\":true},"
		"\"packages/mylib\":{\"version\":\"0.0.1\"}}}";
	struct scan_inv b;

	builder(&b);
	assert_int_equal(scan_npm_package_parse(&b, pkg, sizeof(pkg) - 1, "/app/pkg.json", NULL),
			 0);
	assert_string_equal(find_pkg(b.inv, "@babel/core")->purl, "pkg:npm/%40babel/core@7.23.7");
	assert_string_equal(find_pkg(b.inv, "@babel/core")->license, "MIT");
	assert_int_equal(scan_npm_lock_parse(&b, v1, sizeof(v1) - 1, "/v1/package-lock.json", NULL),
			 0);
	assert_string_equal(find_pkg(b.inv, "b")->version, "2.0.0");
	assert_string_equal(find_pkg(b.inv, "lodash")->purl, "pkg:npm/lodash@4.17.21");
	assert_true(has_warning(b.inv, "package 'bad' has no valid version"));
	assert_int_equal(b.inv->n_pkgs, 4);
	assert_int_equal(scan_npm_lock_parse(&b, v3, sizeof(v3) - 1, "/v3/package-lock.json", NULL),
			 0);
	assert_int_equal(b.inv->n_pkgs, 8);
	assert_string_equal(find_pkg(b.inv, "debug")->version, "2.6.9");
	assert_string_equal(find_pkg(b.inv, "@types/node")->purl, "pkg:npm/%40types/node@20.10.6");
	assert_string_equal(find_pkg(b.inv, "real-name")->version, "1.2.3");
	assert_string_equal(find_pkg(b.inv, "express")->license, "MIT");
	assert_int_equal(b.inv->n_warnings, 1);
	/* Not JSON: one warning naming the file. */
	assert_int_equal(
		scan_npm_lock_parse(&b, "{\"packages\":", 12, "/bad/package-lock.json", NULL), 0);
	assert_true(has_warning(b.inv, "/bad/package-lock.json"));
	scan_inv_clear(&b);
}

/* ---- python ----------------------------------------------------------------------------- */

static void
test_python_metadata(void **state)
{
	(void)state;
	static const char m1[] = "Metadata-Version: 2.1\r\n"
				 "Name: Flask_SQLAlchemy\r\n"
				 "Version: 3.1.1\r\n"
				 "License: BSD-3-Clause\r\n"
				 "Classifier: License :: OSI Approved :: BSD License\r\n"
				 "\r\n"
				 "Name: not-a-header-any-more\r\n";
	static const char m2[] = "Metadata-Version: 2.4\n"
				 "Name: requests\n"
				 "Version: 2.31.0\n"
				 "License: Apache 2.0 ... a long text\n"
				 "License-Expression: Apache-2.0\n";
	static const char m3[] = "Metadata-Version: 2.1\nName: nover\n";
	struct scan_inv b;
	const struct ward_package *p;

	builder(&b);
	assert_int_equal(scan_python_metadata_parse(&b, m1, sizeof(m1) - 1, "/m1", NULL), 0);
	assert_int_equal(scan_python_metadata_parse(&b, m2, sizeof(m2) - 1, "/m2", NULL), 0);
	assert_int_equal(scan_python_metadata_parse(&b, m3, sizeof(m3) - 1, "/m3", NULL), 0);
	assert_int_equal(b.inv->n_pkgs, 2);
	p = find_pkg(b.inv, "Flask_SQLAlchemy");
	assert_string_equal(p->version, "3.1.1");
	assert_string_equal(p->license, "BSD-3-Clause");
	assert_string_equal(p->purl, "pkg:pypi/flask-sqlalchemy@3.1.1"); /* PEP 503 */
	assert_string_equal(find_pkg(b.inv, "requests")->license, "Apache-2.0");
	assert_int_equal(b.inv->n_warnings, 1);
	assert_true(has_warning(b.inv, "package 'nover': no Version header"));
	scan_inv_clear(&b);
}

/* ---- Go build info ------------------------------------------------------------------------ */

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static void
put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static size_t
put_uvarint(uint8_t *p, size_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

#define GO_DATA_OFF 0x1000u
#define GO_VADDR 0x401000u

/*
 * A minimal little-endian ELF64 as Go's linker lays out build info: one
 * writable PT_LOAD segment holding the 32-byte header, and (sections)
 * a .go.buildinfo section over it. inl: Go >= 1.18 inline strings, else
 * the pointer format (pointers to Go string headers in the segment).
 */
static uint8_t *
make_go_elf(bool inl, bool sections, const char *gover, const char *mod, size_t *ret_len)
{
	size_t modlen = strlen(mod) + 32,
	       cap = GO_DATA_OFF + 0x200 + strlen(gover) + modlen + 0x200;
	uint8_t *f = calloc(1, cap), *d = f + GO_DATA_OFF;
	size_t dlen, o;
	char *framed = malloc(modlen);

	/* The module info's 16-byte sentinels, as cmd/go writes them. */
	memset(framed, 0x5a, 16);
	memcpy(framed + 16, mod, strlen(mod));
	memset(framed + 16 + strlen(mod), 0xa5, 16);

	memcpy(d, "\xff Go buildinf:", 14);
	d[14] = 8;
	d[15] = inl ? 2 : 0;
	if (inl) {
		o = 32;
		o += put_uvarint(d + o, strlen(gover));
		memcpy(d + o, gover, strlen(gover));
		o += strlen(gover);
		o += put_uvarint(d + o, modlen);
		memcpy(d + o, framed, modlen);
		o += modlen;
	} else {
		/* headers at +0x40 and +0x50, string bytes from +0x100 */
		size_t vs = 0x100, ms = 0x100 + strlen(gover);
		put64(d + 16, GO_VADDR + 0x40);
		put64(d + 24, GO_VADDR + 0x50);
		put64(d + 0x40, GO_VADDR + vs);
		put64(d + 0x48, strlen(gover));
		put64(d + 0x50, GO_VADDR + ms);
		put64(d + 0x58, modlen);
		memcpy(d + vs, gover, strlen(gover));
		memcpy(d + ms, framed, modlen);
		o = ms + modlen;
	}
	dlen = (o + 15) & ~(size_t)15;
	free(framed);

	memcpy(f, "\177ELF\2\1\1", 7);
	put16(f + 0x10, 2);    /* ET_EXEC */
	put16(f + 0x12, 0x3e); /* x86-64 */
	put32(f + 0x14, 1);
	put64(f + 0x20, 0x40); /* phoff */
	put16(f + 0x34, 0x40);
	put16(f + 0x36, 0x38);
	put16(f + 0x38, 1);
	/* PT_LOAD, R|W */
	put32(f + 0x40, 1);
	put32(f + 0x44, 6);
	put64(f + 0x48, GO_DATA_OFF);
	put64(f + 0x50, GO_VADDR);
	put64(f + 0x58, GO_VADDR);
	put64(f + 0x60, dlen);
	put64(f + 0x68, dlen);
	*ret_len = GO_DATA_OFF + dlen;
	if (sections) {
		static const char strtab[] = "\0.go.buildinfo\0.shstrtab";
		size_t st = GO_DATA_OFF + dlen, sh = (st + sizeof(strtab) + 15) & ~(size_t)15;
		uint8_t *s;
		memcpy(f + st, strtab, sizeof(strtab));
		put64(f + 0x28, sh);
		put16(f + 0x3a, 0x40);
		put16(f + 0x3c, 3);
		put16(f + 0x3e, 2);
		s = f + sh + 0x40; /* [1] .go.buildinfo */
		put32(s, 1);
		put32(s + 4, 1);
		put64(s + 0x10, GO_VADDR);
		put64(s + 0x18, GO_DATA_OFF);
		put64(s + 0x20, 32);
		s = f + sh + 0x80; /* [2] .shstrtab */
		put32(s, 15);
		put32(s + 4, 3);
		put64(s + 0x18, st);
		put64(s + 0x20, sizeof(strtab));
		*ret_len = sh + 3 * 0x40;
	}
	assert_true(*ret_len <= cap);
	return f;
}

static const char go_mod[] = "path\texample.com/app/cmd/app\n"
			     "mod\texample.com/app\tv1.4.2\th1:abc=\n"
			     "dep\tgithub.com/gorilla/mux\tv1.8.0\th1:def=\n"
			     "dep\tgolang.org/x/net\tv0.17.0\th1:ghi=\n"
			     "=>\tgolang.org/x/net\tv0.19.0\th1:jkl=\n"
			     "dep\tgithub.com/Masterminds/semver/v3\tv3.2.1\n"
			     "build\t-compiler=gc\n"
			     "build\tGOOS=linux\n";

static void
check_go_inventory(struct scan_inv *b, const char *stdlib)
{
	assert_int_equal(b->inv->n_pkgs, 5);
	assert_string_equal(find_pkg(b->inv, "stdlib")->version, stdlib);
	assert_string_equal(find_pkg(b->inv, "example.com/app")->version, "v1.4.2");
	assert_string_equal(find_pkg(b->inv, "github.com/gorilla/mux")->purl,
			    "pkg:golang/github.com/gorilla/mux@v1.8.0");
	/* The replacement is what the binary contains. */
	assert_string_equal(find_pkg(b->inv, "golang.org/x/net")->version, "v0.19.0");
	assert_string_equal(find_pkg(b->inv, "github.com/Masterminds/semver/v3")->purl,
			    "pkg:golang/github.com/Masterminds/semver/v3@v3.2.1");
}

static void
test_go_buildinfo_inline_and_pointer(void **state)
{
	(void)state;
	static const struct {
		bool inl, sections;
		const char *gover, *stdlib;
	} cases[] = {
		{true, true, "go1.21.5", "v1.21.5"},
		{true, false, "go1.22", "v1.22.0"}, /* no section headers: segment search */
		{false, true, "go1.16.15", "v1.16.15"},
		{false, false, "go1.17rc2 X:boringcrypto", "v1.17.0-rc2"},
	};

	for (size_t i = 0; i < WARD_ARRAY_SIZE(cases); i++) {
		struct scan_inv b;
		size_t len;
		uint8_t *elf =
			make_go_elf(cases[i].inl, cases[i].sections, cases[i].gover, go_mod, &len);
		builder(&b);
		assert_int_equal(scan_go_parse_buf(&b, elf, len, "/usr/bin/app", NULL), 0);
		check_go_inventory(&b, cases[i].stdlib);
		assert_int_equal(b.inv->n_warnings, 0);
		{
			char want[64];
			snprintf(want, sizeof(want), "pkg:golang/stdlib@%s", cases[i].stdlib);
			assert_string_equal(find_pkg(b.inv, "stdlib")->purl, want);
		}
		scan_inv_clear(&b);
		free(elf);
	}
}

static void
test_go_buildinfo_hostile(void **state)
{
	(void)state;
	size_t len, plen;
	uint8_t *elf = make_go_elf(true, true, "go1.21.5", go_mod, &len);
	uint8_t *ptr = make_go_elf(false, true, "go1.21.5", go_mod, &plen);
	struct scan_inv b;

	builder(&b);
	/* Every truncation of the file: never a crash, never a read past it;
	 * nothing found before the header is whole. */
	for (size_t cut = 0; cut < len; cut += 7) {
		assert_int_equal(scan_go_parse_buf(&b, elf, cut, "/cut", NULL), 0);
		if (cut < GO_DATA_OFF + 32)
			assert_int_equal(b.inv->n_pkgs, 0);
	}
	scan_inv_clear(&b);
	builder(&b);
	/* An inline length far past the file. */
	elf[GO_DATA_OFF + 32] = 0xff;
	elf[GO_DATA_OFF + 33] = 0xff;
	elf[GO_DATA_OFF + 34] = 0x7f;
	assert_int_equal(scan_go_parse_buf(&b, elf, len, "/huge-len", NULL), 0);
	assert_true(has_warning(b.inv, "/huge-len: Go build info: inline strings run past"));
	/* Pointers to addresses no segment maps. */
	put64(ptr + GO_DATA_OFF + 16, 0xdeadbeef00ull);
	assert_int_equal(scan_go_parse_buf(&b, ptr, plen, "/bad-ptr", NULL), 0);
	assert_true(has_warning(b.inv, "/bad-ptr: Go build info: version string not in the file"));
	/* A string header whose length runs off its segment. */
	put64(ptr + GO_DATA_OFF + 16, GO_VADDR + 0x40);
	put64(ptr + GO_DATA_OFF + 0x48, 1u << 30);
	assert_int_equal(scan_go_parse_buf(&b, ptr, plen, "/bad-len", NULL), 0);
	/* Not ELF at all. */
	assert_int_equal(
		scan_go_parse_buf(&b, (const uint8_t *)"#!/bin/sh\necho hi\n", 18, "/sh", NULL), 0);
	assert_int_equal(b.inv->n_pkgs, 0);
	scan_inv_clear(&b);
	free(elf);
	free(ptr);
}

/* A real Go binary of this machine (Debian's containerd or docker-registry,
 * Go 1.19, inline format): its stdlib version is found. */
static void
test_go_buildinfo_real_binary(void **state)
{
	(void)state;
	static const char *const bins[] = {"/usr/bin/ctr", "/usr/bin/containerd",
					   "/usr/bin/docker-registry", "/usr/bin/podman"};
	for (size_t i = 0; i < WARD_ARRAY_SIZE(bins); i++) {
		struct scan_inv b;
		char *buf = NULL;
		size_t len = 0;
		if (access(bins[i], R_OK) < 0)
			continue;
		assert_int_equal(ward_fs_read_all(AT_FDCWD, bins[i], 512u << 20, &buf, &len, NULL),
				 0);
		builder(&b);
		assert_int_equal(scan_go_parse_buf(&b, (uint8_t *)buf, len, bins[i], NULL), 0);
		assert_true(ward_str_has_prefix(find_pkg(b.inv, "stdlib")->version, "v1."));
		assert_true(
			ward_version_valid(WARD_VERSION_GO, find_pkg(b.inv, "stdlib")->version));
		assert_int_equal(b.inv->n_warnings, 0);
		scan_inv_clear(&b);
		free(buf);
		return;
	}
	skip();
}

/* ---- purl -------------------------------------------------------------------------------- */

#define PK(t, n, v, sn, a)                                                       \
	{                                                                        \
		.type = t, .name = n, .version = v, .source_name = sn, .arch = a \
	}

static void
test_purl_build_and_parse(void **state)
{
	(void)state;
	static const struct {
		struct scan_pkg_in in;
		const char *os_id, *distro, *want;
	} cases[] = {
		{PK(WARD_PKG_DPKG, "libc6", "2.36-9+deb12u4", "glibc", "amd64"), "debian",
		 "debian-12",
		 "pkg:deb/debian/"
		 "libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"},
		{PK(WARD_PKG_RPM, "bash", "1:5.1.8-6.el9", NULL, "x86_64"), "rocky", "rocky-9.3",
		 "pkg:rpm/rocky/bash@5.1.8-6.el9?arch=x86_64&distro=rocky-9.3&epoch=1"},
		{PK(WARD_PKG_APK, "ssl_client", "1.36.1-r15", "busybox", "x86_64"), NULL, NULL,
		 "pkg:apk/alpine/ssl_client@1.36.1-r15?arch=x86_64&upstream=busybox"},
		{PK(WARD_PKG_NPM, "@angular/core", "17.0.0", NULL, NULL), NULL, NULL,
		 "pkg:npm/%40angular/core@17.0.0"},
		{PK(WARD_PKG_PYPI, "Django_REST.framework", "3.14.0", NULL, NULL), NULL, NULL,
		 "pkg:pypi/django-rest-framework@3.14.0"},
		{PK(WARD_PKG_GO, "github.com/x/y/v2", "v2.0.0+incompatible", NULL, NULL), NULL,
		 NULL, "pkg:golang/github.com/x/y/v2@v2.0.0%2Bincompatible"},
		/* A hostile name cannot add a path segment or a qualifier. */
		{PK(WARD_PKG_DPKG, "a/b?arch=evil#x", "1", NULL, NULL), NULL, NULL,
		 "pkg:deb/debian/a%2Fb%3Farch%3Devil%23x@1"},
	};

	for (size_t i = 0; i < WARD_ARRAY_SIZE(cases); i++) {
		char *s = scan_purl_build(&cases[i].in, cases[i].os_id, cases[i].distro);
		struct scan_purl p;
		bool oom;
		assert_non_null(s);
		assert_string_equal(s, cases[i].want);
		assert_null(scan_purl_parse(s, &p, &oom));
		assert_string_equal(p.type, ward_pkg_type_name(cases[i].in.type));
		if (cases[i].in.type != WARD_PKG_PYPI && cases[i].in.type != WARD_PKG_NPM &&
		    cases[i].in.type != WARD_PKG_GO)
			assert_string_equal(p.name, cases[i].in.name);
		if (cases[i].in.type != WARD_PKG_RPM)
			assert_string_equal(p.version, cases[i].in.version);
		assert_str_or_null(scan_purl_qualifier(&p, "arch"), cases[i].in.arch);
		scan_purl_clear(&p);
		free(s);
	}
}

static void
test_purl_parse_rejects(void **state)
{
	(void)state;
	static const struct {
		const char *purl, *why;
	} bad[] = {
		{"deb/debian/x@1", "no 'pkg:' scheme"},
		{"pkg:", "no type"},
		{"pkg:/x@1", "no type"},
		{"pkg:de$b/x@1", "a type with characters"},
		{"pkg:deb/x%2@1", "two hex digits"},
		{"pkg:deb/x%00y@1", "an encoded NUL"},
		{"pkg:deb/", "no name"},
		{"pkg:deb/x@1?noequals", "a qualifier without"},
	};
	struct scan_purl p;
	bool oom;

	for (size_t i = 0; i < WARD_ARRAY_SIZE(bad); i++) {
		const char *why = scan_purl_parse(bad[i].purl, &p, &oom);
		if (!why || !strstr(why, bad[i].why))
			fail_msg("'%s': got %s, want '%s'", bad[i].purl, why ? why : "accepted",
				 bad[i].why);
	}
	/* npm scope as the namespace, subpath ignored, qualifier keys lower-cased */
	assert_null(scan_purl_parse("pkg:NPM/%40s/n@1.0.0?ARCH=x#lib/a", &p, &oom));
	assert_string_equal(p.type, "npm");
	assert_string_equal(p.namespace, "@s");
	assert_string_equal(p.name, "n");
	assert_string_equal(p.version, "1.0.0");
	assert_string_equal(scan_purl_qualifier(&p, "arch"), "x");
	scan_purl_clear(&p);
}

/* ---- rpm ---------------------------------------------------------------------------------- */

struct hdr_builder {
	uint8_t idx[64 * 16], data[4096];
	uint32_t il, dl;
};

static void
be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
hb_entry(struct hdr_builder *h, uint32_t tag, uint32_t type, uint32_t off, uint32_t count)
{
	uint8_t *e = h->idx + h->il++ * 16;
	be32_put(e, tag);
	be32_put(e + 4, type);
	be32_put(e + 8, off);
	be32_put(e + 12, count);
}

static void
hb_string(struct hdr_builder *h, uint32_t tag, const char *s)
{
	hb_entry(h, tag, 6, h->dl, 1);
	memcpy(h->data + h->dl, s, strlen(s) + 1);
	h->dl += (uint32_t)strlen(s) + 1;
}

static void
hb_epoch(struct hdr_builder *h, uint32_t epoch)
{
	h->dl = (h->dl + 3) & ~3u;
	hb_entry(h, 1003, 4, h->dl, 1);
	be32_put(h->data + h->dl, epoch);
	h->dl += 4;
}

static uint8_t *
hb_blob(struct hdr_builder *h, size_t *len)
{
	uint8_t *b = malloc(8 + h->il * 16 + h->dl);
	be32_put(b, h->il);
	be32_put(b + 4, h->dl);
	memcpy(b + 8, h->idx, h->il * 16);
	memcpy(b + 8 + h->il * 16, h->data, h->dl);
	*len = 8 + h->il * 16 + h->dl;
	return b;
}

static uint8_t *
rpm_header(const char *name, const char *ver, const char *rel, int epoch, const char *srpm,
	   size_t *len)
{
	struct hdr_builder h = {0};
	hb_entry(&h, 63, 7, 0, 16); /* the immutable region tag rpm puts first */
	h.dl = 16;
	hb_string(&h, 1000, name);
	hb_string(&h, 1001, ver);
	hb_string(&h, 1002, rel);
	if (epoch >= 0)
		hb_epoch(&h, (uint32_t)epoch);
	hb_string(&h, 1014, "MIT");
	hb_string(&h, 1022, "x86_64");
	if (srpm)
		hb_string(&h, 1044, srpm);
	return hb_blob(&h, len);
}

static void
test_rpm_header_parse_and_bounds(void **state)
{
	(void)state;
	struct scan_rpm_header h;
	struct scan_inv b;
	size_t len;
	uint8_t *blob = rpm_header("util-linux-core", "2.37.4", "15.el9", 2,
				   "util-linux-2.37.4-15.el9.src.rpm", &len);
	bool oom;

	assert_null(scan_rpm_header_parse(blob, len, &h, &oom));
	assert_string_equal(h.name, "util-linux-core");
	assert_true(h.has_epoch);
	assert_int_equal(h.epoch, 2);
	builder(&b);
	assert_int_equal(scan_rpm_add(&b, &h, "/var/lib/rpm/rpmdb.sqlite", NULL), 0);
	assert_string_equal(b.inv->pkgs[0].version, "2:2.37.4-15.el9");
	assert_string_equal(b.inv->pkgs[0].source_name, "util-linux");
	assert_null(b.inv->pkgs[0].source_version); /* same as the binary's */
	assert_string_equal(b.inv->pkgs[0].license, "MIT");
	scan_rpm_header_clear(&h);
	scan_inv_clear(&b);

	/* Every truncation: refused, never read past. */
	for (size_t cut = 0; cut < len; cut++)
		assert_non_null(scan_rpm_header_parse(blob, cut, &h, &oom));
	/* il = 0, il past rpm's maximum */
	be32_put(blob, 0);
	assert_non_null(strstr(scan_rpm_header_parse(blob, len, &h, &oom), "1..65535"));
	be32_put(blob, 0x10000);
	assert_non_null(scan_rpm_header_parse(blob, len, &h, &oom));
	be32_put(blob, 8);
	/* A string offset past the data store */
	be32_put(blob + 8 + 16 + 8, 0xfffffff0u);
	assert_non_null(strstr(scan_rpm_header_parse(blob, len, &h, &oom), "past the data store"));
	free(blob);

	/* No NUL before the end of the data store */
	{
		struct hdr_builder hb = {0};
		hb_entry(&hb, 1000, 6, 0, 1);
		memcpy(hb.data, "abc", 3);
		hb.dl = 3;
		blob = hb_blob(&hb, &len);
		assert_non_null(strstr(scan_rpm_header_parse(blob, len, &h, &oom), "running past"));
		free(blob);
	}
}

/* An rpmdb.sqlite made here: rpm's schema, crafted header blobs. */
static uint8_t *
make_rpmdb(const char *extra_sql, size_t *ret_len, bool good_rows)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	sqlite3_int64 sz;
	unsigned char *ser;
	uint8_t *copy;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE IF NOT EXISTS 'Packages' (hnum INTEGER PRIMARY "
				      "KEY AUTOINCREMENT,blob BLOB NOT NULL);",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	if (good_rows) {
		assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO Packages(blob) VALUES (?)", -1,
						    &st, NULL),
				 SQLITE_OK);
		for (int i = 0; i < 3; i++) {
			size_t len;
			char name[32];
			uint8_t *blob;
			snprintf(name, sizeof(name), "pkg%d", i);
			blob = rpm_header(i == 2 ? "gpg-pubkey" : name, "1.0", "1.el9",
					  i == 1 ? 3 : -1, i == 0 ? "src0-1.0-1.el9.src.rpm" : NULL,
					  &len);
			sqlite3_bind_blob(st, 1, blob, (int)len, SQLITE_TRANSIENT);
			assert_int_equal(sqlite3_step(st), SQLITE_DONE);
			sqlite3_reset(st);
			free(blob);
		}
		sqlite3_finalize(st);
		assert_int_equal(
			sqlite3_exec(db,
				     "INSERT INTO Packages(blob) VALUES (x'0000000100000000');"
				     "INSERT INTO Packages(blob) VALUES ('text');",
				     NULL, NULL, NULL),
			SQLITE_OK);
	}
	if (extra_sql)
		assert_int_equal(sqlite3_exec(db, extra_sql, NULL, NULL, NULL), SQLITE_OK);
	ser = sqlite3_serialize(db, "main", &sz, 0);
	assert_non_null(ser);
	copy = malloc((size_t)sz);
	memcpy(copy, ser, (size_t)sz);
	sqlite3_free(ser);
	sqlite3_close(db);
	*ret_len = (size_t)sz;
	return copy;
}

static void
test_rpm_sqlite_db(void **state)
{
	(void)state;
	struct scan_inv b;
	size_t len;
	uint8_t *db = make_rpmdb(NULL, &len, true);

	builder(&b);
	assert_int_equal(scan_rpm_sqlite_parse(&b, db, len, "/var/lib/rpm/rpmdb.sqlite", NULL), 0);
	/* pkg0, pkg1; gpg-pubkey is not software; the two bad rows warn */
	assert_int_equal(b.inv->n_pkgs, 2);
	assert_string_equal(find_pkg(b.inv, "pkg0")->source_name, "src0");
	assert_string_equal(find_pkg(b.inv, "pkg1")->version, "3:1.0-1.el9");
	assert_string_equal(find_pkg(b.inv, "pkg1")->purl,
			    "pkg:rpm/redhat/pkg1@1.0-1.el9?arch=x86_64&epoch=3");
	assert_int_equal(b.inv->n_warnings, 2);
	assert_true(has_warning(b.inv, "header 4:"));
	assert_true(has_warning(b.inv, "header 5: not a blob"));
	free(db);

	/* Not sqlite; sqlite but corrupt; Packages a view */
	{
		uint8_t hello[] = "hello";
		assert_int_equal(scan_rpm_sqlite_parse(&b, hello, 5, "/x", NULL), 0);
	}
	assert_true(has_warning(b.inv, "/x: not an sqlite database"));
	db = make_rpmdb(NULL, &len, true);
	memset(db + 100, 0xee, len - 100 > 4000 ? 4000 : len - 100);
	assert_int_equal(scan_rpm_sqlite_parse(&b, db, len, "/corrupt", NULL), 0);
	assert_true(has_warning(b.inv, "/corrupt"));
	free(db);
	db = make_rpmdb(
		"DROP TABLE Packages; CREATE VIEW Packages AS WITH RECURSIVE c(x) AS "
		"(SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS hnum, x AS blob FROM c;",
		&len, false);
	assert_int_equal(scan_rpm_sqlite_parse(&b, db, len, "/view", NULL), 0);
	assert_true(has_warning(b.inv, "/view: no Packages table"));
	free(db);
	scan_inv_clear(&b);
}

/* ---- the rootfs ------------------------------------------------------------------------------ */

static void
test_rootfs_languages_walk(void **state)
{
	(void)state;
	char *root = mkroot();
	struct ward_inventory *inv;
	size_t len;
	uint8_t *elf = make_go_elf(true, true, "go1.21.5", go_mod, &len);
	char path[PATH_MAX];
	int fd;

	write_file(root, "usr/lib/os-release", "ID=alpine\nVERSION_ID=3.19.1\n");
	write_file(root, "lib/apk/db/installed", apk_db);
	write_file(root, "app/node_modules/express/package.json",
		   "{\"name\":\"express\",\"version\":\"4.18.2\"}");
	write_file(root, "app/node_modules/express/node_modules/debug/package.json",
		   "{\"name\":\"debug\",\"version\":\"2.6.9\"}");
	write_file(root, "app/node_modules/@types/node/package.json",
		   "{\"name\":\"@types/node\",\"version\":\"20.10.6\"}");
	write_file(root, "app/node_modules/.bin/x", "#!/bin/sh\n");
	/* With node_modules beside it the lock file is not read. */
	write_file(root, "app/package-lock.json",
		   "{\"lockfileVersion\":3,\"packages\":{\"node_modules/"
		   "ghost\":{\"version\":\"1.0.0\"}}}");
	write_file(root, "srv/package-lock.json",
		   "{\"lockfileVersion\":3,\"packages\":{\"node_modules/"
		   "left-pad\":{\"version\":\"1.3.0\"}}}");
	write_file(root, "usr/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA",
		   "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n");
	/* egg-info: a PKG-INFO in a directory, or distutils' single file */
	write_file(root, "usr/lib/python3/dist-packages/six-1.16.0.egg-info",
		   "Metadata-Version: 1.2\nName: six\nVersion: 1.16.0\nLicense: MIT\n");
	write_file(root, "usr/lib/python3/dist-packages/PyYAML-6.0.egg-info/PKG-INFO",
		   "Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0\n");
	write_file(root, "src/vendored/foo-1.0.dist-info/METADATA",
		   "Metadata-Version: 2.1\nName: notinstalled\nVersion: 1.0\n");
	write_file(root, "usr/local/bin/app", "");
	snprintf(path, sizeof(path), "%s/usr/local/bin/app", root);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	assert_true(fd >= 0);
	assert_int_equal(ward_fs_write_all(fd, elf, len), 0);
	close(fd);
	free(elf);

	inv = scan_root(root);
	assert_string_equal(inv->os.id, "alpine");
	assert_string_equal(
		find_pkg(inv, "musl")->purl,
		"pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1");
	assert_string_equal(find_pkg(inv, "express")->location,
			    "/app/node_modules/express/package.json");
	assert_string_equal(find_pkg(inv, "debug")->version, "2.6.9");
	assert_string_equal(find_pkg(inv, "@types/node")->version, "20.10.6");
	assert_string_equal(find_pkg(inv, "left-pad")->location, "/srv/package-lock.json");
	assert_string_equal(find_pkg(inv, "requests")->location,
			    "/usr/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA");
	assert_string_equal(find_pkg(inv, "stdlib")->location, "/usr/local/bin/app");
	assert_string_equal(find_pkg(inv, "golang.org/x/net")->version, "v0.19.0");
	for (size_t i = 0; i < inv->n_pkgs; i++) {
		assert_string_not_equal(inv->pkgs[i].name, "ghost");
		assert_string_not_equal(inv->pkgs[i].name, "notinstalled");
	}
	assert_string_equal(find_pkg(inv, "six")->location,
			    "/usr/lib/python3/dist-packages/six-1.16.0.egg-info");
	assert_string_equal(find_pkg(inv, "PyYAML")->purl, "pkg:pypi/pyyaml@6.0");
	/* apk (2) + npm (4) + python (3) + Go (5) */
	assert_int_equal(inv->n_pkgs, 14);
	ward_inventory_free(inv);
	rmroot(root);
}

static void
test_rootfs_symlinks_never_leave_it(void **state)
{
	(void)state;
	char *root = mkroot(), *outside = mkroot();
	struct ward_inventory *inv;
	char target[PATH_MAX], link[PATH_MAX];

	/* The host has a status file and node_modules the image points at. */
	write_file(outside, "status", "Package: host-secret\nVersion: 1.0\n");
	write_file(outside, "nm/evil/package.json",
		   "{\"name\":\"host-pkg\",\"version\":\"6.6.6\"}");
	write_file(outside, "os-release", "ID=hostos\n");
	write_file(root, "var/lib/dpkg/.keep", "");
	snprintf(target, sizeof(target), "%s/status", outside);
	snprintf(link, sizeof(link), "%s/var/lib/dpkg/status", root);
	assert_int_equal(symlink(target, link), 0);
	snprintf(target, sizeof(target), "../../../../../../../../%s/os-release", outside);
	write_file(root, "etc/.keep", "");
	snprintf(link, sizeof(link), "%s/etc/os-release", root);
	assert_int_equal(symlink(target, link), 0);
	write_file(root, "app/node_modules/ok/package.json",
		   "{\"name\":\"ok\",\"version\":\"1.0.0\"}");
	snprintf(target, sizeof(target), "%s/nm/evil", outside);
	snprintf(link, sizeof(link), "%s/app/node_modules/evil", root);
	assert_int_equal(symlink(target, link), 0);
	snprintf(target, sizeof(target), "%s/nm", outside);
	snprintf(link, sizeof(link), "%s/srv", root);
	assert_int_equal(symlink(target, link), 0);

	inv = scan_root(root);
	/* RESOLVE_IN_ROOT: the absolute link resolves inside the rootfs,
	 * where there is no such file; the walk follows no symlink at all. */
	assert_int_equal(inv->n_pkgs, 1);
	assert_string_equal(inv->pkgs[0].name, "ok");
	assert_null(inv->os.id);
	ward_inventory_free(inv);
	rmroot(root);
	rmroot(outside);
}

static void
test_rootfs_fifo_oversize_and_depth(void **state)
{
	(void)state;
	char *root = mkroot();
	struct ward_inventory *inv;
	char path[PATH_MAX];
	int fd;

	write_file(root, "var/lib/dpkg/.keep", "");
	snprintf(path, sizeof(path), "%s/var/lib/dpkg/status", root);
	assert_int_equal(mkfifo(path, 0644), 0); /* would block a plain open() */
	/* A device node where rpm's database should be: never opened */
	write_file(root, "var/lib/rpm/.keep", "");
	snprintf(path, sizeof(path), "%s/var/lib/rpm/rpmdb.sqlite", root);
	assert_int_equal(mknod(path, S_IFCHR | 0644, makedev(1, 3)), 0);
	/* A sparse apk database past WARD_SCAN_DB_MAX */
	write_file(root, "lib/apk/db/installed", "");
	snprintf(path, sizeof(path), "%s/lib/apk/db/installed", root);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_int_equal(ftruncate(fd, (off_t)WARD_SCAN_DB_MAX + 1), 0);
	close(fd);
	/* Deeper than the walk goes */
	{
		char rel[PATH_MAX] = "deep";
		for (unsigned i = 0; i < SCAN_WALK_MAX_DEPTH + 2; i++)
			strcat(rel, "/d");
		strcat(rel, "/node_modules/x/package.json");
		write_file(root, rel, "{\"name\":\"x\",\"version\":\"1.0.0\"}");
	}
	inv = scan_root(root);
	assert_int_equal(inv->n_pkgs, 0);
	assert_true(has_warning(inv, "/var/lib/dpkg/status: skipped: not a regular file"));
	assert_true(has_warning(inv, "/lib/apk/db/installed: skipped: 268435457 bytes"));
	assert_true(has_warning(inv, "deeper than 48 levels"));
	assert_true(has_warning(inv, "/var/lib/rpm/rpmdb.sqlite: skipped: not a regular file"));
	assert_int_equal(inv->n_warnings, 4);
	ward_inventory_free(inv);
	rmroot(root);
}

static void
test_rootfs_rpm_berkeleydb_unsupported(void **state)
{
	(void)state;
	char *root = mkroot();
	struct ward_inventory *inv = NULL;
	struct ward_error *err = NULL;
	int fd;

	write_file(root, "var/lib/rpm/Packages", "\0\0\0\0\x61\x15\x06\0");
	fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(ward_scan_inventory(fd, "rootfs X", &inv, &err) < 0);
	assert_int_equal(err->kind, WARD_E_UNSUPPORTED);
	assert_non_null(strstr(err->msg, "rpm BerkeleyDB database /var/lib/rpm/Packages"));
	assert_non_null(strstr(err->msg, "not supported"));
	assert_null(inv);
	ward_error_free(err);
	close(fd);
	rmroot(root);
}

/* Tar the directory root/name into a blob in the store, unpack it as ward
 * does into <store>/layers/<diff id hex>; *diff gets the diff id. */
static void
add_layer(struct ward_store *st, const char *store_root, const char *dir,
	  struct ward_digest *ret_blob, size_t *ret_size, struct ward_digest *ret_diff)
{
	char cmd[PATH_MAX * 3], tarpath[PATH_MAX * 2], ldir[PATH_MAX * 2];
	char *buf = NULL;
	size_t len = 0;
	struct ward_unpack_result res;
	int fd, dfd;

	snprintf(tarpath, sizeof(tarpath), "%s.tar", dir);
	snprintf(cmd, sizeof(cmd), "tar -C '%s' -cf '%s' .", dir, tarpath);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(ward_fs_read_all(AT_FDCWD, tarpath, 1u << 20, &buf, &len, NULL), 0);
	assert_int_equal(ward_store_put_blob(st, buf, len, ret_blob, NULL), 0);
	*ret_size = len;
	free(buf);
	fd = open(tarpath, O_RDONLY | O_CLOEXEC);
	snprintf(ldir, sizeof(ldir), "%s/layers/tmp", store_root);
	assert_int_equal(ward_fs_mkdir_p(ldir, 0755, NULL), 0);
	dfd = open(ldir, O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(ward_layer_unpack(fd, dfd, NULL, &res, NULL), 0);
	close(fd);
	close(dfd);
	assert_int_equal(ward_digest_parse(res.diff_id, ret_diff, NULL), 0);
	snprintf(cmd, sizeof(cmd), "%s/layers/%s", store_root, ward_digest_hex(ret_diff));
	assert_int_equal(rename(ldir, cmd), 0);
}

/* Two layers under a detached overlay: the upper layer's status file
 * hides the lower's, as a container would see it. */
static void
test_image_rootfs_overlay(void **state)
{
	(void)state;
	char *work = mkroot(), sroot[PATH_MAX], l1[PATH_MAX], l2[PATH_MAX];
	struct ward_store *st = NULL;
	struct ward_digest b1, b2, d1, d2, cfg, man;
	size_t s1, s2;
	char *doc;
	struct ward_inventory *inv = NULL;
	struct ward_error *err = NULL;
	int fd = -1;

	if (geteuid() != 0)
		skip();
	snprintf(sroot, sizeof(sroot), "%s/store", work);
	snprintf(l1, sizeof(l1), "%s/l1", work);
	snprintf(l2, sizeof(l2), "%s/l2", work);
	write_file(l1, "etc/os-release", "ID=debian\nVERSION_ID=12\n");
	write_file(l1, "var/lib/dpkg/status", "Package: old\nVersion: 1\n");
	write_file(l2, "var/lib/dpkg/status",
		   "Package: new\nVersion: 2\n\nPackage: more\nVersion: 3\n");
	assert_int_equal(ward_store_open(sroot, true, &st, NULL), 0);
	add_layer(st, sroot, l1, &b1, &s1, &d1);
	add_layer(st, sroot, l2, &b2, &s2, &d2);
	doc = ward_strdup_printf("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":"
				 "{\"type\":\"layers\",\"diff_ids\":[\"%s\",\"%s\"]}}",
				 d1.s, d2.s);
	assert_int_equal(ward_store_put_blob(st, doc, strlen(doc), &cfg, NULL), 0);
	{
		size_t clen = strlen(doc);
		free(doc);
		doc = ward_strdup_printf(
			"{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
			"\"%s\",\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":"
			"\"application/"
			"vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":%zu},"
			"{\"mediaType\":\"application/"
			"vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\","
			"\"size\":%zu}]}",
			WARD_MT_OCI_MANIFEST, WARD_MT_OCI_CONFIG, cfg.s, clen, b1.s, s1, b2.s, s2);
	}
	assert_int_equal(ward_store_put_blob(st, doc, strlen(doc), &man, NULL), 0);
	free(doc);
	if (ward_scan_open_image_rootfs(st, &man, &fd, &err) < 0) {
		if (err->errnum == EPERM || err->errnum == ENODEV)
			skip();
		fail_msg("open image rootfs: %s", err->msg);
	}
	if (ward_scan_inventory(fd, "image", &inv, &err) < 0)
		fail_msg("scan: %s", err->msg);
	assert_int_equal(inv->n_pkgs, 2);
	assert_string_equal(inv->pkgs[0].name, "new");
	assert_string_equal(inv->os.id, "debian");
	/* Read-only, and attached nowhere. */
	assert_true(openat(fd, "x", O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0 && errno == EROFS);
	close(fd);
	ward_inventory_free(inv);

	/* One layer: a detached read-only clone, no overlay. */
	{
		struct ward_digest cfg1, man1;
		char *c1 = ward_strdup_printf(
			"{\"architecture\":\"amd64\",\"os\":\"linux\","
			"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
			d2.s);
		char *m1;
		assert_int_equal(ward_store_put_blob(st, c1, strlen(c1), &cfg1, NULL), 0);
		m1 = ward_strdup_printf(
			"{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
			"\"%s\",\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":"
			"\"application/"
			"vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":%zu}]}",
			WARD_MT_OCI_MANIFEST, WARD_MT_OCI_CONFIG, cfg1.s, strlen(c1), b2.s, s2);
		assert_int_equal(ward_store_put_blob(st, m1, strlen(m1), &man1, NULL), 0);
		if (ward_scan_open_image_rootfs(st, &man1, &fd, &err) < 0)
			fail_msg("open one-layer image rootfs: %s", err->msg);
		if (ward_scan_inventory(fd, "image", &inv, &err) < 0)
			fail_msg("scan: %s", err->msg);
		assert_int_equal(inv->n_pkgs, 2);
		assert_null(inv->os.id); /* only the lower layer had it */
		assert_true(openat(fd, "y", O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0 &&
			    errno == EROFS);
		close(fd);
		ward_inventory_free(inv);
		free(c1);
		free(m1);
	}

	/* A layer that was never unpacked: a clear error. */
	{
		char *cmd =
			ward_strdup_printf("rm -rf '%s/layers/%s'", sroot, ward_digest_hex(&d1));
		assert_int_equal(system(cmd), 0);
		free(cmd);
		assert_true(ward_scan_open_image_rootfs(st, &man, &fd, &err) < 0);
		assert_non_null(strstr(err->msg, "is not unpacked"));
		ward_error_free(err);
	}
	ward_store_free(st);
	rmroot(work);
}

static void
test_package_limit_is_a_warning(void **state)
{
	(void)state;
	struct scan_inv b;

	builder(&b);
	b.max_pkgs = 2;
	assert_int_equal(scan_dpkg_parse(&b, dpkg_status, sizeof(dpkg_status) - 1, "s", NULL), 0);
	assert_int_equal(b.inv->n_pkgs, 2);
	assert_true(has_warning(b.inv, "more than 2 packages"));
	scan_inv_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_os_release_parse_quotes_and_escapes),
		cmocka_unit_test(test_dpkg_status_sources_and_binnmu),
		cmocka_unit_test(test_dpkg_warnings_counted_past_the_kept_ones),
		cmocka_unit_test(test_dpkg_status_d_distroless),
		cmocka_unit_test(test_apk_installed_db),
		cmocka_unit_test(test_npm_package_json_and_locks),
		cmocka_unit_test(test_python_metadata),
		cmocka_unit_test(test_go_buildinfo_inline_and_pointer),
		cmocka_unit_test(test_go_buildinfo_hostile),
		cmocka_unit_test(test_go_buildinfo_real_binary),
		cmocka_unit_test(test_purl_build_and_parse),
		cmocka_unit_test(test_purl_parse_rejects),
		cmocka_unit_test(test_rpm_header_parse_and_bounds),
		cmocka_unit_test(test_rpm_sqlite_db),
		cmocka_unit_test(test_rootfs_languages_walk),
		cmocka_unit_test(test_rootfs_symlinks_never_leave_it),
		cmocka_unit_test(test_rootfs_fifo_oversize_and_depth),
		cmocka_unit_test(test_rootfs_rpm_berkeleydb_unsupported),
		cmocka_unit_test(test_package_limit_is_a_warning),
		cmocka_unit_test(test_image_rootfs_overlay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
