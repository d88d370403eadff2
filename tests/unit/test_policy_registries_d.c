/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registries.d: per-scope lookaside settings, most specific scope first and
 * each setting independently, the old key names, the built-in default; the
 * lookaside layout; and refusals naming file:line for unknown keys,
 * anchors, aliases, tags, duplicated scopes (also across files), bad URLs,
 * non-booleans, several documents and oversized input.
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

static struct ward_registries_d *
parse_ok(const char *yaml)
{
	struct ward_registries_d *c = NULL;
	struct ward_error *err = NULL;

	if (ward_registries_d_parse(yaml, strlen(yaml), "r.yaml", &c, &err) < 0)
		fail_msg("parse: %s\n%s", err->msg, yaml);
	return c;
}

static void
check_lookup(const struct ward_registries_d *c, const char *ref, const char *rd, const char *wr,
	     bool attach)
{
	struct ward_registries_d_entry e = {0};
	struct ward_error *err = NULL;

	if (ward_registries_d_lookup(c, ref, &e, &err) < 0)
		fail_msg("lookup %s: %s", ref, err->msg);
	if (strcmp(e.lookaside, rd) || strcmp(e.lookaside_staging, wr) ||
	    e.use_sigstore_attachments != attach)
		fail_msg("%s: got (%s, %s, %d), want (%s, %s, %d)", ref, e.lookaside,
			 e.lookaside_staging, e.use_sigstore_attachments, rd, wr, attach);
	ward_registries_d_entry_clear(&e);
}

static void
test_most_specific_scope_per_setting(void **state)
{
	(void)state;
	struct ward_registries_d *c = parse_ok("# signatures\n"
					       "default-docker:\n"
					       "  lookaside: file:///var/lib/sigs\n"
					       "  use-sigstore-attachments: true\n"
					       "docker:\n"
					       "  r.io:\n"
					       "    lookaside: https://sigs.r.io/base/\n"
					       "    lookaside-staging: file:///srv/staging\n"
					       "  r.io/team:\n"
					       "    use-sigstore-attachments: false\n"
					       "  r.io/team/app:\n"
					       "    lookaside: http://127.0.0.1:8080/app-sigs\n"
					       "  '*.example.com':\n"
					       "    sigstore: https://old.example.com/s\n"
					       "    sigstore-staging: file:///srv/old\n"
					       "  plain.io:\n"
					       "    lookaside: https://new.plain.io\n"
					       "    sigstore: https://old.plain.io\n"
					       "  empty.io:\n");

	/* repo scope sets lookaside only: staging too comes from it (write
	 * falls back to lookaside within one scope), attachments from team */
	check_lookup(c, "r.io/team/app:v1", "http://127.0.0.1:8080/app-sigs",
		     "http://127.0.0.1:8080/app-sigs", false);
	check_lookup(c, "r.io/team/other:v1", "https://sigs.r.io/base/", "file:///srv/staging",
		     false);
	check_lookup(c, "r.io/x:v1", "https://sigs.r.io/base/", "file:///srv/staging", true);
	check_lookup(c, "a.example.com/x:1", "https://old.example.com/s", "file:///srv/old", true);
	check_lookup(c, "plain.io/x:1", "https://new.plain.io", "https://new.plain.io", true);
	check_lookup(c, "empty.io/x:1", "file:///var/lib/sigs", "file:///var/lib/sigs", true);
	check_lookup(c, "other.io/x:1", "file:///var/lib/sigs", "file:///var/lib/sigs", true);
	ward_registries_d_free(c);

	/* nothing configured: containers/image's built-in default */
	c = parse_ok("docker:\n  r.io:\n    use-sigstore-attachments: true\n");
	{
		struct ward_registries_d_entry e = {0};

		assert_int_equal(ward_registries_d_lookup(c, "q.io/a:1", &e, NULL), 0);
		assert_string_equal(e.lookaside, "file:///var/lib/containers/sigstore");
		assert_true(e.builtin_default);
		assert_false(e.use_sigstore_attachments);
		ward_registries_d_entry_clear(&e);
		assert_int_equal(ward_registries_d_lookup(c, "r.io/a:1", &e, NULL), 0);
		assert_true(e.use_sigstore_attachments);
		ward_registries_d_entry_clear(&e);
	}
	ward_registries_d_free(c);
	/* empty and comment-only files are empty configurations */
	ward_registries_d_free(parse_ok(""));
	ward_registries_d_free(parse_ok("# nothing\n"));
	ward_registries_d_free(parse_ok("---\n...\n"));
	ward_registries_d_free(parse_ok("docker:\n"));
}

struct ycase {
	const char *yaml;
	const char *msg;
};

static void
test_refusals_name_file_and_line(void **state)
{
	(void)state;
	static const struct ycase cases[] = {
		{"docker:\n  r.io:\n    lookasid: file:///x\n",
		 "r.yaml:3: unknown key \"lookasid\""},
		{"dokcer:\n  r.io: {}\n", "r.yaml:1: unknown key \"dokcer\""},
		{"docker:\n  r.io: &a\n    lookaside: file:///x\n  q.io: *a\n",
		 "r.yaml:2: anchors are not allowed"},
		{"docker:\n  r.io: *a\n", "r.yaml:"}, /* undefined alias: libyaml or ours */
		{"docker:\n  r.io:\n    lookaside: !!str file:///x\n",
		 "r.yaml:3: tags are not allowed"},
		{"docker:\n  r.io: {}\n  r.io: {}\n", "r.yaml:3: docker: scope \"r.io\" is already "
						      "defined in r.yaml"},
		{"docker:\n  r.io:\n    lookaside: ftp://x/y\n",
		 "r.yaml:3: lookaside: 'ftp://x/y': "
		 "the URL scheme"},
		{"docker:\n  r.io:\n    lookaside: file://host/x\n", "r.yaml:3: lookaside: "
								     "'file://host/x'"},
		{"docker:\n  r.io:\n    lookaside: https:///x\n", "has no host"},
		{"docker:\n  r.io:\n    lookaside: [a, b]\n",
		 "r.yaml:3: lookaside: expected a string"},
		{"docker:\n  r.io:\n    use-sigstore-attachments: yes\n",
		 "r.yaml:3: use-sigstore-attachments: expected true or false, got \"yes\""},
		{"docker:\n  r.io:\n    use-sigstore-attachments: 'true'\n",
		 "r.yaml:3: use-sigstore-attachments: expected true or false"},
		{"docker:\n  busybox:\n    lookaside: file:///x\n",
		 "r.yaml:2: docker: \"busybox\": scope never matches"},
		{"docker:\n- r.io\n", "r.yaml:2: docker: expected a mapping of scopes"},
		{"default-docker:\n  lookaside: file:///a\ndefault-docker:\n  lookaside: "
		 "file:///b\n",
		 "r.yaml:3: \"default-docker\" given twice"},
		{"docker:\n  r.io:\n    lookaside: file:///a\n    lookaside: file:///b\n",
		 "r.yaml:4: \"lookaside\" given twice"},
		{"docker: {}\n---\ndocker: {}\n", "r.yaml:2: more than one YAML document"},
		{"docker:\n  r.io:\n    lookaside: \"file:///a b\"\n", "whitespace"},
		{"docker:\n  r.io:\n   lookaside: x\n  bad indent\n", "r.yaml:"},
		{"- a\n- b\n", "r.yaml:1: expected a mapping"},
		{"docker:\n  r.io:\n    lookaside:\n      nested: x\n",
		 "r.yaml:4: lookaside: expected "
		 "a string"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ward_registries_d *c = NULL;
		struct ward_error *err = NULL;
		int r = ward_registries_d_parse(cases[i].yaml, strlen(cases[i].yaml), "r.yaml", &c,
						&err);

		if (r >= 0)
			fail_msg("case %zu accepted:\n%s", i, cases[i].yaml);
		assert_null(c);
		if (!strstr(err->msg, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, err->msg, cases[i].msg);
		assert_int_equal(err->kind, WARD_E_INVALID);
		ward_error_free(err);
	}
}

static void
test_hostile_sizes(void **state)
{
	(void)state;
	struct ward_registries_d *c = NULL;
	struct ward_error *err = NULL;
	size_t n = WARD_REGISTRIES_D_FILE_MAX + 1, o = 0;
	char *big = malloc(n + 1);

	memset(big, '#', n);
	assert_int_equal(ward_registries_d_parse(big, n, "r.yaml", &c, &err), -EFBIG);
	ward_error_free(err);
	err = NULL;
	/* deep flow nesting is refused at the first level the schema lacks */
	memset(big, '[', 100000);
	memcpy(big, "docker: ", 8);
	assert_true(ward_registries_d_parse(big, 100000, "r.yaml", &c, &err) < 0);
	assert_non_null(strstr(err->msg, "docker: expected a mapping of scopes"));
	ward_error_free(err);
	err = NULL;
	/* more scopes than allowed */
	o = (size_t)snprintf(big, n, "docker:\n");
	for (unsigned i = 0; i <= WARD_REGISTRIES_D_SCOPES_MAX && o + 64 < n; i++)
		o += (size_t)snprintf(big + o, n - o, "  r%u.io: {}\n", i);
	assert_true(ward_registries_d_parse(big, o, "r.yaml", &c, &err) < 0);
	assert_non_null(strstr(err->msg, "more than 4096 scopes"));
	ward_error_free(err);
	/* a NUL byte */
	err = NULL;
	assert_true(ward_registries_d_parse("docker:\0", 8, "r.yaml", &c, &err) < 0);
	assert_non_null(strstr(err->msg, "NUL"));
	ward_error_free(err);
	free(big);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_load_merges_one_directory(void **state)
{
	(void)state;
	char root[] = "/tmp/ward-regd-XXXXXX", first[128], second[128], cmd[160];
	struct ward_registries_d *c = NULL;
	struct ward_error *err = NULL;

	assert_non_null(mkdtemp(root));
	snprintf(first, sizeof(first), "%s/ward.d", root);
	snprintf(second, sizeof(second), "%s/containers.d", root);
	{
		const char *dirs[] = {first, second, NULL};

		/* no directory: empty */
		assert_int_equal(ward_registries_d_load(dirs, &c, &err), 0);
		assert_null(ward_registries_d_dir(c));
		ward_registries_d_free(c);
		c = NULL;

		/* only the second: used */
		assert_int_equal(mkdir(second, 0755), 0);
		write_file(second, "a.yaml", "docker:\n  r.io:\n    lookaside: file:///second\n");
		assert_int_equal(ward_registries_d_load(dirs, &c, &err), 0);
		assert_string_equal(ward_registries_d_dir(c), second);
		check_lookup(c, "r.io/a:1", "file:///second", "file:///second", false);
		ward_registries_d_free(c);
		c = NULL;

		/* the first exists: only it is read (no merge across directories),
		 * every *.yaml in it merged, other names ignored */
		assert_int_equal(mkdir(first, 0755), 0);
		write_file(first, "b.yaml", "docker:\n  r.io:\n    lookaside: file:///first\n");
		write_file(first, "a.yaml", "default-docker:\n  lookaside: file:///default\n");
		write_file(first, "notes.txt", "not: [yaml");
		write_file(first, "c.yml", "not: [yaml");
		assert_int_equal(ward_registries_d_load(dirs, &c, &err), 0);
		check_lookup(c, "r.io/a:1", "file:///first", "file:///first", false);
		check_lookup(c, "q.io/a:1", "file:///default", "file:///default", false);
		ward_registries_d_free(c);
		c = NULL;

		/* the same scope in two files: an error naming both */
		write_file(first, "c.yaml", "docker:\n  x.io: {}\n  r.io: {}\n");
		assert_true(ward_registries_d_load(dirs, &c, &err) < 0);
		assert_null(c);
		assert_non_null(strstr(err->msg, "c.yaml:3: docker: scope \"r.io\" is already "
						 "defined in"));
		assert_non_null(strstr(err->msg, "b.yaml"));
		ward_error_free(err);
		err = NULL;
		/* default-docker in two files */
		write_file(first, "c.yaml", "default-docker:\n  lookaside: file:///other\n");
		assert_true(ward_registries_d_load(dirs, &c, &err) < 0);
		assert_non_null(strstr(err->msg, "\"default-docker\" is already defined in"));
		ward_error_free(err);
		err = NULL;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void
test_lookaside_layout(void **state)
{
	(void)state;
	struct ward_digest d;
	struct ward_error *err = NULL;
	char *u = NULL, want[256];

	ward_digest_of("m", 1, &d);
	assert_int_equal(
		ward_lookaside_url("https://sigs.r.io/base/", "r.io/team/app:v1", &d, 1, &u, NULL),
		0);
	snprintf(want, sizeof(want), "https://sigs.r.io/base/team/app@sha256=%s/signature-1",
		 ward_digest_hex(&d));
	assert_string_equal(u, want);
	free(u);
	/* docker.io's library/ is part of the path, as containers/image writes it */
	assert_int_equal(ward_lookaside_path("file:///var/lib/s", "docker.io/library/busybox:1", &d,
					     3, &u, NULL),
			 0);
	snprintf(want, sizeof(want), "/var/lib/s/library/busybox@sha256=%s/signature-3",
		 ward_digest_hex(&d));
	assert_string_equal(u, want);
	free(u);
	assert_true(ward_lookaside_url("file:///x", "r.io/a:1", &d, 0, &u, &err) < 0);
	assert_non_null(strstr(err->msg, "numbered from 1"));
	ward_error_free(err);
	err = NULL;
	assert_true(ward_lookaside_path("https://x/y", "r.io/a:1", &d, 1, &u, &err) < 0);
	ward_error_free(err);
	err = NULL;
	assert_true(ward_lookaside_path("file:///srv/s/../../etc", "r.io/a:1", &d, 1, &u, &err) <
		    0);
	assert_non_null(strstr(err->msg, "\"..\""));
	ward_error_free(err);
	err = NULL;
	assert_true(ward_lookaside_path("file:///srv/%2e%2e/x", "r.io/a:1", &d, 1, &u, &err) < 0);
	ward_error_free(err);
	err = NULL;
	{
		struct ward_digest bad;

		memset(&bad, 0, sizeof(bad));
		strcpy(bad.s, "sha256:../../etc/passwd");
		assert_true(ward_lookaside_url("file:///x", "r.io/a:1", &bad, 1, &u, &err) < 0);
		ward_error_free(err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_most_specific_scope_per_setting),
		cmocka_unit_test(test_refusals_name_file_and_line),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_load_merges_one_directory),
		cmocka_unit_test(test_lookaside_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
