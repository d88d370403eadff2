/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward audit, CIS section 4 on image configs (4.1 USER, 4.2 origin, 4.6
 * HEALTHCHECK) with passing and failing variants and hostile configs, and
 * the host checks (H1..H9) on a tree made here: first laid out as ward
 * would, then loosened one file at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
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

#include <ward/audit.h>
#include <ward/registry.h>

static const struct ward_audit_finding *
find(const struct ward_audit_report *r, const char *id, bool passed)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].check->id, id) == 0 && r->v[i].passed == passed)
			return &r->v[i];
	return NULL;
}

static struct ward_audit_report *
image(const char *cfg, const char *ref, const struct ward_audit_opts *o)
{
	struct ward_audit_report *r = NULL;
	struct ward_error *err = NULL;

	assert_int_equal(ward_audit_report_new(&r, &err), 0);
	if (ward_audit_image_config(r, "image t", ref, cfg, strlen(cfg), o, &err) < 0)
		fail_msg("image config: %s", err->msg);
	return r;
}

static void
expect(const struct ward_audit_report *r, const char *id, bool passed, enum ward_audit_severity sev,
       const char *evidence)
{
	const struct ward_audit_finding *f = find(r, id, passed);

	if (!f)
		fail_msg("no %s entry for %s", passed ? "pass" : "fail", id);
	if (!passed && f->severity != sev)
		fail_msg("%s: severity %s, want %s", id, ward_audit_severity_name(f->severity),
			 ward_audit_severity_name(sev));
	if (evidence && !strstr(f->evidence, evidence))
		fail_msg("%s: evidence '%s' lacks '%s'", id, f->evidence, evidence);
	if (find(r, id, !passed) && strcmp(id, "4.10") != 0)
		fail_msg("%s both passed and failed", id);
}

static void
test_image_user_and_healthcheck(void **state)
{
	(void)state;
	struct ward_audit_report *r;
	static const struct {
		const char *cfg;
		bool user_ok, hc_ok;
		const char *user_ev, *hc_ev;
	} cases[] = {
		{"{\"config\":{\"User\":\"1000:1000\",\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]}"
		 "}}",
		 true, true, "\"1000:1000\"", "CMD"},
		{"{\"config\":{\"User\":\"app\",\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"curl "
		 "x\"]}}}",
		 true, true, "\"app\"", "CMD-SHELL"},
		{"{\"config\":{}}", false, false, "not set", "not set"},
		{"{\"config\":{\"User\":\"root\",\"Healthcheck\":{\"Test\":[\"NONE\"]}}}", false,
		 false, "root", "disabled (NONE)"},
		{"{\"config\":{\"User\":\"0:0\"}}", false, false, "root", NULL},
		{"{\"config\":{\"User\":\"\"}}", false, false, "empty", NULL},
		{"{\"config\":{\"User\":\"root:wheel\"}}", false, false, "root", NULL},
		/* Wrong types are findings, never errors. */
		{"{\"config\":{\"User\":5,\"Healthcheck\":\"yes\"}}", false, false, "not set",
		 NULL},
		{"{\"config\":[]}", false, false, NULL, NULL},
		{"{}", false, false, NULL, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = image(cases[i].cfg, "quay.io/org/app:1", NULL);
		expect(r, "4.1", cases[i].user_ok, WARD_AUDIT_MEDIUM, cases[i].user_ev);
		expect(r, "4.6", cases[i].hc_ok, WARD_AUDIT_LOW, cases[i].hc_ev);
		expect(r, "4.10", true, WARD_AUDIT_INFO, NULL);
		ward_audit_report_free(r);
	}
}

static void
test_image_origin(void **state)
{
	(void)state;
	static const char cfg[] = "{\"config\":{\"User\":\"app\"}}";
	static const char conf[] =
		"[[registry]]\nprefix = \"evil.example\"\nblocked = true\n"
		"[[registry]]\nlocation = \"plain.example:5000\"\ninsecure = true\n";
	struct ward_registries_conf *rc = NULL;
	struct ward_error *err = NULL;
	struct ward_audit_opts o = {0};
	struct ward_audit_report *r;

	r = image(cfg, "busybox:latest", NULL);
	expect(r, "4.2", false, WARD_AUDIT_INFO, "names no registry");
	ward_audit_report_free(r);
	r = image(cfg, "quay.io/org/app:1", NULL);
	expect(r, "4.2", false, WARD_AUDIT_INFO, "not pinned by digest");
	expect(r, "4.2", false, WARD_AUDIT_INFO, "no signature verified");
	ward_audit_report_free(r);
	r = image(
		cfg,
		"quay.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
		"abcdef",
		NULL);
	expect(r, "4.2", false, WARD_AUDIT_INFO, "pinned by digest");
	ward_audit_report_free(r);
	r = image(cfg, NULL, NULL);
	expect(r, "4.2", false, WARD_AUDIT_INFO, "unknown");
	ward_audit_report_free(r);
	/* registries.conf raises blocked and insecure registries. */
	assert_int_equal(ward_registries_conf_parse(conf, strlen(conf), "t.conf", &rc, &err), 0);
	o.registries_conf = rc;
	r = image(cfg, "evil.example/x:1", &o);
	expect(r, "4.2", false, WARD_AUDIT_HIGH, "blocks");
	ward_audit_report_free(r);
	/* A prefix matches at a boundary only. */
	r = image(cfg, "evil.example.org/x:1", &o);
	expect(r, "4.2", false, WARD_AUDIT_INFO, "registry evil.example.org");
	ward_audit_report_free(r);
	r = image(cfg, "plain.example:5000/x:1", &o);
	expect(r, "4.2", false, WARD_AUDIT_MEDIUM, "insecure");
	ward_audit_report_free(r);
	r = image(cfg, "localhost/ward/busybox:latest", &o);
	expect(r, "4.2", false, WARD_AUDIT_INFO, "registry localhost");
	ward_audit_report_free(r);
	ward_registries_conf_free(rc);
}

static void
test_hostile_image_configs(void **state)
{
	(void)state;
	struct ward_audit_report *r = NULL;
	struct ward_error *err = NULL;
	size_t n = WARD_AUDIT_CONFIG_MAX + 10, depth = 3000;
	char *big = malloc(n + 1), *deep = malloc(depth * 2 + 1);

	assert_non_null(big);
	assert_non_null(deep);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	assert_int_equal(ward_audit_report_new(&r, &err), 0);
	assert_true(ward_audit_image_config(r, "image t", NULL, big, n, NULL, &err) < 0);
	assert_int_equal(err->kind, WARD_E_DENIED);
	ward_error_free(err);
	err = NULL;
	for (size_t i = 0; i < depth; i++) {
		deep[i] = '[';
		deep[depth + i] = ']';
	}
	deep[2 * depth] = '\0';
	assert_true(ward_audit_image_config(r, "image t", NULL, deep, 2 * depth, NULL, &err) < 0);
	ward_error_free(err);
	err = NULL;
	assert_true(ward_audit_image_config(r, "image t", NULL, "\"str\"", 5, NULL, &err) < 0);
	assert_int_equal(err->kind, WARD_E_INVALID);
	ward_error_free(err);
	err = NULL;
	assert_true(ward_audit_image_config(r, "image t", NULL, "{\"a\":", 5, NULL, &err) < 0);
	ward_error_free(err);
	ward_audit_report_free(r);
	/* A history of 10000 entries and build args claiming a huge count. */
	{
		json_t *doc = json_pack("{s:{s:s}, s:[]}", "config", "User", "app", "history");
		json_t *h = json_object_get(doc, "history");
		char *text;
		for (int i = 0; i < 10000; i++)
			json_array_append_new(
				h, json_pack("{s:s}", "created_by",
					     i % 2 ? "|99999999999 A=b /bin/sh -c x" : "|3 X=1"));
		text = json_dumps(doc, 0);
		r = image(text, "quay.io/a/b:1", NULL);
		expect(r, "4.10", true, WARD_AUDIT_INFO, NULL);
		ward_audit_report_free(r);
		free(text);
		json_decref(doc);
	}
	free(big);
	free(deep);
}

/* ---- host ----------------------------------------------------------------- */

static char tmpl[] = "/tmp/ward-audit-host-XXXXXX";
static char base[64], root[128], run[128], etc[128], auth[128], bin[128], bindir[128];

static void
mk(const char *path, mode_t mode, bool dir, const char *text)
{
	if (dir) {
		assert_true(mkdir(path, mode) == 0 || errno == EEXIST);
	} else {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(text ? text : "", f);
		fclose(f);
	}
	assert_int_equal(chmod(path, mode), 0);
}

static void
make_host(void)
{
	char p[256];

	snprintf(base, sizeof(base), "%s", tmpl);
	assert_non_null(mkdtemp(base));
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(run, sizeof(run), "%s/run", base);
	snprintf(etc, sizeof(etc), "%s/etc", base);
	snprintf(auth, sizeof(auth), "%s/auth.json", base);
	snprintf(bindir, sizeof(bindir), "%s/bin", base);
	snprintf(bin, sizeof(bin), "%s/bin/ward", base);
	mk(root, 0700, true, NULL);
	snprintf(p, sizeof(p), "%s/blobs", root);
	mk(p, 0755, true, NULL);
	snprintf(p, sizeof(p), "%s/blobs/sha256", root);
	mk(p, 0755, true, NULL);
	snprintf(p, sizeof(p), "%s/layers", root);
	mk(p, 0700, true, NULL);
	snprintf(p, sizeof(p), "%s/containers", root);
	mk(p, 0700, true, NULL);
	snprintf(p, sizeof(p), "%s/ward.db", root);
	mk(p, 0600, false, "SQLite format 3");
	mk(run, 0700, true, NULL);
	mk(etc, 0755, true, NULL);
	snprintf(p, sizeof(p), "%s/policy.json", etc);
	mk(p, 0644, false, "{}");
	snprintf(p, sizeof(p), "%s/keys", etc);
	mk(p, 0755, true, NULL);
	snprintf(p, sizeof(p), "%s/keys/signing.key", etc);
	mk(p, 0600, false,
	   "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n");
	snprintf(p, sizeof(p), "%s/keys/signing.pub", etc);
	mk(p, 0644, false, "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n");
	mk(auth, 0600, false, "{\"auths\":{}}");
	mk(bindir, 0755, true, NULL);
	mk(bin, 0755, false, "#!/bin/sh\n");
}

static struct ward_audit_report *
host(void)
{
	char *bins[] = {bin, NULL};
	struct ward_audit_host_paths p = {
		.root = root, .run_root = run, .etc_dir = etc, .authfile = auth, .binaries = bins};
	struct ward_audit_report *r = NULL;
	struct ward_error *err = NULL;

	assert_int_equal(ward_audit_report_new(&r, &err), 0);
	if (ward_audit_host(r, &p, &err) < 0)
		fail_msg("host: %s", err->msg);
	return r;
}

static void
test_host_layout_as_ward_makes_it_passes(void **state)
{
	(void)state;
	struct ward_audit_report *r;

	if (geteuid() != 0)
		skip(); /* ownership by root is part of every check */
	make_host();
	r = host();
	for (size_t i = 0; i < r->n; i++)
		if (!r->v[i].passed)
			fail_msg("%s failed: %s", r->v[i].check->id, r->v[i].evidence);
	for (const char *const *id = (const char *const[]){"H1", "H2", "H3", "H4", "H5", "H6", "H7",
							   "H8", "H9", NULL};
	     *id; id++)
		if (!find(r, *id, true))
			fail_msg("no pass entry for %s", *id);
	expect(r, "H6", true, WARD_AUDIT_INFO, "1 private key");
	expect(r, "H7", true, WARD_AUDIT_INFO, "1 public key");
	ward_audit_report_free(r);
}

static void
test_host_each_loosened_file_fails(void **state)
{
	(void)state;
	static const struct {
		const char *rel; /* under base */
		mode_t mode;
		const char *id;
		enum ward_audit_severity sev;
		const char *evidence;
	} cases[] = {
		{"root", 0777, "H1", WARD_AUDIT_HIGH, "world-writable"},
		{"root/ward.db", 0644, "H2", WARD_AUDIT_MEDIUM, "readable by others"},
		{"root/ward.db", 0666, "H2", WARD_AUDIT_HIGH, "world-writable"},
		{"root/layers", 0775, "H3", WARD_AUDIT_HIGH, "group-writable"},
		{"auth.json", 0644, "H4", WARD_AUDIT_HIGH, "every user"},
		{"auth.json", 0640, "H4", WARD_AUDIT_HIGH, "the file's group"},
		{"etc", 0777, "H5", WARD_AUDIT_HIGH, "world-writable"},
		{"etc/policy.json", 0666, "H5", WARD_AUDIT_HIGH, "policy.json"},
		{"etc/keys/signing.key", 0644, "H6", WARD_AUDIT_CRITICAL, "mode 0644"},
		{"etc/keys/signing.pub", 0666, "H7", WARD_AUDIT_HIGH, "world-writable"},
		{"bin/ward", 0777, "H8", WARD_AUDIT_CRITICAL, "bin/ward"},
		{"bin", 0777, "H8", WARD_AUDIT_CRITICAL, "the directory of binary"},
		{"run", 0777, "H9", WARD_AUDIT_HIGH, "world-writable"},
	};

	if (geteuid() != 0)
		skip();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char p[256];
		struct stat st;
		struct ward_audit_report *r;
		snprintf(p, sizeof(p), "%s/%s", base, cases[i].rel);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(chmod(p, cases[i].mode), 0);
		r = host();
		print_message("# case %s %o\n", cases[i].rel, cases[i].mode);
		expect(r, cases[i].id, false, cases[i].sev, cases[i].evidence);
		assert_int_equal(chmod(p, st.st_mode & 07777), 0);
		ward_audit_report_free(r);
	}
	/* A world-writable file planted in the store's root is named. */
	{
		char p[256];
		struct ward_audit_report *r;
		snprintf(p, sizeof(p), "%s/root/planted", base);
		mk(p, 0666, false, "x");
		r = host();
		expect(r, "H3", false, WARD_AUDIT_HIGH, "root/planted");
		ward_audit_report_free(r);
		assert_int_equal(unlink(p), 0);
	}
	/* A file owned by another user in /etc/ward. */
	{
		char p[256];
		struct ward_audit_report *r;
		snprintf(p, sizeof(p), "%s/etc/roles.json", base);
		mk(p, 0644, false, "{}");
		assert_int_equal(chown(p, 1000, 1000), 0);
		r = host();
		expect(r, "H5", false, WARD_AUDIT_HIGH, "owner uid 1000 (not root)");
		ward_audit_report_free(r);
		assert_int_equal(unlink(p), 0);
	}
	/* Absent paths pass, saying so. */
	{
		char *bins[] = {NULL};
		struct ward_audit_host_paths hp = {.root = "/nonexistent/root",
						   .run_root = "/nonexistent/run",
						   .etc_dir = "/nonexistent/etc",
						   .authfile = "/nonexistent/auth.json",
						   .binaries = bins};
		struct ward_audit_report *r = NULL;
		struct ward_error *err = NULL;
		assert_int_equal(ward_audit_report_new(&r, &err), 0);
		assert_int_equal(ward_audit_host(r, &hp, &err), 0);
		assert_int_equal(ward_audit_count_failed(r, WARD_AUDIT_INFO), 0);
		expect(r, "H1", true, WARD_AUDIT_INFO, "does not exist");
		expect(r, "H9", true, WARD_AUDIT_INFO, "does not exist");
		ward_audit_report_free(r);
	}
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		assert_int_equal(system(cmd), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_user_and_healthcheck),
		cmocka_unit_test(test_image_origin),
		cmocka_unit_test(test_hostile_image_configs),
		cmocka_unit_test(test_host_layout_as_ward_makes_it_passes),
		cmocka_unit_test(test_host_each_loosened_file_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
