/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container store (src/runtime/ctr_db.c): records by id, name and unique
 * prefix, updates, deletes, the images containers keep alive, concurrent
 * handles, and a file that is 0600 and refuses a planted symlink.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/containers.h>

#define ID_A "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define ID_B "a1b2ffffe5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define ID_C "0c0c0c0ce5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define DIGEST_1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define DIGEST_2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

struct fixture {
	char dir[64];
	struct ward_ctr_db *db;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ward_error *err = NULL;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ward-ctrdb-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	if (ward_ctr_db_open(f->dir, true, &f->db, &err) < 0) {
		fprintf(stderr, "open: %s\n", err->msg);
		ward_error_free(err);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	struct ward_error *err = NULL;

	ward_ctr_db_close(f->db);
	if (ward_fs_remove_tree(AT_FDCWD, f->dir, &err) < 0)
		ward_error_free(err);
	free(f);
	return 0;
}

static struct ward_ctr_record
rec(const char *id, const char *name, const char *digest, int64_t created)
{
	return (struct ward_ctr_record){
		.id = (char *)id,
		.name = (char *)name,
		.image = digest ? (char *)"busybox:latest" : NULL,
		.image_digest = (char *)digest,
		.command = (char *)"[\"/bin/sh\",\"-c\",\"echo hi\"]",
		.bundle = (char *)"/var/lib/ward/containers/x",
		.log_path = (char *)"/var/lib/ward/containers/x/ctr.log",
		.status = WARD_CTR_CREATED,
		.created_ms = created,
		.spec_opts = (char *)"{\"rm\":false}",
	};
}

static void
insert_ok(struct ward_ctr_db *db, struct ward_ctr_record r)
{
	struct ward_error *err = NULL;
	int ret = ward_ctr_db_insert(db, &r, &err);

	if (ret < 0)
		fail_msg("insert %s: %s", r.id, err->msg);
}

/* Looking up `what` finds the record with id `want_id`. */
static void
check_get(struct ward_ctr_db *db, const char *what, const char *want_id)
{
	struct ward_ctr_record *r = NULL;
	struct ward_error *err = NULL;

	if (ward_ctr_db_get(db, what, &r, &err) < 0)
		fail_msg("get %s: %s", what, err->msg);
	assert_string_equal(r->id, want_id);
	ward_ctr_record_free(r);
}

/* Looking up `what` fails with `kind` and a message containing `needle`. */
static void
check_get_fails(struct ward_ctr_db *db, const char *what, enum ward_error_kind kind,
		const char *needle)
{
	struct ward_ctr_record *r = NULL;
	struct ward_error *err = NULL;

	assert_true(ward_ctr_db_get(db, what, &r, &err) < 0);
	assert_null(r);
	assert_non_null(err);
	assert_int_equal(err->kind, kind);
	assert_non_null(strstr(err->msg, needle));
	ward_error_free(err);
}

static void
test_ctrdb_insert_then_get_by_id_keeps_every_field(void **state)
{
	struct fixture *f = *state;
	struct ward_ctr_record in = rec(ID_A, "brave_turing", DIGEST_1, 1000), *out = NULL;
	struct ward_error *err = NULL;

	in.auto_remove = true;
	in.note = (char *)"hello";
	insert_ok(f->db, in);
	assert_int_equal(ward_ctr_db_get(f->db, ID_A, &out, &err), 0);
	assert_string_equal(out->name, "brave_turing");
	assert_string_equal(out->image, "busybox:latest");
	assert_string_equal(out->image_digest, DIGEST_1);
	assert_string_equal(out->command, in.command);
	assert_string_equal(out->bundle, in.bundle);
	assert_string_equal(out->log_path, in.log_path);
	assert_string_equal(out->spec_opts, in.spec_opts);
	assert_string_equal(out->note, "hello");
	assert_int_equal(out->status, WARD_CTR_CREATED);
	assert_int_equal(out->created_ms, 1000);
	assert_true(out->auto_remove);
	assert_int_equal(out->pid, 0);
	ward_ctr_record_free(out);
}

static void
test_ctrdb_get_by_name_and_unique_prefix(void **state)
{
	struct fixture *f = *state;

	insert_ok(f->db, rec(ID_A, "web", DIGEST_1, 1));
	insert_ok(f->db, rec(ID_C, "db", NULL, 2));
	check_get(f->db, "web", ID_A);
	check_get(f->db, "db", ID_C);
	check_get(f->db, "a1b2", ID_A);
	check_get(f->db, "0c", ID_C);
	check_get_fails(f->db, "nothere", WARD_E_NOTFOUND, "\"nothere\"");
	check_get_fails(f->db, "ff", WARD_E_NOTFOUND, "\"ff\"");
	/* LIKE wildcards in what the user typed must not match anything. */
	check_get_fails(f->db, "%", WARD_E_NOTFOUND, "\"%\"");
	check_get_fails(f->db, "a1b2%", WARD_E_NOTFOUND, "a1b2%");
	check_get_fails(f->db, "", WARD_E_INVALID, "container name or id");
}

static void
test_ctrdb_ambiguous_prefix_is_an_error(void **state)
{
	struct fixture *f = *state;

	insert_ok(f->db, rec(ID_A, "one", NULL, 1));
	insert_ok(f->db, rec(ID_B, "two", NULL, 2));
	check_get_fails(f->db, "a1b2", WARD_E_INVALID, "more than one container");
	check_get(f->db, "a1b2c", ID_A);
	check_get(f->db, "a1b2f", ID_B);
}

static void
test_ctrdb_name_matches_before_prefix(void **state)
{
	struct fixture *f = *state;

	/* A container named like a prefix of another's id: the name wins, as
	 * in podman. */
	insert_ok(f->db, rec(ID_A, "0c0c", NULL, 1));
	insert_ok(f->db, rec(ID_C, "other", NULL, 2));
	check_get(f->db, "0c0c", ID_A);
}

static void
test_ctrdb_duplicate_name_or_id_is_exists(void **state)
{
	struct fixture *f = *state;
	struct ward_ctr_record dup_name = rec(ID_B, "web", NULL, 2);
	struct ward_ctr_record dup_id = rec(ID_A, "other", NULL, 3);
	struct ward_error *err = NULL;

	insert_ok(f->db, rec(ID_A, "web", NULL, 1));
	assert_true(ward_ctr_db_insert(f->db, &dup_name, &err) < 0);
	assert_int_equal(err->kind, WARD_E_EXISTS);
	assert_non_null(strstr(err->msg, "\"web\" is already in use"));
	ward_error_free(TAKE_PTR(err));
	assert_true(ward_ctr_db_insert(f->db, &dup_id, &err) < 0);
	assert_int_equal(err->kind, WARD_E_EXISTS);
	assert_non_null(strstr(err->msg, ID_A));
	ward_error_free(err);
}

static void
test_ctrdb_update_changes_mutable_fields(void **state)
{
	struct fixture *f = *state;
	struct ward_ctr_record r = rec(ID_A, "web", NULL, 1), *out = NULL;
	struct ward_error *err = NULL;

	insert_ok(f->db, r);
	r.status = WARD_CTR_RUNNING;
	r.pid = 4242;
	r.monitor_pid = 4241;
	r.pid_start = 123456789;
	r.started_ms = 5000;
	assert_int_equal(ward_ctr_db_update(f->db, &r, &err), 0);
	assert_int_equal(ward_ctr_db_get(f->db, "web", &out, &err), 0);
	assert_int_equal(out->status, WARD_CTR_RUNNING);
	assert_int_equal(out->pid, 4242);
	assert_int_equal(out->monitor_pid, 4241);
	assert_int_equal(out->pid_start, 123456789);
	assert_int_equal(out->started_ms, 5000);
	ward_ctr_record_free(out);

	/* Compare-and-set: only from the expected status. */
	r.status = WARD_CTR_EXITED;
	r.exit_code = 7;
	r.finished_ms = 6000;
	assert_int_equal(ward_ctr_db_update_if(f->db, &r, WARD_CTR_CREATED, &err), 0);
	assert_int_equal(ward_ctr_db_update_if(f->db, &r, WARD_CTR_RUNNING, &err), 1);
	assert_int_equal(ward_ctr_db_get(f->db, ID_A, &out, &err), 0);
	assert_int_equal(out->status, WARD_CTR_EXITED);
	assert_int_equal(out->exit_code, 7);
	assert_int_equal(out->finished_ms, 6000);
	ward_ctr_record_free(out);

	r.id = (char *)ID_C;
	assert_true(ward_ctr_db_update(f->db, &r, &err) < 0);
	assert_int_equal(err->kind, WARD_E_NOTFOUND);
	ward_error_free(err);
}

static void
test_ctrdb_delete_then_get_fails(void **state)
{
	struct fixture *f = *state;
	struct ward_error *err = NULL;

	insert_ok(f->db, rec(ID_A, "web", NULL, 1));
	assert_int_equal(ward_ctr_db_delete(f->db, ID_A, &err), 0);
	check_get_fails(f->db, "web", WARD_E_NOTFOUND, "web");
	assert_true(ward_ctr_db_delete(f->db, ID_A, &err) < 0);
	assert_int_equal(err->kind, WARD_E_NOTFOUND);
	ward_error_free(err);
	/* The name is free again. */
	insert_ok(f->db, rec(ID_B, "web", NULL, 2));
}

static void
test_ctrdb_list_oldest_first_and_images_in_use(void **state)
{
	struct fixture *f = *state;
	struct ward_ctr_record **v = NULL;
	struct ward_error *err = NULL;
	char **digests = NULL;

	assert_int_equal(ward_ctr_db_list(f->db, &v, &err), 0);
	assert_null(v[0]);
	ward_ctr_record_list_free(v);
	assert_int_equal(ward_ctr_db_images_in_use(f->db, &digests, &err), 0);
	assert_null(digests[0]);
	ward_strv_free(digests);

	insert_ok(f->db, rec(ID_B, "second", DIGEST_2, 20));
	insert_ok(f->db, rec(ID_A, "first", DIGEST_1, 10));
	insert_ok(f->db, rec(ID_C, "third", DIGEST_2, 30));
	insert_ok(f->db, rec("dddd", "rootfs", NULL, 40));
	assert_int_equal(ward_ctr_db_list(f->db, &v, &err), 0);
	assert_string_equal(v[0]->name, "first");
	assert_string_equal(v[1]->name, "second");
	assert_string_equal(v[2]->name, "third");
	assert_string_equal(v[3]->name, "rootfs");
	assert_null(v[4]);
	ward_ctr_record_list_free(v);

	assert_int_equal(ward_ctr_db_images_in_use(f->db, &digests, &err), 0);
	assert_int_equal(ward_strv_length(digests), 2);
	assert_string_equal(digests[0], DIGEST_1);
	assert_string_equal(digests[1], DIGEST_2);
	ward_strv_free(digests);
}

static void
test_ctrdb_two_handles_see_each_other(void **state)
{
	struct fixture *f = *state;
	struct ward_ctr_db *other = NULL;
	struct ward_ctr_record r = rec(ID_A, "web", NULL, 1), *out = NULL;
	struct ward_error *err = NULL;

	assert_int_equal(ward_ctr_db_open(f->dir, false, &other, &err), 0);
	insert_ok(f->db, r);
	assert_int_equal(ward_ctr_db_get(other, "web", &out, &err), 0);
	ward_ctr_record_free(out);
	r.status = WARD_CTR_EXITED;
	r.exit_code = 3;
	assert_int_equal(ward_ctr_db_update(other, &r, &err), 0);
	assert_int_equal(ward_ctr_db_get(f->db, ID_A, &out, &err), 0);
	assert_int_equal(out->exit_code, 3);
	ward_ctr_record_free(out);
	ward_ctr_db_close(other);
}

/* Many processes inserting at once: the busy timeout serialises them, none
 * fails with "database is locked", every row arrives. */
static void
test_ctrdb_concurrent_writers_all_succeed(void **state)
{
	struct fixture *f = *state;
	struct ward_ctr_record **v = NULL;
	struct ward_error *err = NULL;
	enum { PROCS = 4, EACH = 25 };
	pid_t pids[PROCS];
	size_t n;

	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0) {
			struct ward_ctr_db *db = NULL;
			int bad = ward_ctr_db_open(f->dir, false, &db, &err) < 0;
			for (int i = 0; !bad && i < EACH; i++) {
				char id[32], name[32];
				snprintf(id, sizeof(id), "%02x%04x", p, i);
				snprintf(name, sizeof(name), "c_%d_%d", p, i);
				bad = ward_ctr_db_insert(
					      db,
					      &(struct ward_ctr_record){.id = id,
									.name = name,
									.command = (char *)"[]",
									.bundle = (char *)"/b",
									.created_ms = i},
					      &err) < 0;
			}
			if (bad && err)
				fprintf(stderr, "child %d: %s\n", p, err->msg);
			ward_ctr_db_close(db);
			_exit(bad);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int st = 0;
		assert_int_equal(waitpid(pids[p], &st, 0), pids[p]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	assert_int_equal(ward_ctr_db_list(f->db, &v, &err), 0);
	for (n = 0; v[n]; n++)
		;
	assert_int_equal(n, PROCS * EACH);
	ward_ctr_record_list_free(v);
}

static void
test_ctrdb_file_is_private_and_versioned(void **state)
{
	struct fixture *f = *state;
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/ward.db", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	{
		sqlite3 *db = NULL;
		sqlite3_stmt *q = NULL;
		assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(q, 0), 2);
		sqlite3_finalize(q);
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
		sqlite3_finalize(q);
		sqlite3_close(db);
	}
}

static void
test_ctrdb_refuses_symlinked_db_and_missing_without_create(void **state)
{
	struct fixture *f = *state;
	struct ward_ctr_db *db = NULL;
	struct ward_error *err = NULL;
	char sub[128], link[160];

	snprintf(sub, sizeof(sub), "%s/sub", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_true(ward_ctr_db_open(sub, false, &db, &err) < 0);
	assert_null(db);
	assert_int_equal(err->kind, WARD_E_NOTFOUND);
	ward_error_free(TAKE_PTR(err));

	/* An attacker's symlink at ward.db pointing at a file to clobber. */
	snprintf(link, sizeof(link), "%s/ward.db", sub);
	assert_int_equal(symlink("/etc/passwd", link), 0);
	assert_true(ward_ctr_db_open(sub, true, &db, &err) < 0);
	assert_null(db);
	assert_int_equal(err->errnum, ELOOP);
	ward_error_free(err);
}

/* Field 22 of /proc/<pid>/stat, as the monitor records it. */
static uint64_t
start_time_of(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;
	size_t n;
	int field = 2;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	for (p++; p && *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (sscanf(p, "%20llu", &v) != 1)
		return 0;
	return v;
}

static void
test_ctrdb_pid_alive_checks_start_time(void **state)
{
	uint64_t st = start_time_of(getpid());

	(void)state;
	assert_true(st > 0);
	assert_true(ward_ctr_pid_alive(getpid(), st));
	/* Same pid, another start time: a reused pid is not the container. */
	assert_false(ward_ctr_pid_alive(getpid(), st + 1));
	assert_false(ward_ctr_pid_alive(0, st));
	assert_false(ward_ctr_pid_alive(getpid(), 0));
}

static void
test_ctrdb_reconcile_dead_monitor_and_container_is_exited_minus_one(void **state)
{
	struct fixture *f = *state;
	struct ward_ctr_record r = rec(ID_A, "gone", NULL, 1), *out = NULL;
	struct ward_error *err = NULL;
	pid_t child = fork();
	uint64_t st;
	int status;

	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	st = start_time_of(child); /* may already be 0: gone either way */
	assert_int_equal(waitpid(child, &status, 0), child);
	r.status = WARD_CTR_RUNNING;
	r.pid = child;
	r.pid_start = st ? st : 12345;
	r.monitor_pid = child;
	r.monitor_start = st ? st : 12345;
	insert_ok(f->db, r);
	assert_int_equal(ward_ctr_db_get(f->db, "gone", &out, &err), 0);
	assert_int_equal(ward_ctr_reconcile(f->db, out, &err), 1);
	assert_int_equal(out->status, WARD_CTR_EXITED);
	assert_int_equal(out->exit_code, -1);
	assert_non_null(strstr(out->note, "exit code unknown"));
	ward_ctr_record_free(out);
	/* Written back: another process sees the same. */
	assert_int_equal(ward_ctr_db_get(f->db, "gone", &out, &err), 0);
	assert_int_equal(out->status, WARD_CTR_EXITED);
	assert_true(out->finished_ms > 0);
	ward_ctr_record_free(out);
}

static void
test_ctrdb_reconcile_live_monitor_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct ward_ctr_record r = rec(ID_A, "alive", NULL, 1), *out = NULL;
	struct ward_error *err = NULL;

	r.status = WARD_CTR_RUNNING;
	r.monitor_pid = getpid();
	r.monitor_start = start_time_of(getpid());
	insert_ok(f->db, r);
	assert_int_equal(ward_ctr_db_get(f->db, "alive", &out, &err), 0);
	assert_int_equal(ward_ctr_reconcile(f->db, out, &err), 0);
	assert_int_equal(out->status, WARD_CTR_RUNNING);
	ward_ctr_record_free(out);
}

static void
test_ctrdb_log_line_parse_table(void **state)
{
	static const struct {
		const char *line;
		int ok;
		bool is_stderr, partial;
		const char *text;
	} cases[] = {
		{"2026-12-02T05:00:00.123456789Z stdout F hello world", 1, false, false,
		 "hello world"},
		{"2026-12-02T05:00:00.123456789Z stderr P par", 1, true, true, "par"},
		{"2026-12-02T05:00:00.123456789Z stdout F ", 1, false, false, ""},
		{"2026-12-02T05:00:00.123456789Z stdout F", 1, false, false, ""},
		{"2026-12-02T05:00:00.123456789Z stdout F  two spaces", 1, false, false,
		 " two spaces"},
		{"2026-12-02T05:00:00.123456789Z stdin F x", 0, false, false, NULL},
		{"2026-12-02T05:00:00.123456789Z stdout X x", 0, false, false, NULL},
		{"2026-12-02T05:00:00.123456789Z stdout Fx", 0, false, false, NULL},
		{" stdout F x", 0, false, false, NULL},
		{"garbage", 0, false, false, NULL},
		{"", 0, false, false, NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ward_ctr_log_line l;
		int r = ward_ctr_log_parse_line(cases[i].line, strlen(cases[i].line), &l);
		if ((r == 0) != cases[i].ok)
			fail_msg("'%s': parse returned %d", cases[i].line, r);
		if (!cases[i].ok)
			continue;
		assert_int_equal(l.is_stderr, cases[i].is_stderr);
		assert_int_equal(l.partial, cases[i].partial);
		assert_int_equal(l.text_len, strlen(cases[i].text));
		assert_memory_equal(l.text, cases[i].text, l.text_len);
	}
}

static void
test_ctrdb_ids_and_names(void **state)
{
	struct fixture *f = *state;
	static const char *const good[] = {"web", "a", "Web-1.x_y", "0abc"};
	static const char *const bad[] = {"", "-web", "_x", "a/b", "a b", "../x", "é"};
	char id[WARD_CTR_ID_LEN + 1], id2[WARD_CTR_ID_LEN + 1];
	struct ward_error *err = NULL;
	char *name = NULL;

	assert_int_equal(ward_ctr_new_id(id, sizeof(id), &err), 0);
	assert_int_equal(ward_ctr_new_id(id2, sizeof(id2), &err), 0);
	assert_int_equal(strlen(id), 64);
	assert_int_equal(strspn(id, "0123456789abcdef"), 64);
	assert_string_not_equal(id, id2);
	assert_true(ward_ctr_new_id(id, 10, &err) < 0);
	ward_error_free(TAKE_PTR(err));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (ward_ctr_check_name(good[i], &err) < 0)
			fail_msg("'%s' refused: %s", good[i], err->msg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ward_ctr_check_name(bad[i], &err) == 0)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(err->kind, WARD_E_INVALID);
		ward_error_free(TAKE_PTR(err));
	}
	assert_int_equal(ward_ctr_new_name(f->db, &name, &err), 0);
	assert_non_null(strchr(name, '_'));
	assert_int_equal(ward_ctr_check_name(name, &err), 0);
	free(name);
}

/* Several processes opening a root that has no ward.db yet: one creates the
 * schema, none fails, every insert lands. */
static void
test_ctrdb_concurrent_first_open(void **state)
{
	char dir[64];
	struct ward_ctr_db *db = NULL;
	struct ward_ctr_record **v = NULL;
	struct ward_error *err = NULL;
	enum { PROCS = 4 };
	pid_t pids[PROCS];
	size_t n;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ward-ctrdb-XXXXXX");
	assert_non_null(mkdtemp(dir));
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0) {
			char id[32], name[32];
			int bad;
			snprintf(id, sizeof(id), "%02x", p);
			snprintf(name, sizeof(name), "first_%d", p);
			bad = ward_ctr_db_open(dir, true, &db, &err) < 0 ||
			      ward_ctr_db_insert(db,
						 &(struct ward_ctr_record){.id = id,
									   .name = name,
									   .command = (char *)"[]",
									   .bundle = (char *)"/b"},
						 &err) < 0;
			if (bad)
				fprintf(stderr, "child %d: %s\n", p, err ? err->msg : "?");
			ward_ctr_db_close(db);
			_exit(bad);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int st = 0;
		assert_int_equal(waitpid(pids[p], &st, 0), pids[p]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(ward_ctr_db_open(dir, false, &db, &err), 0);
	assert_int_equal(ward_ctr_db_list(db, &v, &err), 0);
	for (n = 0; v[n]; n++)
		;
	assert_int_equal(n, PROCS);
	ward_ctr_record_list_free(v);
	ward_ctr_db_close(db);
	if (ward_fs_remove_tree(AT_FDCWD, dir, &err) < 0)
		ward_error_free(err);
}

static void
test_ctrdb_kept_exit_and_v1_upgrade(void **state)
{
	struct fixture *f = *state;
	struct ward_ctr_db *db = NULL;
	struct ward_error *err = NULL;
	char path[128];
	sqlite3 *raw = NULL;
	int code = 0;

	assert_int_equal(ward_ctr_db_exit_get(f->db, ID_A, &code, &err), 0);
	assert_int_equal(ward_ctr_db_exit_save(f->db, ID_A, 42, 1000000000, &err), 0);
	assert_int_equal(ward_ctr_db_exit_get(f->db, ID_A, &code, &err), 1);
	assert_int_equal(code, 42);
	/* Ten minutes later the next save prunes it. */
	assert_int_equal(ward_ctr_db_exit_save(f->db, ID_B, 1, 1000000000 + 11 * 60 * 1000, &err),
			 0);
	assert_int_equal(ward_ctr_db_exit_get(f->db, ID_A, &code, &err), 0);

	/* A version 1 file (no exits table) is upgraded on open. */
	snprintf(path, sizeof(path), "%s/ward.db", f->dir);
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(raw, "DROP TABLE exits; PRAGMA user_version = 1;", NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(ward_ctr_db_open(f->dir, false, &db, &err), 0);
	assert_int_equal(ward_ctr_db_exit_save(db, ID_C, 3, 5, &err), 0);
	ward_ctr_db_close(db);
	/* A newer version than this ward knows is refused, not misread. */
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "PRAGMA user_version = 99;", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(raw);
	assert_true(ward_ctr_db_open(f->dir, false, &db, &err) < 0);
	assert_int_equal(err->kind, WARD_E_UNSUPPORTED);
	assert_non_null(strstr(err->msg, "99"));
	ward_error_free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ctrdb_insert_then_get_by_id_keeps_every_field,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctrdb_get_by_name_and_unique_prefix, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ctrdb_ambiguous_prefix_is_an_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ctrdb_name_matches_before_prefix, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ctrdb_duplicate_name_or_id_is_exists, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ctrdb_update_changes_mutable_fields, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ctrdb_delete_then_get_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctrdb_list_oldest_first_and_images_in_use,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctrdb_two_handles_see_each_other, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ctrdb_concurrent_writers_all_succeed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ctrdb_file_is_private_and_versioned, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_ctrdb_refuses_symlinked_db_and_missing_without_create, setup,
			teardown),
		cmocka_unit_test(test_ctrdb_pid_alive_checks_start_time),
		cmocka_unit_test_setup_teardown(
			test_ctrdb_reconcile_dead_monitor_and_container_is_exited_minus_one, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_ctrdb_reconcile_live_monitor_changes_nothing,
						setup, teardown),
		cmocka_unit_test(test_ctrdb_log_line_parse_table),
		cmocka_unit_test(test_ctrdb_concurrent_first_open),
		cmocka_unit_test_setup_teardown(test_ctrdb_kept_exit_and_v1_upgrade, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ctrdb_ids_and_names, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
