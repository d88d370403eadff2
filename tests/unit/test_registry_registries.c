/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registries.conf: the TOML subset ward reads (tables of good files with
 * what they hold, bad ones with the words and line the error must name),
 * and short-name resolution by mode, aliases and [[registry]] tables.
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

#include <ward/registry.h>

static struct ward_registries_conf *
parse_ok(const char *text)
{
	struct ward_registries_conf *c = NULL;
	struct ward_error *err = NULL;
	int rc = ward_registries_conf_parse(text, strlen(text), "t.conf", &c, &err);

	if (rc < 0)
		print_error("unexpected error: %s\n", err ? err->msg : "?");
	assert_int_equal(rc, 0);
	assert_null(err);
	return c;
}

static void
test_conf_parses_search_list_mode_and_comments(void **state)
{
	(void)state;
	struct ward_registries_conf *c =
		parse_ok("# comment\n"
			 "\n"
			 "unqualified-search-registries = [ # inline comment\n"
			 "  \"quay.io\",\n"
			 "  'localhost:5000', # literal string\n"
			 "]\n"
			 "short-name-mode = \"permissive\"  # trailing\n"
			 "credential-helpers = [\"containers-auth.json\"]\n"
			 "some-int = 42\n"
			 "\n"
			 "[aliases]\n"
			 "\"busybox\" = \"docker.io/library/busybox\"\n"
			 "\n"
			 "[[registry]]\n"
			 "prefix = \"evil.io\"\n"
			 "blocked = true\n"
			 "[[registry]]\n"
			 "location = \"quay.io\"\n"
			 "insecure = false\n");

	assert_int_equal(c->n_search, 2);
	assert_string_equal(c->search[0], "quay.io");
	assert_string_equal(c->search[1], "localhost:5000");
	assert_null(c->search[2]);
	assert_int_equal(c->search_line, 3);
	assert_int_equal(c->mode, WARD_SHORT_NAME_PERMISSIVE);
	assert_string_equal(ward_short_name_mode_name(c->mode), "permissive");
	assert_int_equal(c->n_aliases, 1);
	assert_string_equal(c->aliases[0].name, "busybox");
	assert_int_equal(c->n_registries, 2);
	assert_true(c->registries[0].blocked);
	assert_int_equal(c->registries[0].line, 14);
	assert_string_equal(c->registries[1].location, "quay.io");
	ward_registries_conf_free(c);
}

static void
test_conf_empty_defaults_to_enforcing_without_search(void **state)
{
	(void)state;
	struct ward_registries_conf *c = parse_ok("");

	assert_int_equal(c->n_search, 0);
	assert_null(c->search);
	assert_int_equal(c->mode, WARD_SHORT_NAME_ENFORCING);
	ward_registries_conf_free(c);
}

struct bad {
	const char *text, *why;
	unsigned line;
};

static const struct bad bads[] = {
	{"unqualified-search-registries = [\"a.io\"\n", "unterminated array", 2},
	{"unqualified-search-registries = \"a.io\"\n", "must be an array", 1},
	{"unqualified-search-registries = [\"a.io/ns\"]\n", "not a host", 1},
	{"unqualified-search-registries = [\"http://a.io\"]\n", "not a host", 1},
	{"unqualified-search-registries = [\"myreg\"]\n", "not a host", 1},
	{"unqualified-search-registries = [1]\n", "strings only", 1},
	{"a = [\"x\"]\nunqualified-search-registries = []\nunqualified-search-registries = []\n",
	 "twice", 3},
	{"short-name-mode = \"sometimes\"\n", "enforcing", 1},
	{"short-name-mode = true\n", "must be a string", 1},
	{"\n\nkey = \"unterminated\n", "unterminated string", 3},
	{"key = \"\"\"multi\"\"\"\n", "multi-line", 1},
	{"key = \"a\\u0041\"\n", "escape", 1},
	{"key = {a = 1}\n", "inline tables", 1},
	{"key = \"a\" junk\n", "after the value", 1},
	{"key\n", "expected '='", 1},
	{"a.b = 1\n", "dotted keys", 1},
	{"key = \n", "missing value", 1},
	{"key = nope\n", "unsupported value", 1},
	{"[registries.search]\nregistries = []\n", "v1 format", 1},
	{"[something]\n", "not supported", 1},
	{"[[registry.mirror]]\nlocation = \"m.io\"\n", "not supported", 1},
	{"[[registry]]\nprefix = \"a.io\"\nmirror = []\n", "'mirror' is not supported", 3},
	{"[[registry]]\ninsecure = true\n", "needs a prefix or a location", 1},
	{"[[registry]]\nprefix = \"a.io\"\nprefix = \"b.io\"\n", "twice", 3},
	{"[aliases]\n\"x\" = \"a.io/x\"\n\"x\" = \"b.io/x\"\n", "twice", 3},
	{"[aliases]\n\"x\" = 1\n", "must be a string", 2},
	{"key = \"a\x01\"\n", "control character", 1},
};

static void
test_conf_rejects_with_file_and_line(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct ward_registries_conf *c = NULL;
		struct ward_error *err = NULL;
		char where[32];
		int rc = ward_registries_conf_parse(bads[i].text, strlen(bads[i].text), "t.conf",
						    &c, &err);
		snprintf(where, sizeof(where), "t.conf:%u:", bads[i].line);
		if (rc >= 0 || !err || !strstr(err->msg, bads[i].why) || !strstr(err->msg, where))
			print_error("case %zu (%s): got %d '%s'\n", i, bads[i].why, rc,
				    err ? err->msg : "(none)");
		assert_true(rc < 0);
		assert_null(c);
		assert_non_null(strstr(err->msg, bads[i].why));
		assert_non_null(strstr(err->msg, where));
		ward_error_free(err);
	}
}

static void
test_conf_rejects_nul_and_oversize(void **state)
{
	(void)state;
	struct ward_registries_conf *c = NULL;
	struct ward_error *err = NULL;
	size_t big = WARD_REGISTRIES_CONF_MAX + 1;
	char *buf;

	assert_true(ward_registries_conf_parse("a = 1\0b = 2\n", 12, "t.conf", &c, &err) < 0);
	assert_non_null(strstr(err->msg, "NUL"));
	ward_error_freep(&err);
	buf = malloc(big);
	assert_non_null(buf);
	memset(buf, '\n', big);
	assert_true(ward_registries_conf_parse(buf, big, "t.conf", &c, &err) < 0);
	assert_non_null(strstr(err->msg, "larger than"));
	ward_error_freep(&err);
	free(buf);
	assert_null(c);
}

static void
test_conf_bounds_search_list(void **state)
{
	(void)state;
	char buf[8192] = "unqualified-search-registries = [";
	struct ward_registries_conf *c = NULL;
	struct ward_error *err = NULL;

	for (int i = 0; i <= WARD_REGISTRIES_MAX; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "\"r%d.io\",", i);
	strcat(buf, "]\n");
	assert_true(ward_registries_conf_parse(buf, strlen(buf), "t.conf", &c, &err) < 0);
	assert_non_null(strstr(err->msg, "too many"));
	ward_error_free(err);
}

/* resolve name with conf text: the candidates joined by ' ', or the error. */
static int
resolve(const char *text, const char *name, char *out, size_t cap, bool *ret_short)
{
	struct ward_registries_conf *c = parse_ok(text);
	struct ward_error *err = NULL;
	char **v = NULL;
	int n = ward_registries_resolve(c, name, &v, ret_short, &err);

	out[0] = '\0';
	if (n < 0) {
		snprintf(out, cap, "%s", err->msg);
		ward_error_free(err);
	} else {
		for (int i = 0; i < n; i++)
			snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? " " : "", v[i]);
		assert_null(v[n]);
		ward_strv_free(v);
	}
	ward_registries_conf_free(c);
	return n;
}

static void
test_resolve_qualified_is_itself(void **state)
{
	(void)state;
	char out[1024];
	bool s = true;

	assert_int_equal(resolve("", "quay.io/a/b", out, sizeof(out), &s), 1);
	assert_string_equal(out, "quay.io/a/b:latest");
	assert_false(s);
}

static void
test_resolve_short_without_search_list_is_an_error(void **state)
{
	(void)state;
	char out[1024];

	assert_true(resolve("", "busybox", out, sizeof(out), NULL) < 0);
	assert_non_null(strstr(out, "short name"));
	assert_non_null(strstr(out, "unqualified-search-registries"));
	assert_non_null(strstr(out, "fully qualified"));
}

static void
test_resolve_one_search_registry(void **state)
{
	(void)state;
	char out[1024];
	bool s = false;

	assert_int_equal(resolve("unqualified-search-registries = [\"docker.io\"]\n",
				 "busybox:1.36", out, sizeof(out), &s),
			 1);
	assert_string_equal(out, "docker.io/library/busybox:1.36");
	assert_true(s);
}

static void
test_resolve_several_enforcing_is_ambiguous(void **state)
{
	(void)state;
	char out[1024];

	assert_true(resolve("unqualified-search-registries = [\"a.io\", \"b.io\"]\n", "x", out,
			    sizeof(out), NULL) < 0);
	assert_non_null(strstr(out, "ambiguous"));
	assert_non_null(strstr(out, "t.conf:1"));
}

static void
test_resolve_several_permissive_in_order(void **state)
{
	(void)state;
	char out[1024];

	assert_int_equal(resolve("unqualified-search-registries = [\"a.io\", \"b.io:5000\"]\n"
				 "short-name-mode = \"permissive\"\n",
				 "ns/x@sha256:"
				 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				 out, sizeof(out), NULL),
			 2);
	assert_string_equal(out,
			    "a.io/ns/x@sha256:"
			    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef "
			    "b.io:5000/ns/x@sha256:"
			    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_int_equal(resolve("unqualified-search-registries = [\"a.io\", \"b.io\"]\n"
				 "short-name-mode = \"disabled\"\n",
				 "x", out, sizeof(out), NULL),
			 2);
}

static void
test_resolve_alias_wins_and_keeps_tag(void **state)
{
	(void)state;
	char out[1024];

	assert_int_equal(resolve("unqualified-search-registries = [\"a.io\", \"b.io\"]\n"
				 "[aliases]\n\"bb\" = \"quay.io/ns/busybox\"\n",
				 "bb:2", out, sizeof(out), NULL),
			 1);
	assert_string_equal(out, "quay.io/ns/busybox:2");
	assert_true(resolve("[aliases]\n\"bb\" = \"not a ref\"\n", "bb", out, sizeof(out), NULL) <
		    0);
	assert_non_null(strstr(out, "alias 'bb' at t.conf:2"));
}

static void
test_resolve_registry_tables(void **state)
{
	(void)state;
	char out[1024];

	assert_true(resolve("[[registry]]\nprefix = \"evil.io\"\nblocked = true\n", "evil.io/x",
			    out, sizeof(out), NULL) < 0);
	assert_non_null(strstr(out, "blocked"));
	assert_true(resolve("unqualified-search-registries = [\"evil.io\"]\n"
			    "[[registry]]\nprefix = \"*.io\"\nblocked = true\n",
			    "x", out, sizeof(out), NULL) < 0);
	assert_non_null(strstr(out, "blocked"));
	/* A prefix matches at a path boundary only. */
	assert_int_equal(resolve("[[registry]]\nprefix = \"a.io/ns\"\nblocked = true\n",
				 "a.io/nsx/y", out, sizeof(out), NULL),
			 1);
	assert_true(resolve("[[registry]]\nprefix = \"a.io\"\nlocation = \"mirror.io\"\n", "a.io/x",
			    out, sizeof(out), NULL) < 0);
	assert_non_null(strstr(out, "remaps"));
	assert_true(resolve("[[registry]]\nlocation = \"a.io\"\ninsecure = true\n", "a.io/x", out,
			    sizeof(out), NULL) < 0);
	assert_non_null(strstr(out, "--tls-verify=false"));
}

static void
test_resolve_rejects_malformed_names(void **state)
{
	(void)state;
	char out[1024];

	assert_true(resolve("unqualified-search-registries = [\"a.io\"]\n", "BusyBox", out,
			    sizeof(out), NULL) < 0);
	assert_non_null(strstr(out, "lowercase"));
}

static void
test_load_missing_explicit_file_is_an_error(void **state)
{
	(void)state;
	struct ward_registries_conf *c = NULL;
	struct ward_error *err = NULL;

	assert_true(ward_registries_conf_load("/nonexistent/registries.conf", &c, &err) < 0);
	assert_non_null(strstr(err->msg, "/nonexistent/registries.conf"));
	ward_error_free(err);
	assert_null(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_parses_search_list_mode_and_comments),
		cmocka_unit_test(test_conf_empty_defaults_to_enforcing_without_search),
		cmocka_unit_test(test_conf_rejects_with_file_and_line),
		cmocka_unit_test(test_conf_rejects_nul_and_oversize),
		cmocka_unit_test(test_conf_bounds_search_list),
		cmocka_unit_test(test_resolve_qualified_is_itself),
		cmocka_unit_test(test_resolve_short_without_search_list_is_an_error),
		cmocka_unit_test(test_resolve_one_search_registry),
		cmocka_unit_test(test_resolve_several_enforcing_is_ambiguous),
		cmocka_unit_test(test_resolve_several_permissive_in_order),
		cmocka_unit_test(test_resolve_alias_wins_and_keeps_tag),
		cmocka_unit_test(test_resolve_registry_tables),
		cmocka_unit_test(test_resolve_rejects_malformed_names),
		cmocka_unit_test(test_load_missing_explicit_file_is_an_error),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
