/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry auth: WWW-Authenticate parsing (tables of real and hostile
 * headers), token responses, and auth.json read/write (0600, atomic,
 * unknown members kept).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/registry.h>

#include "registry/internal.h"

struct chal_case {
	const char *hdr;
	int n;
	enum ward_auth_scheme scheme0;
	const char *realm0, *service0, *scope0;
	enum ward_auth_scheme scheme1;
	const char *realm1;
};

static const struct chal_case chals[] = {
	{"Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
	 "scope=\"repository:library/busybox:pull\"",
	 1, WARD_AUTH_BEARER, "https://auth.docker.io/token", "registry.docker.io",
	 "repository:library/busybox:pull", 0, NULL},
	{"Basic realm=\"Registry Realm\"", 1, WARD_AUTH_BASIC, "Registry Realm", NULL, NULL, 0,
	 NULL},
	{"bearer REALM=\"x\"", 1, WARD_AUTH_BEARER, "x", NULL, NULL, 0, NULL},
	{"Bearer realm=\"a\\\"b\\\\c\", scope=\"repository:a:pull,push\"", 1, WARD_AUTH_BEARER,
	 "a\"b\\c", NULL, "repository:a:pull,push", 0, NULL},
	{"Bearer realm=https://h/t,service=s", 1, WARD_AUTH_BEARER, "https://h/t", "s", NULL, 0,
	 NULL},
	{"Bearer  realm = \"r\" ,  service=\"s\"", 1, WARD_AUTH_BEARER, "r", "s", NULL, 0, NULL},
	{"Bearer realm=\"r\", Basic realm=\"b\"", 2, WARD_AUTH_BEARER, "r", NULL, NULL,
	 WARD_AUTH_BASIC, "b"},
	{"Negotiate, Basic realm=\"b\"", 2, WARD_AUTH_OTHER, NULL, NULL, NULL, WARD_AUTH_BASIC,
	 "b"},
	{"Bearer realm=\"r\",error=\"invalid_token\",foo=bar", 1, WARD_AUTH_BEARER, "r", NULL, NULL,
	 0, NULL},
	{"Bearer", 1, WARD_AUTH_BEARER, NULL, NULL, NULL, 0, NULL},
	{"", 0, 0, NULL, NULL, NULL, 0, NULL},
	{" , ,", 0, 0, NULL, NULL, NULL, 0, NULL},
};

static const char *const bad_chals[] = {
	"Bearer realm=\"unterminated",
	"Bearer realm=\"a\",realm=\"b\"",
	"Bearer realm=\"a\r\nX-Injected: 1\"",
	"Bearer realm=",
	"Bearer realm=\"a\" junk=",
	"=\"x\"",
	"Bearer realm=\"a\" \"b\"",
	"Bearer realm=a\"b",
};

static void
test_auth_parses_challenge_headers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(chals) / sizeof(chals[0]); i++) {
		const struct chal_case *c = &chals[i];
		struct ward_auth_challenge out[4] = {0};
		struct ward_error *err = NULL;
		int n = ward_auth_parse_challenges(c->hdr, strlen(c->hdr), out, 4, &err);
		if (n != c->n)
			fail_msg("'%s': %d challenges, want %d (%s)", c->hdr, n, c->n,
				 err ? err->msg : "");
		if (n >= 1) {
			assert_int_equal(out[0].scheme, c->scheme0);
#define EQ(a, b)                                   \
	do {                                       \
		if (b)                             \
			assert_string_equal(a, b); \
		else                               \
			assert_null(a);            \
	} while (0)
			EQ(out[0].realm, c->realm0);
			EQ(out[0].service, c->service0);
			EQ(out[0].scope, c->scope0);
		}
		if (n >= 2) {
			assert_int_equal(out[1].scheme, c->scheme1);
			EQ(out[1].realm, c->realm1);
		}
		for (int k = 0; k < n; k++)
			ward_auth_challenge_clear(&out[k]);
	}
}

static void
test_auth_rejects_malformed_or_smuggling_challenges(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_chals) / sizeof(bad_chals[0]); i++) {
		struct ward_auth_challenge out[4] = {0};
		struct ward_error *err = NULL;
		int n = ward_auth_parse_challenges(bad_chals[i], strlen(bad_chals[i]), out, 4,
						   &err);
		if (n >= 0)
			fail_msg("'%s' accepted (%d)", bad_chals[i], n);
		assert_non_null(err);
		assert_non_null(strstr(err->msg, "WWW-Authenticate"));
		ward_error_free(err);
	}
}

static void
test_auth_rejects_embedded_nul_and_overlong_header(void **state)
{
	struct ward_auth_challenge out[2];
	struct ward_error *err = NULL;
	static char big[WARD_AUTH_HEADER_MAX + 2];

	(void)state;
	assert_true(ward_auth_parse_challenges("Bearer realm=\"a\0b\"", 17, out, 2, &err) < 0);
	ward_error_freep(&err);
	memset(big, 'a', sizeof(big) - 1);
	assert_true(ward_auth_parse_challenges(big, sizeof(big) - 1, out, 2, &err) < 0);
	assert_non_null(strstr(err->msg, "longer"));
	ward_error_freep(&err);
}

static void
test_auth_parses_token_responses(void **state)
{
	char *t = NULL;
	struct ward_error *err = NULL;

	(void)state;
	assert_int_equal(
		ward_auth_parse_token("{\"token\":\"abc.def\",\"expires_in\":300}", 36, &t, &err),
		0);
	assert_string_equal(t, "abc.def");
	free(t);
	const char *oauth = "{\"access_token\":\"xyz\"}";
	assert_int_equal(ward_auth_parse_token(oauth, strlen(oauth), &t, &err), 0);
	assert_string_equal(t, "xyz");
	free(t);
	const char *both = "{\"token\":\"\",\"access_token\":\"q\"}";
	assert_int_equal(ward_auth_parse_token(both, strlen(both), &t, &err), 0);
	assert_string_equal(t, "q");
	free(t);
}

static void
test_auth_rejects_bad_token_responses(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{}",
		"{\"token\":1}",
		"{\"token\":\"\"}",
		"{\"token\":\"a\\r\\nX: y\"}",
		"{\"token\":\"a b\"}",
		"{\"token\":\"a\\u0000b\"}",
		"not json",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *t = NULL;
		struct ward_error *err = NULL;
		if (ward_auth_parse_token(bad[i], strlen(bad[i]), &t, &err) == 0)
			fail_msg("'%s' accepted as '%s'", bad[i], t);
		assert_non_null(err);
		ward_error_free(err);
	}
}

/* ---- auth.json ------------------------------------------------------------ */

static char *
tmpdir(void)
{
	char *d = strdup("/tmp/ward-authtest.XXXXXX");
	assert_non_null(mkdtemp(d));
	return d;
}

static void
write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

static void
test_authfile_reads_podman_format(void **state)
{
	char *d = tmpdir(), path[256], *u = NULL, *p = NULL;
	struct ward_authfile *a = NULL;
	struct ward_error *err = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/auth.json", d);
	/* base64("alice:s3cr:et") and docker's legacy key. */
	write_file(path, "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"YWxpY2U6czNjcjpldA==\"},"
			 "\"https://index.docker.io/v1/\":{\"auth\":\"Ym9iOnB3\"}},"
			 "\"credHelpers\":{\"x\":\"y\"}}");
	assert_int_equal(ward_authfile_load(path, &a, &err), 0);
	assert_int_equal(ward_authfile_get(a, "127.0.0.1:5000", &u, &p, &err), 0);
	assert_string_equal(u, "alice");
	assert_string_equal(p, "s3cr:et"); /* only the first ':' splits */
	free(u);
	free(p);
	assert_int_equal(ward_authfile_get(a, "docker.io", &u, &p, &err), 0);
	assert_string_equal(u, "bob");
	free(u);
	free(p);
	assert_int_equal(ward_authfile_get(a, "127.0.0.1:5001", &u, &p, &err), -ENOENT);
	ward_authfile_free(a);
	unlink(path);
	rmdir(d);
	free(d);
}

static void
test_authfile_missing_file_is_empty(void **state)
{
	struct ward_authfile *a = NULL;
	struct ward_error *err = NULL;
	char *u, *p;

	(void)state;
	assert_int_equal(ward_authfile_load("/nonexistent/ward/auth.json", &a, &err), 0);
	assert_null(err);
	assert_int_equal(ward_authfile_get(a, "x.io", &u, &p, &err), -ENOENT);
	ward_authfile_free(a);
}

static void
test_authfile_rejects_malformed_entries(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"auths\":[]}",
	};
	static const char *const bad_entry[] = {
		"{\"auths\":{\"h\":{\"auth\":\"!!!!\"}}}",
		"{\"auths\":{\"h\":{\"auth\":\"bm9jb2xvbg==\"}}}", /* "nocolon" */
		"{\"auths\":{\"h\":{\"auth\":5}}}",
		"{\"auths\":{\"h\":\"str\"}}",
	};
	char *d = tmpdir(), path[256], *u, *p;
	struct ward_authfile *a = NULL;
	struct ward_error *err = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/auth.json", d);
	for (size_t i = 0; i < 2; i++) {
		write_file(path, bad[i]);
		assert_true(ward_authfile_load(path, &a, &err) < 0);
		assert_non_null(strstr(err->msg, path));
		ward_error_freep(&err);
	}
	for (size_t i = 0; i < 4; i++) {
		write_file(path, bad_entry[i]);
		assert_int_equal(ward_authfile_load(path, &a, &err), 0);
		assert_true(ward_authfile_get(a, "h", &u, &p, &err) < 0);
		assert_non_null(strstr(err->msg, "auths.h"));
		ward_error_freep(&err);
		ward_authfile_freep(&a);
	}
	unlink(path);
	rmdir(d);
	free(d);
}

static void
test_authfile_save_is_0600_and_round_trips(void **state)
{
	char *d = tmpdir(), path[256], *u = NULL, *p = NULL, *text = NULL;
	struct ward_authfile *a = NULL;
	struct ward_error *err = NULL;
	struct stat st;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/auth.json", d);
	write_file(path,
		   "{\"auths\":{\"old.io\":{\"auth\":\"YTpi\"}},\"credHelpers\":{\"x\":\"y\"}}");
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(ward_authfile_load(path, &a, &err), 0);
	assert_int_equal(ward_authfile_set(a, "new.io:5000", "carol", "p@ss:w", &err), 0);
	assert_int_equal(ward_authfile_remove(a, "old.io", &err), 0);
	assert_int_equal(ward_authfile_remove(a, "old.io", &err), -ENOENT);
	assert_true(ward_authfile_set(a, "x.io", "bad:user", "p", &err) < 0);
	ward_error_freep(&err);
	assert_int_equal(ward_authfile_save(a, path, &err), 0);
	ward_authfile_freep(&a);

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(ward_fs_read_all(AT_FDCWD, path, 1 << 20, &text, &len, &err), 0);
	assert_non_null(strstr(text, "credHelpers"));	   /* unknown members kept */
	assert_non_null(strstr(text, "Y2Fyb2w6cEBzczp3")); /* base64("carol:p@ss:w") */
	assert_null(strstr(text, "old.io"));
	free(text);

	assert_int_equal(ward_authfile_load(path, &a, &err), 0);
	assert_int_equal(ward_authfile_get(a, "new.io:5000", &u, &p, &err), 0);
	assert_string_equal(u, "carol");
	assert_string_equal(p, "p@ss:w");
	free(u);
	free(p);
	ward_authfile_free(a);
	unlink(path);
	rmdir(d);
	free(d);
}

static void
test_base64_round_trips_and_rejects_junk(void **state)
{
	char *enc, *dec;
	size_t len;

	(void)state;
	enc = ward_registry_b64_encode("ab", 2);
	assert_string_equal(enc, "YWI=");
	assert_int_equal(ward_registry_b64_decode(enc, &dec, &len), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(dec, "ab", 2);
	free(enc);
	free(dec);
	assert_int_equal(ward_registry_b64_decode("YWI", &dec, &len), -EINVAL);
	assert_int_equal(ward_registry_b64_decode("", &dec, &len), -EINVAL);
	assert_int_equal(ward_registry_b64_decode("Y*I=", &dec, &len), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_parses_challenge_headers),
		cmocka_unit_test(test_auth_rejects_malformed_or_smuggling_challenges),
		cmocka_unit_test(test_auth_rejects_embedded_nul_and_overlong_header),
		cmocka_unit_test(test_auth_parses_token_responses),
		cmocka_unit_test(test_auth_rejects_bad_token_responses),
		cmocka_unit_test(test_authfile_reads_podman_format),
		cmocka_unit_test(test_authfile_missing_file_is_empty),
		cmocka_unit_test(test_authfile_rejects_malformed_entries),
		cmocka_unit_test(test_authfile_save_is_0600_and_round_trips),
		cmocka_unit_test(test_base64_round_trips_and_rejects_junk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
