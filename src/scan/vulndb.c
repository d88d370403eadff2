/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vulnerability database: OSV records in sqlite at <root>/vulndb/osv.db,
 * a file of its own so that an import (one long write transaction) never
 * holds the lock that container commands need on ward.db.
 *
 * Schema 1:
 *   meta(key, value)         last_import, newest_modified (unix seconds)
 *   records(rowid, id, ...)  one row per OSV record; aliases '\n'-joined
 *   affected(record, key, name, ...)
 *                            one row per matchable affected[] entry, with its
 *                            ranges in the compact form of osv_ranges_encode
 *                            and its severity already decided, indexed on
 *                            (key, name): matching a package is one lookup.
 * PRAGMA application_id marks the file as ward's, so `ward db` refuses to
 * write into some other sqlite database given by mistake.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <ward/scan.h>

#include "scan/osv.h"

#define VULNDB_SCHEMA 1
#define VULNDB_APP_ID 0x57564442 /* "WVDB" */
#define VULNDB_BUSY_MS 10000
#define VULNDB_SOURCES_MAX 10000 /* ecosystems listed by status */

static const char schema_v1[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE records ("
	" rowid INTEGER PRIMARY KEY,"
	" id TEXT NOT NULL UNIQUE,"
	" modified INTEGER NOT NULL,"
	" published INTEGER NOT NULL DEFAULT 0,"
	" aliases TEXT,"
	" summary TEXT,"
	" details TEXT);"
	"CREATE TABLE affected ("
	" record INTEGER NOT NULL,"
	" key TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" ecosystem TEXT NOT NULL,"
	" ranges TEXT NOT NULL,"
	" severity INTEGER NOT NULL,"
	" cvss REAL NOT NULL,"
	" vector TEXT);"
	"CREATE INDEX affected_pkg ON affected(key, name);"
	"CREATE INDEX affected_record ON affected(record);"
	"PRAGMA application_id = 1465271362;"
	"PRAGMA user_version = 1;";

int
vulndb_fail(struct ward_vulndb *db, struct ward_error **err, int rc, const char *what)
{
	int errnum = rc == SQLITE_BUSY || rc == SQLITE_LOCKED	  ? EBUSY
		     : rc == SQLITE_NOMEM			  ? ENOMEM
		     : rc == SQLITE_READONLY || rc == SQLITE_PERM ? EACCES
		     : rc == SQLITE_FULL			  ? ENOSPC
								  : EIO;

	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "%s: not a vulnerability database (%s)",
				       db && db->path ? db->path : "osv.db", sqlite3_errstr(rc));
	return ward_error_set(err, errnum, "%s: %s: %s", db && db->path ? db->path : "osv.db", what,
			      db && db->db ? sqlite3_errmsg(db->db) : sqlite3_errstr(rc));
}

int
vulndb_exec(struct ward_vulndb *db, const char *sql, const char *what, struct ward_error **err)
{
	int rc = sqlite3_exec(db->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : vulndb_fail(db, err, rc, what);
}

int
vulndb_prepare(struct ward_vulndb *db, const char *sql, sqlite3_stmt **ret, struct ward_error **err)
{
	int rc = sqlite3_prepare_v2(db->db, sql, -1, ret, NULL);

	return rc == SQLITE_OK ? 0 : vulndb_fail(db, err, rc, "prepare");
}

static int
pragma_int(struct ward_vulndb *db, const char *sql, int *ret, struct ward_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r, rc;

	if ((r = vulndb_prepare(db, sql, &st, err)) < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		return vulndb_fail(db, err, rc, "read schema");
	*ret = sqlite3_column_int(st, 0);
	return 0;
}

int
vulndb_meta_get_or(struct ward_vulndb *db, const char *key, int64_t absent, int64_t *ret,
		   struct ward_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r, rc;

	if ((r = vulndb_prepare(db, "SELECT value FROM meta WHERE key = ?1", &st, err)) < 0)
		return r;
	(void)sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		*ret = absent;
	else
		return vulndb_fail(db, err, rc, "read meta");
	return 0;
}

int
vulndb_meta_get(struct ward_vulndb *db, const char *key, int64_t *ret, struct ward_error **err)
{
	return vulndb_meta_get_or(db, key, 0, ret, err);
}

int
vulndb_meta_set(struct ward_vulndb *db, const char *key, int64_t value, struct ward_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r, rc;

	if ((r = vulndb_prepare(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)", &st,
				err)) < 0)
		return r;
	(void)sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, value);
	rc = sqlite3_step(st);
	return rc == SQLITE_DONE ? 0 : vulndb_fail(db, err, rc, "write meta");
}

/* Before anything is written (the switch to WAL rewrites the header): is
 * this file ward's database, or an empty one ward may make its own? */
static int
check_owner(struct ward_vulndb *db, struct ward_error **err)
{
	int v = 0, app = 0, tables = 0, r;

	if ((r = pragma_int(db, "PRAGMA user_version", &v, err)) < 0 ||
	    (r = pragma_int(db, "PRAGMA application_id", &app, err)) < 0 ||
	    (r = pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables, err)) < 0)
		return r;
	if (app == VULNDB_APP_ID || (app == 0 && v == 0 && tables == 0))
		return 0;
	return ward_error_setk(err, WARD_E_INVALID, 0,
			       "%s: an sqlite database, but not ward's vulnerability database; "
			       "refusing to change it",
			       db->path);
}

/* Create the schema once (BEGIN IMMEDIATE: two first opens race safely);
 * refuse a file that is some other program's sqlite database or a newer
 * ward's. */
static int
migrate(struct ward_vulndb *db, struct ward_error **err)
{
	int v = 0, app = 0, tables = 0, r;

	if ((r = pragma_int(db, "PRAGMA user_version", &v, err)) < 0 ||
	    (r = pragma_int(db, "PRAGMA application_id", &app, err)) < 0)
		return r;
	if (v == VULNDB_SCHEMA && app == VULNDB_APP_ID)
		return 0;
	if (v > VULNDB_SCHEMA && app == VULNDB_APP_ID)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
				       "%s: schema version %d is newer than this ward knows (%d)",
				       db->path, v, VULNDB_SCHEMA);
	if ((r = vulndb_exec(db, "BEGIN IMMEDIATE", "begin", err)) < 0)
		return r;
	if ((r = pragma_int(db, "PRAGMA user_version", &v, err)) < 0 ||
	    (r = pragma_int(db, "PRAGMA application_id", &app, err)) < 0 ||
	    (r = pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables, err)) < 0)
		goto rollback;
	if (app == VULNDB_APP_ID && v == VULNDB_SCHEMA)
		return vulndb_exec(db, "COMMIT", "commit", err);
	if (app != VULNDB_APP_ID && (v != 0 || tables != 0 || app != 0)) {
		r = ward_error_setk(
			err, WARD_E_INVALID, 0,
			"%s: an sqlite database, but not ward's vulnerability database; "
			"refusing to change it",
			db->path);
		goto rollback;
	}
	if ((r = vulndb_exec(db, schema_v1, "create schema", err)) < 0)
		goto rollback;
	return vulndb_exec(db, "COMMIT", "commit schema", err);
rollback:
	(void)sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

static int
set_wal(struct ward_vulndb *db, struct ward_error **err)
{
	int rc = SQLITE_OK;

	/* Switching to WAL takes an exclusive lock without the busy handler. */
	for (int i = 0; i < 200; i++) {
		rc = sqlite3_exec(db->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		(void)usleep(10000);
	}
	return rc == SQLITE_OK ? 0 : vulndb_fail(db, err, rc, "journal mode");
}

/* The file is created 0600 by us before sqlite opens it (sqlite would use
 * 0644 less umask); a symlink planted at the path is refused, not followed
 * into some other file. */
static int
precreate(const char *path, bool create, struct ward_error **err)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);
	struct stat sb;

	if (fd < 0)
		return errno == ENOENT
			       ? ward_error_setk(
					 err, WARD_E_NOTFOUND, ENOENT,
					 "no vulnerability database at '%s' (import one with "
					 "`ward db import`)",
					 path)
			       : ward_error_set(err, errno, "open '%s'", path);
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		(void)close(fd);
		return ward_error_setk(err, WARD_E_INVALID, 0, "'%s' is not a regular file", path);
	}
	(void)close(fd);
	return 0;
}

int
ward_vulndb_open(const char *path, bool create, struct ward_vulndb **ret, struct ward_error **err)
{
	struct ward_vulndb *db;
	int r, rc;

	if (!path || !*path)
		return ward_error_setk(err, WARD_E_INVALID, 0, "vulnerability database: no path");
	if (create) {
		_cleanup_free_ char *dir = strdup(path);
		if (!dir)
			return ward_error_set(err, ENOMEM, "vulnerability database");
		if ((r = ward_fs_mkdir_p(dirname(dir), 0700, err)) < 0)
			return r;
	}
	db = calloc(1, sizeof(*db));
	if (!db || !(db->path = strdup(path))) {
		free(db);
		return ward_error_set(err, ENOMEM, "vulnerability database");
	}
	if ((r = precreate(db->path, create, err)) < 0)
		goto fail;
	rc = sqlite3_open_v2(db->path, &db->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
			     NULL);
	if (rc != SQLITE_OK) {
		r = vulndb_fail(db, err, rc, "open");
		goto fail;
	}
	(void)sqlite3_extended_result_codes(db->db, 0);
	(void)sqlite3_db_config(db->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	(void)sqlite3_db_config(db->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	rc = sqlite3_busy_timeout(db->db, VULNDB_BUSY_MS);
	if (rc != SQLITE_OK) {
		r = vulndb_fail(db, err, rc, "busy timeout");
		goto fail;
	}
	if ((r = check_owner(db, err)) < 0 || (r = set_wal(db, err)) < 0 ||
	    (r = vulndb_exec(db, "PRAGMA synchronous=NORMAL", "synchronous", err)) < 0 ||
	    (r = vulndb_exec(db, "PRAGMA cache_size=-32768", "cache size", err)) < 0 ||
	    /* A scan reads a few hundred rows spread over the file, through a
	     * fresh handle each time: mapped pages cost no read() each. */
	    (r = vulndb_exec(db, "PRAGMA mmap_size=1073741824", "mmap size", err)) < 0 ||
	    (r = migrate(db, err)) < 0)
		goto fail;
	*ret = db;
	return 0;
fail:
	if (err && *err)
		(void)ward_error_wrap(err, "open vulnerability database");
	ward_vulndb_close(db);
	return r;
}

void
ward_vulndb_close(struct ward_vulndb *db)
{
	if (!db)
		return;
	if (db->db)
		(void)sqlite3_close_v2(db->db);
	free(db->path);
	free(db);
}

void
ward_vulndb_status_clear(struct ward_vulndb_status *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_sources; i++)
		free(st->sources[i].ecosystem);
	free(st->sources);
	*st = (struct ward_vulndb_status){0};
}

/* meta "records": the count at the last import, so a scan need not count. */
int
vulndb_store_record_count(struct ward_vulndb *db, struct ward_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r, rc;

	if ((r = vulndb_prepare(db, "SELECT count(*) FROM records", &st, err)) < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		return vulndb_fail(db, err, rc, "count records");
	return vulndb_meta_set(db, "records", sqlite3_column_int64(st, 0), err);
}

int
ward_vulndb_freshness(struct ward_vulndb *db, struct ward_vulndb_status *ret,
		      struct ward_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *cnt = NULL;
	struct ward_vulndb_status st = {0};
	int64_t records = -1;
	int r, rc;

	if ((r = vulndb_exec(db, "BEGIN", "begin", err)) < 0)
		return r;
	if ((r = vulndb_meta_get(db, "last_import", &st.last_import, err)) < 0 ||
	    (r = vulndb_meta_get(db, "newest_modified", &st.newest_modified, err)) < 0 ||
	    (r = vulndb_meta_get_or(db, "records", -1, &records, err)) < 0)
		goto out;
	if (records < 0) {
		/* A database from before the count was kept: count once. */
		if ((r = vulndb_prepare(db, "SELECT count(*) FROM records", &cnt, err)) < 0)
			goto out;
		rc = sqlite3_step(cnt);
		if (rc != SQLITE_ROW) {
			r = vulndb_fail(db, err, rc, "count records");
			goto out;
		}
		records = sqlite3_column_int64(cnt, 0);
	}
	st.records = (size_t)records;
	r = 0;
out:
	(void)sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL);
	if (r < 0)
		return r;
	*ret = st;
	return 0;
}

int
ward_vulndb_status(struct ward_vulndb *db, struct ward_vulndb_status *ret, struct ward_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *cnt = NULL, *src = NULL;
	struct ward_vulndb_status st = {0};
	int r, rc;

	if ((r = vulndb_exec(db, "BEGIN", "begin", err)) < 0)
		return r;
	if ((r = vulndb_meta_get(db, "last_import", &st.last_import, err)) < 0 ||
	    (r = vulndb_meta_get(db, "newest_modified", &st.newest_modified, err)) < 0 ||
	    (r = vulndb_prepare(db, "SELECT count(*) FROM records", &cnt, err)) < 0 ||
	    (r = vulndb_prepare(db,
				"SELECT ecosystem, count(DISTINCT record) FROM affected "
				"GROUP BY ecosystem ORDER BY ecosystem",
				&src, err)) < 0)
		goto out;
	rc = sqlite3_step(cnt);
	if (rc != SQLITE_ROW) {
		r = vulndb_fail(db, err, rc, "count records");
		goto out;
	}
	st.records = (size_t)sqlite3_column_int64(cnt, 0);
	while ((rc = sqlite3_step(src)) == SQLITE_ROW) {
		const unsigned char *e = sqlite3_column_text(src, 0);
		struct ward_vulndb_source *ns;

		if (st.n_sources >= VULNDB_SOURCES_MAX)
			break;
		ns = realloc(st.sources, (st.n_sources + 1) * sizeof(*ns));
		if (!ns || !e) {
			if (ns)
				st.sources = ns;
			r = ward_error_set(err, ENOMEM, "%s: status", db->path);
			goto out;
		}
		st.sources = ns;
		ns[st.n_sources].ecosystem = strdup((const char *)e);
		ns[st.n_sources].records = (size_t)sqlite3_column_int64(src, 1);
		if (!ns[st.n_sources].ecosystem) {
			r = ward_error_set(err, ENOMEM, "%s: status", db->path);
			goto out;
		}
		st.n_sources++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		r = vulndb_fail(db, err, rc, "list sources");
		goto out;
	}
	r = 0;
out:
	(void)sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL);
	if (r < 0) {
		ward_vulndb_status_clear(&st);
		return r;
	}
	*ret = st;
	return 0;
}
