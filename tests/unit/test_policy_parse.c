/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containers-policy.json parsing: every requirement and signedIdentity type
 * is read; unknown fields, wrong types, empty lists, conflicting key
 * sources, what ward cannot enforce and scopes that could never match are
 * refused, and every refusal names the file, the line (checked here) and
 * the field.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/policy.h>

#include "policy/internal.h"

#define ACCEPT "{\"type\":\"insecureAcceptAnything\"}"
#define REJECT "{\"type\":\"reject\"}"

struct pcase {
	const char *json;
	enum ward_error_kind kind; /* when failing */
	const char *msg;	   /* NULL: must parse */
	unsigned line;		   /* 0: don't check */
};

static void
check_case(const struct pcase *c)
{
	struct ward_policy *p = NULL;
	struct ward_error *err = NULL;
	char want_prefix[64];
	int r;

	r = ward_policy_parse(c->json, strlen(c->json), "p.json", &p, &err);
	if (!c->msg) {
		if (r < 0)
			fail_msg("expected success for %s: %s", c->json, err->msg);
		ward_policy_free(p);
		return;
	}
	if (r >= 0)
		fail_msg("expected failure '%s' for %s", c->msg, c->json);
	assert_null(p);
	assert_non_null(err);
	if (!strstr(err->msg, c->msg))
		fail_msg("message '%s' lacks '%s'", err->msg, c->msg);
	if (err->kind != c->kind)
		fail_msg("kind %d, want %d for '%s'", err->kind, c->kind, err->msg);
	if (c->line) {
		snprintf(want_prefix, sizeof(want_prefix), "p.json:%u: ", c->line);
		if (strncmp(err->msg, want_prefix, strlen(want_prefix)) != 0)
			fail_msg("message '%s' does not start with '%s'", err->msg, want_prefix);
	}
	ward_error_free(err);
}

static void
test_valid_policies_parse(void **state)
{
	(void)state;
	static const struct pcase cases[] = {
		{"{\"default\":[" ACCEPT "]}", 0, NULL, 0},
		{"{\"default\":[" REJECT "],\"transports\":{}}", 0, NULL, 0},
		{"{\"default\":[" REJECT "],\"transports\":{\"docker\":{\"\":[" ACCEPT "]}}}", 0,
		 NULL, 0},
		{"{\"default\":[" REJECT "],\"transports\":{\"docker\":{"
		 "\"127.0.0.1:5000\":[" ACCEPT "],"
		 "\"127.0.0.1:5000/app\":[" REJECT "],"
		 "\"docker.io/library/busybox:latest\":[" ACCEPT "],"
		 "\"r.io/"
		 "a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\":"
		 "[" ACCEPT "],"
		 "\"*.example.com\":[" REJECT "],"
		 "\"localhost\":[" ACCEPT "]}}}",
		 0, NULL, 0},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\","
		 "\"keyPath\":\"/etc/k.gpg\"}]}",
		 0, NULL, 0},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\","
		 "\"keyPaths\":[\"/a\",\"/b\"],\"signedIdentity\":{\"type\":\"matchExact\"}}]}",
		 0, NULL, 0},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyData\":"
		 "\"AAEC\","
		 "\"signedIdentity\":{\"type\":\"matchRepository\"}}]}",
		 0, NULL, 0},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\","
		 "\"signedIdentity\":{\"type\":\"exactReference\",\"dockerReference\":"
		 "\"busybox:1\"}}]}",
		 0, NULL, 0},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\","
		 "\"signedIdentity\":{\"type\":\"exactRepository\",\"dockerRepository\":"
		 "\"r.io/a/b\"}}]}",
		 0, NULL, 0},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\","
		 "\"signedIdentity\":{\"type\":\"remapIdentity\",\"prefix\":\"mirror.io/m\","
		 "\"signedPrefix\":\"r.io\"}}]}",
		 0, NULL, 0},
		{"{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k.pub\","
		 "\"signedIdentity\":{\"type\":\"matchRepoDigestOrExact\"}}]}",
		 0, NULL, 0},
		{"{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPaths\":[\"/a.pub\"]}]}", 0, NULL,
		 0},
		/* other tools' transports are accepted (and never evaluated) */
		{"{\"default\":[" REJECT "],\"transports\":{\"atomic\":{\"x\":[" ACCEPT "]},"
		 "\"containers-storage\":{\"\":[" ACCEPT "]},\"docker-daemon\":{\"\":[" ACCEPT "]},"
		 "\"oci\":{\"/srv/img\":[" ACCEPT "]},\"oci-archive\":{\"/srv/a.tar\":[" ACCEPT
		 "]},"
		 "\"dir\":{\"/srv/d\":[" ACCEPT "]},\"docker-archive\":{\"\":[" ACCEPT "]}}}",
		 0, NULL, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

static void
test_structure_errors_name_line_and_field(void **state)
{
	(void)state;
	static const struct pcase cases[] = {
		{"[]", WARD_E_INVALID, "expected an object, got array", 1},
		{"{}", WARD_E_INVALID, "missing field \"default\"", 1},
		{"{\n\"default\": [],\n}", WARD_E_INVALID, "", 3}, /* syntax: jansson's line */
		{"{\n  \"default\": []\n}", WARD_E_INVALID,
		 "default: the list of requirements must not be empty", 2},
		{"{\n  \"default\": [" ACCEPT "],\n  \"defualt\": 1\n}", WARD_E_INVALID,
		 "defualt: unknown field in the policy", 3},
		{"{\"default\": {}}", WARD_E_INVALID, "default: expected an array", 1},
		{"{\n\"default\":[\n" ACCEPT ",\n{\"type\":\"rejectt\"}]}", WARD_E_INVALID,
		 "default[1].type: unknown policy requirement type \"rejectt\"", 4},
		{"{\"default\":[{\"type\":\"reject\",\"x\":1}]}", WARD_E_INVALID,
		 "default[0].x: unknown field in reject", 1},
		{"{\"default\":[{}]}", WARD_E_INVALID, "default[0]: missing field \"type\"", 1},
		{"{\"default\":[{\"type\":7}]}", WARD_E_INVALID,
		 "default[0].type: expected a string, got integer", 1},
		{"{\"default\":[\"reject\"]}", WARD_E_INVALID,
		 "default[0]: expected an object, got string", 1},
		{"{\"default\":[" ACCEPT "],\"default\":[" REJECT "]}", WARD_E_INVALID, "duplicate",
		 1},
		{"{\"default\":[" ACCEPT "],\"transports\":[]}", WARD_E_INVALID,
		 "transports: expected an object", 1},
		{"{\"default\":[" ACCEPT "],\n\"transports\":{\n\"docker\":{\n\"r.io\":{}}}}",
		 WARD_E_INVALID, "transports.docker[\"r.io\"]: expected an array", 4},
		{"{\"default\":[" ACCEPT "],\n\"transports\":{\n\"docker\":\n[]}}", WARD_E_INVALID,
		 "transports.docker: expected an object of scopes", 3},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

static void
test_signed_requirement_errors(void **state)
{
	(void)state;
	static const struct pcase cases[] = {
		{"{\"default\":[{\"type\":\"signedBy\",\"keyPath\":\"/k\"}]}", WARD_E_INVALID,
		 "default[0]: missing field \"keyType\"", 1},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"X509Certificates\","
		 "\"keyPath\":\"/k\"}]}",
		 WARD_E_UNSUPPORTED,
		 "default[0].keyType: keyType \"X509Certificates\" is not "
		 "supported",
		 1},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"gpg\",\"keyPath\":\"/k\"}]}",
		 WARD_E_INVALID, "unknown keyType \"gpg\"", 1},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\"}]}", WARD_E_INVALID,
		 "one of keyPath, keyPaths, keyData is required", 1},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\","
		 "\n\"keyData\":\"AAEC\"}]}",
		 WARD_E_INVALID, "default[0].keyData: only one of keyPath, keyPaths, keyData", 2},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"k."
		 "gpg\"}]}",
		 WARD_E_INVALID, "default[0].keyPath: key path 'k.gpg' is not absolute", 1},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":1}]}",
		 WARD_E_INVALID, "default[0].keyPath: expected a string, got integer", 1},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPaths\":[]}]}",
		 WARD_E_INVALID, "default[0].keyPaths: contains no entries", 1},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\","
		 "\"keyPaths\":[\"/a\",\n5]}]}",
		 WARD_E_INVALID, "default[0].keyPaths[1]: expected a string", 2},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyData\":\"A=B\"}"
		 "]}",
		 WARD_E_INVALID, "default[0].keyData: ", 1},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyDatas\":[\"AA=="
		 "\"]}]}",
		 WARD_E_INVALID, "keyDatas: unknown field in signedBy", 1},
		{"{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\",\n"
		 "\"fulcio\":{\"caPath\":\"/ca\"}}]}",
		 WARD_E_UNSUPPORTED,
		 "default[0].fulcio: sigstoreSigned \"fulcio\" is not supported", 2},
		{"{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\","
		 "\"rekorPublicKeyPath\":\"/r\"}]}",
		 WARD_E_UNSUPPORTED, "\"rekorPublicKeyPath\" is not supported", 1},
		{"{\"default\":[{\"type\":\"sigstoreSigned\",\"pki\":{}}]}", WARD_E_UNSUPPORTED,
		 "\"pki\" is not supported", 1},
		{"{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/"
		 "k\",\"keyType\":\"x\"}]}",
		 WARD_E_INVALID, "default[0].keyType: unknown field in sigstoreSigned", 1},
		{"{\"default\":[{\"type\":\"sigstoreSigned\",\"keyData\":\"AAEC\"}]}",
		 WARD_E_INVALID, "default[0].keyData: ", 1}, /* not a PEM public key */
		{"{\"default\":[{\"type\":\"sigstoreSigned\"}]}", WARD_E_INVALID,
		 "one of keyPath, keyPaths, keyData, keyDatas is required", 1},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

#define SB_ID(id)                                                                            \
	"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\",\n" \
	"\"signedIdentity\":" id "}]}"

static void
test_signed_identity_errors(void **state)
{
	(void)state;
	static const struct pcase cases[] = {
		{SB_ID("\"matchExact\""), WARD_E_INVALID,
		 "default[0].signedIdentity: expected an object, got string", 2},
		{SB_ID("{\"type\":\"matchAll\"}"), WARD_E_INVALID,
		 "signedIdentity.type: unknown signedIdentity type \"matchAll\"", 2},
		{SB_ID("{\"type\":\"matchExact\",\"dockerReference\":\"r.io/a:1\"}"),
		 WARD_E_INVALID, "signedIdentity.dockerReference: unknown field in matchExact", 2},
		{SB_ID("{\"type\":\"exactReference\"}"), WARD_E_INVALID,
		 "missing field \"dockerReference\"", 2},
		{SB_ID("{\"type\":\"exactReference\",\"dockerReference\":\"r.io/a\"}"),
		 WARD_E_INVALID, "'r.io/a' has neither a tag nor a digest", 2},
		{SB_ID("{\"type\":\"exactReference\",\"dockerReference\":\"R.io/A:1\"}"),
		 WARD_E_INVALID, "signedIdentity.dockerReference: ", 2},
		{SB_ID("{\"type\":\"exactRepository\",\"dockerRepository\":\"r.io/a:1\"}"),
		 WARD_E_INVALID, "is a reference, not a repository", 2},
		{SB_ID("{\"type\":\"remapIdentity\",\"prefix\":\"mirror.io\"}"), WARD_E_INVALID,
		 "missing field \"signedPrefix\"", 2},
		{SB_ID("{\"type\":\"remapIdentity\",\"prefix\":\"mirror.io/x:1\","
		       "\"signedPrefix\":\"r.io\"}"),
		 WARD_E_INVALID, "signedIdentity.prefix: prefix 'mirror.io/x:1' is not", 2},
		{SB_ID("{\"type\":\"remapIdentity\",\"prefix\":\"mirror.io\","
		       "\"signedPrefix\":\"busybox\"}"),
		 WARD_E_INVALID, "signedIdentity.signedPrefix: prefix 'busybox'", 2},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

#define SCOPE(tr, s) \
	"{\"default\":[" ACCEPT "],\"transports\":{\"" tr "\":{\n\"" s "\":[" ACCEPT "]}}}"

static void
test_scopes_that_never_match_are_refused(void **state)
{
	(void)state;
	static const struct pcase cases[] = {
		{SCOPE("docker", "busybox"), WARD_E_INVALID,
		 "images are looked up as \"docker.io/library/busybox\"", 2},
		{SCOPE("docker", "docker.io/busybox"), WARD_E_INVALID,
		 "looked up as \"docker.io/library/busybox\"", 2},
		{SCOPE("docker", "docker.io/library/busybox"), 0, NULL, 0},
		{SCOPE("docker", "index.docker.io"), WARD_E_INVALID, "looked up as \"docker.io\"",
		 2},
		{SCOPE("docker", "index.docker.io/library/busybox"), WARD_E_INVALID,
		 "looked up as \"docker.io/library/busybox\"", 2},
		{SCOPE("docker", "r.io/a:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef"
				 "0123456789abcdef"),
		 WARD_E_INVALID, "both a tag and a digest", 2},
		{SCOPE("docker", "R.io/A"), WARD_E_INVALID, "transports.docker[\"R.io/A\"]", 2},
		{SCOPE("docker", "*.example.com/x"), WARD_E_INVALID, "wildcard scope", 2},
		{SCOPE("oci", "relative/dir"), WARD_E_INVALID, "clean absolute path", 2},
		{SCOPE("oci-archive", "/"), WARD_E_INVALID, "use the default scope", 2},
		{SCOPE("dir", "/srv/../etc"), WARD_E_INVALID, "clean absolute path", 2},
		{SCOPE("oci", "/srv/img/"), WARD_E_INVALID, "clean absolute path", 2},
		{SCOPE("docker-archive", "/srv/a.tar"), WARD_E_INVALID,
		 "docker-archive supports no scopes", 2},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

/* The line is that of the offending key even when keys are escaped, other
 * members hold strings with braces, and the member sits deep in the file. */
static void
test_line_of_escaped_deep_member(void **state)
{
	(void)state;
	static const char json[] =
		"{\n"
		"  \"default\": [{\"type\": \"reject\"}],\n"
		"  \"transports\": {\n"
		"    \"docker\": {\n"
		"      \"r.io/{x\": [{\"type\": \"reject\"}],\n" /* invalid later? no: see below */
		"      \"r.io/a\": [\n"
		"        {\"type\": \"insecureAcceptAnything\"},\n"
		"        {\"type\": \"signedBy\",\n"
		"         \"keyType\": \"GPGKeys\",\n"
		"         \"k\\u0065yPath\": [\"/not/a/string\"]\n"
		"        }]\n"
		"    }\n"
		"  }\n"
		"}\n";
	struct pcase c = {json, WARD_E_INVALID, "", 0};
	struct ward_policy *p = NULL;
	struct ward_error *err = NULL;

	/* "r.io/{x" is not a valid scope: that error comes first, on line 5. */
	c.msg = "transports.docker[\"r.io/{x\"]: not a registry host";
	c.line = 5;
	check_case(&c);

	/* Without it, the escaped keyPath on line 10 is the error. */
	{
		char *j2 = strdup(json), *s = strstr(j2, "\"r.io/{x\"");

		assert_non_null(s);
		memcpy(s, "\"r.io/zz\"", 9);
		assert_int_not_equal(ward_policy_parse(j2, strlen(j2), "p.json", &p, &err), 0);
		assert_non_null(strstr(err->msg, "p.json:10: transports.docker[\"r.io/a\"][1]."
						 "keyPath: expected a string, got array"));
		ward_error_free(err);
		free(j2);
	}
}

static void
test_bounds_and_hostile_bytes(void **state)
{
	(void)state;
	struct ward_policy *p = NULL;
	struct ward_error *err = NULL;
	char *big;
	size_t o = 0, cap = 1 << 16;

	/* NUL byte */
	assert_int_equal(ward_policy_parse("{\"default\":[]}\0", 16, "p.json", &p, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "NUL"));
	ward_error_free(err);
	err = NULL;
	/* too many requirements */
	big = malloc(cap);
	o += (size_t)snprintf(big + o, cap - o, "{\"default\":[");
	for (unsigned i = 0; i <= WARD_POLICY_REQUIREMENTS_MAX; i++)
		o += (size_t)snprintf(big + o, cap - o, "%s" ACCEPT, i ? "," : "");
	o += (size_t)snprintf(big + o, cap - o, "]}");
	assert_true(ward_policy_parse(big, o, "p.json", &p, &err) < 0);
	assert_non_null(strstr(err->msg, "more than 64 requirements"));
	ward_error_free(err);
	err = NULL;
	/* past the file size limit, refused before parsing */
	free(big);
	big = malloc(WARD_POLICY_FILE_MAX + 2);
	memset(big, ' ', WARD_POLICY_FILE_MAX + 1);
	assert_int_equal(ward_policy_parse(big, WARD_POLICY_FILE_MAX + 1, "p.json", &p, &err),
			 -EFBIG);
	ward_error_free(err);
	err = NULL;
	/* deep nesting inside an unknown member: refused, no crash */
	memset(big, '[', 5000);
	memcpy(big, "{\"x\":", 5);
	assert_true(ward_policy_parse(big, 5000, "p.json", &p, &err) < 0);
	ward_error_free(err);
	free(big);
}

static void
test_load_default_falls_back_only_when_missing(void **state)
{
	(void)state;
	char dir[] = "/tmp/ward-policytest-XXXXXX", a[128], b[128], msg[512];
	struct ward_policy *p = NULL;
	struct ward_error *err = NULL;
	struct ward_policy_image img = {.transport = "docker", .docker_reference = "r.io/a:1"};
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/ward.json", dir);
	snprintf(b, sizeof(b), "%s/containers.json", dir);
	{
		const char *cands[] = {a, b, NULL};

		/* neither exists: built-in reject that says why */
		assert_int_equal(ward_policy_load_default(cands, &p, &err), 0);
		snprintf(msg, sizeof(msg), "no policy file: %s, %s", a, b);
		assert_non_null(strstr(ward_policy_origin(p), msg));
		assert_int_equal(ward_policy_evaluate(p, &img, NULL, &err), -EACCES);
		assert_int_equal(err->kind, WARD_E_DENIED);
		assert_non_null(strstr(err->msg, ": default: reject: the policy rejects"));
		ward_error_free(err);
		err = NULL;
		ward_policy_free(p);
		p = NULL;

		/* the second exists: it is used */
		f = fopen(b, "w");
		fputs("{\"default\":[" ACCEPT "]}", f);
		fclose(f);
		assert_int_equal(ward_policy_load_default(cands, &p, &err), 0);
		assert_string_equal(ward_policy_origin(p), b);
		assert_int_equal(ward_policy_evaluate(p, &img, NULL, &err), 0);
		ward_policy_free(p);
		p = NULL;

		/* the first exists but is invalid: an error, never the laxer second */
		f = fopen(a, "w");
		fputs("{\"default\":[]}", f);
		fclose(f);
		assert_true(ward_policy_load_default(cands, &p, &err) < 0);
		assert_null(p);
		assert_non_null(strstr(err->msg, a));
		ward_error_free(err);
		err = NULL;

		/* a directory where the file should be: an error, not a fall-through */
		unlink(a);
		assert_int_equal(mkdir(a, 0700), 0);
		assert_true(ward_policy_load_default(cands, &p, &err) < 0);
		ward_error_free(err);
		err = NULL;
		rmdir(a);
	}
	/* a device or a FIFO planted as the policy: refused, never read or
	 * waited on */
	assert_true(ward_policy_load("/dev/zero", &p, &err) < 0);
	assert_non_null(strstr(err->msg, "not a regular file"));
	ward_error_free(err);
	err = NULL;
	assert_int_equal(mkfifo(a, 0600), 0);
	assert_true(ward_policy_load(a, &p, &err) < 0);
	assert_non_null(strstr(err->msg, "not a regular file"));
	ward_error_free(err);
	err = NULL;
	unlink(a);
	/* a missing --policy file is NOTFOUND */
	assert_int_equal(ward_policy_load(a, &p, &err), -ENOENT);
	assert_int_equal(err->kind, WARD_E_NOTFOUND);
	ward_error_free(err);
	err = NULL;
	unlink(b);
	rmdir(dir);

	assert_int_equal(ward_policy_insecure(&p, &err), 0);
	assert_non_null(strstr(ward_policy_origin(p), "--insecure-policy"));
	assert_int_equal(ward_policy_evaluate(p, &img, NULL, &err), 0);
	ward_policy_free(p);
}

/* The line scanner on its own: keys and elements found on their lines
 * past strings holding brackets, escaped quotes and escaped keys; paths
 * that are not there give 0; truncated or non-JSON text never overruns. */
static void
test_line_scanner(void **state)
{
	(void)state;
	static const char doc[] =
		"{\n"							     /* 1 */
		"  \"a\": \"}]{[\\\"\",\n"				     /* 2 */
		"  \"b\": [\n"						     /* 3 */
		"    1,\n"						     /* 4 */
		"    {\"x\": [[], {}], \"y\": \"\\u007d\"},\n"		     /* 5 */
		"    {\n"						     /* 6 */
		"      \"\\u0063\": true,\n"				     /* 7 */
		"      \"d\\n\": null\n"				     /* 8 */
		"    }\n"						     /* 9 */
		"  ],\n"						     /* 10 */
		"  \"\\u00e9t\\u00e9\": {\"k\": 1, \"\\ud83d\\ude00\": 2}\n" /* 11 */
		"}\n";
	static const struct {
		struct jpath path;
		unsigned line;
	} cases[] = {
		{{0, {{0}}}, 1},
		{{1, {{"a", 0}}}, 2},
		{{1, {{"b", 0}}}, 3},
		{{2, {{"b", 0}, {NULL, 0}}}, 4},
		{{2, {{"b", 0}, {NULL, 1}}}, 5},
		{{3, {{"b", 0}, {NULL, 1}, {"y", 0}}}, 5},
		{{2, {{"b", 0}, {NULL, 2}}}, 6},
		{{3, {{"b", 0}, {NULL, 2}, {"c", 0}}}, 7},
		{{3, {{"b", 0}, {NULL, 2}, {"d\n", 0}}}, 8},
		{{2, {{"\xc3\xa9t\xc3\xa9", 0}, {"k", 0}}}, 11},
		{{2, {{"\xc3\xa9t\xc3\xa9", 0}, {"\xf0\x9f\x98\x80", 0}}}, 11},
		{{1, {{"z", 0}}}, 0},
		{{2, {{"b", 0}, {NULL, 3}}}, 0},
		{{2, {{"a", 0}, {"x", 0}}}, 0}, /* a string, not an object */
		{{3, {{"b", 0}, {NULL, 2}, {"d", 0}}}, 0},
	};
	char fmt[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned got = policy_json_line(doc, strlen(doc), &cases[i].path);

		if (got != cases[i].line)
			fail_msg("case %zu: line %u, want %u", i, got, cases[i].line);
		/* every prefix of the text: bounded, never past the end */
		for (size_t n = 0; n < strlen(doc); n += 7)
			(void)policy_json_line(doc, n, &cases[i].path);
	}
	policy_jpath_format(&cases[9].path, fmt, sizeof(fmt));
	assert_string_equal(fmt, "[\"\xc3\xa9t\xc3\xa9\"].k");
	policy_jpath_format(&cases[8].path, fmt, sizeof(fmt));
	assert_string_equal(fmt, "b[2][\"d\\x0a\"]");
	assert_int_equal(policy_json_line("[[[[", 4, &cases[3].path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_policies_parse),
		cmocka_unit_test(test_structure_errors_name_line_and_field),
		cmocka_unit_test(test_signed_requirement_errors),
		cmocka_unit_test(test_signed_identity_errors),
		cmocka_unit_test(test_scopes_that_never_match_are_refused),
		cmocka_unit_test(test_line_of_escaped_deep_member),
		cmocka_unit_test(test_bounds_and_hostile_bytes),
		cmocka_unit_test(test_load_default_falls_back_only_when_missing),
		cmocka_unit_test(test_line_scanner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
