/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine's container records in sqlite (<root>/ward.db).
 *
 * Every ward process (run, its monitor, ps, rm...) opens its own handle:
 * WAL lets readers proceed while a writer commits, the busy timeout makes
 * two writers queue instead of failing, and each change is one statement
 * (one implicit transaction). Every value goes through a bound parameter:
 * names and commands come from users and images.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <ward/containers.h>

#define CTR_DB_FILE "ward.db"
#define CTR_DB_SCHEMA 2
#define CTR_DB_EXIT_KEEP_MS (10 * 60 * 1000) /* how long an --rm exit is kept for wait */
#define CTR_DB_BUSY_MS 10000
/* The first connection of every ward process rebuilds the WAL index by
 * reading the whole WAL (the shared-memory index of a process that exited is
 * not trusted): with sqlite's default of 1000 pages that is up to 4 MB read
 * and checksummed per command, 1.3 ms of a 3.6 ms `ward ps`. 128 pages keep
 * that under 0.2 ms; the checkpoint (two fdatasyncs) then comes every few
 * container starts instead of every command. */
#define CTR_DB_WAL_PAGES 128
#define WAL_STR_(x) #x
#define WAL_STR(x) WAL_STR_(x)
#define WAL_PAGES_STR WAL_STR(CTR_DB_WAL_PAGES)
#define CTR_DB_MAX_ROWS 100000 /* refuse to load past this many records */

struct ward_ctr_db {
	sqlite3 *db;
	char *path;
};

static const char *const status_names[] = {
	[WARD_CTR_CREATED] = "created",
	[WARD_CTR_RUNNING] = "running",
	[WARD_CTR_PAUSED] = "paused",
	[WARD_CTR_EXITED] = "exited",
};

const char *
ward_ctr_status_name(enum ward_ctr_status s)
{
	if ((unsigned)s >= WARD_ARRAY_SIZE(status_names))
		return "unknown";
	return status_names[s];
}

static const char schema_v1[] =
	"CREATE TABLE IF NOT EXISTS containers ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" name TEXT NOT NULL UNIQUE,"
	" image TEXT,"
	" image_digest TEXT,"
	" command TEXT NOT NULL,"
	" bundle TEXT NOT NULL,"
	" log_path TEXT,"
	" status INTEGER NOT NULL,"
	" pid INTEGER NOT NULL DEFAULT 0,"
	" monitor_pid INTEGER NOT NULL DEFAULT 0,"
	" exit_code INTEGER NOT NULL DEFAULT 0,"
	" created_ms INTEGER NOT NULL,"
	" started_ms INTEGER NOT NULL DEFAULT 0,"
	" finished_ms INTEGER NOT NULL DEFAULT 0,"
	" auto_remove INTEGER NOT NULL DEFAULT 0,"
	" spec_opts TEXT,"
	" pid_start INTEGER NOT NULL DEFAULT 0,"
	" monitor_start INTEGER NOT NULL DEFAULT 0,"
	" note TEXT);"
	"CREATE INDEX IF NOT EXISTS containers_image ON containers(image_digest);"
	"PRAGMA user_version = 1;";

/* v2: the exit codes of containers already removed (--rm), for `wait`. */
static const char schema_v2[] = "CREATE TABLE IF NOT EXISTS exits ("
				" id TEXT PRIMARY KEY NOT NULL,"
				" exit_code INTEGER NOT NULL,"
				" finished_ms INTEGER NOT NULL);"
				"PRAGMA user_version = 2;";

static int
db_fail(struct ward_ctr_db *db, struct ward_error **err, int rc, const char *what)
{
	int errnum = rc == SQLITE_BUSY || rc == SQLITE_LOCKED	  ? EBUSY
		     : rc == SQLITE_NOMEM			  ? ENOMEM
		     : rc == SQLITE_READONLY || rc == SQLITE_PERM ? EACCES
		     : rc == SQLITE_FULL			  ? ENOSPC
								  : EIO;
	return ward_error_set(err, errnum, "%s: %s: %s", db ? db->path : CTR_DB_FILE, what,
			      db && db->db ? sqlite3_errmsg(db->db) : sqlite3_errstr(rc));
}

static int
exec_sql(struct ward_ctr_db *db, const char *sql, const char *what, struct ward_error **err)
{
	int rc = sqlite3_exec(db->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_fail(db, err, rc, what);
}

static int
prepare(struct ward_ctr_db *db, const char *sql, sqlite3_stmt **ret, struct ward_error **err)
{
	int rc = sqlite3_prepare_v2(db->db, sql, -1, ret, NULL);

	return rc == SQLITE_OK ? 0 : db_fail(db, err, rc, "prepare");
}

static void
finalizep(sqlite3_stmt **st)
{
	if (*st)
		(void)sqlite3_finalize(*st);
}
#define _cleanup_stmt_ _cleanup_(finalizep)

static int
user_version(struct ward_ctr_db *db, int *ret, struct ward_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r, rc;

	if ((r = prepare(db, "PRAGMA user_version", &st, err)) < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, err, rc, "read schema version");
	*ret = sqlite3_column_int(st, 0);
	return 0;
}

/* Create the schema once; BEGIN IMMEDIATE so two first opens race safely. */
static int
migrate(struct ward_ctr_db *db, struct ward_error **err)
{
	int v = 0, r;

	if ((r = user_version(db, &v, err)) < 0)
		return r;
	if (v == CTR_DB_SCHEMA)
		return 0;
	if (v > CTR_DB_SCHEMA)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
				       "%s: schema version %d is newer than this ward knows (%d); "
				       "use the ward that wrote it",
				       db->path, v, CTR_DB_SCHEMA);
	if ((r = exec_sql(db, "BEGIN IMMEDIATE", "begin", err)) < 0)
		return r;
	if ((r = user_version(db, &v, err)) < 0)
		goto rollback;
	/* Each step takes the schema one version up, in one transaction. */
	if (v < 1 && (r = exec_sql(db, schema_v1, "create schema", err)) < 0)
		goto rollback;
	if (v < 2 && (r = exec_sql(db, schema_v2, "upgrade schema to 2", err)) < 0)
		goto rollback;
	return exec_sql(db, "COMMIT", "commit schema", err);
rollback:
	(void)sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/* Switching a new file to WAL takes an exclusive lock and sqlite does not
 * call the busy handler for it: two first opens at once retry briefly. */
static int
set_wal(struct ward_ctr_db *db, struct ward_error **err)
{
	int rc = SQLITE_OK;

	for (int i = 0; i < 200; i++) {
		rc = sqlite3_exec(db->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		(void)usleep(10000);
	}
	return rc == SQLITE_OK ? 0 : db_fail(db, err, rc, "journal mode");
}

/* Create the file ourselves first so it is 0600 from its first byte (sqlite
 * would use 0644 less umask); the -wal and -shm files copy its mode. A
 * symlink planted at ward.db is refused (O_NOFOLLOW), not written through. */
static int
precreate(const char *path, bool create, struct ward_error **err)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);

	if (fd < 0)
		return errno == ENOENT
			       ? ward_error_setk(err, WARD_E_NOTFOUND, ENOENT, "open '%s'", path)
			       : ward_error_set(err, errno, "open '%s'", path);
	(void)close(fd);
	return 0;
}

int
ward_ctr_db_open(const char *root, bool create, struct ward_ctr_db **ret, struct ward_error **err)
{
	struct ward_ctr_db *db;
	int r, rc;

	if (!root || !*root)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "container store: no root");
	if (create && (r = ward_fs_mkdir_p(root, 0700, err)) < 0)
		return r;
	db = calloc(1, sizeof(*db));
	if (!db || !(db->path = ward_strdup_printf("%s/%s", root, CTR_DB_FILE))) {
		free(db);
		return ward_error_set(err, ENOMEM, "container store");
	}
	if ((r = precreate(db->path, create, err)) < 0)
		goto fail;
	rc = sqlite3_open_v2(db->path, &db->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
			     NULL);
	if (rc != SQLITE_OK) {
		r = db_fail(db, err, rc, "open");
		goto fail;
	}
	(void)sqlite3_extended_result_codes(db->db, 0);
	/* Every ward command closes its handle at exit; by default the last one
	 * to close checkpoints the WAL into the db, two fdatasyncs per command
	 * (tens of ms on a busy disk). The WAL is checkpointed by sqlite's
	 * auto-checkpoint instead (CTR_DB_WAL_PAGES); commits stay atomic and,
	 * with synchronous=NORMAL, the db is consistent after a crash. */
	(void)sqlite3_db_config(db->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	rc = sqlite3_busy_timeout(db->db, CTR_DB_BUSY_MS);
	if (rc != SQLITE_OK) {
		r = db_fail(db, err, rc, "busy timeout");
		goto fail;
	}
	if ((r = set_wal(db, err)) < 0 ||
	    (r = exec_sql(db, "PRAGMA synchronous=NORMAL", "synchronous", err)) < 0 ||
	    (r = exec_sql(db, "PRAGMA wal_autocheckpoint=" WAL_PAGES_STR, "wal_autocheckpoint",
			  err)) < 0 ||
	    (r = exec_sql(db, "PRAGMA foreign_keys=ON", "foreign keys", err)) < 0 ||
	    (r = migrate(db, err)) < 0)
		goto fail;
	*ret = db;
	return 0;
fail:
	ward_ctr_db_close(db);
	return r;
}

void
ward_ctr_db_close(struct ward_ctr_db *db)
{
	if (!db)
		return;
	if (db->db)
		(void)sqlite3_close_v2(db->db);
	free(db->path);
	free(db);
}

/* ---- records ------------------------------------------------------------ */

void
ward_ctr_record_free(struct ward_ctr_record *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->name);
	free(r->image);
	free(r->image_digest);
	free(r->command);
	free(r->bundle);
	free(r->log_path);
	free(r->spec_opts);
	free(r->note);
	free(r);
}

void
ward_ctr_record_list_free(struct ward_ctr_record **v)
{
	if (!v)
		return;
	for (size_t i = 0; v[i]; i++)
		ward_ctr_record_free(v[i]);
	free(v);
}

static int
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

/* A column as a fresh string; NULL stays NULL. -ENOMEM on failure. */
static int
col_dup(sqlite3_stmt *st, int i, char **ret)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	*ret = NULL;
	if (!t)
		return sqlite3_errcode(sqlite3_db_handle(st)) == SQLITE_NOMEM ? -ENOMEM : 0;
	*ret = strdup((const char *)t);
	return *ret ? 0 : -ENOMEM;
}

#define SELECT_COLS                                                                             \
	"SELECT id, name, image, image_digest, command, bundle, log_path, status, pid, "        \
	"monitor_pid, exit_code, created_ms, started_ms, finished_ms, auto_remove, spec_opts, " \
	"pid_start, monitor_start, note FROM containers "

static int
row_to_record(sqlite3_stmt *st, struct ward_ctr_record **ret, struct ward_error **err)
{
	struct ward_ctr_record *r = calloc(1, sizeof(*r));
	int status;

	if (!r)
		return ward_error_set(err, ENOMEM, "container record");
	if (col_dup(st, 0, &r->id) < 0 || col_dup(st, 1, &r->name) < 0 ||
	    col_dup(st, 2, &r->image) < 0 || col_dup(st, 3, &r->image_digest) < 0 ||
	    col_dup(st, 4, &r->command) < 0 || col_dup(st, 5, &r->bundle) < 0 ||
	    col_dup(st, 6, &r->log_path) < 0 || col_dup(st, 15, &r->spec_opts) < 0 ||
	    col_dup(st, 18, &r->note) < 0 || !r->id || !r->name) {
		ward_ctr_record_free(r);
		return ward_error_set(err, ENOMEM, "container record");
	}
	status = sqlite3_column_int(st, 7);
	/* A value no ward wrote (hand-edited db) reads as exited, never as a
	 * state that would let commands act on a process. */
	r->status = status >= WARD_CTR_CREATED && status <= WARD_CTR_EXITED
			    ? (enum ward_ctr_status)status
			    : WARD_CTR_EXITED;
	r->pid = (pid_t)sqlite3_column_int64(st, 8);
	r->monitor_pid = (pid_t)sqlite3_column_int64(st, 9);
	r->exit_code = sqlite3_column_int(st, 10);
	r->created_ms = sqlite3_column_int64(st, 11);
	r->started_ms = sqlite3_column_int64(st, 12);
	r->finished_ms = sqlite3_column_int64(st, 13);
	r->auto_remove = sqlite3_column_int(st, 14) != 0;
	r->pid_start = (uint64_t)sqlite3_column_int64(st, 16);
	r->monitor_start = (uint64_t)sqlite3_column_int64(st, 17);
	if (r->pid < 0)
		r->pid = 0;
	if (r->monitor_pid < 0)
		r->monitor_pid = 0;
	*ret = r;
	return 0;
}

static int
check_record(const struct ward_ctr_record *r, struct ward_error **err)
{
	if (!r || !r->id || !*r->id || !r->name || !*r->name || !r->command || !r->bundle)
		return ward_error_setk(
			err, WARD_E_INVALID, EINVAL,
			"container record: id, name, command and bundle are required");
	if ((unsigned)r->status > WARD_CTR_EXITED)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "container %s: invalid status %d", r->id, (int)r->status);
	return 0;
}

int
ward_ctr_db_insert(struct ward_ctr_db *db, const struct ward_ctr_record *r, struct ward_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int rc, ret;

	if ((ret = check_record(r, err)) < 0)
		return ret;
	if ((ret = prepare(
		     db,
		     "INSERT INTO containers (id, name, image, image_digest, command, bundle, "
		     "log_path, status, pid, monitor_pid, exit_code, created_ms, started_ms, "
		     "finished_ms, auto_remove, spec_opts, pid_start, monitor_start, note) "
		     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
		     "?16, ?17, ?18, ?19)",
		     &st, err)) < 0)
		return ret;
	bind_text(st, 1, r->id);
	bind_text(st, 2, r->name);
	bind_text(st, 3, r->image);
	bind_text(st, 4, r->image_digest);
	bind_text(st, 5, r->command);
	bind_text(st, 6, r->bundle);
	bind_text(st, 7, r->log_path);
	sqlite3_bind_int(st, 8, (int)r->status);
	sqlite3_bind_int64(st, 9, r->pid);
	sqlite3_bind_int64(st, 10, r->monitor_pid);
	sqlite3_bind_int(st, 11, r->exit_code);
	sqlite3_bind_int64(st, 12, r->created_ms);
	sqlite3_bind_int64(st, 13, r->started_ms);
	sqlite3_bind_int64(st, 14, r->finished_ms);
	sqlite3_bind_int(st, 15, r->auto_remove);
	bind_text(st, 16, r->spec_opts);
	sqlite3_bind_int64(st, 17, (sqlite3_int64)r->pid_start);
	sqlite3_bind_int64(st, 18, (sqlite3_int64)r->monitor_start);
	bind_text(st, 19, r->note);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT) {
		const char *msg = sqlite3_errmsg(db->db);
		if (strstr(msg, "containers.name"))
			return ward_error_setk(err, WARD_E_EXISTS, EEXIST,
					       "the container name \"%s\" is already in use; "
					       "remove that container (ward rm %s) or choose "
					       "another --name",
					       r->name, r->name);
		return ward_error_setk(err, WARD_E_EXISTS, EEXIST,
				       "container id %s is already in use", r->id);
	}
	return rc == SQLITE_DONE ? 0 : db_fail(db, err, rc, "insert container");
}

static int
bind_mutable(sqlite3_stmt *st, const struct ward_ctr_record *r)
{
	sqlite3_bind_int(st, 1, (int)r->status);
	sqlite3_bind_int64(st, 2, r->pid);
	sqlite3_bind_int64(st, 3, r->monitor_pid);
	sqlite3_bind_int(st, 4, r->exit_code);
	sqlite3_bind_int64(st, 5, r->started_ms);
	sqlite3_bind_int64(st, 6, r->finished_ms);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)r->pid_start);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)r->monitor_start);
	bind_text(st, 9, r->note);
	return bind_text(st, 10, r->id);
}

#define UPDATE_SQL                                                                          \
	"UPDATE containers SET status = ?1, pid = ?2, monitor_pid = ?3, exit_code = ?4, "   \
	"started_ms = ?5, finished_ms = ?6, pid_start = ?7, monitor_start = ?8, note = ?9 " \
	"WHERE id = ?10"

int
ward_ctr_db_update(struct ward_ctr_db *db, const struct ward_ctr_record *r, struct ward_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int rc, ret;

	if ((ret = check_record(r, err)) < 0)
		return ret;
	if ((ret = prepare(db, UPDATE_SQL, &st, err)) < 0)
		return ret;
	bind_mutable(st, r);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "update container");
	if (sqlite3_changes(db->db) == 0)
		return ward_error_setk(err, WARD_E_NOTFOUND, ENOENT, "no such container %s", r->id);
	return 0;
}

int
ward_ctr_db_update_if(struct ward_ctr_db *db, const struct ward_ctr_record *r,
		      enum ward_ctr_status expect, struct ward_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int rc, ret;

	if ((ret = check_record(r, err)) < 0)
		return ret;
	if ((ret = prepare(db, UPDATE_SQL " AND status = ?11", &st, err)) < 0)
		return ret;
	bind_mutable(st, r);
	sqlite3_bind_int(st, 11, (int)expect);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "update container");
	return sqlite3_changes(db->db) > 0 ? 1 : 0;
}

/* Run a one-parameter SELECT; *ret_n rows found (stops at 2), first kept. */
static int
lookup(struct ward_ctr_db *db, const char *sql, const char *arg, struct ward_ctr_record **ret,
       int *ret_n, struct ward_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int n = 0, rc, r;

	*ret = NULL;
	if ((r = prepare(db, sql, &st, err)) < 0)
		return r;
	bind_text(st, 1, arg);
	while (n < 2 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 0 && (r = row_to_record(st, ret, err)) < 0)
			return r;
	}
	if (n < 2 && rc != SQLITE_DONE) {
		ward_ctr_record_free(TAKE_PTR(*ret));
		return db_fail(db, err, rc, "look up container");
	}
	*ret_n = n;
	return 0;
}

static bool
is_hex(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

int
ward_ctr_db_get(struct ward_ctr_db *db, const char *id_or_name, struct ward_ctr_record **ret,
		struct ward_error **err)
{
	struct ward_ctr_record *rec = NULL;
	int n = 0, r;

	if (!id_or_name || !*id_or_name || strlen(id_or_name) > 1024)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "give a container name or id (at most 1024 bytes)");
	/* Exact id first, then exact name (podman's order), then a prefix of
	 * the id. The prefix is compared with substr, not LIKE, so '%' and '_'
	 * in what the user typed match nothing special. */
	if ((r = lookup(db, SELECT_COLS "WHERE id = ?1", id_or_name, &rec, &n, err)) < 0)
		return r;
	if (n == 0 &&
	    (r = lookup(db, SELECT_COLS "WHERE name = ?1", id_or_name, &rec, &n, err)) < 0)
		return r;
	if (n == 0 && is_hex(id_or_name) &&
	    (r = lookup(db, SELECT_COLS "WHERE substr(id, 1, length(?1)) = ?1", id_or_name, &rec,
			&n, err)) < 0)
		return r;
	if (n == 0)
		return ward_error_setk(err, WARD_E_NOTFOUND, 0,
				       "no container with name or ID \"%s\" found (see ward ps -a)",
				       id_or_name);
	if (n > 1) {
		ward_ctr_record_free(rec);
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "more than one container has an ID starting with \"%s\"; "
				       "give more characters of the ID or the name",
				       id_or_name);
	}
	*ret = rec;
	return 0;
}

static int
grow(void ***v, size_t *cap, size_t n)
{
	void **nv;

	if (n + 1 < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 16;
	nv = realloc(*v, *cap * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	return 0;
}

int
ward_ctr_db_list(struct ward_ctr_db *db, struct ward_ctr_record ***ret, struct ward_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	struct ward_ctr_record **v = NULL;
	size_t n = 0, cap = 0;
	int rc, r;

	if ((r = prepare(db, SELECT_COLS "ORDER BY created_ms, rowid", &st, err)) < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n >= CTR_DB_MAX_ROWS) {
			r = ward_error_setk(err, WARD_E_INVALID, E2BIG,
					    "%s: more than %d containers; remove some (ward rm)",
					    db->path, CTR_DB_MAX_ROWS);
			goto fail;
		}
		if (grow((void ***)&v, &cap, n) < 0) {
			r = ward_error_set(err, ENOMEM, "list containers");
			goto fail;
		}
		if ((r = row_to_record(st, &v[n], err)) < 0)
			goto fail;
		v[++n] = NULL;
	}
	if (rc != SQLITE_DONE) {
		r = db_fail(db, err, rc, "list containers");
		goto fail;
	}
	if (!v && !(v = calloc(1, sizeof(*v))))
		return ward_error_set(err, ENOMEM, "list containers");
	*ret = v;
	return 0;
fail:
	if (v)
		v[n] = NULL;
	ward_ctr_record_list_free(v);
	return r;
}

int
ward_ctr_db_delete(struct ward_ctr_db *db, const char *id, struct ward_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int rc, r;

	if ((r = prepare(db, "DELETE FROM containers WHERE id = ?1", &st, err)) < 0)
		return r;
	bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "delete container");
	if (sqlite3_changes(db->db) == 0)
		return ward_error_setk(err, WARD_E_NOTFOUND, ENOENT, "no such container %s", id);
	return 0;
}

int
ward_ctr_db_images_in_use(struct ward_ctr_db *db, char ***ret, struct ward_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	char **v = NULL;
	size_t n = 0, cap = 0;
	int rc, r;

	if ((r = prepare(db,
			 "SELECT DISTINCT image_digest FROM containers WHERE image_digest IS NOT "
			 "NULL AND image_digest != '' ORDER BY image_digest",
			 &st, err)) < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow((void ***)&v, &cap, n) < 0 || col_dup(st, 0, &v[n]) < 0) {
			if (v)
				v[n] = NULL;
			ward_strv_free(v);
			return ward_error_set(err, ENOMEM, "images in use");
		}
		v[++n] = NULL;
	}
	if (rc != SQLITE_DONE) {
		ward_strv_free(v);
		return db_fail(db, err, rc, "images in use");
	}
	if (!v && !(v = calloc(1, sizeof(*v))))
		return ward_error_set(err, ENOMEM, "images in use");
	*ret = v;
	return 0;
}

int
ward_ctr_db_exit_save(struct ward_ctr_db *db, const char *id, int exit_code, int64_t finished_ms,
		      struct ward_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *gc = NULL, *st = NULL;
	int rc, r;

	if ((r = prepare(db, "DELETE FROM exits WHERE finished_ms < ?1", &gc, err)) < 0 ||
	    (r = prepare(db,
			 "INSERT OR REPLACE INTO exits (id, exit_code, finished_ms) "
			 "VALUES (?1, ?2, ?3)",
			 &st, err)) < 0)
		return r;
	sqlite3_bind_int64(gc, 1, finished_ms - CTR_DB_EXIT_KEEP_MS);
	if ((rc = sqlite3_step(gc)) != SQLITE_DONE)
		return db_fail(db, err, rc, "prune exits");
	bind_text(st, 1, id);
	sqlite3_bind_int(st, 2, exit_code);
	sqlite3_bind_int64(st, 3, finished_ms);
	rc = sqlite3_step(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, err, rc, "save exit");
}

int
ward_ctr_db_exit_get(struct ward_ctr_db *db, const char *id, int *ret_code, struct ward_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int rc, r;

	if ((r = prepare(db, "SELECT exit_code FROM exits WHERE id = ?1", &st, err)) < 0)
		return r;
	bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*ret_code = sqlite3_column_int(st, 0);
		return 1;
	}
	return rc == SQLITE_DONE ? 0 : db_fail(db, err, rc, "read exit");
}
