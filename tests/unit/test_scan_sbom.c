/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SBOMs: an inventory of every package type written as CycloneDX 1.5 and
 * SPDX 2.3 and read back field for field; vulnerabilities in CycloneDX
 * (merged by id, affects by bom-ref, "upgrade to" recommendations);
 * documents whose dependency graph or relationships are cyclic (read in
 * one pass, never followed); and hostile documents: wrong types, missing
 * or foreign purls, nesting past the bound, oversize input.
 * (The schema validation of the output is in tests/e2e/scan-inventory.bats,
 * with the published schemas and python3-jsonschema.)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/scan.h>

#include "scan/inventory_internal.h"

static struct ward_inventory *
sample_inventory(void)
{
	static const struct scan_pkg_in pkgs[] = {
		{.type = WARD_PKG_DPKG,
		 .name = "bsdutils",
		 .version = "1:2.38.1-5+deb12u3",
		 .source_name = "util-linux",
		 .source_version = "2.38.1-5+deb12u3",
		 .arch = "amd64",
		 .location = "/var/lib/dpkg/status"},
		{.type = WARD_PKG_DPKG,
		 .name = "bash",
		 .version = "5.2.15-2+b2",
		 .source_version = "5.2.15-2",
		 .arch = "amd64",
		 .location = "/var/lib/dpkg/status"},
		{.type = WARD_PKG_RPM,
		 .name = "openssl-libs",
		 .version = "1:3.0.7-25.el9",
		 .source_name = "openssl",
		 .arch = "x86_64",
		 .license = "ASL 2.0",
		 .location = "/var/lib/rpm/rpmdb.sqlite"},
		{.type = WARD_PKG_APK,
		 .name = "libcrypto3",
		 .version = "3.1.4-r5",
		 .source_name = "openssl",
		 .arch = "x86_64",
		 .license = "Apache-2.0",
		 .location = "/lib/apk/db/installed"},
		{.type = WARD_PKG_NPM,
		 .name = "@babel/core",
		 .version = "7.23.7",
		 .license = "MIT",
		 .location = "/app/node_modules/@babel/core/package.json"},
		{.type = WARD_PKG_NPM, .name = "@babel/core", .version = "7.23.7"}, /* twice */
		{.type = WARD_PKG_PYPI,
		 .name = "Flask_SQLAlchemy",
		 .version = "3.1.1",
		 .license = "MIT License"},
		{.type = WARD_PKG_GO, .name = "github.com/gorilla/mux", .version = "v1.8.0"},
		{.type = WARD_PKG_GO,
		 .name = "stdlib",
		 .version = "v1.21.5",
		 .location = "/app/bin"},
	};
	struct scan_inv b;

	assert_int_equal(scan_inv_init(&b, "image sha256:abc", NULL), 0);
	b.inv->os.id = strdup("debian");
	b.inv->os.version_id = strdup("12");
	assert_int_equal(scan_inv_set_os(&b, NULL), 0);
	for (size_t i = 0; i < WARD_ARRAY_SIZE(pkgs); i++)
		assert_int_equal(scan_inv_add(&b, &pkgs[i], NULL), 0);
	struct ward_inventory *inv = TAKE_PTR(b.inv);
	scan_inv_clear(&b);
	return inv;
}

static void
same_str(const char *what, const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
		fail_msg("%s: '%s' != '%s'", what, a ? a : "(null)", b ? b : "(null)");
}

static void
check_round_trip(enum ward_sbom_format fmt)
{
	struct ward_inventory *inv = sample_inventory(), *back = NULL;
	struct ward_error *err = NULL;
	char *out = NULL;
	size_t len = 0;

	if (ward_sbom_write(inv, NULL, 0, fmt, &out, &len, &err) < 0)
		fail_msg("write: %s", err->msg);
	assert_int_equal(strlen(out), len);
	if (ward_sbom_read(out, len, "x.json", &back, &err) < 0)
		fail_msg("read: %s", err->msg);
	assert_int_equal(back->n_warnings, 0);
	assert_int_equal(back->n_pkgs, inv->n_pkgs);
	assert_string_equal(back->source, "sbom x.json");
	same_str("os id", back->os.id, "debian");
	same_str("os version", back->os.version_id, "12");
	for (size_t i = 0; i < inv->n_pkgs; i++) {
		const struct ward_package *a = &inv->pkgs[i], *b = &back->pkgs[i];
		assert_int_equal(a->type, b->type);
		same_str("name", b->name, a->name);
		same_str("version", b->version, a->version);
		same_str("source_name", b->source_name, a->source_name);
		same_str("source_version", b->source_version, a->source_version);
		same_str("arch", b->arch, a->arch);
		same_str("license", b->license, a->license);
		same_str("location", b->location, a->location);
		same_str("purl", b->purl, a->purl);
	}
	free(out);
	ward_inventory_free(inv);
	ward_inventory_free(back);
}

static void
test_cyclonedx_round_trip(void **state)
{
	(void)state;
	check_round_trip(WARD_SBOM_CYCLONEDX);
}

static void
test_spdx_round_trip(void **state)
{
	(void)state;
	check_round_trip(WARD_SBOM_SPDX);
}

static void
test_spdx_ids_and_licenses(void **state)
{
	(void)state;
	struct ward_inventory *inv = sample_inventory();
	char *out = NULL;
	json_t *j, *pkgs, *rels;
	size_t len;

	assert_int_equal(ward_sbom_write(inv, NULL, 0, WARD_SBOM_SPDX, &out, &len, NULL), 0);
	assert_int_equal(ward_json_parse(out, len, "spdx", &j, NULL), 0);
	pkgs = json_object_get(j, "packages");
	rels = json_object_get(j, "relationships");
	assert_int_equal(json_array_size(pkgs), inv->n_pkgs + 1); /* + the OS */
	assert_int_equal(json_array_size(rels), inv->n_pkgs + 1);
	for (size_t i = 0; i < json_array_size(pkgs); i++) {
		const char *id =
			json_string_value(json_object_get(json_array_get(pkgs, i), "SPDXID"));
		assert_true(ward_str_has_prefix(id, "SPDXRef-"));
		assert_null(strpbrk(id + 8, "/@_ "));
		assert_string_equal(json_string_value(json_object_get(json_array_get(rels, i),
								      "relationshipType")),
				    "DESCRIBES");
	}
	/* "ASL 2.0" is no SPDX expression: NOASSERTION, text kept as a comment;
	 * "Apache-2.0" is. */
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(pkgs, 3), "licenseDeclared")),
		"NOASSERTION");
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(pkgs, 3), "licenseComments")),
		"ASL 2.0");
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(pkgs, 4), "licenseDeclared")),
		"Apache-2.0");
	json_decref(j);
	free(out);
	ward_inventory_free(inv);
}

static void
test_cyclonedx_vulnerabilities(void **state)
{
	(void)state;
	struct ward_inventory *inv = sample_inventory();
	char *aliases[] = {"DSA-5555-1"};
	struct ward_vuln_finding f[] = {
		{.pkg = 0,
		 .id = "CVE-2024-28085",
		 .aliases = aliases,
		 .n_aliases = 1,
		 .summary = "wall escape sequences",
		 .severity = WARD_SEV_HIGH,
		 .cvss_score = 7.8,
		 .cvss_vector = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
		 .fixed_version = "2.38.1-5+deb12u4"},
		{.pkg = 1,
		 .id = "CVE-2024-28085",
		 .severity = WARD_SEV_HIGH,
		 .cvss_score = 7.8,
		 .fixed_version = "5.2.15-3"},
		{.pkg = 7, .id = "GO-2024-0001", .severity = WARD_SEV_UNKNOWN, .cvss_score = -1},
	};
	char *out = NULL;
	size_t len;
	json_t *j, *v, *first;
	struct ward_error *err = NULL;

	assert_int_equal(ward_sbom_write(inv, f, 3, WARD_SBOM_CYCLONEDX, &out, &len, NULL), 0);
	assert_int_equal(ward_json_parse(out, len, "cdx", &j, NULL), 0);
	v = json_object_get(j, "vulnerabilities");
	assert_int_equal(json_array_size(v), 2); /* merged by id */
	first = json_array_get(v, 0);
	assert_string_equal(json_string_value(json_object_get(first, "id")), "CVE-2024-28085");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(first, "source"), "name")),
		"NVD");
	assert_int_equal(json_array_size(json_object_get(first, "affects")), 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(first, "affects"), 0), "ref")),
			    inv->pkgs[0].purl);
	assert_string_equal(json_string_value(json_object_get(first, "recommendation")),
			    "upgrade bsdutils to 2.38.1-5+deb12u4; bash to 5.2.15-3");
	{
		json_t *r = json_array_get(json_object_get(first, "ratings"), 0);
		assert_true(json_real_value(json_object_get(r, "score")) > 7.79);
		assert_string_equal(json_string_value(json_object_get(r, "severity")), "high");
		assert_string_equal(json_string_value(json_object_get(r, "method")), "CVSSv31");
	}
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(first, "references"), 0), "id")),
			    "DSA-5555-1");
	/* No fix: no recommendation; no score: no rating. */
	assert_null(json_object_get(json_array_get(v, 1), "recommendation"));
	assert_int_equal(json_array_size(json_object_get(json_array_get(v, 1), "ratings")), 0);
	/* Duplicate packages got distinct bom-refs. */
	{
		json_t *c = json_object_get(j, "components");
		const char *r4 =
			json_string_value(json_object_get(json_array_get(c, 5), "bom-ref"));
		const char *r5 =
			json_string_value(json_object_get(json_array_get(c, 6), "bom-ref"));
		assert_string_not_equal(r4, r5);
	}
	json_decref(j);
	free(out);

	/* One recommendation for one package */
	assert_int_equal(ward_sbom_write(inv, f + 1, 1, WARD_SBOM_CYCLONEDX, &out, &len, NULL), 0);
	assert_non_null(strstr(out, "\"recommendation\": \"upgrade to 5.2.15-3\""));
	free(out);

	/* A finding naming no package of the inventory */
	f[0].pkg = 999;
	assert_true(ward_sbom_write(inv, f, 3, WARD_SBOM_CYCLONEDX, &out, &len, &err) < 0);
	assert_int_equal(err->kind, WARD_E_INVALID);
	assert_non_null(strstr(err->msg, "finding 0: package index out of range"));
	ward_error_free(err);
	ward_inventory_free(inv);
}

static struct ward_inventory *
read_ok(const char *doc)
{
	struct ward_inventory *inv = NULL;
	struct ward_error *err = NULL;

	if (ward_sbom_read(doc, strlen(doc), "doc.json", &inv, &err) < 0)
		fail_msg("read: %s", err->msg);
	return inv;
}

static bool
warned(const struct ward_inventory *inv, const char *needle)
{
	for (size_t i = 0; i < inv->n_warnings_kept; i++)
		if (strstr(inv->warnings[i], needle))
			return true;
	return false;
}

static void
test_cycles_are_not_followed(void **state)
{
	(void)state;
	static const char cdx[] =
		"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":["
		"{\"type\":\"library\",\"bom-ref\":\"a\",\"name\":\"a\",\"purl\":\"pkg:npm/"
		"a@1.0.0\"},"
		"{\"type\":\"library\",\"bom-ref\":\"b\",\"name\":\"b\",\"purl\":\"pkg:npm/"
		"b@2.0.0\","
		" \"components\":[{\"type\":\"library\",\"name\":\"c\",\"purl\":\"pkg:npm/"
		"c@3.0.0\"}]}],"
		"\"dependencies\":[{\"ref\":\"a\",\"dependsOn\":[\"b\"]},{\"ref\":\"b\","
		"\"dependsOn\":[\"a\"]},"
		"{\"ref\":\"c\",\"dependsOn\":[\"c\"]}]}";
	static const char spdx[] =
		"{\"spdxVersion\":\"SPDX-2.3\",\"SPDXID\":\"SPDXRef-DOCUMENT\",\"packages\":["
		"{\"SPDXID\":\"SPDXRef-a\",\"name\":\"a\",\"versionInfo\":\"1\",\"externalRefs\":"
		"[{\"referenceCategory\":\"PACKAGE-MANAGER\",\"referenceType\":\"purl\","
		"\"referenceLocator\":\"pkg:deb/debian/a@1?distro=debian-12\"}]},"
		"{\"SPDXID\":\"SPDXRef-b\",\"name\":\"b\",\"externalRefs\":"
		"[{\"referenceType\":\"purl\",\"referenceLocator\":\"pkg:pypi/b@2\"}]}],"
		"\"relationships\":["
		"{\"spdxElementId\":\"SPDXRef-a\",\"relationshipType\":\"DEPENDS_ON\","
		"\"relatedSpdxElement\":\"SPDXRef-b\"},"
		"{\"spdxElementId\":\"SPDXRef-b\",\"relationshipType\":\"DEPENDS_ON\","
		"\"relatedSpdxElement\":\"SPDXRef-a\"},"
		"{\"spdxElementId\":\"SPDXRef-a\",\"relationshipType\":\"CONTAINS\","
		"\"relatedSpdxElement\":\"SPDXRef-a\"}]}";
	struct ward_inventory *inv = read_ok(cdx);

	assert_int_equal(inv->n_pkgs, 3);
	assert_string_equal(inv->pkgs[2].name, "c");
	assert_int_equal(inv->n_warnings, 0);
	ward_inventory_free(inv);
	inv = read_ok(spdx);
	assert_int_equal(inv->n_pkgs, 2);
	/* The distro qualifier says which OS the packages are from. */
	assert_string_equal(inv->os.id, "debian");
	assert_string_equal(inv->os.version_id, "12");
	ward_inventory_free(inv);
}

static void
test_hostile_documents(void **state)
{
	(void)state;
	static const struct {
		const char *doc, *why;
	} bad[] = {
		{"[1,2]", "not a JSON object"},
		{"{\"components\":[]}", "neither CycloneDX"},
		{"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"2.0\"}", "is not 1.x"},
		{"{\"spdxVersion\":\"SPDX-3.0\"}", "only SPDX 2.x"},
		{"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":{}}", "packages: not an array"},
		{"{\"bomFormat\":\"CycloneDX\",", "line"},
		{"{\"a\":\"\\u0000\"}", "NUL"},
	};
	struct ward_inventory *inv = NULL;
	struct ward_error *err = NULL;
	char *big, *deep, *p;

	for (size_t i = 0; i < WARD_ARRAY_SIZE(bad); i++) {
		if (ward_sbom_read(bad[i].doc, strlen(bad[i].doc), "doc.json", &inv, &err) == 0)
			fail_msg("'%s' accepted", bad[i].doc);
		if (!strstr(err->msg, bad[i].why) || !strstr(err->msg, "doc.json"))
			fail_msg("'%s': %s (want '%s')", bad[i].doc, err->msg, bad[i].why);
		ward_error_free(err);
		err = NULL;
	}

	/* Counted warnings, the rest still read */
	inv = read_ok(
		"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":["
		"{\"type\":\"library\",\"name\":\"nopurl\"},"
		"{\"type\":\"library\",\"name\":\"x\",\"purl\":\"pkg:maven/org.x/x@1\"},"
		"{\"type\":\"library\",\"purl\":\"pkg:deb/debian/x%zz@1\"},"
		"{\"type\":\"library\",\"purl\":\"pkg:npm/nover\"},"
		"{\"type\":\"library\",\"purl\":7},"
		"\"str\","
		"{\"type\":\"library\",\"purl\":\"pkg:rpm/redhat/bash@5.1-6.el9?epoch=1\"}]}");
	assert_int_equal(inv->n_pkgs, 1);
	assert_string_equal(inv->pkgs[0].version, "1:5.1-6.el9");
	assert_int_equal(inv->n_warnings, 6);
	assert_true(warned(inv, "'nopurl': no purl"));
	assert_true(warned(inv, "purl type 'maven' is not one ward scans"));
	assert_true(warned(inv, "two hex digits"));
	assert_true(warned(inv, "'nover': no version"));
	assert_true(warned(inv, "components[5]: not an object"));
	ward_inventory_free(inv);

	/* Components nested past the bound: a warning, no recursion past it */
	deep = malloc(64 * 120 + 256);
	p = deep +
	    sprintf(deep, "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":");
	for (int i = 0; i < 30; i++)
		p += sprintf(
			p,
			"[{\"type\":\"library\",\"purl\":\"pkg:npm/n%d@1.0.0\",\"components\":", i);
	p += sprintf(p, "[]");
	for (int i = 0; i < 30; i++)
		p += sprintf(p, "}]");
	sprintf(p, "}");
	inv = read_ok(deep);
	assert_int_equal(inv->n_pkgs, 17); /* depths 0..16 */
	assert_true(warned(inv, "nested deeper than 16 levels"));
	ward_inventory_free(inv);
	free(deep);

	/* Past WARD_SBOM_MAX: refused before parsing */
	big = malloc((size_t)WARD_SBOM_MAX + 2);
	memset(big, ' ', (size_t)WARD_SBOM_MAX + 1);
	big[WARD_SBOM_MAX + 1] = '\0';
	assert_true(ward_sbom_read(big, (size_t)WARD_SBOM_MAX + 1, "big.json", &inv, &err) < 0);
	assert_int_equal(err->kind, WARD_E_DENIED);
	ward_error_free(err);
	free(big);
}

static void
test_format_names(void **state)
{
	(void)state;
	enum ward_sbom_format f;
	struct ward_error *err = NULL;

	assert_int_equal(ward_sbom_format_from_name("spdx-json", &f, NULL), 0);
	assert_int_equal(f, WARD_SBOM_SPDX);
	assert_string_equal(ward_sbom_format_name(f), "spdx");
	assert_int_equal(ward_sbom_format_from_name("cyclonedx", &f, NULL), 0);
	assert_int_equal(f, WARD_SBOM_CYCLONEDX);
	assert_true(ward_sbom_format_from_name("xml", &f, &err) < 0);
	assert_non_null(strstr(err->msg, "'xml'"));
	ward_error_free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cyclonedx_round_trip),
		cmocka_unit_test(test_spdx_round_trip),
		cmocka_unit_test(test_spdx_ids_and_licenses),
		cmocka_unit_test(test_cyclonedx_vulnerabilities),
		cmocka_unit_test(test_cycles_are_not_followed),
		cmocka_unit_test(test_hostile_documents),
		cmocka_unit_test(test_format_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
