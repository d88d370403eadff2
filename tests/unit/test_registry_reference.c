/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image references: tables of valid references with their parts, invalid
 * ones with the words the error must contain, short-name resolution.
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

#include <ward/registry.h>

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct good {
	const char *in, *registry, *repository, *tag, *digest, *formatted;
};

static const struct good goods[] = {
	{"docker.io/busybox", "docker.io", "library/busybox", "latest", NULL,
	 "docker.io/library/busybox:latest"},
	{"docker.io/library/busybox:1.36", "docker.io", "library/busybox", "1.36", NULL, NULL},
	{"index.docker.io/alpine", "docker.io", "library/alpine", "latest", NULL, NULL},
	{"docker.io/someone/app:v1", "docker.io", "someone/app", "v1", NULL, NULL},
	{"quay.io/busybox", "quay.io", "busybox", "latest", NULL, NULL},
	{"localhost/ward/busybox:latest", "localhost", "ward/busybox", "latest", NULL, NULL},
	{"localhost:5000/x", "localhost:5000", "x", "latest", NULL, NULL},
	{"127.0.0.1:5000/a/b/c:tag", "127.0.0.1:5000", "a/b/c", "tag", NULL, NULL},
	{"ghcr.io/o/r@sha256:" D64, "ghcr.io", "o/r", NULL, "sha256:" D64,
	 "ghcr.io/o/r@sha256:" D64},
	{"ghcr.io/o/r:t@sha256:" D64, "ghcr.io", "o/r", "t", "sha256:" D64, NULL},
	{"my-registry.example.com:443/a_b/c__d/e-f/g---h/i.j:T_a.g-1",
	 "my-registry.example.com:443", "a_b/c__d/e-f/g---h/i.j", "T_a.g-1", NULL, NULL},
	{"r.io/x:_", "r.io", "x", "_", NULL, NULL},
	{"R.IO/x", "R.IO", "x", "latest", NULL, NULL},
};

struct bad {
	const char *in, *why;
};

static const struct bad bads[] = {
	{"", "empty"},
	{"busybox", "short name"},
	{"library/busybox", "short name"},
	{"busybox:latest", "short name"},
	{"docker.io/BusyBox", "lowercase"},
	{"docker.io/a//b", "invalid repository"},
	{"docker.io/a/", "invalid repository"},
	{"docker.io/-a", "invalid repository"},
	{"docker.io/a-", "invalid repository"},
	{"docker.io/a___b", "invalid repository"},
	{"docker.io/a..b", "invalid repository"},
	{"docker.io/a.-b", "invalid repository"},
	{"docker.io/.a", "invalid repository"},
	{"docker.io/a b", "invalid repository"},
	{"docker.io/busybox:", "invalid tag"},
	{"docker.io/busybox:-x", "invalid tag"},
	{"docker.io/busybox:.x", "invalid tag"},
	{"docker.io/busybox:a/b", "invalid repository"},
	{"docker.io/busybox:a b", "invalid tag"},
	{"docker.io/busybox@sha256:abc", "digest"},
	{"docker.io/busybox@sha256:" D64 "0", "digest"},
	{"docker.io/busybox@sha256:"
	 "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	 "digest"},
	{"docker.io/busybox@sha512:" D64, "digest"},
	{"docker.io/busybox@", "digest"},
	{"docker.io/b@sha256:" D64 "@sha256:" D64, "digest"},
	{"-bad.io/x", "invalid registry host"},
	{"bad-.io/x", "invalid registry host"},
	{"a..io/x", "invalid registry host"},
	{"host.io:/x", "invalid registry host"},
	{"host.io:0/x", "invalid registry host"},
	{"host.io:65536/x", "invalid registry host"},
	{"host.io:12a/x", "invalid registry host"},
	{"host.io:1:2/x", "invalid registry host"},
	{"ho_st.io/x", "invalid registry host"},
	{"/x", "short name"},
};

static void
test_ref_parse_accepts_valid_references(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		const struct good *g = &goods[i];
		struct ward_ref *r = NULL;
		struct ward_error *err = NULL;
		int rc = ward_ref_parse(g->in, &r, &err);
		if (rc != 0)
			fail_msg("'%s': %s", g->in, err ? err->msg : "?");
		assert_string_equal(r->registry, g->registry);
		assert_string_equal(r->repository, g->repository);
		if (g->tag)
			assert_string_equal(r->tag, g->tag);
		else
			assert_null(r->tag);
		if (g->digest) {
			assert_string_equal(r->digest, g->digest);
			assert_string_equal(ward_ref_reference(r), g->digest);
		} else {
			assert_null(r->digest);
			assert_string_equal(ward_ref_reference(r), g->tag);
		}
		char *f = ward_ref_format(r);
		assert_non_null(f);
		if (g->formatted)
			assert_string_equal(f, g->formatted);
		/* Formatting round-trips. */
		struct ward_ref *r2 = NULL;
		assert_int_equal(ward_ref_parse(f, &r2, &err), 0);
		assert_string_equal(r2->repository, r->repository);
		assert_string_equal(r2->registry, r->registry);
		free(f);
		ward_ref_free(r2);
		ward_ref_free(r);
	}
}

static void
test_ref_parse_rejects_invalid_references_naming_the_input(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		struct ward_ref *r = NULL;
		struct ward_error *err = NULL;
		int rc = ward_ref_parse(b->in, &r, &err);
		if (rc == 0)
			fail_msg("'%s' was accepted (repo '%s')", b->in, r->repository);
		assert_int_equal(rc, -EINVAL);
		assert_null(r);
		assert_non_null(err);
		assert_int_equal(err->kind, WARD_E_INVALID);
		if (!strstr(err->msg, b->why))
			fail_msg("'%s': message '%s' lacks '%s'", b->in, err->msg, b->why);
		if (b->in[0] && !strstr(err->msg, b->in))
			fail_msg("'%s': message '%s' does not name the input", b->in, err->msg);
		ward_error_free(err);
	}
}

static void
test_ref_parse_rejects_overlong_name_and_tag(void **state)
{
	char big[600], tag[200];
	struct ward_ref *r = NULL;
	struct ward_error *err = NULL;

	(void)state;
	memset(big, 'a', sizeof(big));
	memcpy(big, "r.io/", 5);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ward_ref_parse(big, &r, &err), -EINVAL);
	ward_error_freep(&err);

	snprintf(tag, sizeof(tag), "r.io/x:");
	memset(tag + 7, 't', 129);
	tag[7 + 129] = '\0';
	assert_int_equal(ward_ref_parse(tag, &r, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "invalid tag"));
	ward_error_freep(&err);
	tag[7 + 128] = '\0'; /* exactly 128 is fine */
	assert_int_equal(ward_ref_parse(tag, &r, &err), 0);
	ward_ref_freep(&r);
}

static void
test_ref_resolve_short_name_uses_first_search_registry(void **state)
{
	static const char *const search[] = {"docker.io", "quay.io", NULL};
	static const char *const local[] = {"127.0.0.1:5000", NULL};
	struct ward_ref *r = NULL;
	struct ward_error *err = NULL;

	(void)state;
	assert_int_equal(ward_ref_resolve("busybox", search, &r, &err), 0);
	assert_string_equal(r->registry, "docker.io");
	assert_string_equal(r->repository, "library/busybox");
	ward_ref_freep(&r);

	assert_int_equal(ward_ref_resolve("team/app:1", local, &r, &err), 0);
	assert_string_equal(r->registry, "127.0.0.1:5000");
	assert_string_equal(r->repository, "team/app");
	assert_string_equal(r->tag, "1");
	ward_ref_freep(&r);

	/* Qualified names ignore the list. */
	assert_int_equal(ward_ref_resolve("quay.io/x", local, &r, &err), 0);
	assert_string_equal(r->registry, "quay.io");
	ward_ref_freep(&r);
}

static void
test_ref_resolve_short_name_without_search_list_fails(void **state)
{
	static const char *const empty[] = {NULL};
	static const char *const junk[] = {"not a host", NULL};
	struct ward_ref *r = NULL;
	struct ward_error *err = NULL;

	(void)state;
	assert_int_equal(ward_ref_resolve("busybox", NULL, &r, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "'busybox' is a short name"));
	ward_error_freep(&err);
	assert_int_equal(ward_ref_resolve("busybox", empty, &r, &err), -EINVAL);
	ward_error_freep(&err);
	assert_int_equal(ward_ref_resolve("busybox", junk, &r, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "not a host"));
	ward_error_freep(&err);
	assert_null(r);
}

static void
test_ref_validators_follow_the_grammar(void **state)
{
	(void)state;
	assert_true(ward_ref_valid_repository("a"));
	assert_true(ward_ref_valid_repository("a/b.c_d__e-f--g"));
	assert_false(ward_ref_valid_repository(""));
	assert_false(ward_ref_valid_repository("A"));
	assert_false(ward_ref_valid_repository("a/"));
	assert_false(ward_ref_valid_repository("a/../b"));
	assert_false(ward_ref_valid_repository(NULL));
	assert_true(ward_ref_valid_tag("latest"));
	assert_true(ward_ref_valid_tag("V1.0-rc_2"));
	assert_false(ward_ref_valid_tag(""));
	assert_false(ward_ref_valid_tag("-x"));
	assert_false(ward_ref_valid_tag("x/y"));
	assert_true(ward_ref_valid_digest("sha256:" D64));
	assert_false(ward_ref_valid_digest("sha256:" D64 " "));
	assert_false(ward_ref_valid_digest("sha256:"));
	assert_false(ward_ref_valid_digest("SHA256:" D64));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref_parse_accepts_valid_references),
		cmocka_unit_test(test_ref_parse_rejects_invalid_references_naming_the_input),
		cmocka_unit_test(test_ref_parse_rejects_overlong_name_and_tag),
		cmocka_unit_test(test_ref_resolve_short_name_uses_first_search_registry),
		cmocka_unit_test(test_ref_resolve_short_name_without_search_list_fails),
		cmocka_unit_test(test_ref_validators_follow_the_grammar),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
