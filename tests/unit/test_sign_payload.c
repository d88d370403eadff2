/* SPDX-License-Identifier: Apache-2.0 */
/*
 * simple-signing payloads: the exact bytes ward writes (cosign's layout), and
 * the strict parse: every extra, missing, duplicated or mistyped field is
 * invalid, for both the cosign and the atomic type.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/sign.h>

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIG "sha256:" D64
#define COSIGN_T "cosign container image signature"
#define ATOMIC_T "atomic container signature"
#define CRIT(ref, dig, type)                                                                 \
	"\"critical\":{\"identity\":{\"docker-reference\":\"" ref "\"},\"image\":{\"docker-" \
	"manifest-digest\":\"" dig "\"},\"type\":\"" type "\"}"
#define GOOD_CRIT CRIT("r.io/a/b:v1", DIG, COSIGN_T)

static struct ward_digest
digest(void)
{
	struct ward_digest d;

	assert_int_equal(ward_digest_parse(DIG, &d, NULL), 0);
	return d;
}

static char *
make_ok(struct ward_sign_payload_spec *spec)
{
	struct ward_error *err = NULL;
	char *out = NULL;
	size_t len = 0;

	if (ward_sign_payload_make(spec, &out, &len, &err) < 0)
		fail_msg("make: %s", err->msg);
	assert_int_equal(strlen(out), len);
	return out;
}

/* ---- make ---------------------------------------------------------------- */

static void
test_make_cosign_payload_matches_cosign_bytes(void **state)
{
	struct ward_digest d = digest();
	struct ward_sign_payload_spec spec = {
		.docker_reference = "r.io/a/b:v1", .manifest_digest = &d, .timestamp = -1};
	char *out;

	(void)state;
	/* What `cosign sign` (sigstore payload.Cosign.MarshalJSON) writes
	 * without -a: Go struct order, compact, "optional":null. */
	out = make_ok(&spec);
	assert_string_equal(out, "{" GOOD_CRIT ",\"optional\":null}");
	free(out);
}

static void
test_make_with_annotations_and_atomic(void **state)
{
	struct ward_digest d = digest();
	char *ann[] = {"zeta=last", "env=prod", "empty=", "eq=a=b", NULL};
	struct ward_sign_payload_spec spec = {.docker_reference = "r.io/a/b:v1",
					      .manifest_digest = &d,
					      .annotations = ann,
					      .timestamp = -1};
	char *out;

	(void)state;
	out = make_ok(&spec);
	/* Go marshals map keys sorted. */
	assert_string_equal(out, "{" GOOD_CRIT ",\"optional\":{\"empty\":\"\",\"env\":\"prod\","
				 "\"eq\":\"a=b\",\"zeta\":\"last\"}}");
	free(out);
	spec.type = WARD_SIGN_PAYLOAD_ATOMIC;
	spec.annotations = NULL;
	out = make_ok(&spec);
	/* containers/image requires an object in atomic signatures. */
	assert_string_equal(out, "{" CRIT("r.io/a/b:v1", DIG, ATOMIC_T) ",\"optional\":{}}");
	free(out);
	spec.creator = "ward";
	spec.timestamp = 1700000000;
	out = make_ok(&spec);
	assert_string_equal(out,
			    "{" CRIT("r.io/a/b:v1", DIG, ATOMIC_T) ",\"optional\":{"
								   "\"creator\":\"ward\","
								   "\"timestamp\":1700000000}}");
	free(out);
}

static void
test_make_refuses_bad_input(void **state)
{
	static const struct {
		const char *ref;
		const char *ann[3];
		const char *why;
	} cases[] = {
		{"r.io/a", {"novalue", NULL}, "annotation 'novalue': expected key=value"},
		{"r.io/a", {"=v", NULL}, "non-empty key"},
		{"r.io/a", {"k=1", "k=2"}, "annotation 'k' given twice"},
		{"r.io/a", {"timestamp=1", NULL}, "'timestamp' is reserved"},
		{"r.io/a", {"k=\xff", NULL}, "not valid UTF-8"},
		{"", {NULL}, "docker-reference: empty"},
		{"r.io/a b", {NULL}, "byte 0x20 at 6 is not printable ASCII"},
		{"r.io/a\n", {NULL}, "not printable"},
	};
	struct ward_digest d = digest();

	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(cases); i++) {
		struct ward_sign_payload_spec spec = {.docker_reference = cases[i].ref,
						      .manifest_digest = &d,
						      .annotations = (char *const *)cases[i].ann,
						      .timestamp = -1};
		struct ward_error *err = NULL;
		char *out = NULL;
		size_t len = 0;
		if (ward_sign_payload_make(&spec, &out, &len, &err) >= 0 ||
		    !strstr(err->msg, cases[i].why))
			fail_msg("case %zu: want '%s', got '%s'", i, cases[i].why,
				 err ? err->msg : out);
		assert_null(out);
		ward_error_free(err);
	}
	struct ward_sign_payload_spec none = {.docker_reference = "r.io/a", .timestamp = -1};
	char *out = NULL;
	size_t len = 0;
	assert_int_equal(ward_sign_payload_make(&none, &out, &len, NULL), -EINVAL);
}

/* ---- parse --------------------------------------------------------------- */

static struct ward_sign_payload *
parse_ok(const char *json, enum ward_sign_payload_type type)
{
	struct ward_sign_payload *p = NULL;
	struct ward_error *err = NULL;

	if (ward_sign_payload_parse(json, strlen(json), type, &p, &err) < 0)
		fail_msg("parse %s: %s", json, err->msg);
	return p;
}

static void
test_parse_round_trips_what_make_writes(void **state)
{
	struct ward_digest d = digest();
	char *ann[] = {"env=prod", NULL};
	struct ward_sign_payload_spec spec = {.docker_reference = "r.io/a/b:v1",
					      .manifest_digest = &d,
					      .annotations = ann,
					      .creator = "ward 0.1",
					      .timestamp = 42};
	struct ward_sign_payload *p;
	char *out;

	(void)state;
	for (int t = WARD_SIGN_PAYLOAD_COSIGN; t <= WARD_SIGN_PAYLOAD_ATOMIC; t++) {
		spec.type = (enum ward_sign_payload_type)t;
		out = make_ok(&spec);
		p = parse_ok(out, spec.type);
		assert_int_equal(p->type, t);
		assert_string_equal(p->docker_reference, "r.io/a/b:v1");
		assert_string_equal(p->manifest_digest.s, DIG);
		assert_string_equal(p->creator, "ward 0.1");
		assert_true(p->has_timestamp);
		assert_int_equal(p->timestamp, 42);
		assert_string_equal(json_string_value(json_object_get(p->optional, "env")), "prod");
		ward_sign_payload_free(p);
		free(out);
	}
}

static void
test_parse_accepts_what_producers_write(void **state)
{
	struct ward_sign_payload *p;

	(void)state;
	/* cosign without annotations */
	p = parse_ok("{" GOOD_CRIT ",\"optional\":null}", WARD_SIGN_PAYLOAD_COSIGN);
	assert_null(p->optional);
	assert_null(p->creator);
	assert_false(p->has_timestamp);
	ward_sign_payload_free(p);
	/* containers/image's sigstore payload: member order of a Go map,
	 * whitespace, creator and a float timestamp, arbitrary extra
	 * optional values */
	p = parse_ok(
		"{ \"optional\" : {\"creator\":\"containers/image 5.30\",\"timestamp\":"
		"1.7e9,\"x\":{\"nested\":[1,true,null]}},\n \"critical\": {\"type\":\"" COSIGN_T
		"\",\"image\":{\"docker-manifest-digest\":\"" DIG "\"},\"identity\":{"
		"\"docker-reference\":\"localhost:5000/app\"}}}",
		WARD_SIGN_PAYLOAD_COSIGN);
	assert_string_equal(p->creator, "containers/image 5.30");
	assert_int_equal(p->timestamp, 1700000000);
	assert_string_equal(p->docker_reference, "localhost:5000/app");
	ward_sign_payload_free(p);
	p = parse_ok("{" CRIT("r.io/a@" DIG, DIG, ATOMIC_T) ",\"optional\":{}}",
		     WARD_SIGN_PAYLOAD_ATOMIC);
	assert_string_equal(p->docker_reference, "r.io/a@" DIG);
	ward_sign_payload_free(p);
}

struct bad {
	const char *json;
	enum ward_sign_payload_type type;
	const char *why;
};

#define C WARD_SIGN_PAYLOAD_COSIGN
#define A WARD_SIGN_PAYLOAD_ATOMIC

static const struct bad bads[] = {
	{"{" GOOD_CRIT "}", C, "top level: missing field 'optional'"},
	{"{\"optional\":null}", C, "top level: missing field 'critical'"},
	{"{" GOOD_CRIT ",\"optional\":null,\"x\":1}", C, "top level: unknown field 'x'"},
	{"{" GOOD_CRIT ",\"optional\":null,\"optional\":null}", C, "duplicate object key"},
	{"{" GOOD_CRIT ",\"optional\":null} {}", C, "end of file expected"},
	{"{" GOOD_CRIT ",\"optional\":null}x", C, "end of file expected"},
	{"[{" GOOD_CRIT ",\"optional\":null}]", C, "top level: expected an object, got array"},
	{"", C, "invalid signature payload"},
	{"{\"critical\":\"x\",\"optional\":null}", C, "critical: expected an object, got string"},
	{"{\"critical\":{\"identity\":{\"docker-reference\":\"r\"},\"image\":{\"docker-manifest-"
	 "digest\":\"" DIG "\"}},\"optional\":null}",
	 C, "critical: missing field 'type'"},
	{"{\"critical\":{\"identity\":{\"docker-reference\":\"r\"},\"image\":{\"docker-manifest-"
	 "digest\":\"" DIG "\"},\"type\":\"" COSIGN_T "\",\"extra\":{}},\"optional\":null}",
	 C, "critical: unknown field 'extra'"},
	{"{" CRIT("r", DIG, ATOMIC_T) ",\"optional\":null}", C,
	 "critical.type: 'atomic container signature' where 'cosign container image signature' "
	 "is expected"},
	{"{" CRIT("r", DIG, COSIGN_T) ",\"optional\":{}}", A, "critical.type: 'cosign container"},
	{"{\"critical\":{\"identity\":{\"docker-reference\":\"r\"},\"image\":{\"docker-manifest-"
	 "digest\":\"" DIG "\"},\"type\":7},\"optional\":null}",
	 C, "critical.type: expected a string, got integer"},
	{"{\"critical\":{\"identity\":{\"docker-reference\":\"r\"},\"image\":{\"docker-manifest-"
	 "digest\":\"" DIG "\",\"size\":1},\"type\":\"" COSIGN_T "\"},\"optional\":null}",
	 C, "critical.image: unknown field 'size'"},
	{"{\"critical\":{\"identity\":{\"docker-reference\":\"r\"},\"image\":{},\"type\":"
	 "\"" COSIGN_T "\"},\"optional\":null}",
	 C, "critical.image: missing field 'docker-manifest-digest'"},
	{"{\"critical\":{\"identity\":{\"docker-reference\":\"r\"},\"image\":[],\"type\":"
	 "\"" COSIGN_T "\"},\"optional\":null}",
	 C, "critical.image: expected an object, got array"},
	{"{" CRIT("r", "sha256:" D64 "0", COSIGN_T) ",\"optional\":null}", C, "invalid digest"},
	{"{" CRIT("r", "sha256:ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
		  COSIGN_T) ",\"optional\":null}",
	 C, "invalid digest"},
	{"{" CRIT("r", "sha512:" D64 D64, COSIGN_T) ",\"optional\":null}", C, "invalid digest"},
	{"{\"critical\":{\"identity\":{},\"image\":{\"docker-manifest-digest\":\"" DIG
	 "\"},\"type\":\"" COSIGN_T "\"},\"optional\":null}",
	 C, "critical.identity: missing field 'docker-reference'"},
	{"{\"critical\":{\"identity\":{\"docker-reference\":\"r\",\"x\":\"\"},\"image\":{\"docker-"
	 "manifest-digest\":\"" DIG "\"},\"type\":\"" COSIGN_T "\"},\"optional\":null}",
	 C, "critical.identity: unknown field 'x'"},
	{"{\"critical\":{\"identity\":{\"docker-reference\":null},\"image\":{\"docker-manifest-"
	 "digest\":\"" DIG "\"},\"type\":\"" COSIGN_T "\"},\"optional\":null}",
	 C, "docker-reference: expected a string, got null"},
	{"{" CRIT("", DIG, COSIGN_T) ",\"optional\":null}", C, "docker-reference: empty"},
	{"{" CRIT("r.io/a\\u001b[2J", DIG, COSIGN_T) ",\"optional\":null}", C,
	 "byte 0x1b at 6 is not printable ASCII"},
	{"{" CRIT("r.io/a\\u0000b", DIG, COSIGN_T) ",\"optional\":null}", C, "NUL"},
	{"{" CRIT("r", DIG, ATOMIC_T) ",\"optional\":null}", A,
	 "optional: expected an object, got null"},
	{"{" GOOD_CRIT ",\"optional\":\"x\"}", C, "optional: expected an object, got string"},
	{"{" GOOD_CRIT ",\"optional\":{\"creator\":1}}", C,
	 "optional.creator: expected a string, got integer"},
	{"{" GOOD_CRIT ",\"optional\":{\"timestamp\":1.5}}", C,
	 "optional.timestamp: 1.5 is not an "
	 "integer"},
	{"{" GOOD_CRIT ",\"optional\":{\"timestamp\":\"1\"}}", C,
	 "optional.timestamp: expected an integer, got string"},
	{"{" GOOD_CRIT ",\"optional\":{\"timestamp\":1e300}}", C, "is not an integer"},
	{"{" GOOD_CRIT ",\"optional\":{\"creator\":\"a\",\"creator\":\"b\"}}", C, "duplicate"},
};

static void
test_parse_refuses_malformed_payloads(void **state)
{
	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(bads); i++) {
		struct ward_sign_payload *p = NULL;
		struct ward_error *err = NULL;
		int r = ward_sign_payload_parse(bads[i].json, strlen(bads[i].json), bads[i].type,
						&p, &err);
		if (r >= 0 || !err || !strstr(err->msg, bads[i].why) ||
		    !ward_str_has_prefix(err->msg, "invalid signature payload: "))
			fail_msg("case %zu %s: want '%s', got '%s'", i, bads[i].json, bads[i].why,
				 err ? err->msg : "success");
		assert_int_equal(err->kind, WARD_E_INVALID);
		assert_null(p);
		ward_error_free(err);
	}
}

static void
test_parse_bounds_size_and_depth(void **state)
{
	size_t n = WARD_SIGN_PAYLOAD_MAX + 1, o = 0;
	struct ward_sign_payload *p = NULL;
	struct ward_error *err = NULL;
	char *big = malloc(n + 1), *deep;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	memcpy(big, "{" GOOD_CRIT ",\"optional\":null}",
	       strlen("{" GOOD_CRIT ",\"optional\":null}"));
	assert_int_equal(ward_sign_payload_parse(big, n, C, &p, &err), -EFBIG);
	assert_non_null(strstr(err->msg, "more than the limit 65536"));
	ward_error_freep(&err);
	/* The same document padded to exactly the limit parses. */
	assert_int_equal(ward_sign_payload_parse(big, n - 1, C, &p, NULL), 0);
	ward_sign_payload_free(p);
	free(big);

	deep = malloc(4096);
	assert_non_null(deep);
	o += (size_t)sprintf(deep, "{" GOOD_CRIT ",\"optional\":{\"x\":");
	for (int i = 0; i < 100; i++)
		deep[o++] = '[';
	for (int i = 0; i < 100; i++)
		deep[o++] = ']';
	o += (size_t)sprintf(deep + o, "}}");
	assert_true(ward_sign_payload_parse(deep, o, C, &p, &err) < 0);
	assert_non_null(strstr(err->msg, "nested deeper than"));
	ward_error_freep(&err);
	free(deep);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_make_cosign_payload_matches_cosign_bytes),
		cmocka_unit_test(test_make_with_annotations_and_atomic),
		cmocka_unit_test(test_make_refuses_bad_input),
		cmocka_unit_test(test_parse_round_trips_what_make_writes),
		cmocka_unit_test(test_parse_accepts_what_producers_write),
		cmocka_unit_test(test_parse_refuses_malformed_payloads),
		cmocka_unit_test(test_parse_bounds_size_and_depth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
