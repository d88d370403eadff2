/* SPDX-License-Identifier: Apache-2.0 */
/* Overlay snapshots: layers stack in order, writes land in the upper dir,
 * whiteouts hide lower files, hostile layer paths are refused. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include <ward/image.h>

static char base[64];

static void
path(char *buf, size_t n, const char *rel)
{
	snprintf(buf, n, "%s/%s", base, rel);
}

static void
put(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	path(p, sizeof(p), rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *
get(const char *rel)
{
	static char buf[256];
	char p[256];
	FILE *f;
	size_t n;

	path(p, sizeof(p), rel);
	f = fopen(p, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
setup(void **state)
{
	static const char *const dirs[] = {"l1", "l2", "upper", "work", "merged"};
	char p[256];

	(void)state;
	snprintf(base, sizeof(base), "/tmp/ward-snap-XXXXXX");
	if (!mkdtemp(base))
		return -1;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		path(p, sizeof(p), dirs[i]);
		if (mkdir(p, 0755) < 0)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128], p[256];

	(void)state;
	path(p, sizeof(p), "merged");
	(void)umount2(p, MNT_DETACH);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_layers_stack_and_writes_go_up(void **state)
{
	char l1[256], l2[256], up[256], wk[256], mg[256], wh[256];
	const char *lowers[2];
	struct ward_error *err = NULL;

	(void)state;
	if (getuid() != 0)
		skip();
	path(l1, sizeof(l1), "l1");
	path(l2, sizeof(l2), "l2");
	path(up, sizeof(up), "upper");
	path(wk, sizeof(wk), "work");
	path(mg, sizeof(mg), "merged");
	put("l1/a", "base\n");
	put("l1/gone", "x\n");
	put("l2/a", "top\n");
	/* An overlayfs whiteout (what unpack makes of .wh.gone) in the top layer. */
	path(wh, sizeof(wh), "l2/gone");
	assert_int_equal(mknod(wh, S_IFCHR | 0000, makedev(0, 0)), 0);
	lowers[0] = l2; /* top first */
	lowers[1] = l1;
	if (ward_snapshot_mount(lowers, 2, up, wk, mg, &err) < 0)
		fail_msg("%s", err->msg);
	assert_string_equal(get("merged/a"), "top\n");
	assert_null(get("merged/gone"));
	put("merged/new", "w\n");
	assert_string_equal(get("upper/new"), "w\n");
	assert_null(get("l1/new"));
	assert_null(get("l2/new"));
	assert_int_equal(ward_snapshot_unmount(mg, &err), 0);
	assert_null(get("merged/a"));
}

static void
test_hostile_layer_paths_are_refused(void **state)
{
	static const char *const bad[] = {"relative", "/a,upperdir=/etc", "/a:b", "/a\\b"};
	struct ward_error *err = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *lowers[] = {bad[i], "/tmp"};
		assert_true(ward_snapshot_mount(lowers, 2, NULL, NULL, "/nonexistent", &err) < 0);
		assert_non_null(strstr(err->msg, "overlay layer"));
		ward_error_free(err);
		err = NULL;
	}
	assert_true(ward_snapshot_mount(NULL, 0, NULL, NULL, "/x", &err) < 0);
	ward_error_free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layers_stack_and_writes_go_up, setup, teardown),
		cmocka_unit_test(test_hostile_layer_paths_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
