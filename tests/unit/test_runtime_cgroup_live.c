/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup module against this host's real cgroups (root only; skipped
 * otherwise): create with limits and check the files, move a forked child
 * in, freeze and thaw, list pids, update, destroy (every hierarchy checked),
 * failures that must leave nothing behind, the v1 devices controller and the
 * eBPF device filter on the unified hierarchy. Every cgroup is named
 * /ward-test-<pid>-<what> and removed even when a check fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/runtime.h>

#include "runtime/cgroup_internal.h"

/* ---- fixtures ------------------------------------------------------------- */

struct fixture {
	struct cgroup_host host;
	char name[96]; /* "/ward-test-<pid>-<n>" */
	pid_t child;   /* a sleeper, or -1 */
	int child_go;  /* write end: a byte releases the child */
	struct ward_cgroup *cg;
	char tmpdir[64];		 /* for device nodes, or "" */
	char extra_dir[CGROUP_PATH_MAX]; /* a raw cgroup directory to rmdir, or "" */
	bool restore_hugetlb;		 /* "+hugetlb" was added to the unified root */
};

static int counter;

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ward_error *err = NULL;

	if (!f)
		return -1;
	f->child = -1;
	f->child_go = -1;
	snprintf(f->name, sizeof(f->name), "/ward-test-%d-%d", (int)getpid(), ++counter);
	if (geteuid() == 0 && cgroup_host_detect(&f->host, &err) < 0) {
		ward_error_free(err);
		f->host.n = 0;
	}
	*state = f;
	return 0;
}

static void
reap(struct fixture *f)
{
	if (f->child > 0) {
		(void)kill(f->child, SIGKILL);
		(void)waitpid(f->child, NULL, 0);
		f->child = -1;
	}
	if (f->child_go >= 0) {
		close(f->child_go);
		f->child_go = -1;
	}
}

static void
rmdir_everywhere(const struct cgroup_host *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++) {
		char p[CGROUP_PATH_MAX];
		snprintf(p, sizeof(p), "%s%s", h->m[i].mount, name);
		(void)rmdir(p);
	}
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	/* Thaw first: a frozen task does not die on v1. */
	if (f->cg) {
		(void)ward_cgroup_freeze(f->cg, false, NULL);
	}
	reap(f);
	if (f->cg) {
		(void)ward_cgroup_destroy(f->cg, NULL);
		ward_cgroup_free(f->cg);
	}
	rmdir_everywhere(&f->host, f->name);
	if (f->extra_dir[0])
		(void)rmdir(f->extra_dir);
	if (f->restore_hugetlb) {
		const struct cgroup_mount *u = NULL;
		for (size_t i = 0; i < f->host.n; i++)
			if (f->host.m[i].v2)
				u = &f->host.m[i];
		if (u)
			(void)cgroup_write(u->mount, "cgroup.subtree_control", "-hugetlb", NULL);
	}
	if (f->tmpdir[0]) {
		char p[128];
		snprintf(p, sizeof(p), "%s/null", f->tmpdir);
		(void)unlink(p);
		snprintf(p, sizeof(p), "%s/zero", f->tmpdir);
		(void)unlink(p);
		snprintf(p, sizeof(p), "%s/made", f->tmpdir);
		(void)unlink(p);
		(void)rmdir(f->tmpdir);
	}
	cgroup_host_clear(&f->host);
	free(f);
	return 0;
}

static void
need_root(struct fixture *f)
{
	if (geteuid() != 0) {
		print_message("needs root\n");
		skip();
	}
	if (f->host.n == 0) {
		print_message("no cgroup hierarchy detected\n");
		skip();
	}
}

static bool
is_v1ish(const struct fixture *f)
{
	return f->host.layout != CGROUP_LAYOUT_V2;
}

static const struct cgroup_mount *
mount_of(const struct fixture *f, enum cgroup_ctrl c)
{
	for (size_t i = 0; i < f->host.n; i++) {
		if (f->host.layout == CGROUP_LAYOUT_V2 && f->host.m[i].v2)
			return &f->host.m[i];
		if (!f->host.m[i].v2 && (f->host.m[i].ctrls & CGROUP_BIT(c)))
			return &f->host.m[i];
	}
	return NULL;
}

static const struct cgroup_mount *
unified_mount(const struct fixture *f)
{
	for (size_t i = 0; i < f->host.n; i++)
		if (f->host.m[i].v2)
			return &f->host.m[i];
	return NULL;
}

/* A child that waits for one byte (or EOF), then runs fn (if any) and exits
 * with its result. */
static void
spawn(struct fixture *f, int (*fn)(const struct fixture *f))
{
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	f->child = fork();
	assert_true(f->child >= 0);
	if (f->child == 0) {
		char c;
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(0);
		_exit(fn ? fn(f) : 0);
	}
	close(p[0]);
	f->child_go = p[1];
}

static int
release_and_wait(struct fixture *f)
{
	int status = 0;

	assert_int_equal(write(f->child_go, "x", 1), 1);
	assert_int_equal(waitpid(f->child, &status, 0), f->child);
	f->child = -1;
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static struct ward_cgroup_resources *
resources(const char *text)
{
	struct ward_cgroup_resources *r = NULL;
	struct ward_error *err = NULL;
	json_t *j = NULL;

	assert_int_equal(ward_json_parse(text, strlen(text), "test", &j, &err), 0);
	if (ward_cgroup_resources_parse(j, "linux.resources", &r, &err) < 0) {
		print_error("%s\n", err->msg);
		fail();
	}
	json_decref(j);
	return r;
}

static void
create_or_fail(struct fixture *f, const char *path, const char *res_text, pid_t pid)
{
	struct ward_cgroup_resources *res = res_text ? resources(res_text) : NULL;
	struct ward_error *err = NULL;
	int r = ward_cgroup_create(path, "unused", res, pid, &f->cg, &err);

	ward_cgroup_resources_free(res);
	if (r < 0) {
		print_error("create %s: %s\n", path, err->msg);
		ward_error_free(err);
		fail();
	}
}

static char *
read_str(const char *dir, const char *file)
{
	char *s = NULL;
	struct ward_error *err = NULL;

	if (cgroup_read(dir, file, &s, &err) < 0) {
		print_error("%s\n", err->msg);
		fail();
	}
	s[strcspn(s, "\n")] = '\0';
	return s;
}

static void
assert_file(const char *dir, const char *file, const char *want)
{
	char *s = read_str(dir, file);

	if (strcmp(s, want) != 0) {
		print_error("%s/%s = '%s', want '%s'\n", dir, file, s, want);
		free(s);
		fail();
	}
	free(s);
}

static bool
dir_exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The dir of the cgroup in the hierarchy serving c. */
static const char *
cg_dir(const struct fixture *f, enum cgroup_ctrl c)
{
	const struct cgroup_hier *h = cgroup_find(f->cg, c);

	assert_non_null(h);
	return h->path;
}

static bool
procs_contains(const char *dir, pid_t pid)
{
	char *s = NULL, want[32];
	struct ward_error *err = NULL;
	bool found = false;

	assert_int_equal(cgroup_read(dir, "cgroup.procs", &s, &err), 0);
	snprintf(want, sizeof(want), "%d", (int)pid);
	for (char *tok = strtok(s, "\n"); tok; tok = strtok(NULL, "\n"))
		found |= strcmp(tok, want) == 0;
	free(s);
	return found;
}

/* ---- create, join, pids, stats, persistence, destroy ----------------------- */

static void
test_live_create_sets_limits_and_moves_the_process(void **state)
{
	struct fixture *f = *state;
	struct ward_error *err = NULL;
	pid_t *pids = NULL;
	size_t n = 0;
	json_t *st, *j;
	struct ward_cgroup *again = NULL;

	need_root(f);
	spawn(f, NULL);
	create_or_fail(f, f->name,
		       "{\"memory\":{\"limit\":67108864},\"pids\":{\"limit\":32},"
		       "\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000}}",
		       f->child);
	assert_int_equal(f->cg->layout, f->host.layout);
	assert_int_equal(f->cg->n, f->host.n);
	if (is_v1ish(f)) {
		assert_file(cg_dir(f, CGROUP_MEMORY), "memory.limit_in_bytes", "67108864");
		assert_file(cg_dir(f, CGROUP_PIDS), "pids.max", "32");
		assert_file(cg_dir(f, CGROUP_CPU), "cpu.shares", "512");
		assert_file(cg_dir(f, CGROUP_CPU), "cpu.cfs_quota_us", "50000");
		assert_file(cg_dir(f, CGROUP_CPU), "cpu.cfs_period_us", "100000");
	} else {
		const char *d = cgroup_unified(f->cg)->path;
		assert_file(d, "memory.max", "67108864");
		assert_file(d, "pids.max", "32");
		assert_file(d, "cpu.weight", "20");
		assert_file(d, "cpu.max", "50000 100000");
	}
	/* In every hierarchy, the unified one of a hybrid host included. */
	for (size_t i = 0; i < f->cg->n; i++) {
		char p[CGROUP_PATH_MAX];
		snprintf(p, sizeof(p), "%s%s", f->cg->h[i].mount, f->name);
		assert_string_equal(f->cg->h[i].path, p);
		assert_true(dir_exists(p));
		assert_true(procs_contains(p, f->child));
	}

	assert_int_equal(ward_cgroup_pids(f->cg, &pids, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], f->child);
	free(pids);

	st = ward_cgroup_stats(f->cg);
	assert_non_null(st);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(st, "memory"), "usage"), "limit")),
			 67108864);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(st, "pids"), "current")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "pids"), "limit")),
			 32);
	assert_true(json_is_integer(
		json_object_get(json_object_get(json_object_get(st, "cpu"), "usage"), "total")));
	json_decref(st);

	/* A later invocation finds the same cgroup from state.json. */
	j = ward_cgroup_to_json(f->cg);
	assert_non_null(j);
	assert_int_equal(ward_cgroup_from_json(j, &again, &err), 0);
	json_decref(j);
	assert_int_equal(again->n, f->cg->n);

	/* Busy while the child lives. */
	assert_true(ward_cgroup_destroy(again, &err) < 0);
	assert_non_null(strstr(err->msg, "processes are still in the cgroup"));
	ward_error_freep(&err);

	reap(f);
	assert_int_equal(ward_cgroup_destroy(again, &err), 0);
	for (size_t i = 0; i < f->host.n; i++) {
		char p[CGROUP_PATH_MAX];
		snprintf(p, sizeof(p), "%s%s", f->host.m[i].mount, f->name);
		if (dir_exists(p)) {
			print_error("%s left behind\n", p);
			fail();
		}
	}
	/* Destroying again is a no-op. */
	assert_int_equal(ward_cgroup_destroy(again, &err), 0);
	ward_cgroup_free(again);
}

static void
test_live_default_path_is_ward_id(void **state)
{
	struct fixture *f = *state;
	struct ward_error *err = NULL;
	char id[64], p[CGROUP_PATH_MAX];

	bool had_parent;

	need_root(f);
	snprintf(p, sizeof(p), "%s/ward", f->host.m[0].mount);
	had_parent = dir_exists(p);
	snprintf(id, sizeof(id), "ward-test-%d-default", (int)getpid());
	assert_int_equal(ward_cgroup_create(NULL, id, NULL, 0, &f->cg, &err), 0);
	snprintf(p, sizeof(p), "%s/ward/%s", f->host.m[0].mount, id);
	assert_string_equal(f->cg->h[0].path, p);
	assert_true(dir_exists(p));
	assert_int_equal(ward_cgroup_destroy(f->cg, &err), 0);
	assert_false(dir_exists(p));
	/* The shared parent stays (other containers live there). */
	snprintf(p, sizeof(p), "%s/ward", f->host.m[0].mount);
	assert_true(dir_exists(p));
	if (!had_parent)
		rmdir_everywhere(&f->host, "/ward"); /* ours: tidy up when empty */
}

static void
test_live_relative_path_is_below_own_cgroup(void **state)
{
	struct fixture *f = *state;
	struct ward_error *err = NULL;
	char rel[96];

	need_root(f);
	for (size_t i = 0; i < f->host.n; i++)
		if (!f->host.m[i].own)
			skip(); /* our own cgroup is not visible in some hierarchy */
	snprintf(rel, sizeof(rel), "%s", f->name + 1); /* drop the leading '/' */
	assert_int_equal(ward_cgroup_create(rel, "x", NULL, 0, &f->cg, &err), 0);
	for (size_t i = 0; i < f->cg->n; i++) {
		const struct cgroup_mount *m = &f->host.m[i];
		char p[CGROUP_PATH_MAX];
		snprintf(p, sizeof(p), "%s%s/%s", m->mount, strcmp(m->own, "/") ? m->own : "", rel);
		assert_string_equal(f->cg->h[i].path, p);
		assert_true(dir_exists(p));
	}
	assert_int_equal(ward_cgroup_destroy(f->cg, &err), 0);
	for (size_t i = 0; i < f->cg->n; i++)
		assert_false(dir_exists(f->cg->h[i].path));
}

static void
test_live_destroy_removes_nested_cgroups(void **state)
{
	struct fixture *f = *state;
	struct ward_error *err = NULL;
	char p[CGROUP_PATH_MAX];

	need_root(f);
	create_or_fail(f, f->name, NULL, 0);
	/* What a container with a cgroup namespace may create inside. */
	snprintf(p, sizeof(p), "%s/a", f->cg->h[0].path);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/a/b", f->cg->h[0].path);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(ward_cgroup_destroy(f->cg, &err), 0);
	assert_false(dir_exists(f->cg->h[0].path));
}

/* ---- freeze, update ------------------------------------------------------------ */

static void
test_live_freeze_and_thaw(void **state)
{
	struct fixture *f = *state;
	struct ward_error *err = NULL;
	const struct cgroup_hier *fz;

	need_root(f);
	spawn(f, NULL);
	create_or_fail(f, f->name, NULL, f->child);
	assert_int_equal(ward_cgroup_is_frozen(f->cg, &err), 0);
	assert_int_equal(ward_cgroup_freeze(f->cg, true, &err), 0);
	assert_int_equal(ward_cgroup_is_frozen(f->cg, &err), 1);
	fz = is_v1ish(f) ? cgroup_find(f->cg, CGROUP_FREEZER) : NULL;
	if (fz)
		assert_file(fz->path, "freezer.state", "FROZEN");
	else
		assert_file(cgroup_unified(f->cg)->path, "cgroup.freeze", "1");
	/* Freezing twice is fine. */
	assert_int_equal(ward_cgroup_freeze(f->cg, true, &err), 0);
	assert_int_equal(ward_cgroup_freeze(f->cg, false, &err), 0);
	assert_int_equal(ward_cgroup_is_frozen(f->cg, &err), 0);
	if (fz)
		assert_file(fz->path, "freezer.state", "THAWED");
	/* Thawed for real: the child runs and exits on request. */
	assert_int_equal(release_and_wait(f), 0);
}

static void
test_live_update_changes_limits(void **state)
{
	struct fixture *f = *state;
	struct ward_cgroup_resources *res;
	struct ward_error *err = NULL;
	const char *mem, *pids;

	need_root(f);
	spawn(f, NULL);
	create_or_fail(f, f->name, "{\"memory\":{\"limit\":67108864},\"pids\":{\"limit\":32}}",
		       f->child);
	res = resources("{\"memory\":{\"limit\":134217728},\"pids\":{\"limit\":-1}}");
	assert_int_equal(ward_cgroup_update(f->cg, res, &err), 0);
	ward_cgroup_resources_free(res);
	mem = is_v1ish(f) ? cg_dir(f, CGROUP_MEMORY) : cgroup_unified(f->cg)->path;
	pids = is_v1ish(f) ? cg_dir(f, CGROUP_PIDS) : cgroup_unified(f->cg)->path;
	assert_file(mem, is_v1ish(f) ? "memory.limit_in_bytes" : "memory.max", "134217728");
	assert_file(pids, "pids.max", "max");

	/* A bad value is refused naming the field; the old one stays. */
	res = resources("{\"cpu\":{\"cpus\":\"999\"}}");
	assert_true(ward_cgroup_update(f->cg, res, &err) < 0);
	assert_non_null(strstr(err->msg, "linux.resources.cpu.cpus"));
	ward_error_freep(&err);
	ward_cgroup_resources_free(res);
	assert_file(mem, is_v1ish(f) ? "memory.limit_in_bytes" : "memory.max", "134217728");
}

#define HOG_BYTES (16u << 20)

/* A child that, once in its cgroup, charges HOG_BYTES of locked anonymous
 * memory to it (neither reclaimable nor swappable), says so, and waits. */
static void
spawn_hog(struct fixture *f, int *ready)
{
	int go[2], done[2];

	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	assert_int_equal(pipe2(done, O_CLOEXEC), 0);
	f->child = fork();
	assert_true(f->child >= 0);
	if (f->child == 0) {
		char c = 0, *p;
		close(go[1]);
		close(done[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(0);
		p = malloc(HOG_BYTES);
		if (!p)
			_exit(1);
		memset(p, 1, HOG_BYTES);
		c = mlock(p, HOG_BYTES) == 0 ? 'L' : 'U';
		if (write(done[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(go[0]);
	close(done[1]);
	f->child_go = go[1];
	*ready = done[0];
}

static void
test_live_memory_limit_below_usage_is_explained(void **state)
{
	struct fixture *f = *state;
	struct ward_cgroup_resources *res;
	struct ward_error *err = NULL;
	int ready = -1;
	char c = 0;

	need_root(f);
	if (!is_v1ish(f))
		skip(); /* v2 reclaims or OOM-kills instead of refusing */
	spawn_hog(f, &ready);
	create_or_fail(f, f->name, NULL, f->child);
	assert_int_equal(write(f->child_go, "x", 1), 1);
	assert_int_equal(read(ready, &c, 1), 1);
	close(ready);
	if (c != 'L') {
		print_message("mlock refused: the kernel could swap the pages out\n");
		skip();
	}
	res = resources("{\"memory\":{\"limit\":4194304}}");
	assert_true(ward_cgroup_update(f->cg, res, &err) < 0);
	ward_cgroup_resources_free(res);
	assert_non_null(strstr(err->msg, "linux.resources.memory.limit: cannot set the memory "
					 "limit to 4194304 (current usage "));
	ward_error_freep(&err);
}

/* ---- failures leave nothing behind ---------------------------------------------- */

static char *
memory_line(pid_t pid)
{
	char p[64], *s = NULL, *line;
	struct ward_error *err = NULL;

	snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
	assert_int_equal(ward_fs_read_all(AT_FDCWD, p, 1 << 16, &s, NULL, &err), 0);
	line = strstr(s, ":memory:");
	if (!line)
		line = strstr(s, "0::");
	assert_non_null(line);
	line = strndup(line, strcspn(line, "\n"));
	free(s);
	return line;
}

static void
assert_nothing_left(const struct fixture *f)
{
	for (size_t i = 0; i < f->host.n; i++) {
		char p[CGROUP_PATH_MAX];
		snprintf(p, sizeof(p), "%s%s", f->host.m[i].mount, f->name);
		if (dir_exists(p)) {
			print_error("%s left behind\n", p);
			fail();
		}
	}
}

static void
test_live_bad_cpuset_fails_and_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct ward_cgroup_resources *res;
	struct ward_error *err = NULL;
	char *before, *after;

	need_root(f);
	if (!mount_of(f, CGROUP_CPUSET))
		skip();
	spawn(f, NULL);
	before = memory_line(f->child);
	res = resources("{\"memory\":{\"limit\":67108864},\"cpu\":{\"cpus\":\"999\"}}");
	assert_true(ward_cgroup_create(f->name, "x", res, f->child, &f->cg, &err) < 0);
	ward_cgroup_resources_free(res);
	assert_null(f->cg);
	assert_non_null(strstr(err->msg, "linux.resources.cpu.cpus"));
	ward_error_freep(&err);
	assert_nothing_left(f);
	/* The process is where it was. */
	after = memory_line(f->child);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void
test_live_unified_refused_when_not_v2(void **state)
{
	struct fixture *f = *state;
	struct ward_cgroup_resources *res;
	struct ward_error *err = NULL;

	need_root(f);
	if (!is_v1ish(f))
		skip();
	res = resources("{\"unified\":{\"memory.high\":\"100000\"}}");
	assert_true(ward_cgroup_create(f->name, "x", res, 0, &f->cg, &err) < 0);
	ward_cgroup_resources_free(res);
	assert_non_null(strstr(err->msg,
			       "linux.resources.unified: unified resources are only available on "
			       "cgroup v2"));
	assert_int_equal(err->kind, WARD_E_UNSUPPORTED);
	ward_error_freep(&err);
	assert_nothing_left(f);
}

static void
test_live_missing_controller_refused_naming_the_field(void **state)
{
	struct fixture *f = *state;
	struct ward_cgroup_resources *res;
	struct ward_error *err = NULL;

	need_root(f);
	if (!is_v1ish(f) || mount_of(f, CGROUP_HUGETLB))
		skip(); /* needs a host without a v1 hugetlb hierarchy (this one) */
	res = resources("{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":2097152}]}");
	assert_true(ward_cgroup_create(f->name, "x", res, 0, &f->cg, &err) < 0);
	ward_cgroup_resources_free(res);
	assert_non_null(strstr(err->msg, "linux.resources.hugepageLimits: the cgroup v1 'hugetlb' "
					 "controller is not mounted"));
	ward_error_freep(&err);
	assert_nothing_left(f);
}

static void
test_live_existing_busy_cgroup_is_refused(void **state)
{
	struct fixture *f = *state;
	struct ward_cgroup *other = NULL;
	struct ward_error *err = NULL;

	need_root(f);
	spawn(f, NULL);
	create_or_fail(f, f->name, NULL, f->child);
	assert_true(ward_cgroup_create(f->name, "x", NULL, 0, &other, &err) < 0);
	assert_int_equal(err->kind, WARD_E_EXISTS);
	assert_non_null(strstr(err->msg, "already has 1 process(es)"));
	ward_error_freep(&err);
	/* The first container's cgroup is untouched. */
	for (size_t i = 0; i < f->cg->n; i++)
		assert_true(procs_contains(f->cg->h[i].path, f->child));
}

static void
test_live_existing_empty_cgroup_is_reused(void **state)
{
	struct fixture *f = *state;
	struct ward_cgroup *first = NULL;
	struct ward_error *err = NULL;

	need_root(f);
	assert_int_equal(ward_cgroup_create(f->name, "x", NULL, 0, &first, &err), 0);
	create_or_fail(f, f->name, NULL, 0);
	ward_cgroup_free(first);
	/* Not made by the second create, but destroy removes it all the same. */
	assert_int_equal(ward_cgroup_destroy(f->cg, &err), 0);
	assert_nothing_left(f);
}

static void
test_live_control_file_name_is_not_a_cgroup(void **state)
{
	struct fixture *f = *state;
	struct ward_error *err = NULL;

	need_root(f);
	/* "/cgroup.procs" exists in every hierarchy root, as a file. */
	assert_true(ward_cgroup_create("/cgroup.procs", "x", NULL, 0, &f->cg, &err) < 0);
	assert_non_null(strstr(err->msg, "cgroup.procs"));
	assert_int_equal(err->errnum, ENOTDIR);
	ward_error_freep(&err);
	assert_null(f->cg);
}

/* ---- devices ---------------------------------------------------------------------- */

enum {
	DEV_NULL_OK = 1,
	DEV_ZERO_DENIED = 2,
	DEV_MKNOD_DENIED = 4,
	DEV_ZERO_OK = 8,
	DEV_NULL_DENIED = 16,
};

/* In the child, inside the cgroup: what it may open. */
static int
probe_devices(const struct fixture *f)
{
	char p[128];
	int r = 0, fd;

	snprintf(p, sizeof(p), "%s/null", f->tmpdir);
	fd = open(p, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		r |= DEV_NULL_OK;
		close(fd);
	} else if (errno == EPERM) {
		r |= DEV_NULL_DENIED;
	}
	snprintf(p, sizeof(p), "%s/zero", f->tmpdir);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		r |= DEV_ZERO_OK;
		close(fd);
	} else if (errno == EPERM) {
		r |= DEV_ZERO_DENIED;
	}
	snprintf(p, sizeof(p), "%s/made", f->tmpdir);
	if (mknod(p, S_IFCHR | 0600, makedev(1, 3)) < 0) {
		if (errno == EPERM)
			r |= DEV_MKNOD_DENIED;
	} else {
		(void)unlink(p);
	}
	return r;
}

static void
make_nodes(struct fixture *f)
{
	char p[128];

	snprintf(f->tmpdir, sizeof(f->tmpdir), "/tmp/ward-test-%d-dev-XXXXXX", (int)getpid());
	assert_non_null(mkdtemp(f->tmpdir));
	snprintf(p, sizeof(p), "%s/null", f->tmpdir);
	assert_int_equal(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);
	snprintf(p, sizeof(p), "%s/zero", f->tmpdir);
	assert_int_equal(mknod(p, S_IFCHR | 0666, makedev(1, 5)), 0);
}

static void
test_live_v1_devices_controller_enforces_rules(void **state)
{
	struct fixture *f = *state;
	struct ward_cgroup_resources *res;
	struct ward_error *err = NULL;
	int got;

	need_root(f);
	if (!is_v1ish(f) || !mount_of(f, CGROUP_DEVICES))
		skip();
	make_nodes(f);
	spawn(f, probe_devices);
	create_or_fail(
		f, f->name,
		"{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
		"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}]}",
		f->child);
	assert_file(cg_dir(f, CGROUP_DEVICES), "devices.list", "c 1:3 rw");
	got = release_and_wait(f);
	assert_int_equal(got, DEV_NULL_OK | DEV_ZERO_DENIED | DEV_MKNOD_DENIED);

	/* update: now /dev/zero and not /dev/null, no gap in between. */
	res = resources("{\"devices\":[{\"allow\":false},{\"allow\":true,\"type\":\"c\","
			"\"major\":1,\"minor\":5,\"access\":\"r\"}]}");
	assert_int_equal(ward_cgroup_update(f->cg, res, &err), 0);
	ward_cgroup_resources_free(res);
	assert_file(cg_dir(f, CGROUP_DEVICES), "devices.list", "c 1:5 r");
	spawn(f, probe_devices);
	assert_int_equal(ward_cgroup_enter(f->cg, f->child, &err), 0);
	got = release_and_wait(f);
	assert_int_equal(got, DEV_NULL_DENIED | DEV_ZERO_OK | DEV_MKNOD_DENIED);

	/* Back to allow-all. */
	res = resources("{\"devices\":[{\"allow\":true,\"access\":\"rwm\"}]}");
	assert_int_equal(ward_cgroup_update(f->cg, res, &err), 0);
	ward_cgroup_resources_free(res);
	assert_file(cg_dir(f, CGROUP_DEVICES), "devices.list", "a *:* rwm");
}

static uint32_t
attached_programs(int dirfd)
{
	union bpf_attr attr;
	uint32_t ids[8];

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)dirfd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
	attr.query.prog_cnt = 8;
	assert_int_equal(syscall(SYS_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)), 0);
	return attr.query.prog_cnt;
}

static void
apply_rules(int dirfd, const char *rules_json)
{
	struct ward_cgroup_resources *res = resources(rules_json);
	struct cgroup_devices_state st = {0};
	struct ward_error *err = NULL;

	assert_int_equal(cgroup_devices_emulate(res->devices, res->n_devices, "d", &st, &err), 0);
	if (cgroup_v2_devices_apply(dirfd, &st, "linux.resources.devices", &err) < 0) {
		print_error("%s\n", err->msg);
		fail();
	}
	cgroup_devices_state_clear(&st);
	ward_cgroup_resources_free(res);
}

static void
test_live_ebpf_device_filter_on_unified(void **state)
{
	struct fixture *f = *state;
	const struct cgroup_mount *u;
	struct ward_error *err = NULL;
	int dirfd, got;

	need_root(f);
	u = unified_mount(f);
	if (!u)
		skip();
	make_nodes(f);
	snprintf(f->extra_dir, sizeof(f->extra_dir), "%s%s", u->mount, f->name);
	assert_int_equal(mkdir(f->extra_dir, 0755), 0);
	dirfd = open(f->extra_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dirfd >= 0);

	/* deny all, then c 1:3 rw: /dev/null opens, /dev/zero and mknod fail. */
	apply_rules(dirfd, "{\"devices\":[{\"allow\":false},{\"allow\":true,\"type\":\"c\","
			   "\"major\":1,\"minor\":3,\"access\":\"rw\"}]}");
	assert_int_equal(attached_programs(dirfd), 1);
	spawn(f, probe_devices);
	assert_int_equal(cgroup_writef(f->extra_dir, "cgroup.procs", &err, "%d", (int)f->child), 0);
	got = release_and_wait(f);
	assert_int_equal(got, DEV_NULL_OK | DEV_ZERO_DENIED | DEV_MKNOD_DENIED);

	/* Replaced, not stacked: the old program is detached. */
	apply_rules(dirfd, "{\"devices\":[{\"allow\":false},{\"allow\":true,\"type\":\"c\","
			   "\"major\":1,\"minor\":5,\"access\":\"r\"}]}");
	assert_int_equal(attached_programs(dirfd), 1);
	spawn(f, probe_devices);
	assert_int_equal(cgroup_writef(f->extra_dir, "cgroup.procs", &err, "%d", (int)f->child), 0);
	got = release_and_wait(f);
	assert_int_equal(got, DEV_NULL_DENIED | DEV_ZERO_OK | DEV_MKNOD_DENIED);

	/* A deny list: everything but block devices and 1:5. */
	apply_rules(dirfd, "{\"devices\":[{\"allow\":true},{\"allow\":false,\"type\":\"c\","
			   "\"major\":1,\"minor\":5}]}");
	spawn(f, probe_devices);
	assert_int_equal(cgroup_writef(f->extra_dir, "cgroup.procs", &err, "%d", (int)f->child), 0);
	got = release_and_wait(f);
	assert_int_equal(got, DEV_NULL_OK | DEV_ZERO_DENIED);
	close(dirfd);
}

/* ---- the v2 code path on this host's unified hierarchy --------------------------- */

static void
test_live_v2_layout_on_unified_hierarchy(void **state)
{
	struct fixture *f = *state;
	const struct cgroup_mount *u;
	struct cgroup_host v2 = {.layout = CGROUP_LAYOUT_V2};
	struct ward_cgroup_resources *res;
	struct ward_error *err = NULL;
	pid_t *pids = NULL;
	size_t n = 0;
	char *ctrls = NULL, *sub = NULL;
	bool hugetlb;
	json_t *st;
	int got;

	need_root(f);
	u = unified_mount(f);
	if (!u || f->host.layout == CGROUP_LAYOUT_V2)
		skip(); /* a v2 host runs the other tests on v2 already */
	/* Only the unified hierarchy, as a pure v2 host would have it. */
	v2.m = (struct cgroup_mount *)u;
	v2.n = 1;
	assert_int_equal(cgroup_read(u->mount, "cgroup.controllers", &ctrls, &err), 0);
	assert_int_equal(cgroup_read(u->mount, "cgroup.subtree_control", &sub, &err), 0);
	hugetlb = strstr(ctrls, "hugetlb") != NULL;
	f->restore_hugetlb = hugetlb && !strstr(sub, "hugetlb");
	free(ctrls);
	free(sub);

	/* pids is a v1 controller here: absent from the unified hierarchy, so
	 * the v2 path must refuse it, naming the field, and leave nothing. */
	res = resources("{\"pids\":{\"limit\":10}}");
	assert_true(cgroup_create_on(&v2, f->name, "x", res, 0, &f->cg, &err) < 0);
	ward_cgroup_resources_free(res);
	assert_non_null(strstr(err->msg, "linux.resources.pids.limit"));
	assert_int_equal(err->kind, WARD_E_UNSUPPORTED);
	ward_error_freep(&err);
	{
		char p[CGROUP_PATH_MAX];
		snprintf(p, sizeof(p), "%s%s", u->mount, f->name);
		assert_false(dir_exists(p));
	}

	make_nodes(f);
	spawn(f, probe_devices);
	res = resources(hugetlb ? "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
				  "\"devices\":[{\"allow\":false},{\"allow\":true,\"type\":\"c\","
				  "\"major\":1,\"minor\":3}]}"
				: "{\"devices\":[{\"allow\":false},{\"allow\":true,\"type\":\"c\","
				  "\"major\":1,\"minor\":3}]}");
	if (cgroup_create_on(&v2, f->name, "x", res, f->child, &f->cg, &err) < 0) {
		print_error("%s\n", err->msg);
		fail();
	}
	ward_cgroup_resources_free(res);
	if (hugetlb)
		assert_file(f->cg->h[0].path, "hugetlb.2MB.max", "4194304");
	assert_true(procs_contains(f->cg->h[0].path, f->child));
	assert_int_equal(ward_cgroup_pids(f->cg, &pids, &n, &err), 0);
	assert_int_equal(n, 1);
	free(pids);

	assert_int_equal(ward_cgroup_freeze(f->cg, true, &err), 0);
	assert_int_equal(ward_cgroup_is_frozen(f->cg, &err), 1);
	assert_file(f->cg->h[0].path, "cgroup.freeze", "1");
	assert_int_equal(ward_cgroup_freeze(f->cg, false, &err), 0);
	assert_int_equal(ward_cgroup_is_frozen(f->cg, &err), 0);

	st = ward_cgroup_stats(f->cg);
	assert_true(json_is_integer(
		json_object_get(json_object_get(json_object_get(st, "cpu"), "usage"), "total")));
	json_decref(st);

	got = release_and_wait(f);
	/* No access given in the rule reads as "rwm": mknod of 1:3 works. */
	assert_int_equal(got, DEV_NULL_OK | DEV_ZERO_DENIED);
	assert_int_equal(ward_cgroup_destroy(f->cg, &err), 0);
	assert_false(dir_exists(f->cg->h[0].path));
}

/* Every line of /proc/self/cgroup names the cgroup at want. */
static bool
self_in_cgroup(const char *want)
{
	char buf[4096];
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *path = strchr(line, ':');
		path = path ? strchr(path + 1, ':') : NULL;
		if (!path || strcmp(path + 1, want) != 0)
			return false;
	}
	return true;
}

static void
test_live_process_attaches_itself_in_every_hierarchy(void **state)
{
	struct fixture *f = *state;
	struct ward_error *err = NULL;
	struct ward_cgroup_attach a;
	int status;
	pid_t pid;

	need_root(f);
	assert_int_equal(ward_cgroup_create(f->name, "x", NULL, 0, &f->cg, &err), 0);
	assert_int_equal(ward_cgroup_attach_open(f->cg, &a, &err), 0);
	assert_int_equal(a.n_v1 + (a.v2 >= 0), f->cg->n);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ward_error *cerr = NULL;
		if (ward_cgroup_attach_self(&a, false, &cerr) < 0)
			_exit(2);
		_exit(self_in_cgroup(f->name) && a.n_v1 == 0 && a.v2 < 0 ? 0 : 1);
	}
	ward_cgroup_attach_close(&a);
	assert_int_equal(a.v2, -1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The test process itself never moved. */
	assert_false(self_in_cgroup(f->name));
	assert_int_equal(ward_cgroup_destroy(f->cg, &err), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_live_create_sets_limits_and_moves_the_process,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_default_path_is_ward_id, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_live_process_attaches_itself_in_every_hierarchy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_relative_path_is_below_own_cgroup, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_live_destroy_removes_nested_cgroups, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_live_freeze_and_thaw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_update_changes_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_memory_limit_below_usage_is_explained,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_bad_cpuset_fails_and_leaves_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_unified_refused_when_not_v2, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_live_missing_controller_refused_naming_the_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_existing_busy_cgroup_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_live_existing_empty_cgroup_is_reused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_live_control_file_name_is_not_a_cgroup, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_live_v1_devices_controller_enforces_rules,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_ebpf_device_filter_on_unified, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_live_v2_layout_on_unified_hierarchy, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
