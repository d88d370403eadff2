/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scan results cached per image: an image's manifest digest fixes its
 * content, and the database's last import time fixes the vulnerability
 * data, so (digest, last_import, WARD_SCAN_CACHE_VERSION) fixes the
 * unfiltered report. It is stored as ward's JSON report (all packages) in
 * its own sqlite file, apart from the OSV database, so a cache problem can
 * never damage vulnerability data and deleting the file is always safe.
 * The cache is read back through the same bounded parser as any hostile
 * document: a corrupt entry is a miss, never a wrong answer.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <time.h>

#include <ward/scan.h>

struct ward_scan_cache {
	sqlite3 *db;
	char *path;
};

static int
db_err(struct ward_scan_cache *c, struct ward_error **err, const char *what)
{
	return ward_error_setk(err, WARD_E_SYSTEM, EIO, "scan cache %s: %s: %s", c->path, what,
			       sqlite3_errmsg(c->db));
}

void
ward_scan_cache_close(struct ward_scan_cache *c)
{
	if (!c)
		return;
	sqlite3_close(c->db);
	free(c->path);
	free(c);
}

int
ward_scan_cache_open(const char *path, struct ward_scan_cache **ret, struct ward_error **err)
{
	_cleanup_(ward_scan_cache_closep) struct ward_scan_cache *c = NULL;
	static const char schema[] = "PRAGMA journal_mode=WAL;"
				     "CREATE TABLE IF NOT EXISTS scan_cache ("
				     " digest TEXT NOT NULL PRIMARY KEY,"
				     " db_last_import INTEGER NOT NULL,"
				     " version INTEGER NOT NULL,"
				     " created INTEGER NOT NULL,"
				     " report TEXT NOT NULL);";

	if (!(c = calloc(1, sizeof(*c))) || !(c->path = strdup(path)))
		return ward_error_set(err, ENOMEM, "scan cache");
	if (sqlite3_open_v2(path, &c->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
			    NULL) != SQLITE_OK)
		return c->db ? db_err(c, err, "open")
			     : ward_error_set(err, ENOMEM, "scan cache %s", path);
	sqlite3_busy_timeout(c->db, 5000);
	if (sqlite3_exec(c->db, schema, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(c, err, "create table");
	*ret = TAKE_PTR(c);
	return 0;
}

static void
drop_entry(struct ward_scan_cache *c, const char *digest)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(c->db, "DELETE FROM scan_cache WHERE digest = ?", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, digest, -1, SQLITE_TRANSIENT);
		(void)sqlite3_step(st);
	}
	sqlite3_finalize(st);
}

int
ward_scan_cache_get(struct ward_scan_cache *c, const char *digest, int64_t db_last_import,
		    struct ward_scan_report **ret, struct ward_error **err)
{
	sqlite3_stmt *st = NULL;
	json_t *doc = NULL;
	struct ward_scan_report *r = NULL;
	int rc, hit = 0;

	if (sqlite3_prepare_v2(c->db,
			       "SELECT report FROM scan_cache WHERE digest = ? AND "
			       "db_last_import = ? AND version = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(c, err, "prepare");
	sqlite3_bind_text(st, 1, digest, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, db_last_import);
	sqlite3_bind_int(st, 3, WARD_SCAN_CACHE_VERSION);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 0);
		int len = sqlite3_column_bytes(st, 0);
		struct ward_error *e = NULL;
		if (text && len > 0 && (size_t)len <= WARD_SCAN_JSON_MAX &&
		    ward_json_parse(text, (size_t)len, "scan cache", &doc, &e) == 0 &&
		    ward_scan_report_from_json(doc, &r, &e) == 0 && r->image_digest &&
		    strcmp(r->image_digest, digest) == 0)
			hit = 1;
		ward_error_free(e);
		json_decref(doc);
	} else if (rc != SQLITE_DONE) {
		sqlite3_finalize(st);
		return db_err(c, err, "read");
	}
	sqlite3_finalize(st);
	if (!hit) {
		ward_scan_report_free(r);
		if (rc == SQLITE_ROW)
			drop_entry(c, digest); /* unreadable: rescan and replace it */
		return 0;
	}
	*ret = r;
	return 1;
}

int
ward_scan_cache_put(struct ward_scan_cache *c, const struct ward_scan_report *r,
		    struct ward_error **err)
{
	_cleanup_free_ char *text = NULL;
	sqlite3_stmt *st = NULL;
	json_t *doc = NULL;
	int rc;

	if (!r->image_digest)
		return ward_error_setk(err, WARD_E_INVALID, 0, "scan cache: report has no image");
	if ((rc = ward_scan_report_json(r, true, &doc, err)) < 0)
		return rc;
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!text)
		return ward_error_set(err, ENOMEM, "scan cache");
	/* Entries made against an older import are stale for every image. */
	if (sqlite3_prepare_v2(c->db, "DELETE FROM scan_cache WHERE db_last_import != ?", -1, &st,
			       NULL) != SQLITE_OK)
		return db_err(c, err, "prepare");
	sqlite3_bind_int64(st, 1, r->db_last_import);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(c, err, "prune");
	if (sqlite3_prepare_v2(
		    c->db,
		    "INSERT OR REPLACE INTO scan_cache (digest, db_last_import, version, "
		    "created, report) VALUES (?, ?, ?, ?, ?)",
		    -1, &st, NULL) != SQLITE_OK)
		return db_err(c, err, "prepare");
	sqlite3_bind_text(st, 1, r->image_digest, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, r->db_last_import);
	sqlite3_bind_int(st, 3, WARD_SCAN_CACHE_VERSION);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(c, err, "store");
	return 0;
}
