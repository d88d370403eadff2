/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vulnerability database: OSV import (files, directories, zip archives
 * made here with libarchive), the matching rules as a table of cases
 * (ranges, explicit versions, ecosystems per OS release, Debian source
 * packages and binNMUs, SEMVER and Go, PEP 503 names), withdrawn records,
 * merged aliases, severities, and hostile input: wrong JSON types, huge
 * arrays, oversized records, zip bombs, too many members, corrupt zips,
 * files that are not ward's database. A failed import must leave the
 * database exactly as it was.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/scan.h>

#include "scan/osv.h"

/* ---- fixtures ----------------------------------------------------------- */

struct fx {
	char dir[256];
	char dbpath[300];
	struct ward_vulndb *db;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");
	struct ward_error *err = NULL;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/ward-vulndb-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->dbpath, sizeof(f->dbpath), "%s/vulndb/osv.db", f->dir);
	if (ward_vulndb_open(f->dbpath, true, &f->db, &err) < 0) {
		fprintf(stderr, "open: %s\n", err->msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	struct ward_error *err = NULL;

	ward_vulndb_close(f->db);
	(void)ward_fs_remove_tree(AT_FDCWD, f->dir, &err);
	ward_error_free(err);
	free(f);
	return 0;
}

static char *
path_in(struct fx *f, const char *name)
{
	char *p = ward_strdup_printf("%s/%s", f->dir, name);

	assert_non_null(p);
	return p;
}

static void
mkdir_in(struct fx *f, const char *name)
{
	char *p = path_in(f, name);

	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void
write_str(struct fx *f, const char *name, const char *data)
{
	char *p = path_in(f, name);

	write_file(p, data, strlen(data));
	free(p);
}

/* An OSV record of one affected package. `ranges` and `extra` are JSON
 * fragments ("" for none); extra goes at the top level. */
static char *
record(const char *id, const char *modified, const char *eco, const char *name, const char *ranges,
       const char *extra)
{
	char *r = ward_strdup_printf(
		"{\"schema_version\":\"1.6.0\",\"id\":\"%s\",\"modified\":\"%s\","
		"\"summary\":\"summary of %s\"%s%s,"
		"\"affected\":[{\"package\":{\"ecosystem\":\"%s\",\"name\":\"%s\"}"
		"%s%s}]}",
		id, modified, id, *extra ? "," : "", extra, eco, name, *ranges ? "," : "", ranges);
	assert_non_null(r);
	return r;
}

static void
write_record(struct fx *f, const char *file, const char *id, const char *eco, const char *name,
	     const char *ranges, const char *extra)
{
	char *r = record(id, "2024-01-01T00:00:00Z", eco, name, ranges, extra);

	write_str(f, file, r);
	free(r);
}

static void
import_ok(struct fx *f, const char *name, struct ward_vulndb_import_stats *st)
{
	char *p = path_in(f, name);
	char *paths[] = {p};
	struct ward_error *err = NULL;

	if (ward_vulndb_import(f->db, paths, 1, st, &err) < 0)
		fail_msg("import %s: %s", p, err->msg);
	free(p);
}

static size_t
record_count(struct fx *f)
{
	struct ward_vulndb_status st = {0};
	struct ward_error *err = NULL;
	size_t n;

	if (ward_vulndb_status(f->db, &st, &err) < 0)
		fail_msg("status: %s", err->msg);
	n = st.records;
	ward_vulndb_status_clear(&st);
	return n;
}

static bool
warned(const struct ward_vulndb_import_stats *st, const char *a, const char *b)
{
	for (size_t i = 0; i < st->n_warnings_kept; i++)
		if (strstr(st->warnings[i], a) && (!b || strstr(st->warnings[i], b)))
			return true;
	return false;
}

/* ---- inventories -------------------------------------------------------- */

static struct ward_inventory *
inv_new(const char *os_id, const char *version_id)
{
	struct ward_inventory *inv = calloc(1, sizeof(*inv));

	assert_non_null(inv);
	inv->os.id = os_id ? strdup(os_id) : NULL;
	inv->os.version_id = version_id ? strdup(version_id) : NULL;
	inv->source = strdup("test");
	return inv;
}

static void
inv_add(struct ward_inventory *inv, enum ward_pkg_type type, const char *name, const char *version,
	const char *src, const char *srcver)
{
	struct ward_package *p;

	inv->pkgs = realloc(inv->pkgs, (inv->n_pkgs + 1) * sizeof(*inv->pkgs));
	assert_non_null(inv->pkgs);
	p = &inv->pkgs[inv->n_pkgs++];
	*p = (struct ward_package){.type = type};
	p->name = strdup(name);
	p->version = strdup(version);
	p->source_name = src ? strdup(src) : NULL;
	p->source_version = srcver ? strdup(srcver) : NULL;
}

static struct ward_scan_report *
match(struct fx *f, struct ward_inventory *inv)
{
	struct ward_scan_report *rep = NULL;
	struct ward_error *err = NULL;

	if (ward_vulndb_match(f->db, inv, &rep, &err) < 0)
		fail_msg("match: %s", err->msg);
	return rep;
}

static const struct ward_vuln_finding *
finding(const struct ward_scan_report *rep, const char *id)
{
	for (size_t i = 0; i < rep->n_findings; i++)
		if (strcmp(rep->findings[i].id, id) == 0)
			return &rep->findings[i];
	return NULL;
}

/* ---- the matching rules -------------------------------------------------- */

struct match_case {
	const char *what;
	const char *eco, *rec_name, *ranges; /* the record's affected entry */
	const char *os_id, *os_version;	     /* the inventory */
	enum ward_pkg_type type;
	const char *name, *version, *src, *srcver; /* the installed package */
	bool hit;
	const char *fixed; /* expected fixed_version when hit */
};

/* Events joined with commas inside the string: EV(I("0"), F("1.2")). */
#define PICK(a, b, c, d, N, ...) N
#define J1(a) a
#define J2(a, b) a "," b
#define J3(a, b, c) a "," b "," c
#define J4(a, b, c, d) a "," b "," c "," d
#define JOIN(...) PICK(__VA_ARGS__, J4, J3, J2, J1, _)(__VA_ARGS__)
#define EV(...) "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[" JOIN(__VA_ARGS__) "]}]"
#define SV(...) "\"ranges\":[{\"type\":\"SEMVER\",\"events\":[" JOIN(__VA_ARGS__) "]}]"
#define I(v) "{\"introduced\":\"" v "\"}"
#define F(v) "{\"fixed\":\"" v "\"}"
#define L(v) "{\"last_affected\":\"" v "\"}"
#define LIM(v) "{\"limit\":\"" v "\"}"

static const struct match_case match_cases[] = {
	{"before the fix", "Debian:12", "foo", EV(I("0"), F("1.2-3")), "debian", "12",
	 WARD_PKG_DPKG, "foo", "1.2-2", NULL, NULL, true, "1.2-3"},
	{"the fixed version itself", "Debian:12", "foo", EV(I("0"), F("1.2-3")), "debian", "12",
	 WARD_PKG_DPKG, "foo", "1.2-3", NULL, NULL, false, NULL},
	{"after the fix", "Debian:12", "foo", EV(I("0"), F("1.2-3")), "debian", "12", WARD_PKG_DPKG,
	 "foo", "1.2-10", NULL, NULL, false, NULL},
	{"dpkg order: ~ before release", "Debian:12", "foo", EV(I("0"), F("1.2")), "debian", "12",
	 WARD_PKG_DPKG, "foo", "1.2~rc1-1", NULL, NULL, true, "1.2"},
	{"no fixed event: every later version", "Debian:12", "foo", EV(I("0")), "debian", "12",
	 WARD_PKG_DPKG, "foo", "99:1.0-1", NULL, NULL, true, NULL},
	{"before introduced", "Debian:12", "foo", EV(I("1.0-1"), F("2.0-1")), "debian", "12",
	 WARD_PKG_DPKG, "foo", "0.9-1", NULL, NULL, false, NULL},
	{"introduced itself is affected", "Debian:12", "foo", EV(I("1.0-1"), F("2.0-1")), "debian",
	 "12", WARD_PKG_DPKG, "foo", "1.0-1", NULL, NULL, true, "2.0-1"},
	{"last_affected itself is affected", "Debian:12", "foo", EV(I("0"), L("1.5-1")), "debian",
	 "12", WARD_PKG_DPKG, "foo", "1.5-1", NULL, NULL, true, NULL},
	{"after last_affected", "Debian:12", "foo", EV(I("0"), L("1.5-1")), "debian", "12",
	 WARD_PKG_DPKG, "foo", "1.5-2", NULL, NULL, false, NULL},
	{"two ranges: between them", "Debian:12", "foo", EV(I("1.0"), F("1.2"), I("2.0"), F("2.3")),
	 "debian", "12", WARD_PKG_DPKG, "foo", "1.5", NULL, NULL, false, NULL},
	{"two ranges: the second, its own fix", "Debian:12", "foo",
	 EV(I("1.0"), F("1.2"), I("2.0"), F("2.3")), "debian", "12", WARD_PKG_DPKG, "foo", "2.1",
	 NULL, NULL, true, "2.3"},
	{"events out of order are sorted", "Debian:12", "foo",
	 EV(F("2.3"), I("2.0"), F("1.2"), I("1.0")), "debian", "12", WARD_PKG_DPKG, "foo", "1.1",
	 NULL, NULL, true, "1.2"},
	{"below a limit", "Debian:12", "foo", EV(I("0"), LIM("2.0")), "debian", "12", WARD_PKG_DPKG,
	 "foo", "1.9", NULL, NULL, true, NULL},
	{"at a limit", "Debian:12", "foo", EV(I("0"), LIM("2.0")), "debian", "12", WARD_PKG_DPKG,
	 "foo", "2.0", NULL, NULL, false, NULL},
	{"explicit versions: listed", "Debian:12", "foo", "\"versions\":[\"1.4-1\",\"1.6-1\"]",
	 "debian", "12", WARD_PKG_DPKG, "foo", "1.4-1", NULL, NULL, true, NULL},
	{"explicit versions: not listed", "Debian:12", "foo", "\"versions\":[\"1.4-1\",\"1.6-1\"]",
	 "debian", "12", WARD_PKG_DPKG, "foo", "1.5-1", NULL, NULL, false, NULL},
	{"a range and versions[]: the range", "Debian:12", "foo",
	 EV(I("0"), F("2.0-1")) ",\"versions\":[\"1.4-1\"]", "debian", "12", WARD_PKG_DPKG, "foo",
	 "1.0-1", NULL, NULL, true, "2.0-1"},
	{"a range and versions[]: the list", "Debian:12", "foo",
	 EV(I("0"), F("1.0-1")) ",\"versions\":[\"1.4-1\"]", "debian", "12", WARD_PKG_DPKG, "foo",
	 "1.4-1", NULL, NULL, true, NULL},
	{"a range and versions[]: neither", "Debian:12", "foo",
	 EV(I("0"), F("1.0-1")) ",\"versions\":[\"1.4-1\"]", "debian", "12", WARD_PKG_DPKG, "foo",
	 "1.2-1", NULL, NULL, false, NULL},
	{"another Debian release never hits", "Debian:11", "foo", EV(I("0"), F("9.0")), "debian",
	 "12", WARD_PKG_DPKG, "foo", "1.0", NULL, NULL, false, NULL},
	{"Debian without a release: every release", "Debian", "foo", EV(I("0"), F("9.0")), "debian",
	 "12", WARD_PKG_DPKG, "foo", "1.0", NULL, NULL, true, "9.0"},
	{"a Debian record never hits Ubuntu", "Debian:12", "foo", EV(I("0"), F("9.0")), "ubuntu",
	 "22.04", WARD_PKG_DPKG, "foo", "1.0", NULL, NULL, false, NULL},
	{"source package name", "Debian:12", "openssl", EV(I("0"), F("3.0.11-1~deb12u2")), "debian",
	 "12", WARD_PKG_DPKG, "libssl3", "3.0.11-1~deb12u1", "openssl", NULL, true,
	 "3.0.11-1~deb12u2"},
	{"binary name is not looked up when a source is named", "Debian:12", "libssl3",
	 EV(I("0"), F("9")), "debian", "12", WARD_PKG_DPKG, "libssl3", "3.0.11-1", "openssl", NULL,
	 false, NULL},
	{"binNMU suffix stripped: affected source", "Debian:12", "foo", EV(I("0"), F("2.0-2")),
	 "debian", "12", WARD_PKG_DPKG, "libfoo1", "2.0-1+b1", "foo", NULL, true, "2.0-2"},
	{"binNMU suffix stripped: fixed source", "Debian:12", "foo", EV(I("0"), F("2.0-2")),
	 "debian", "12", WARD_PKG_DPKG, "libfoo1", "2.0-2+b3", "foo", NULL, false, NULL},
	{"recorded source version wins over the binary's epoch", "Debian:12", "foo",
	 EV(I("0"), F("2.0-2")), "debian", "12", WARD_PKG_DPKG, "foo-bin", "1:5.0-1", "foo",
	 "2.0-1", true, "2.0-2"},
	{"Ubuntu LTS as OSV names it", "Ubuntu:22.04:LTS", "bar", EV(I("0"), F("1.1-1ubuntu1")),
	 "ubuntu", "22.04", WARD_PKG_DPKG, "bar", "1.1-1", NULL, NULL, true, "1.1-1ubuntu1"},
	{"Ubuntu Pro", "Ubuntu:Pro:18.04:LTS", "bar", EV(I("0"), F("1.1-1ubuntu0.1+esm1")),
	 "ubuntu", "18.04", WARD_PKG_DPKG, "bar", "1.1-1", NULL, NULL, true, "1.1-1ubuntu0.1+esm1"},
	{"Ubuntu other release", "Ubuntu:20.04:LTS", "bar", EV(I("0"), F("9")), "ubuntu", "22.04",
	 WARD_PKG_DPKG, "bar", "1.1-1", NULL, NULL, false, NULL},
	{"Alpine release from VERSION_ID", "Alpine:v3.19", "busybox", EV(I("0"), F("1.36.1-r16")),
	 "alpine", "3.19.1", WARD_PKG_APK, "busybox", "1.36.1-r15", NULL, NULL, true, "1.36.1-r16"},
	{"Alpine other release", "Alpine:v3.18", "busybox", EV(I("0"), F("1.36.1-r16")), "alpine",
	 "3.19.1", WARD_PKG_APK, "busybox", "1.36.1-r15", NULL, NULL, false, NULL},
	{"Alpine origin package", "Alpine:v3.19", "openssl", EV(I("0"), F("3.1.4-r1")), "alpine",
	 "3.19.0", WARD_PKG_APK, "libcrypto3", "3.1.4-r0", "openssl", NULL, true, "3.1.4-r1"},
	{"Rocky Linux major release", "Rocky Linux:9", "openssl", EV(I("0"), F("1:3.0.7-25.el9_3")),
	 "rocky", "9.3", WARD_PKG_RPM, "openssl", "1:3.0.7-24.el9", NULL, NULL, true,
	 "1:3.0.7-25.el9_3"},
	{"Red Hat product stream", "Red Hat:enterprise_linux:9::appstream", "curl",
	 EV(I("0"), F("7.76.1-26.el9_3.2")), "rhel", "9.3", WARD_PKG_RPM, "curl", "7.76.1-26.el9",
	 NULL, NULL, true, "7.76.1-26.el9_3.2"},
	{"AlmaLinux other release", "AlmaLinux:8", "curl", EV(I("0"), F("9")), "almalinux", "9.3",
	 WARD_PKG_RPM, "curl", "7.76.1-26.el9", NULL, NULL, false, NULL},
	{"an OS package on an unknown OS is not matched", "Debian:12", "foo", EV(I("0")), NULL,
	 NULL, WARD_PKG_DPKG, "foo", "1.0", NULL, NULL, false, NULL},
	{"npm semver order, not string order", "npm", "lodash", SV(I("0"), F("4.17.21")), NULL,
	 NULL, WARD_PKG_NPM, "lodash", "4.17.3", NULL, NULL, true, "4.17.21"},
	{"npm fixed", "npm", "lodash", SV(I("0"), F("4.17.21")), NULL, NULL, WARD_PKG_NPM, "lodash",
	 "4.17.21", NULL, NULL, false, NULL},
	{"npm prerelease before its release", "npm", "lodash", SV(I("0"), F("5.0.0")), "debian",
	 "12", WARD_PKG_NPM, "lodash", "5.0.0-beta.1", NULL, NULL, true, "5.0.0"},
	{"npm ECOSYSTEM range", "npm", "left-pad", EV(I("1.0.0"), F("1.3.0")), NULL, NULL,
	 WARD_PKG_NPM, "left-pad", "1.2.9", NULL, NULL, true, "1.3.0"},
	{"PyPI names normalised (PEP 503)", "PyPI", "Foo_Bar.baz", EV(I("0"), F("2.0")), NULL, NULL,
	 WARD_PKG_PYPI, "foo-bar-Baz", "1.9", NULL, NULL, true, "2.0"},
	{"PyPI PEP 440 order", "PyPI", "django", EV(I("4.2"), F("4.2.8")), NULL, NULL,
	 WARD_PKG_PYPI, "Django", "4.2.7.post1", NULL, NULL, true, "4.2.8"},
	{"PyPI 1.0 == 1.0.0 in versions[]", "PyPI", "foo", "\"versions\":[\"1.0.0\"]", NULL, NULL,
	 WARD_PKG_PYPI, "foo", "1.0", NULL, NULL, true, NULL},
	{"Go module: installed v-prefixed, SEMVER range", "Go", "golang.org/x/net",
	 SV(I("0"), F("0.17.0")), NULL, NULL, WARD_PKG_GO, "golang.org/x/net", "v0.15.0", NULL,
	 NULL, true, "0.17.0"},
	{"Go module fixed", "Go", "golang.org/x/net", SV(I("0"), F("0.17.0")), NULL, NULL,
	 WARD_PKG_GO, "golang.org/x/net", "v0.17.0", NULL, NULL, false, NULL},
	{"Go stdlib from go1.x", "Go", "stdlib", SV(I("1.21.0"), F("1.21.5")), NULL, NULL,
	 WARD_PKG_GO, "stdlib", "go1.21.3", NULL, NULL, true, "1.21.5"},
	{"names are case sensitive outside PyPI", "npm", "Lodash", SV(I("0")), NULL, NULL,
	 WARD_PKG_NPM, "lodash", "1.0.0", NULL, NULL, false, NULL},
	{"GIT ranges are not matched", "npm", "gitpkg",
	 "\"ranges\":[{\"type\":\"GIT\",\"repo\":\"https://x/"
	 "y\",\"events\":[{\"introduced\":\"0\"}]}],"
	 "\"versions\":[\"2.0.0\"]",
	 NULL, NULL, WARD_PKG_NPM, "gitpkg", "1.0.0", NULL, NULL, false, NULL},
	{"GIT range but versions[] listed", "npm", "gitpkg",
	 "\"ranges\":[{\"type\":\"GIT\",\"repo\":\"https://x/"
	 "y\",\"events\":[{\"introduced\":\"0\"}]}],"
	 "\"versions\":[\"1.0.0\"]",
	 NULL, NULL, WARD_PKG_NPM, "gitpkg", "1.0.0", NULL, NULL, true, NULL},
	{"invalid installed version matches no range", "npm", "weird", SV(I("0")), NULL, NULL,
	 WARD_PKG_NPM, "weird", "not a version", NULL, NULL, false, NULL},
};

static void
test_match_rules(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = &match_cases[i];
		struct ward_vulndb_import_stats st = {0};
		struct ward_scan_report *rep;
		struct ward_inventory *inv;
		char id[32], file[48];

		snprintf(id, sizeof(id), "OSV-2024-%zu", i);
		snprintf(file, sizeof(file), "case-%zu.json", i);
		write_record(f, file, id, c->eco, c->rec_name, c->ranges, "");
		import_ok(f, file, &st);
		if (st.records != 1)
			fail_msg("%s: record not stored (%zu skipped: %s)", c->what, st.skipped,
				 st.n_warnings_kept ? st.warnings[0] : "");
		ward_vulndb_import_stats_clear(&st);

		inv = inv_new(c->os_id, c->os_version);
		inv_add(inv, c->type, c->name, c->version, c->src, c->srcver);
		rep = match(f, inv);
		const struct ward_vuln_finding *fd = finding(rep, id);
		if (c->hit != (fd != NULL))
			fail_msg("case %zu '%s': %s, want %s", i, c->what, fd ? "hit" : "no hit",
				 c->hit ? "a hit" : "none");
		if (fd) {
			if ((c->fixed == NULL) != (fd->fixed_version == NULL) ||
			    (c->fixed && strcmp(c->fixed, fd->fixed_version) != 0))
				fail_msg("case %zu '%s': fixed '%s', want '%s'", i, c->what,
					 fd->fixed_version ? fd->fixed_version : "(none)",
					 c->fixed ? c->fixed : "(none)");
			assert_string_equal(fd->ecosystem, c->eco);
			assert_int_equal(fd->pkg, 0);
			assert_string_equal(fd->summary + strlen("summary of "), id);
		}
		ward_scan_report_free(rep);
	}
}

static void
test_match_matched_name_is_the_source(void **state)
{
	struct fx *f = *state;
	struct ward_vulndb_import_stats st = {0};
	struct ward_inventory *inv = inv_new("debian", "12");
	struct ward_scan_report *rep;

	write_record(f, "r.json", "DEBIAN-CVE-2024-0001", "Debian:12", "glibc",
		     EV(I("0"), F("2.36-9+deb12u4")), "");
	import_ok(f, "r.json", &st);
	ward_vulndb_import_stats_clear(&st);
	inv_add(inv, WARD_PKG_DPKG, "bash", "5.2.15-2+b2", NULL, NULL);
	inv_add(inv, WARD_PKG_DPKG, "libc6", "2.36-9+deb12u3", "glibc", NULL);
	inv_add(inv, WARD_PKG_DPKG, "libc-bin", "2.36-9+deb12u3", "glibc", NULL);
	rep = match(f, inv);
	assert_int_equal(rep->n_findings, 2); /* one per binary package of the source */
	assert_int_equal(rep->findings[0].pkg, 1);
	assert_int_equal(rep->findings[1].pkg, 2);
	assert_string_equal(rep->findings[0].matched_name, "glibc");
	assert_string_equal(rep->findings[0].fixed_version, "2.36-9+deb12u4");
	assert_ptr_equal(rep->inv, inv);
	assert_true(rep->scanned_at > 0);
	assert_true(rep->db_last_import > 0);
	assert_int_equal(rep->db_newest_modified, 1704067200); /* 2024-01-01T00:00:00Z */
	ward_scan_report_free(rep);
}

/* ---- aliases and severity ------------------------------------------------ */

static void
test_aliases_merge_into_one_finding(void **state)
{
	struct fx *f = *state;
	struct ward_vulndb_import_stats st = {0};
	struct ward_inventory *inv = inv_new("debian", "12");
	struct ward_scan_report *rep;
	const struct ward_vuln_finding *fd;

	mkdir_in(f, "feed");
	/* Debian's tracker: the CVE, urgency only; the DSA naming it, with a
	 * CVSS score and an earlier fix; an unrelated CVE. */
	write_record(f, "feed/cve.json", "DEBIAN-CVE-2024-1111", "Debian:12", "curl",
		     EV(I("0"), F("7.88.1-10+deb12u6")), "\"upstream\":[\"CVE-2024-1111\"]");
	write_str(f, "feed/dsa.json",
		  "{\"id\":\"DSA-5800-1\",\"modified\":\"2024-03-01T10:00:00Z\","
		  "\"aliases\":[\"CVE-2024-1111\"],\"summary\":\"curl security update\","
		  "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":"
		  "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}],"
		  "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"curl\"}," EV(
			  I("0"), F("7.88.1-10+deb12u5")) "}]}");
	write_record(f, "feed/other.json", "DEBIAN-CVE-2024-2222", "Debian:12", "curl", EV(I("0")),
		     "\"upstream\":[\"CVE-2024-2222\"],"
		     "\"database_specific\":{\"urgency\":\"low**\"}");
	import_ok(f, "feed", &st);
	assert_int_equal(st.records, 3);
	assert_int_equal(st.files, 3);
	ward_vulndb_import_stats_clear(&st);

	inv_add(inv, WARD_PKG_DPKG, "libcurl4", "7.88.1-10+deb12u4", "curl", NULL);
	rep = match(f, inv);
	assert_int_equal(rep->n_findings, 2);
	fd = finding(rep, "CVE-2024-1111");
	assert_non_null(fd);
	assert_int_equal(fd->n_aliases, 2);
	assert_string_equal(fd->aliases[0], "DEBIAN-CVE-2024-1111");
	assert_string_equal(fd->aliases[1], "DSA-5800-1");
	assert_int_equal(fd->severity, WARD_SEV_CRITICAL);
	assert_true(fd->cvss_score > 9.79 && fd->cvss_score < 9.81);
	assert_string_equal(fd->cvss_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
	assert_string_equal(fd->fixed_version, "7.88.1-10+deb12u5"); /* the lowest fix */
	assert_string_equal(fd->matched_name, "curl");
	fd = finding(rep, "CVE-2024-2222");
	assert_non_null(fd);
	assert_int_equal(fd->severity, WARD_SEV_LOW);
	assert_true(fd->cvss_score < 0);
	assert_null(fd->cvss_vector);
	assert_null(fd->fixed_version);
	/* Most severe first within a package. */
	assert_string_equal(rep->findings[0].id, "CVE-2024-1111");
	ward_scan_report_free(rep);

	/* Installed past the DSA's fix but before the tracker's: still
	 * affected by the CVE record, and its fix is the one above. */
	inv = inv_new("debian", "12");
	inv_add(inv, WARD_PKG_DPKG, "curl", "7.88.1-10+deb12u5", NULL, NULL);
	rep = match(f, inv);
	fd = finding(rep, "CVE-2024-1111");
	assert_non_null(fd);
	assert_int_equal(fd->n_aliases, 1);
	assert_string_equal(fd->aliases[0], "DEBIAN-CVE-2024-1111");
	assert_string_equal(fd->fixed_version, "7.88.1-10+deb12u6");
	assert_int_equal(fd->severity, WARD_SEV_UNKNOWN);
	ward_scan_report_free(rep);
}

static void
test_aliases_merge_transitively(void **state)
{
	struct fx *f = *state;
	struct ward_vulndb_import_stats st = {0};
	struct ward_inventory *inv = inv_new(NULL, NULL);
	struct ward_scan_report *rep;
	const struct ward_vuln_finding *fd;
	size_t cap = 64 + WARD_OSV_ARRAY_MAX * 24, len;
	char *many = malloc(cap), *r;

	/* A ~ B through X, B ~ C through Y: one finding, three records. */
	mkdir_in(f, "t");
	write_record(f, "t/a.json", "GHSA-aaaa-0000-0000", "npm", "p", SV(I("0"), F("3.0.0")),
		     "\"aliases\":[\"OSV-X\"]");
	write_record(f, "t/b.json", "GHSA-bbbb-0000-0000", "npm", "p", SV(I("0"), F("2.0.0")),
		     "\"aliases\":[\"OSV-X\",\"OSV-Y\"]");
	write_record(f, "t/c.json", "GHSA-cccc-0000-0000", "npm", "p", SV(I("0")),
		     "\"aliases\":[\"OSV-Y\"]");
	write_record(f, "t/d.json", "GHSA-dddd-0000-0000", "npm", "p", SV(I("0")), "");
	/* One record with the most aliases a record may have: merging stays
	 * n log n. */
	assert_non_null(many);
	len = (size_t)snprintf(many, cap, "\"aliases\":[");
	for (unsigned i = 0; i < WARD_OSV_ARRAY_MAX; i++)
		len += (size_t)snprintf(many + len, cap - len, "%s\"ALIAS-%u\"", i ? "," : "", i);
	snprintf(many + len, cap - len, "]");
	r = record("GHSA-eeee-0000-0000", "2024-01-01T00:00:00Z", "npm", "p", SV(I("0")), many);
	write_str(f, "t/e.json", r);
	free(r);
	free(many);
	import_ok(f, "t", &st);
	assert_int_equal(st.records, 5);
	ward_vulndb_import_stats_clear(&st);
	inv_add(inv, WARD_PKG_NPM, "p", "1.0.0", NULL, NULL);
	rep = match(f, inv);
	assert_int_equal(rep->n_findings, 3);
	fd = finding(rep, "GHSA-aaaa-0000-0000");
	assert_non_null(fd);
	assert_int_equal(fd->n_aliases, 4);
	assert_string_equal(fd->aliases[0], "GHSA-bbbb-0000-0000");
	assert_string_equal(fd->aliases[1], "GHSA-cccc-0000-0000");
	assert_string_equal(fd->aliases[2], "OSV-X");
	assert_string_equal(fd->aliases[3], "OSV-Y");
	assert_string_equal(fd->fixed_version, "2.0.0");
	assert_non_null(finding(rep, "GHSA-dddd-0000-0000"));
	fd = finding(rep, "GHSA-eeee-0000-0000");
	assert_non_null(fd);
	assert_int_equal(fd->n_aliases, WARD_OSV_ARRAY_MAX);
	ward_scan_report_free(rep);
}

static void
test_ghsa_severity_words_and_alias(void **state)
{
	struct fx *f = *state;
	struct ward_vulndb_import_stats st = {0};
	struct ward_inventory *inv = inv_new(NULL, NULL);
	struct ward_scan_report *rep;
	const struct ward_vuln_finding *fd;

	mkdir_in(f, "ghsa");
	write_record(f, "ghsa/a.json", "GHSA-aaaa-bbbb-cccc", "npm", "minimist",
		     SV(I("0"), F("1.2.6")),
		     "\"aliases\":[\"CVE-2021-44906\"],"
		     "\"database_specific\":{\"severity\":\"MODERATE\",\"cwe_ids\":[1]}");
	write_record(f, "ghsa/b.json", "GHSA-dddd-eeee-ffff", "npm", "minimist",
		     SV(I("0"), F("0.2.4")), "\"database_specific\":{\"severity\":5}");
	import_ok(f, "ghsa", &st);
	assert_int_equal(st.records, 2);
	ward_vulndb_import_stats_clear(&st);
	inv_add(inv, WARD_PKG_NPM, "minimist", "0.0.8", NULL, NULL);
	rep = match(f, inv);
	assert_int_equal(rep->n_findings, 2);
	fd = finding(rep, "CVE-2021-44906");
	assert_non_null(fd);
	assert_int_equal(fd->severity, WARD_SEV_MEDIUM);
	assert_int_equal(fd->n_aliases, 1);
	assert_string_equal(fd->aliases[0], "GHSA-aaaa-bbbb-cccc");
	assert_string_equal(fd->fixed_version, "1.2.6");
	/* A severity that is not a word is ignored, not an error. */
	fd = finding(rep, "GHSA-dddd-eeee-ffff");
	assert_non_null(fd);
	assert_int_equal(fd->severity, WARD_SEV_UNKNOWN);
	ward_scan_report_free(rep);
}

/* Which severity a finding gets: CVSS v3 first (the entry's, else the
 * record's), then the feed's words, else UNKNOWN. */
static void
test_severity_sources(void **state)
{
	struct fx *f = *state;
	struct ward_vulndb_import_stats st = {0};
	struct ward_inventory *inv = inv_new(NULL, NULL);
	struct ward_scan_report *rep;
	const struct ward_vuln_finding *fd;

	mkdir_in(f, "sev");
	write_record(f, "sev/v4.json", "GHSA-sev4-0000-0000", "npm", "s", SV(I("0")),
		     "\"severity\":[{\"type\":\"CVSS_V4\",\"score\":\"CVSS:4.0/AV:N/AC:L/AT:N/"
		     "PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N\"}],"
		     "\"database_specific\":{\"severity\":\"HIGH\"}");
	write_str(f, "sev/entry.json",
		  "{\"id\":\"GHSA-sevE-0000-0000\",\"modified\":\"2024-01-01T00:00:00Z\","
		  "\"database_specific\":{\"severity\":\"LOW\"},"
		  "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"s\"},"
		  "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":"
		  "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}]," SV(I("0")) "}]}");
	write_record(f, "sev/ubuntu.json", "UBUNTU-CVE-2024-1", "npm", "s", SV(I("0")),
		     "\"severity\":[{\"type\":\"Ubuntu\",\"score\":\"medium\"}]");
	write_str(f, "sev/cvss-wins.json",
		  "{\"id\":\"GHSA-sevW-0000-0000\",\"modified\":\"2024-01-01T00:00:00Z\","
		  "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":"
		  "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N\"}],"
		  "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"s\"},"
		  "\"ecosystem_specific\":{\"severity\":\"critical\"}," SV(I("0")) "}]}");
	write_record(f, "sev/none.json", "GHSA-sevN-0000-0000", "npm", "s", SV(I("0")), "");
	import_ok(f, "sev", &st);
	assert_int_equal(st.records, 5);
	ward_vulndb_import_stats_clear(&st);
	inv_add(inv, WARD_PKG_NPM, "s", "1.0.0", NULL, NULL);
	rep = match(f, inv);
	assert_int_equal(rep->n_findings, 5);
	fd = finding(rep, "GHSA-sev4-0000-0000");
	assert_int_equal(fd->severity, WARD_SEV_HIGH); /* v4 is not scored: the word */
	assert_true(fd->cvss_score < 0);
	fd = finding(rep, "GHSA-sevE-0000-0000");
	assert_int_equal(fd->severity, WARD_SEV_CRITICAL);
	assert_true(fd->cvss_score > 9.79 && fd->cvss_score < 9.81);
	fd = finding(rep, "UBUNTU-CVE-2024-1");
	assert_int_equal(fd->severity, WARD_SEV_MEDIUM);
	fd = finding(rep, "GHSA-sevW-0000-0000");
	/* AV:N/AC:L/PR:N/UI:N/S:U/C:L: 6.42*0.22 + 3.887 = 5.30 -> 5.3 */
	assert_int_equal(fd->severity, WARD_SEV_MEDIUM);
	assert_true(fd->cvss_score > 5.29 && fd->cvss_score < 5.31);
	fd = finding(rep, "GHSA-sevN-0000-0000");
	assert_int_equal(fd->severity, WARD_SEV_UNKNOWN);
	/* Most severe first. */
	assert_string_equal(rep->findings[0].id, "GHSA-sevE-0000-0000");
	assert_string_equal(rep->findings[4].id, "GHSA-sevN-0000-0000");
	ward_scan_report_free(rep);
}

static void
test_severity_names(void **state)
{
	(void)state;
	enum ward_severity s;
	struct ward_error *err = NULL;

	for (int i = WARD_SEV_UNKNOWN; i <= WARD_SEV_CRITICAL; i++) {
		assert_int_equal(ward_severity_from_name(ward_severity_name(i), &s, &err), 0);
		assert_int_equal(s, i);
	}
	assert_int_equal(ward_severity_from_name("hIgH", &s, &err), 0);
	assert_int_equal(s, WARD_SEV_HIGH);
	assert_int_not_equal(ward_severity_from_name("severe", &s, &err), 0);
	assert_non_null(strstr(err->msg, "severe"));
	ward_error_free(err);
	assert_string_equal(ward_severity_name((enum ward_severity)42), "UNKNOWN");
	assert_int_equal(osv_severity_word("Important"), WARD_SEV_HIGH);
	assert_int_equal(osv_severity_word("negligible"), WARD_SEV_LOW);
	assert_int_equal(osv_severity_word("not yet assigned"), WARD_SEV_UNKNOWN);
	assert_int_equal(osv_severity_word("medium**"), WARD_SEV_MEDIUM);
}

/* ---- withdrawn and replaced records -------------------------------------- */

static void
test_withdrawn_and_replaced(void **state)
{
	struct fx *f = *state;
	struct ward_vulndb_import_stats st = {0};
	struct ward_inventory *inv;
	struct ward_scan_report *rep;
	char *r;

	/* Withdrawn from the start: never stored. */
	r = record("GHSA-wwww-wwww-wwww", "2024-01-01T00:00:00Z", "npm", "wd", SV(I("0")),
		   "\"withdrawn\":\"2024-01-01T00:00:00Z\"");
	write_str(f, "w.json", r);
	free(r);
	import_ok(f, "w.json", &st);
	assert_int_equal(st.records, 0);
	assert_int_equal(st.withdrawn, 1);
	ward_vulndb_import_stats_clear(&st);
	assert_int_equal(record_count(f), 0);

	/* Stored, then an older copy (kept as is), then a newer one with a
	 * fix (replaces it), then withdrawn (removed). */
	r = record("GHSA-xxxx-xxxx-xxxx", "2024-02-01T00:00:00Z", "npm", "pkg", SV(I("0")), "");
	write_str(f, "a.json", r);
	free(r);
	import_ok(f, "a.json", &st);
	assert_int_equal(st.records, 1);
	ward_vulndb_import_stats_clear(&st);
	r = record("GHSA-xxxx-xxxx-xxxx", "2024-01-15T00:00:00Z", "npm", "pkg",
		   SV(I("0"), F("1.0.0")), "");
	write_str(f, "a.json", r);
	free(r);
	import_ok(f, "a.json", &st);
	assert_int_equal(st.records, 0);
	assert_int_equal(st.unchanged, 1);
	ward_vulndb_import_stats_clear(&st);
	inv = inv_new(NULL, NULL);
	inv_add(inv, WARD_PKG_NPM, "pkg", "2.0.0", NULL, NULL);
	rep = match(f, inv);
	assert_int_equal(rep->n_findings, 1); /* the older copy did not narrow it */
	ward_scan_report_free(rep);

	r = record("GHSA-xxxx-xxxx-xxxx", "2024-03-01T00:00:00+01:00", "npm", "pkg",
		   SV(I("0"), F("1.0.0")), "");
	write_str(f, "a.json", r);
	free(r);
	import_ok(f, "a.json", &st);
	assert_int_equal(st.records, 1);
	ward_vulndb_import_stats_clear(&st);
	assert_int_equal(record_count(f), 1);
	inv = inv_new(NULL, NULL);
	inv_add(inv, WARD_PKG_NPM, "pkg", "2.0.0", NULL, NULL);
	rep = match(f, inv);
	assert_int_equal(rep->n_findings, 0);
	ward_scan_report_free(rep);

	r = record("GHSA-xxxx-xxxx-xxxx", "2024-04-01T00:00:00Z", "npm", "pkg", SV(I("0")),
		   "\"withdrawn\":\"2024-04-01T00:00:00Z\"");
	write_str(f, "a.json", r);
	free(r);
	import_ok(f, "a.json", &st);
	assert_int_equal(st.withdrawn, 1);
	ward_vulndb_import_stats_clear(&st);
	assert_int_equal(record_count(f), 0);
}

/* ---- import forms -------------------------------------------------------- */

struct member {
	const char *name;
	const char *data;
	size_t len; /* 0: strlen(data) */
};

static void
make_zip(const char *path, const struct member *m, size_t n)
{
	struct archive *a = archive_write_new();

	assert_non_null(a);
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = m[i].len ? m[i].len : strlen(m[i].data);
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, m[i].data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static void
test_import_zip_dir_and_status(void **state)
{
	struct fx *f = *state;
	struct ward_vulndb_import_stats st = {0};
	struct ward_vulndb_status s = {0};
	struct ward_error *err = NULL;
	char *r1 = record("GHSA-1111-1111-1111", "2024-05-01T12:00:00.123Z", "npm", "a", SV(I("0")),
			  "");
	char *r2 = record("PYSEC-2024-1", "2024-05-02T00:00:00Z", "PyPI", "b", EV(I("0")), "");
	char *r3 = record("MAVEN-1", "2024-05-03T00:00:00Z", "Maven", "g:a", EV(I("0")), "");
	struct member m[] = {
		{"GHSA-1111-1111-1111.json", r1, 0},
		{"sub/PYSEC-2024-1.json", r2, 0},
		{"README.txt", "not a record", 0},
		{"MAVEN-1.json", r3, 0},
	};
	char *zip = path_in(f, "all.zip"), *d = path_in(f, "tree"), *sub = path_in(f, "tree/x/y");
	char *paths[3];

	make_zip(zip, m, 4);
	assert_int_equal(ward_fs_mkdir_p(sub, 0755, &err), 0);
	write_record(f, "tree/x/y/GO-2024-1.json", "GO-2024-0001", "Go", "example.com/m",
		     SV(I("0"), F("1.0.0")), "");
	write_record(f, "tree/ALPINE-1.json", "CVE-2024-9", "Alpine:v3.19", "musl",
		     EV(I("0"), F("1.2.4-r3")), "");
	write_str(f, "tree/notes.txt", "ignored: not .json");
	char *link = path_in(f, "tree/link.zip");
	assert_int_equal(symlink(zip, link), 0); /* not followed */
	free(link);
	paths[0] = zip;
	paths[1] = d;
	if (ward_vulndb_import(f->db, paths, 2, &st, &err) < 0)
		fail_msg("import: %s", err->msg);
	assert_int_equal(st.records, 4);
	assert_int_equal(st.files, 5);	 /* 3 zip members named .json + 2 files */
	assert_int_equal(st.skipped, 1); /* Maven: no ecosystem ward orders */
	assert_true(warned(&st, "MAVEN-1", "no affected package"));
	ward_vulndb_import_stats_clear(&st);

	assert_int_equal(ward_vulndb_status(f->db, &s, &err), 0);
	assert_int_equal(s.records, 4);
	assert_true(s.last_import > 0);
	assert_int_equal(s.newest_modified, 1714608000); /* 2024-05-02T00:00:00Z */
	assert_int_equal(s.n_sources, 4);
	assert_string_equal(s.sources[0].ecosystem, "Alpine:v3.19");
	assert_string_equal(s.sources[1].ecosystem, "Go");
	assert_string_equal(s.sources[2].ecosystem, "PyPI");
	assert_string_equal(s.sources[3].ecosystem, "npm");
	assert_int_equal(s.sources[3].records, 1);
	ward_vulndb_status_clear(&s);
	/* What scans read: the same count and ages, no sources. */
	assert_int_equal(ward_vulndb_freshness(f->db, &s, &err), 0);
	assert_int_equal(s.records, 4);
	assert_int_equal(s.newest_modified, 1714608000);
	assert_int_equal(s.n_sources, 0);
	ward_vulndb_status_clear(&s);

	/* The same import again stores nothing new. */
	if (ward_vulndb_import(f->db, paths, 2, &st, &err) < 0)
		fail_msg("import: %s", err->msg);
	assert_int_equal(st.records, 0);
	assert_int_equal(st.unchanged, 4);
	ward_vulndb_import_stats_clear(&st);

	/* Reopening finds the same data; the file is 0600. */
	struct stat sb;
	assert_int_equal(stat(f->dbpath, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	ward_vulndb_close(f->db);
	f->db = NULL;
	assert_int_equal(ward_vulndb_open(f->dbpath, false, &f->db, &err), 0);
	assert_int_equal(record_count(f), 4);
	free(r1);
	free(r2);
	free(r3);
	free(zip);
	free(d);
	free(sub);
}

/* ---- hostile input ------------------------------------------------------- */

struct hostile_case {
	const char *what, *doc, *field; /* field: what the warning must name */
};

static const struct hostile_case hostile_cases[] = {
	{"not JSON", "{\"id\": ", "line"},
	{"not an object", "[1,2,3]", "expected an object"},
	{"no id", "{\"modified\":\"2024-01-01T00:00:00Z\"}", "id: missing"},
	{"id of the wrong type", "{\"id\":7,\"modified\":\"2024-01-01T00:00:00Z\"}",
	 "id: expected a string"},
	{"id with a control character",
	 "{\"id\":\"A\\u001b[2J\",\"modified\":\"2024-01-01T00:00:00Z\"}", "id: not an id"},
	{"bad timestamp", "{\"id\":\"X-1\",\"modified\":\"yesterday\"}", "modified"},
	{"timestamp of the wrong type", "{\"id\":\"X-1\",\"modified\":20240101}",
	 "modified: expected a string"},
	{"aliases of the wrong type",
	 "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":5}",
	 "aliases: expected an array"},
	{"alias of the wrong type",
	 "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":[\"A\",{}]}",
	 "aliases[1]"},
	{"summary of the wrong type",
	 "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"summary\":[]}",
	 "summary: expected a string"},
	{"affected of the wrong type",
	 "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":{}}",
	 "affected: expected an array"},
	{"package name of the wrong type",
	 "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":{"
	 "\"ecosystem\":\"npm\",\"name\":1}}]}",
	 "affected[0].package.name"},
	{"event version of the wrong type",
	 "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":{"
	 "\"ecosystem\":\"npm\",\"name\":\"a\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{"
	 "\"introduced\":0}]}]}]}",
	 "affected[0].ranges[0].events[0]: introduced"},
	{"two kinds in one event",
	 "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":{"
	 "\"ecosystem\":\"npm\",\"name\":\"a\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{"
	 "\"introduced\":\"0\",\"fixed\":\"1.0.0\"}]}]}]}",
	 "both introduced and fixed"},
	{"fixed and last_affected",
	 "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":{"
	 "\"ecosystem\":\"npm\",\"name\":\"a\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{"
	 "\"introduced\":\"0\"},{\"fixed\":\"1.0.0\"},{\"last_affected\":\"0.9.0\"}]}]}]}",
	 "both fixed and last_affected"},
	{"no introduced",
	 "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":{"
	 "\"ecosystem\":\"npm\",\"name\":\"a\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{"
	 "\"fixed\":\"1.0.0\"}]}]}]}",
	 "no introduced"},
	{"unknown range type",
	 "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":{"
	 "\"ecosystem\":\"npm\",\"name\":\"a\"},\"ranges\":[{\"type\":\"RANGE\",\"events\":[{"
	 "\"introduced\":\"0\"}]}]}]}",
	 "ranges[0]: type"},
	{"severity of the wrong type",
	 "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"severity\":[{\"type\":\"CVSS_"
	 "V3\",\"score\":9.8}]}",
	 "severity[0].score"},
	{"references of the wrong type",
	 "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"references\":[\"http://x\"]}",
	 "references[0]"},
	{"database_specific of the wrong type",
	 "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"database_specific\":\"x\"}",
	 "database_specific: expected an object"},
	{"duplicate keys", "{\"id\":\"X-1\",\"id\":\"X-2\",\"modified\":\"2024-01-01T00:00:00Z\"}",
	 "duplicate"},
	{"an embedded NUL", "{\"id\":\"X-1\\u0000evil\",\"modified\":\"2024-01-01T00:00:00Z\"}",
	 "NUL"},
};

static void
test_hostile_records_are_counted_warnings(void **state)
{
	struct fx *f = *state;
	struct ward_vulndb_import_stats st = {0};
	size_t n = sizeof(hostile_cases) / sizeof(hostile_cases[0]);

	mkdir_in(f, "bad");
	for (size_t i = 0; i < n; i++) {
		char name[48];
		snprintf(name, sizeof(name), "bad/%02zu.json", i);
		write_str(f, name, hostile_cases[i].doc);
	}
	write_record(f, "bad/zz-good.json", "GHSA-good-good-good", "npm", "ok", SV(I("0")), "");
	import_ok(f, "bad", &st);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.skipped, n);
	assert_int_equal(st.n_warnings, n);
	for (size_t i = 0; i < n; i++) {
		char name[48];
		snprintf(name, sizeof(name), "bad/%02zu.json", i);
		if (!warned(&st, name, hostile_cases[i].field))
			fail_msg("'%s': no warning naming %s and '%s' (first: %s)",
				 hostile_cases[i].what, name, hostile_cases[i].field,
				 st.n_warnings_kept ? st.warnings[0] : "none");
	}
	for (size_t i = 0; i < st.n_warnings_kept; i++)
		for (const char *p = st.warnings[i]; *p; p++)
			assert_false((unsigned char)*p < 0x20); /* no escape reaches a terminal */
	ward_vulndb_import_stats_clear(&st);
}

static void
test_bad_versions_drop_the_range_only(void **state)
{
	struct fx *f = *state;
	struct ward_vulndb_import_stats st = {0};
	struct ward_inventory *inv = inv_new("debian", "12");
	struct ward_scan_report *rep;

	write_str(f, "v.json",
		  "{\"id\":\"X-2\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":["
		  "{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"foo\"},"
		  "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
		  "{\"fixed\":\"not-a-version\"}]},"
		  "{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.0\"}]}"
		  "]},"
		  "{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"bar\"},"
		  "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N\"}],"
		  "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
	import_ok(f, "v.json", &st);
	assert_int_equal(st.records, 1);
	assert_true(warned(&st, "affected[0].ranges[0]", "not a dpkg version"));
	assert_true(warned(&st, "affected[1].severity[0]", "ignored"));
	ward_vulndb_import_stats_clear(&st);
	inv_add(inv, WARD_PKG_DPKG, "foo", "1.0", NULL, NULL);
	inv_add(inv, WARD_PKG_DPKG, "bar", "1.0", NULL, NULL);
	rep = match(f, inv);
	assert_int_equal(rep->n_findings, 2);
	assert_string_equal(rep->findings[0].fixed_version, "2.0");
	assert_int_equal(rep->findings[1].severity, WARD_SEV_UNKNOWN);
	ward_scan_report_free(rep);
}

static void
test_huge_arrays_and_records(void **state)
{
	struct fx *f = *state;
	struct ward_vulndb_import_stats st = {0};
	size_t cap = 128 + (WARD_OSV_ARRAY_MAX + 1) * 12, len;
	char *doc = malloc(cap), *big;

	assert_non_null(doc);
	len = (size_t)snprintf(doc, cap,
			       "{\"id\":\"X-3\",\"modified\":\"2024-01-01T00:00:00Z\","
			       "\"aliases\":[");
	for (unsigned i = 0; i <= WARD_OSV_ARRAY_MAX; i++)
		len += (size_t)snprintf(doc + len, cap - len, "%s\"A-%u\"", i ? "," : "", i);
	len += (size_t)snprintf(doc + len, cap - len, "]}");
	char *hp = path_in(f, "huge.json");
	write_file(hp, doc, len);
	free(hp);
	free(doc);

	/* A document past WARD_OSV_RECORD_MAX: whitespace-padded, valid JSON. */
	big = malloc(WARD_OSV_RECORD_MAX + 64);
	assert_non_null(big);
	memset(big, ' ', WARD_OSV_RECORD_MAX + 64);
	memcpy(big, "{\"id\":\"X-4\",\"modified\":\"2024-01-01T00:00:00Z\"}", 46);
	hp = path_in(f, "big.json");
	write_file(hp, big, WARD_OSV_RECORD_MAX + 64);
	free(hp);
	free(big);

	import_ok(f, "huge.json", &st);
	assert_int_equal(st.skipped, 1);
	assert_true(warned(&st, "aliases", "more than the 10000 allowed"));
	ward_vulndb_import_stats_clear(&st);
	import_ok(f, "big.json", &st);
	assert_int_equal(st.skipped, 1);
	assert_true(warned(&st, "big.json", "larger than"));
	ward_vulndb_import_stats_clear(&st);
	assert_int_equal(record_count(f), 0);
}

/* Import `bad` after a good record: the import fails with an error
 * containing `why`, and the database still holds exactly the good record. */
static void
check_failed_import_changes_nothing(struct fx *f, const char *bad, const char *why,
				    const struct osv_import_limits *lim)
{
	struct ward_vulndb_import_stats st = {0};
	struct ward_error *err = NULL;
	struct ward_inventory *inv;
	struct ward_scan_report *rep;
	char *p1 = path_in(f, "new.json"), *p2 = path_in(f, bad);
	char *paths[] = {p1, p2};
	int r;

	write_record(f, "new.json", "GHSA-newn-ewne-wnew", "npm", "later", SV(I("0")), "");
	r = lim ? vulndb_import_limited(f->db, paths, 2, lim, &st, &err)
		: ward_vulndb_import(f->db, paths, 2, &st, &err);
	if (r == 0)
		fail_msg("import of %s succeeded", bad);
	assert_non_null(err);
	if (!strstr(err->msg, why))
		fail_msg("import of %s: '%s' does not say '%s'", bad, err->msg, why);
	ward_error_free(err);
	assert_int_equal(record_count(f), 1);
	inv = inv_new(NULL, NULL);
	inv_add(inv, WARD_PKG_NPM, "later", "1.0.0", NULL, NULL);
	inv_add(inv, WARD_PKG_NPM, "first", "1.0.0", NULL, NULL);
	rep = match(f, inv);
	assert_int_equal(rep->n_findings, 1);
	assert_string_equal(rep->findings[0].id, "GHSA-firs-tfir-stfi");
	ward_scan_report_free(rep);
	free(p1);
	free(p2);
}

static void
seed_first(struct fx *f)
{
	struct ward_vulndb_import_stats st = {0};

	write_record(f, "first.json", "GHSA-firs-tfir-stfi", "npm", "first", SV(I("0")), "");
	import_ok(f, "first.json", &st);
	assert_int_equal(st.records, 1);
	ward_vulndb_import_stats_clear(&st);
}

static void
test_zip_bomb_member_is_skipped(void **state)
{
	struct fx *f = *state;
	struct ward_vulndb_import_stats st = {0};
	size_t blen = 64u << 20; /* 64 MiB of spaces inflate from ~64 KiB */
	char *bomb = malloc(blen), *zip = path_in(f, "bomb.zip");
	char *good =
		record("GHSA-good-zipz-ipzi", "2024-01-01T00:00:00Z", "npm", "z", SV(I("0")), "");
	struct member m[2];
	struct stat sb;

	assert_non_null(bomb);
	memset(bomb, ' ', blen);
	memcpy(bomb, "{\"id\":\"X-5\",\"modified\":\"2024-01-01T00:00:00Z\"}", 46);
	m[0] = (struct member){"bomb.json", bomb, blen};
	m[1] = (struct member){"good.json", good, 0};
	make_zip(zip, m, 2);
	free(bomb);
	assert_int_equal(stat(zip, &sb), 0);
	assert_true(sb.st_size < (off_t)(1u << 20));
	import_ok(f, "bomb.zip", &st);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.skipped, 1);
	assert_true(warned(&st, "bomb.zip:bomb.json", "inflates past"));
	ward_vulndb_import_stats_clear(&st);
	free(good);
	free(zip);
}

static void
test_zip_total_and_member_bounds_fail_the_import(void **state)
{
	struct fx *f = *state;
	struct member m[12];
	char *docs[12];
	struct osv_import_limits few = {WARD_OSV_RECORD_MAX, 10, WARD_OSV_ZIP_TOTAL_MAX, 32};
	struct osv_import_limits small = {WARD_OSV_RECORD_MAX, 1000, 2000, 32};

	seed_first(f);
	for (int i = 0; i < 12; i++) {
		char id[32], name[32];
		snprintf(id, sizeof(id), "GHSA-many-%04d-xxxx", i);
		snprintf(name, sizeof(name), "m%02d.json", i);
		docs[i] = record(id, "2024-01-01T00:00:00Z", "npm", "many", SV(I("0")), "");
		m[i] = (struct member){strdup(name), docs[i], 0};
	}
	char *zip = path_in(f, "many.zip");
	make_zip(zip, m, 12);
	free(zip);
	check_failed_import_changes_nothing(f, "many.zip", "more than 10 members", &few);
	check_failed_import_changes_nothing(f, "many.zip", "inflates to more than 2000", &small);
	for (int i = 0; i < 12; i++) {
		free((char *)m[i].name);
		free(docs[i]);
	}
}

static void
test_corrupt_zip_fails_the_import(void **state)
{
	struct fx *f = *state;
	char *doc =
		record("GHSA-corr-uptz-ipzz", "2024-01-01T00:00:00Z", "npm", "corrupt", SV(I("0")),
		       "\"details\":\""
		       "padding padding padding padding padding "
		       "padding padding padding padding padding padding padding\"");
	struct member m[] = {{"a.json", doc, 0}, {"b.json", doc, 0}};
	char *zip = path_in(f, "corrupt.zip"), *buf;
	size_t len;
	FILE *fp;

	seed_first(f);
	make_zip(zip, m, 2);
	/* Flip the bytes of the first member after its 30-byte local header
	 * fixed part: its name, extra fields and deflated data. */
	assert_int_equal(ward_fs_read_all(AT_FDCWD, zip, 1 << 20, &buf, &len, NULL), 0);
	for (size_t i = 30; i < len / 2; i++)
		buf[i] = (char)(buf[i] ^ 0x5a);
	write_file(zip, buf, len);
	check_failed_import_changes_nothing(f, "corrupt.zip", "corrupt", NULL);
	/* Truncated in the middle. */
	write_file(zip, buf, len / 2);
	check_failed_import_changes_nothing(f, "corrupt.zip", "corrupt", NULL);
	/* Only the magic. */
	fp = fopen(zip, "w");
	fputs("PK\x03\x04garbage", fp);
	fclose(fp);
	check_failed_import_changes_nothing(f, "corrupt.zip", "zip", NULL);
	check_failed_import_changes_nothing(f, "does-not-exist.json", "does-not-exist", NULL);
	free(buf);
	free(doc);
	free(zip);
}

/* The writer failing mid-import (an sqlite error on the 100th record, made
 * by a trigger) stops the reader, which may be waiting on a full queue,
 * and rolls everything back. */
static void
test_store_failure_stops_the_reader(void **state)
{
	struct fx *f = *state;
	struct ward_vulndb_import_stats st = {0};
	struct ward_error *err = NULL;
	char *dir, *paths[1];

	seed_first(f);
	mkdir_in(f, "lots");
	for (int i = 0; i < 1500; i++) {
		char id[32], name[48];
		snprintf(id, sizeof(id), i == 100 ? "X-FAIL" : "GHSA-lots-%04d-xxxx", i);
		snprintf(name, sizeof(name), "lots/%04d.json", i);
		write_record(f, name, id, "npm", "lots", SV(I("0")), "");
	}
	assert_int_equal(
		sqlite3_exec(f->db->db,
			     "CREATE TEMP TRIGGER fail BEFORE INSERT ON records "
			     "WHEN NEW.id = 'X-FAIL' BEGIN SELECT RAISE(ABORT, 'injected'); "
			     "END;",
			     NULL, NULL, NULL),
		SQLITE_OK);
	dir = path_in(f, "lots");
	paths[0] = dir;
	assert_int_not_equal(ward_vulndb_import(f->db, paths, 1, &st, &err), 0);
	assert_non_null(strstr(err->msg, "injected"));
	ward_error_free(err);
	free(dir);
	assert_int_equal(record_count(f), 1);
}

static void
test_not_a_database(void **state)
{
	struct fx *f = *state;
	struct ward_vulndb *db = NULL;
	struct ward_error *err = NULL;
	char *p = path_in(f, "garbage.db"), *other = path_in(f, "other.db");
	sqlite3 *s;
	char *before = NULL, *after = NULL;
	size_t bl, al;

	char junk[4096];
	memset(junk, 'x', sizeof(junk));
	memcpy(junk, "this is not an sqlite database", 30);
	write_file(p, junk, sizeof(junk));
	assert_int_not_equal(ward_vulndb_open(p, true, &db, &err), 0);
	assert_null(db);
	assert_non_null(strstr(err->msg, "not a vulnerability database"));
	ward_error_free(err);
	err = NULL;

	/* Someone else's sqlite database is refused, and left unchanged. */
	assert_int_equal(sqlite3_open(other, &s), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(s, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(s);
	assert_int_equal(ward_fs_read_all(AT_FDCWD, other, 1 << 20, &before, &bl, NULL), 0);
	assert_int_not_equal(ward_vulndb_open(other, true, &db, &err), 0);
	assert_non_null(strstr(err->msg, "not ward's vulnerability database"));
	ward_error_free(err);
	err = NULL;
	assert_int_equal(ward_fs_read_all(AT_FDCWD, other, 1 << 20, &after, &al, NULL), 0);
	assert_int_equal(bl, al);
	assert_memory_equal(before, after, bl);

	/* Absent without create: not found, nothing created. */
	char *none = path_in(f, "none.db");
	assert_int_not_equal(ward_vulndb_open(none, false, &db, &err), 0);
	assert_int_equal(err->kind, WARD_E_NOTFOUND);
	ward_error_free(err);
	assert_int_not_equal(access(none, F_OK), 0);
	free(none);
	free(before);
	free(after);
	free(p);
	free(other);
}

static void
test_parse_time(void **state)
{
	(void)state;
	int64_t t = 0;

	assert_true(osv_parse_time("1970-01-01T00:00:00Z", &t));
	assert_int_equal(t, 0);
	assert_true(osv_parse_time("2024-01-01T00:00:00.999999Z", &t));
	assert_int_equal(t, 1704067200);
	assert_true(osv_parse_time("2024-01-01T02:00:00+02:00", &t));
	assert_int_equal(t, 1704067200);
	assert_false(osv_parse_time("2024-01-01 00:00:00Z", &t));
	assert_false(osv_parse_time("2024-13-01T00:00:00Z", &t));
	assert_false(osv_parse_time("2024-01-01T00:00:00", &t));
	assert_false(osv_parse_time("2024-01-01T00:00:00Zjunk", &t));
	assert_false(osv_parse_time("+024-01-01T00:00:00Z", &t));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_match_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_matched_name_is_the_source, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_aliases_merge_into_one_finding, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_aliases_merge_transitively, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ghsa_severity_words_and_alias, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_severity_sources, setup, teardown),
		cmocka_unit_test(test_severity_names),
		cmocka_unit_test_setup_teardown(test_withdrawn_and_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_zip_dir_and_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_records_are_counted_warnings, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_versions_drop_the_range_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_huge_arrays_and_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zip_bomb_member_is_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zip_total_and_member_bounds_fail_the_import,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_zip_fails_the_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_failure_stops_the_reader, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
		cmocka_unit_test(test_parse_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
