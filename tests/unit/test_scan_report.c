/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ward scan` after matching: the filters (severity list, unfixed, ignore
 * file with reasons and expiry, OpenVEX statuses and purl matching), the
 * CI fail decision, ward's JSON report and its inverse, SARIF 2.1.0
 * (checked structurally here; tests/e2e/scan-cli.bats validates it against
 * the published schema), the table with its patch guidance, and the scan
 * cache. Reports are built by hand so each test knows every finding.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <sqlite3.h>

#include <ward/scan.h>

#define NOW 1790000000 /* 2026-09-21 */

static char *
xs(const char *s)
{
	char *d = s ? strdup(s) : NULL;
	assert_true(!s || d);
	return d;
}

/* Three packages: libssl3 (source openssl), bash, zlib1g (source zlib). */
static struct ward_scan_report *
make_report(void)
{
	struct ward_scan_report *r = calloc(1, sizeof(*r));
	struct ward_inventory *inv = calloc(1, sizeof(*inv));
	static const struct {
		const char *name, *ver, *src, *srcver, *purl;
	} pk[] = {
		{"libssl3", "3.0.11-1~deb12u2", "openssl", "3.0.11-1~deb12u2",
		 "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"},
		{"bash", "5.2.15-2+b2", NULL, NULL,
		 "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12"},
		{"zlib1g", "1:1.2.13.dfsg-1", "zlib", "1.2.13.dfsg-1",
		 "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12"},
	};
	static const struct {
		size_t pkg;
		const char *id, *alias, *summary;
		enum ward_severity sev;
		double score;
		const char *fixed;
	} fd[] = {
		{0, "CVE-2024-0001", "DSA-5600-1", "openssl: a bad bug", WARD_SEV_CRITICAL, 9.8,
		 "3.0.13-1~deb12u1"},
		{0, "CVE-2024-0002", NULL, NULL, WARD_SEV_MEDIUM, 5.3, "3.0.11-1~deb12u3"},
		{0, "CVE-2024-0003", NULL, "no fix", WARD_SEV_LOW, -1, NULL},
		{1, "CVE-2024-0100", NULL, "bash bug", WARD_SEV_HIGH, 7.5, "5.2.15-3"},
		{2, "CVE-2024-0200", "DLA-1-1", NULL, WARD_SEV_UNKNOWN, -1, NULL},
	};

	assert_non_null(r);
	assert_non_null(inv);
	r->inv = inv;
	inv->source = xs("rootfs /tmp/x");
	inv->os.id = xs("debian");
	inv->os.version_id = xs("12");
	inv->os.pretty_name = xs("Debian GNU/Linux 12 (bookworm)");
	inv->n_pkgs = WARD_ARRAY_SIZE(pk);
	inv->pkgs = calloc(inv->n_pkgs, sizeof(*inv->pkgs));
	assert_non_null(inv->pkgs);
	for (size_t i = 0; i < inv->n_pkgs; i++) {
		struct ward_package *p = &inv->pkgs[i];
		p->type = WARD_PKG_DPKG;
		p->name = xs(pk[i].name);
		p->version = xs(pk[i].ver);
		p->source_name = xs(pk[i].src);
		p->source_version = xs(pk[i].srcver);
		p->arch = xs("amd64");
		p->location = xs("/var/lib/dpkg/status");
		p->purl = xs(pk[i].purl);
	}
	r->n_findings = WARD_ARRAY_SIZE(fd);
	r->findings = calloc(r->n_findings, sizeof(*r->findings));
	assert_non_null(r->findings);
	for (size_t i = 0; i < r->n_findings; i++) {
		struct ward_vuln_finding *f = &r->findings[i];
		f->pkg = fd[i].pkg;
		f->id = xs(fd[i].id);
		if (fd[i].alias) {
			f->aliases = calloc(1, sizeof(char *));
			assert_non_null(f->aliases);
			f->aliases[0] = xs(fd[i].alias);
			f->n_aliases = 1;
		}
		f->summary = xs(fd[i].summary);
		f->severity = fd[i].sev;
		f->cvss_score = fd[i].score;
		f->cvss_vector = fd[i].score >= 0
					 ? xs("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
					 : NULL;
		f->fixed_version = xs(fd[i].fixed);
		f->ecosystem = xs("Debian:12");
		f->matched_name = xs(pk[f->pkg].src ? pk[f->pkg].src : pk[f->pkg].name);
	}
	r->scanned_at = NOW;
	r->db_last_import = NOW - 3600;
	r->db_newest_modified = NOW - 7200;
	return r;
}

static struct ward_vuln_finding *
find(struct ward_scan_report *r, const char *id)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].id, id) == 0)
			return &r->findings[i];
	return NULL;
}

static void
filter(struct ward_scan_report *r, const struct ward_scan_filter *f,
       struct ward_scan_filter_stats *st)
{
	struct ward_error *err = NULL;

	if (ward_scan_filter_apply(r, f, st, &err) < 0)
		fail_msg("filter: %s", err->msg);
}

static struct ward_ignore_file *
ignore(const char *text)
{
	struct ward_ignore_file *f = NULL;
	struct ward_error *err = NULL;

	if (ward_ignore_parse(text, strlen(text), ".wardignore", &f, &err) < 0)
		fail_msg("ignore parse: %s", err->msg);
	return f;
}

static struct ward_vex *
vex(const char *text)
{
	struct ward_vex *v = NULL;
	struct ward_error *err = NULL;

	if (ward_vex_parse(text, strlen(text), "vex.json", &v, &err) < 0)
		fail_msg("vex parse: %s", err->msg);
	return v;
}

/* ---- severity list ---------------------------------------------------------- */

static void
test_severity_mask(void **state)
{
	struct ward_error *err = NULL;
	unsigned m = 0;

	(void)state;
	assert_int_equal(ward_severity_mask_parse("critical, High", &m, &err), 0);
	assert_int_equal(m, (1u << WARD_SEV_CRITICAL) | (1u << WARD_SEV_HIGH));
	assert_int_equal(ward_severity_mask_parse("UNKNOWN", &m, &err), 0);
	assert_int_equal(m, 1u << WARD_SEV_UNKNOWN);
	assert_true(ward_severity_mask_parse("HIGH,urgent", &m, &err) < 0);
	assert_non_null(strstr(err->msg, "urgent"));
	ward_error_freep(&err);
	assert_true(ward_severity_mask_parse(" , ", &m, &err) < 0);
	ward_error_freep(&err);
}

static void
test_filter_severity_and_unfixed(void **state)
{
	struct ward_scan_report *r = make_report();
	struct ward_scan_filter_stats st = {0};
	struct ward_scan_filter f = {.severity_mask = (1u << WARD_SEV_CRITICAL) |
						      (1u << WARD_SEV_HIGH) | (1u << WARD_SEV_LOW),
				     .now = NOW};

	(void)state;
	filter(r, &f, &st);
	assert_int_equal(st.dropped_severity, 2); /* MEDIUM and UNKNOWN */
	assert_int_equal(r->n_findings, 3);
	assert_non_null(find(r, "CVE-2024-0001"));
	assert_non_null(find(r, "CVE-2024-0003"));
	assert_null(find(r, "CVE-2024-0002"));
	ward_scan_filter_stats_clear(&st);

	f = (struct ward_scan_filter){.ignore_unfixed = true, .now = NOW};
	filter(r, &f, &st);
	assert_int_equal(st.dropped_unfixed, 1);
	assert_int_equal(r->n_findings, 2);
	assert_null(find(r, "CVE-2024-0003"));
	ward_scan_filter_stats_clear(&st);
	ward_scan_report_free(r);
}

/* ---- ignore file ------------------------------------------------------------ */

static void
test_ignore_parse_rejects(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"CVE-2024-0001\n", ":1: no reason"},
		{"# header\nCVE-2024-0001 #   \n", ":2: the reason after '#' is empty"},
		{"CVE-2024-0001 until=2026-02-30 # x\n", "not a date"},
		{"CVE-2024-0001 until=26-01-01 # x\n", "not a date"},
		{"CVE-2024-0001 until=2026-01-01 until=2026-01-02 # x\n", "twice"},
		{"CVE-2024-0001 exp=2026-01-01 # x\n", "unknown key"},
		{"CVE-2024-0001 openssl extra # x\n", "unexpected 'extra'"},
		{"CVE-2024-0001 until=2026-01-01 openssl # x\n", "unexpected 'openssl'"},
		{"CVE/2024 # x\n", "not a vulnerability id"},
		{"# only a reason\n   # x\n#\n  #x\nCVE-1\x01 # x\n", "control character"},
	};
	struct ward_ignore_file *f = NULL;
	struct ward_error *err = NULL;
	char big[WARD_IGNORE_LINE_MAX + 64];

	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(bad); i++) {
		if (ward_ignore_parse(bad[i].text, strlen(bad[i].text), ".wardignore", &f, &err) ==
		    0)
			fail_msg("accepted: %s", bad[i].text);
		if (!strstr(err->msg, bad[i].why) || !strstr(err->msg, ".wardignore"))
			fail_msg("'%s': error '%s' lacks '%s'", bad[i].text, err->msg, bad[i].why);
		ward_error_freep(&err);
	}
	assert_true(ward_ignore_parse("CVE-1 # a\0b\n", 12, "x", &f, &err) < 0);
	assert_non_null(strstr(err->msg, "NUL"));
	ward_error_freep(&err);
	memset(big, 'A', sizeof(big));
	assert_true(ward_ignore_parse(big, sizeof(big), "x", &f, &err) < 0);
	assert_non_null(strstr(err->msg, "line longer"));
	ward_error_freep(&err);
}

static void
test_ignore_entries_and_expiry(void **state)
{
	struct ward_scan_report *r = make_report();
	struct ward_scan_filter_stats st = {0};
	struct ward_ignore_file *ig =
		ignore("# accepted risks\n"
		       "\n"
		       "DSA-5600-1 openssl # only reachable through a disabled engine\r\n"
		       "CVE-2024-0100 zlib # wrong package: must not apply to bash\n"
		       "cve-2024-0002 until=2026-09-20 # expired yesterday\n"
		       "CVE-2024-0200 until=2026-09-21 # still valid through today\n");
	struct ward_scan_filter f = {.ignore = ig, .now = NOW};

	(void)state;
	assert_int_equal(ward_ignore_count(ig), 4);
	filter(r, &f, &st);
	assert_int_equal(r->n_findings, 5);
	/* by alias, scoped to the source package */
	assert_true(find(r, "CVE-2024-0001")->suppressed);
	assert_non_null(strstr(find(r, "CVE-2024-0001")->suppressed_by,
			       ".wardignore:3: only reachable through a disabled engine"));
	assert_false(find(r, "CVE-2024-0100")->suppressed);
	/* expired entries suppress nothing and say so */
	assert_false(find(r, "CVE-2024-0002")->suppressed);
	assert_true(find(r, "CVE-2024-0200")->suppressed);
	assert_int_equal(st.suppressed_ignore, 2);
	assert_int_equal(st.n_warnings, 1);
	assert_non_null(strstr(st.warnings[0], ".wardignore:5"));
	assert_non_null(strstr(st.warnings[0], "expired on 2026-09-20"));
	assert_non_null(strstr(st.warnings[0], "no longer applies"));
	/* the gate ignores suppressed findings */
	assert_int_equal(ward_scan_failing(r, WARD_SEV_HIGH), 1); /* CVE-2024-0100 */
	assert_int_equal(ward_scan_failing(r, WARD_SEV_CRITICAL), 0);
	assert_int_equal(ward_scan_failing(r, WARD_SEV_UNKNOWN), 3);
	ward_scan_filter_stats_clear(&st);
	ward_ignore_free(ig);
	ward_scan_report_free(r);
}

/* ---- OpenVEX ------------------------------------------------------------------ */

#define VEX_HEAD                                                                                   \
	"{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"@id\": "                              \
	"\"https://example.com/vex-1\","                                                           \
	" \"author\": \"sec@example.com\", \"timestamp\": \"2026-09-01T10:00:00Z\", \"version\": " \
	"1, \"statements\": ["

static void
test_vex_statuses_and_products(void **state)
{
	struct ward_scan_report *r = make_report();
	struct ward_scan_filter_stats st = {0};
	struct ward_vex *v = vex(
		VEX_HEAD
		/* versionless purl covers every version; justification label */
		"{\"vulnerability\": {\"name\": \"CVE-2024-0001\"}, \"products\": [{\"@id\": "
		"\"pkg:deb/debian/libssl3\"}], \"status\": \"not_affected\", \"justification\": "
		"\"vulnerable_code_not_in_execute_path\"},"
		/* qualifier subset matches; fixed suppresses */
		"{\"vulnerability\": {\"name\": \"X-1\", \"aliases\": [\"CVE-2024-0002\"]}, "
		"\"products\": [{\"identifiers\": {\"purl\": "
		"\"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64\"}}], \"status\": \"fixed\"},"
		/* wrong arch: no match */
		"{\"vulnerability\": {\"name\": \"CVE-2024-0003\"}, \"products\": [{\"@id\": "
		"\"pkg:deb/debian/libssl3?arch=arm64\"}], \"status\": \"not_affected\", "
		"\"impact_statement\": \"not on arm\"},"
		/* wrong version: no match */
		"{\"vulnerability\": {\"name\": \"CVE-2024-0100\"}, \"products\": [{\"@id\": "
		"\"pkg:deb/debian/bash@5.2.15-1\"}], \"status\": \"not_affected\", "
		"\"justification\": \"component_not_present\"},"
		/* affected keeps */
		"{\"vulnerability\": {\"name\": \"CVE-2024-0200\"}, \"products\": [{\"@id\": "
		"\"pkg:deb/debian/zlib1g\"}], \"status\": \"affected\", \"action_statement\": "
		"\"upgrade\"}"
		"]}");
	const struct ward_vex *vs[] = {v};
	struct ward_scan_filter f = {.vex = vs, .n_vex = 1, .now = NOW};

	(void)state;
	assert_int_equal(ward_vex_count(v), 5);
	filter(r, &f, &st);
	assert_true(find(r, "CVE-2024-0001")->suppressed);
	assert_string_equal(find(r, "CVE-2024-0001")->suppressed_by,
			    "VEX vex.json: not_affected: vulnerable_code_not_in_execute_path");
	assert_true(find(r, "CVE-2024-0002")->suppressed);
	assert_non_null(strstr(find(r, "CVE-2024-0002")->suppressed_by, "fixed"));
	assert_false(find(r, "CVE-2024-0003")->suppressed);
	assert_false(find(r, "CVE-2024-0100")->suppressed);
	assert_false(find(r, "CVE-2024-0200")->suppressed);
	assert_int_equal(st.suppressed_vex, 2);
	ward_scan_filter_stats_clear(&st);
	ward_vex_free(v);
	ward_scan_report_free(r);
}

static void
test_vex_latest_statement_wins(void **state)
{
	struct ward_scan_report *r = make_report();
	/* not_affected (older, but later in the file), then affected (newer),
	 * for one vulnerability; the second document's under_investigation is
	 * older than both; an image product with subcomponents; 0.0.x strings. */
	struct ward_vex *a =
		vex(VEX_HEAD
		    "{\"vulnerability\": {\"name\": \"CVE-2024-0100\"}, \"timestamp\": "
		    "\"2026-09-10T00:00:00+02:00\", \"products\": [{\"@id\": "
		    "\"pkg:deb/debian/bash\"}], "
		    "\"status\": \"affected\"},"
		    "{\"vulnerability\": {\"name\": \"CVE-2024-0100\"}, \"timestamp\": "
		    "\"2026-09-05T00:00:00Z\", \"products\": [{\"@id\": \"pkg:deb/debian/bash\"}], "
		    "\"status\": \"not_affected\", \"justification\": \"component_not_present\"},"
		    "{\"vulnerability\": {\"name\": \"CVE-2024-0001\"}, \"products\": [{\"@id\": "
		    "\"pkg:oci/app@sha256%3A" /* the scanned image, the package as subcomponent */
		    "1111111111111111111111111111111111111111111111111111111111111111\", "
		    "\"subcomponents\": [{\"@id\": \"pkg:deb/debian/libssl3\"}]}], \"status\": "
		    "\"not_affected\", \"justification\": \"inline_mitigations_already_exist\"},"
		    "{\"vulnerability\": {\"name\": \"CVE-2024-0002\"}, \"products\": [{\"@id\": "
		    "\"pkg:oci/app@sha256%3A"
		    "2222222222222222222222222222222222222222222222222222222222222222\"}], "
		    "\"status\": \"not_affected\", \"justification\": \"component_not_present\"}"
		    "]}");
	struct ward_vex *b =
		vex("{\"@context\": \"https://openvex.dev/ns\", \"statements\": ["
		    "{\"vulnerability\": \"DLA-1-1\", \"products\": "
		    "[\"pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1\"], \"status\": "
		    "\"not_affected\", \"justification\": \"component_not_present\"}]}");
	const struct ward_vex *vs[] = {a, b};
	struct ward_scan_filter f = {.vex = vs, .n_vex = 2, .now = NOW};

	(void)state;
	r->image_digest =
		xs("sha256:1111111111111111111111111111111111111111111111111111111111111111");
	filter(r, &f, NULL);
	assert_false(find(r, "CVE-2024-0100")->suppressed); /* affected is newer */
	assert_true(find(r, "CVE-2024-0001")->suppressed);  /* via the image's subcomponent */
	assert_false(find(r, "CVE-2024-0002")->suppressed); /* another image */
	assert_true(find(r, "CVE-2024-0200")->suppressed);  /* by alias, 0.0.x form */
	ward_vex_free(a);
	ward_vex_free(b);
	ward_scan_report_free(r);
}

static void
test_vex_parse_rejects(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"{\"statements\": []}", "not an OpenVEX document"},
		{"{\"@context\": \"https://example.com\", \"statements\": []}", "not an OpenVEX"},
		{VEX_HEAD
		 "{\"vulnerability\": {\"name\": \"C\"}, \"products\": [{\"@id\": \"p\"}], "
		 "\"status\": \"not_affected\"}]}",
		 "statements[0]: not_affected needs a justification"},
		{VEX_HEAD
		 "{\"vulnerability\": {\"name\": \"C\"}, \"products\": [{\"@id\": \"p\"}], "
		 "\"status\": \"maybe\"}]}",
		 "unknown status 'maybe'"},
		{VEX_HEAD "{}, {\"products\": [{\"@id\": \"p\"}], \"status\": \"fixed\"}]}",
		 "statements[0]: no vulnerability"},
		{VEX_HEAD "{\"vulnerability\": {\"name\": 5}, \"products\": [], \"status\": "
			  "\"fixed\"}]}",
		 "not a string"},
		{VEX_HEAD "{\"vulnerability\": {\"name\": \"C\"}, \"products\": [], \"status\": "
			  "\"fixed\"}]}",
		 "no products"},
		{VEX_HEAD "{\"vulnerability\": {\"name\": \"C\"}, \"products\": [7], \"status\": "
			  "\"fixed\"}]}",
		 "malformed product"},
		{VEX_HEAD "{\"vulnerability\": {\"name\": \"C\", \"aliases\": {}}, \"products\": "
			  "[\"p\"], \"status\": \"fixed\"}]}",
		 "aliases"},
		{"[1, 2", "vex.json"},
	};
	struct ward_vex *v = NULL;
	struct ward_error *err = NULL;

	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(bad); i++) {
		if (ward_vex_parse(bad[i].text, strlen(bad[i].text), "vex.json", &v, &err) == 0)
			fail_msg("accepted: %s", bad[i].text);
		if (!strstr(err->msg, bad[i].why))
			fail_msg("'%s': error '%s' lacks '%s'", bad[i].text, err->msg, bad[i].why);
		ward_error_freep(&err);
	}
}

/* ---- JSON ----------------------------------------------------------------------- */

static json_t *
report_json(struct ward_scan_report *r, bool all)
{
	struct ward_error *err = NULL;
	json_t *j = NULL;

	if (ward_scan_report_json(r, all, &j, &err) < 0)
		fail_msg("json: %s", err->msg);
	return j;
}

static void
test_json_shape(void **state)
{
	struct ward_scan_report *r = make_report();
	struct ward_ignore_file *ig = ignore("CVE-2024-0200 # accepted\n");
	struct ward_scan_filter f = {.ignore = ig, .now = NOW};
	json_t *j, *pkgs, *p0, *f0, *sum;

	(void)state;
	filter(r, &f, NULL);
	j = report_json(r, false);
	assert_int_equal(json_integer_value(json_object_get(j, "schemaVersion")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "source")), "rootfs /tmp/x");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "os"), "id")),
			    "debian");
	assert_string_equal(json_string_value(json_object_get(j, "scannedAt")),
			    "2026-09-21T14:13:20Z");
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(j, "db"), "ageSeconds")), 7200);
	assert_int_equal(json_integer_value(json_object_get(j, "packagesCount")), 3);
	sum = json_object_get(j, "summary");
	assert_int_equal(json_integer_value(json_object_get(sum, "CRITICAL")), 1);
	assert_int_equal(json_integer_value(json_object_get(sum, "UNKNOWN")), 0);
	assert_int_equal(json_integer_value(json_object_get(sum, "suppressed")), 1);
	pkgs = json_object_get(j, "packages");
	assert_int_equal(json_array_size(pkgs), 3); /* every package has a finding */
	p0 = json_array_get(pkgs, 0);
	assert_string_equal(json_string_value(json_object_get(p0, "name")), "libssl3");
	assert_string_equal(json_string_value(json_object_get(p0, "sourceName")), "openssl");
	assert_int_equal(json_array_size(json_object_get(p0, "findings")), 3);
	f0 = json_array_get(json_object_get(p0, "findings"), 0);
	assert_string_equal(json_string_value(json_object_get(f0, "id")), "CVE-2024-0001");
	assert_string_equal(json_string_value(json_array_get(json_object_get(f0, "aliases"), 0)),
			    "DSA-5600-1");
	assert_string_equal(json_string_value(json_object_get(f0, "severity")), "CRITICAL");
	assert_true(json_number_value(json_object_get(json_object_get(f0, "cvss"), "score")) ==
		    9.8);
	assert_string_equal(json_string_value(json_object_get(f0, "fixedVersion")),
			    "3.0.13-1~deb12u1");
	assert_true(json_is_false(json_object_get(f0, "suppressed")));
	assert_true(json_is_null(json_object_get(f0, "suppressedBy")));
	f0 = json_array_get(json_object_get(json_array_get(pkgs, 2), "findings"), 0);
	assert_true(json_is_true(json_object_get(f0, "suppressed")));
	assert_non_null(strstr(json_string_value(json_object_get(f0, "suppressedBy")), "accepted"));
	assert_true(json_is_null(json_object_get(f0, "cvss")));
	assert_true(json_is_null(json_object_get(f0, "fixedVersion")));
	json_decref(j);
	ward_ignore_free(ig);
	ward_scan_report_free(r);
}

static void
test_json_round_trip(void **state)
{
	struct ward_scan_report *r = make_report(), *back = NULL;
	struct ward_error *err = NULL;
	json_t *j, *j2;
	char *a, *b;

	(void)state;
	/* one package without findings must survive with all_packages */
	free(r->findings[4].id);
	r->findings[4].id = xs("CVE-2024-0201");
	r->findings[4].pkg = 0;
	r->image_digest =
		xs("sha256:1111111111111111111111111111111111111111111111111111111111111111");
	r->image_ref = xs("localhost/app:1");
	j = report_json(r, true);
	assert_int_equal(json_array_size(json_object_get(j, "packages")), 3);
	if (ward_scan_report_from_json(j, &back, &err) < 0)
		fail_msg("from json: %s", err->msg);
	assert_int_equal(back->inv->n_pkgs, 3);
	assert_int_equal(back->n_findings, 5);
	assert_string_equal(back->image_ref, "localhost/app:1");
	assert_int_equal(back->db_last_import, r->db_last_import);
	j2 = report_json(back, true);
	a = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	b = json_dumps(j2, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(a, b);
	free(a);
	free(b);
	json_decref(j2);
	/* hostile: a bad severity, a wrong type, an unknown package type */
	json_object_set_new(
		json_array_get(json_object_get(json_array_get(json_object_get(j, "packages"), 0),
					       "findings"),
			       0),
		"severity", json_string("APOCALYPTIC"));
	ward_scan_report_free(back);
	back = NULL;
	assert_true(ward_scan_report_from_json(j, &back, &err) < 0);
	assert_non_null(strstr(err->msg, "packages[0].findings[0].severity"));
	ward_error_freep(&err);
	json_object_set_new(json_array_get(json_object_get(j, "packages"), 1), "type",
			    json_string("exe"));
	assert_true(ward_scan_report_from_json(j, &back, &err) < 0);
	ward_error_freep(&err);
	json_object_set_new(j, "packages", json_integer(3));
	assert_true(ward_scan_report_from_json(j, &back, &err) < 0);
	ward_error_freep(&err);
	assert_null(back);
	json_decref(j);
	ward_scan_report_free(r);
}

/* Package databases and ignore files need not be UTF-8: one Latin-1 byte
 * must not fail a whole report. */
static void
test_reports_survive_invalid_utf8(void **state)
{
	struct ward_scan_report *r = make_report();
	struct ward_ignore_file *ig = ignore("CVE-2024-0100 # accept\xe9 by J\xf6rg\n");
	struct ward_scan_filter f = {.ignore = ig, .now = NOW};
	struct ward_error *err = NULL;
	json_t *j = NULL, *s = NULL, *res;

	(void)state;
	free(r->findings[0].summary);
	r->findings[0].summary = xs("caf\xe9 overflow");
	free(r->inv->pkgs[2].license);
	r->inv->pkgs[2].license = xs("\xff\xfe");
	filter(r, &f, NULL);
	assert_int_equal(ward_scan_report_json(r, true, &j, &err), 0);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(
				json_object_get(json_array_get(json_object_get(j, "packages"), 0),
						"findings"),
				0),
			"summary")),
		"caf? overflow");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(j, "packages"), 2), "license")),
			    "??");
	assert_int_equal(ward_scan_report_sarif(r, &s, &err), 0);
	res = json_array_get(
		json_object_get(json_array_get(json_object_get(s, "runs"), 0), "results"), 3);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(res, "suppressions"), 0), "justification")),
		"ignore file .wardignore:1: accept? by J?rg");
	json_decref(j);
	json_decref(s);
	ward_ignore_free(ig);
	ward_scan_report_free(r);
}

/* ---- SARIF ---------------------------------------------------------------------- */

static void
test_sarif_structure(void **state)
{
	struct ward_scan_report *r = make_report();
	struct ward_ignore_file *ig = ignore("CVE-2024-0100 bash # fixed by our seccomp profile\n");
	struct ward_scan_filter f = {.ignore = ig, .now = NOW};
	struct ward_error *err = NULL;
	json_t *s = NULL, *run, *drv, *rules, *results, *res;
	size_t i;

	(void)state;
	/* the same id in two packages: one rule, two results */
	free(r->findings[4].id);
	r->findings[4].id = xs("CVE-2024-0001");
	filter(r, &f, NULL);
	assert_int_equal(ward_scan_report_sarif(r, &s, &err), 0);
	assert_string_equal(json_string_value(json_object_get(s, "version")), "2.1.0");
	assert_non_null(json_string_value(json_object_get(s, "$schema")));
	assert_int_equal(json_array_size(json_object_get(s, "runs")), 1);
	run = json_array_get(json_object_get(s, "runs"), 0);
	drv = json_object_get(json_object_get(run, "tool"), "driver");
	assert_string_equal(json_string_value(json_object_get(drv, "name")), "ward");
	rules = json_object_get(drv, "rules");
	results = json_object_get(run, "results");
	assert_int_equal(json_array_size(rules), 4);
	assert_int_equal(json_array_size(results), 5);
	json_t *r0 = json_array_get(rules, 0);
	assert_string_equal(json_string_value(json_object_get(r0, "id")), "CVE-2024-0001");
	assert_string_equal(json_string_value(json_object_get(r0, "helpUri")),
			    "https://osv.dev/vulnerability/CVE-2024-0001");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(r0, "shortDescription"), "text")),
		"openssl: a bad bug");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r0, "properties"),
							      "security-severity")),
			    "9.8");
	/* no CVSS score: the floor of the severity's band (LOW -> 0.1) */
	json_t *r2 = json_array_get(rules, 2);
	assert_string_equal(json_string_value(json_object_get(r2, "id")), "CVE-2024-0003");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r2, "properties"),
							      "security-severity")),
			    "0.1");
	json_array_foreach(results, i, res) {
		const char *id = json_string_value(json_object_get(res, "ruleId"));
		size_t ri = (size_t)json_integer_value(json_object_get(res, "ruleIndex"));
		json_t *loc = json_array_get(json_object_get(res, "locations"), 0);
		assert_string_equal(
			json_string_value(json_object_get(json_array_get(rules, ri), "id")), id);
		assert_string_equal(
			json_string_value(json_object_get(
				json_object_get(json_object_get(loc, "physicalLocation"),
						"artifactLocation"),
				"uri")),
			"var/lib/dpkg/status");
		assert_non_null(
			json_object_get(json_array_get(json_object_get(loc, "logicalLocations"), 0),
					"fullyQualifiedName"));
		assert_non_null(strstr(
			json_string_value(json_object_get(json_object_get(res, "message"), "text")),
			"Package "));
	}
	res = json_array_get(results, 0);
	assert_string_equal(json_string_value(json_object_get(res, "level")), "error");
	assert_non_null(
		strstr(json_string_value(json_object_get(json_object_get(res, "message"), "text")),
		       "libssl3 3.0.11-1~deb12u2 is affected by CVE-2024-0001 (CRITICAL); fixed in "
		       "3.0.13-1~deb12u1"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(results, 1), "level")),
			    "warning");
	assert_string_equal(json_string_value(json_object_get(json_array_get(results, 2), "level")),
			    "note");
	res = json_array_get(results, 3); /* bash, suppressed */
	assert_string_equal(json_string_value(json_object_get(res, "level")), "error");
	json_t *sup = json_array_get(json_object_get(res, "suppressions"), 0);
	assert_string_equal(json_string_value(json_object_get(sup, "kind")), "external");
	assert_non_null(
		strstr(json_string_value(json_object_get(sup, "justification")), "seccomp"));
	assert_null(json_object_get(json_array_get(results, 0), "suppressions"));
	/* the UNKNOWN finding in zlib1g: note; it shares rule 0 */
	res = json_array_get(results, 4);
	assert_string_equal(json_string_value(json_object_get(res, "level")), "note");
	assert_int_equal(json_integer_value(json_object_get(res, "ruleIndex")), 0);
	json_decref(s);
	ward_ignore_free(ig);
	ward_scan_report_free(r);
}

/* ---- table ------------------------------------------------------------------------ */

static char *
table(struct ward_scan_report *r, bool color)
{
	struct ward_error *err = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (ward_scan_report_table(r, f, color, &err) < 0)
		fail_msg("table: %s", err->msg);
	fclose(f);
	return buf;
}

static void
test_table_grouping_and_guidance(void **state)
{
	struct ward_scan_report *r = make_report();
	struct ward_ignore_file *ig = ignore("CVE-2024-0200 # not shipped\n");
	struct ward_scan_filter f = {.ignore = ig, .now = NOW};
	char *t, *ssl, *bash, *colored;

	(void)state;
	free(r->inv->pkgs[1].name);
	r->inv->pkgs[1].name = xs("ba\033[2Jsh"); /* hostile: a terminal escape */
	filter(r, &f, NULL);
	t = table(r, false);
	assert_null(strchr(t, '\033'));
	assert_non_null(strstr(t,
			       "rootfs /tmp/x (Debian GNU/Linux 12 (bookworm)): 3 packages, 4 "
			       "findings (CRITICAL: 1, HIGH: 1, MEDIUM: 1, LOW: 1), 1 suppressed"));
	assert_non_null(strstr(t, "PACKAGE"));
	assert_non_null(strstr(t, "INSTALLED"));
	assert_non_null(strstr(t, "VULNERABILITY"));
	assert_non_null(strstr(t, "FIXED IN"));
	/* libssl3 (worst: CRITICAL) first, bash (HIGH) after it */
	ssl = strstr(t, "libssl3");
	bash = strstr(t, "ba?[2Jsh");
	assert_non_null(ssl);
	assert_non_null(bash);
	assert_true(ssl < bash);
	/* the package name is printed once per group */
	assert_null(strstr(ssl + 1, "libssl3  "));
	/* the highest fixed version, in dpkg order (~deb12u3 < 3.0.13) */
	assert_non_null(strstr(t, "-> upgrade libssl3 to 3.0.13-1~deb12u1 removes 2 findings\n"));
	assert_non_null(strstr(t, "-> 1 finding in libssl3 has no fixed version yet\n"));
	assert_non_null(strstr(t, "-> upgrade ba?[2Jsh to 5.2.15-3 removes 1 finding (all)\n"));
	assert_non_null(strstr(t, "suppressed:\n  CVE-2024-0200 in zlib1g: ignore file "
				  ".wardignore:1: not shipped\n"));
	colored = table(r, true);
	assert_non_null(strstr(colored, "\033[1;31mCRITICAL"));
	assert_non_null(strstr(colored, "\033[33mMEDIUM"));
	free(colored);
	free(t);
	ward_ignore_free(ig);
	ward_scan_report_free(r);
}

static void
test_table_clean(void **state)
{
	struct ward_scan_report *r = make_report();
	struct ward_scan_filter f = {
		.severity_mask = 1u << WARD_SEV_CRITICAL, .ignore_unfixed = true, .now = NOW};
	struct ward_ignore_file *ig = ignore("CVE-2024-0001 # x\n");
	char *t;

	(void)state;
	f.ignore = ig;
	filter(r, &f, NULL);
	t = table(r, false);
	assert_non_null(strstr(t, ": 3 packages, 0 findings, 1 suppressed\n"));
	assert_null(strstr(t, "PACKAGE"));
	free(t);
	ward_ignore_free(ig);
	ward_scan_report_free(r);
}

/* ---- cache ---------------------------------------------------------------------- */

static void
test_cache(void **state)
{
	char dir[] = "/tmp/ward-scan-cache-XXXXXX", path[128];
	struct ward_scan_report *r = make_report(), *got = NULL;
	struct ward_scan_cache *c = NULL;
	struct ward_error *err = NULL;
	const char *dg = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/scan-cache.db", dir);
	if (ward_scan_cache_open(path, &c, &err) < 0)
		fail_msg("open: %s", err->msg);
	assert_int_equal(ward_scan_cache_get(c, dg, r->db_last_import, &got, &err), 0);
	assert_true(ward_scan_cache_put(c, r, &err) < 0); /* no image digest */
	ward_error_freep(&err);
	r->image_digest = xs(dg);
	assert_int_equal(ward_scan_cache_put(c, r, &err), 0);
	assert_int_equal(ward_scan_cache_get(c, dg, r->db_last_import, &got, &err), 1);
	assert_int_equal(got->n_findings, 5);
	assert_int_equal(got->inv->n_pkgs, 3);
	assert_string_equal(got->findings[0].id, "CVE-2024-0001");
	ward_scan_report_free(got);
	got = NULL;
	/* a newer import invalidates */
	assert_int_equal(ward_scan_cache_get(c, dg, r->db_last_import + 1, &got, &err), 0);
	assert_null(got);
	ward_scan_cache_close(c);
	c = NULL;
	/* a corrupt entry is a miss and is dropped */
	{
		sqlite3 *db = NULL;
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db,
					      "UPDATE scan_cache SET report = "
					      "'{\"schemaVersion\": 1, \"packages\": 7}'",
					      NULL, NULL, NULL),
				 SQLITE_OK);
		sqlite3_close(db);
	}
	assert_int_equal(ward_scan_cache_open(path, &c, &err), 0);
	assert_int_equal(ward_scan_cache_get(c, dg, r->db_last_import, &got, &err), 0);
	assert_null(got);
	ward_scan_cache_close(c);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
	ward_scan_report_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_severity_mask),
		cmocka_unit_test(test_filter_severity_and_unfixed),
		cmocka_unit_test(test_ignore_parse_rejects),
		cmocka_unit_test(test_ignore_entries_and_expiry),
		cmocka_unit_test(test_vex_statuses_and_products),
		cmocka_unit_test(test_vex_latest_statement_wins),
		cmocka_unit_test(test_vex_parse_rejects),
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_reports_survive_invalid_utf8),
		cmocka_unit_test(test_sarif_structure),
		cmocka_unit_test(test_table_grouping_and_guidance),
		cmocka_unit_test(test_table_clean),
		cmocka_unit_test(test_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
