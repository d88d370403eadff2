/* SPDX-License-Identifier: Apache-2.0 */
/* `ward diff`'s walker on hand-made overlay trees: whiteouts are deletions,
 * opaque dirs modifications with added contents, paths the image has are
 * modifications, parents of additions and deletions are listed, symlinks are never followed,
 * and the walk is bounded. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>
/* cmocka needs the headers above first. */
#include <cmocka.h>

#include <ward/image.h>

struct tree {
	char base[64];
	int upper, lower[2]; /* lower[0] is the top layer */
};

static void
mk(const struct tree *t, const char *layer, const char *rel, char type)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s/%s", t->base, layer, rel);
	switch (type) {
	case 'd':
		assert_int_equal(mkdir(p, 0755), 0);
		break;
	case 'f': {
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fputs(rel, f);
		fclose(f);
		break;
	}
	case 'w': /* an overlayfs whiteout */
		assert_int_equal(mknod(p, S_IFCHR | 0, makedev(0, 0)), 0);
		break;
	case 'o': /* an opaque directory */
		assert_int_equal(mkdir(p, 0755), 0);
		assert_int_equal(setxattr(p, "trusted.overlay.opaque", "y", 1, 0), 0);
		break;
	default:
		fail();
	}
}

/* Copy-up keeps a directory's mtime: make upper's dir look like lower's. */
static void
same_time(const struct tree *t, const char *rel)
{
	char lo[512], up[512];
	struct stat st;

	snprintf(lo, sizeof(lo), "%s/lower1/%s", t->base, rel);
	snprintf(up, sizeof(up), "%s/upper/%s", t->base, rel);
	assert_int_equal(stat(lo, &st), 0);
	assert_int_equal(utimensat(AT_FDCWD, up, (struct timespec[]){st.st_atim, st.st_mtim}, 0),
			 0);
}

static int
open_dir(const struct tree *t, const char *name)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", t->base, name);
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -1;
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static int
setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (geteuid() != 0) {
		free(t);
		skip(); /* whiteouts need mknod, opaque dirs trusted.* xattrs */
	}
	snprintf(t->base, sizeof(t->base), "/tmp/ward-diff-XXXXXX");
	assert_non_null(mkdtemp(t->base));
	t->upper = open_dir(t, "upper");
	t->lower[0] = open_dir(t, "lower2");
	t->lower[1] = open_dir(t, "lower1");
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tree *t = *state;
	char cmd[128];

	close(t->upper);
	close(t->lower[0]);
	close(t->lower[1]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->base);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", t->base);
	free(t);
	return 0;
}

/* Expect exactly `want` ("C /etc", ...) in order. */
static void
check_changes(const struct tree *t, const char *const *want, size_t n_want)
{
	struct ward_change *v = NULL;
	struct ward_error *err = NULL;
	size_t n = 0;
	int r = ward_diff_overlay(t->upper, t->lower, 2, NULL, &v, &n, &err);

	if (r < 0)
		fail_msg("diff: %s", err->msg);
	for (size_t i = 0; i < n; i++)
		printf("# %c %s\n", ward_change_kind_letter(v[i].kind), v[i].path);
	assert_int_equal(n, n_want);
	for (size_t i = 0; i < n; i++) {
		char got[600];
		snprintf(got, sizeof(got), "%c %s", ward_change_kind_letter(v[i].kind), v[i].path);
		assert_string_equal(got, want[i]);
	}
	ward_changes_free(v, n);
}

static void
image(const struct tree *t)
{
	mk(t, "lower1", "etc", 'd');
	mk(t, "lower1", "etc/hosts", 'f');
	mk(t, "lower1", "etc/passwd", 'f');
	mk(t, "lower1", "gone", 'f');
	mk(t, "lower1", "old", 'd');
	mk(t, "lower1", "old/a", 'f');
	mk(t, "lower1", "var", 'd');
	mk(t, "lower1", "var/x", 'f');
	mk(t, "lower1", "opt", 'd');
	mk(t, "lower1", "opt/y", 'f');
	/* The top layer removed /var/x and replaced /opt by an opaque dir. */
	mk(t, "lower2", "var", 'd');
	mk(t, "lower2", "var/x", 'w');
	mk(t, "lower2", "opt", 'o');
}

static void
test_diff_kinds_and_parents(void **state)
{
	struct tree *t = *state;
	static const char *const want[] = {
		"C /etc",    "A /etc/new",    "C /etc/passwd",	 "D /gone",  "A /link",
		"A /newdir", "A /newdir/sub", "A /newdir/sub/f", "C /old",   "A /old/fresh",
		"C /opt",    "A /opt/y",      "C /var",		 "A /var/x",
	};

	image(t);
	/* /etc copied up (same mtime) for a new file and a modified one. */
	mk(t, "upper", "etc", 'd');
	mk(t, "upper", "etc/new", 'f');
	mk(t, "upper", "etc/passwd", 'f');
	same_time(t, "etc");
	mk(t, "upper", "gone", 'w');
	/* rm -rf /old; mkdir /old: an opaque dir. */
	mk(t, "upper", "old", 'o');
	mk(t, "upper", "old/fresh", 'f');
	mk(t, "upper", "newdir", 'd');
	mk(t, "upper", "newdir/sub", 'd');
	mk(t, "upper", "newdir/sub/f", 'f');
	/* /opt/y is hidden by the top layer's opaque /opt: creating it adds it. */
	mk(t, "upper", "opt", 'd');
	mk(t, "upper", "opt/y", 'f');
	/* /var/x is whited out by the top layer: recreating it adds it. */
	mk(t, "upper", "var", 'd');
	mk(t, "upper", "var/x", 'f');
	{
		char p[512];
		snprintf(p, sizeof(p), "%s/upper/link", t->base);
		assert_int_equal(symlink("/etc", p), 0);
	}
	check_changes(t, want, WARD_ARRAY_SIZE(want));
}

/* A symlink in the upper dir pointing at a directory the image has is an
 * addition: the walker never enters it, so nothing below it is reported. */
static void
test_diff_never_follows_symlinks(void **state)
{
	struct tree *t = *state;
	static const char *const want[] = {"C /etc", "A /etc/evil"};
	char p[512];

	image(t);
	mk(t, "upper", "etc", 'd');
	same_time(t, "etc");
	snprintf(p, sizeof(p), "%s/upper/etc/evil", t->base);
	assert_int_equal(symlink(t->base, p), 0); /* would loop back into upper */
	check_changes(t, want, WARD_ARRAY_SIZE(want));
}

/* A lower layer path through a symlink is not the image's path: with a
 * lower /lnk -> etc, an upper /lnk/hosts is added, not a modified
 * /etc/hosts; /lnk itself (a symlink in the image) is modified. */
static void
test_diff_lookups_stop_at_lower_symlinks(void **state)
{
	struct tree *t = *state;
	static const char *const want[] = {"C /lnk", "A /lnk/hosts"};
	char p[512];

	image(t);
	snprintf(p, sizeof(p), "%s/lower1/lnk", t->base);
	assert_int_equal(symlink("etc", p), 0);
	mk(t, "upper", "lnk", 'd');
	mk(t, "upper", "lnk/hosts", 'f');
	check_changes(t, want, WARD_ARRAY_SIZE(want));
}

/* A file changed in place under a directory copied up unchanged: only the
 * file (the parent rule is for additions and deletions). */
static void
test_diff_modified_file_alone(void **state)
{
	struct tree *t = *state;
	static const char *const want[] = {"C /etc/passwd"};

	image(t);
	mk(t, "upper", "etc", 'd');
	mk(t, "upper", "etc/passwd", 'f');
	same_time(t, "etc");
	check_changes(t, want, WARD_ARRAY_SIZE(want));
}

static void
test_diff_unchanged_is_empty(void **state)
{
	struct tree *t = *state;

	image(t);
	mk(t, "upper", "etc", 'd');
	same_time(t, "etc");
	check_changes(t, NULL, 0);
}

static void
test_diff_entry_limit(void **state)
{
	struct tree *t = *state;
	struct ward_diff_limits lim = {.max_entries = 5};
	struct ward_change *v = NULL;
	struct ward_error *err = NULL;
	size_t n = 0;
	char name[32];

	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		mk(t, "upper", name, 'f');
	}
	assert_int_equal(ward_diff_overlay(t->upper, t->lower, 2, &lim, &v, &n, &err), -EINVAL);
	assert_int_equal(err->kind, WARD_E_DENIED);
	assert_non_null(strstr(err->msg, "more than 5 entries"));
	assert_null(v);
	ward_error_free(err);
}

static void
test_diff_depth_limit(void **state)
{
	struct tree *t = *state;
	struct ward_diff_limits lim = {.max_depth = 3};
	struct ward_change *v = NULL;
	struct ward_error *err = NULL;
	size_t n = 0;

	mk(t, "upper", "a", 'd');
	mk(t, "upper", "a/b", 'd');
	mk(t, "upper", "a/b/c", 'd');
	assert_int_equal(ward_diff_overlay(t->upper, t->lower, 2, &lim, &v, &n, &err), 0);
	ward_changes_free(v, n);
	mk(t, "upper", "a/b/c/d", 'd');
	assert_true(ward_diff_overlay(t->upper, t->lower, 2, &lim, &v, &n, &err) < 0);
	assert_int_equal(err->kind, WARD_E_DENIED);
	assert_non_null(strstr(err->msg, "'/a/b/c/d' is deeper than 3"));
	ward_error_free(err);
}

static void
test_change_letters(void **state)
{
	(void)state;
	assert_int_equal(ward_change_kind_letter(WARD_CHANGE_MODIFIED), 'C');
	assert_int_equal(ward_change_kind_letter(WARD_CHANGE_ADDED), 'A');
	assert_int_equal(ward_change_kind_letter(WARD_CHANGE_DELETED), 'D');
}

static void
test_lower_dirs_rejects_bad_digest(void **state)
{
	struct ward_error *err = NULL;
	char **dirs = NULL;

	(void)state;
	assert_true(ward_image_lower_dirs("/nonexistent", "sha256:xyz", &dirs, &err) < 0);
	assert_non_null(strstr(err->msg, "sha256:xyz"));
	assert_null(dirs);
	ward_error_free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_diff_kinds_and_parents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_never_follows_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_lookups_stop_at_lower_symlinks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_diff_modified_file_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_unchanged_is_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_entry_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_depth_limit, setup, teardown),
		cmocka_unit_test(test_change_letters),
		cmocka_unit_test(test_lower_dirs_rejects_bad_digest),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
