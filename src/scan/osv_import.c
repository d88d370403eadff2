/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ward db import`: OSV JSON files, directories of them and OSV's zip
 * archives into the vulnerability database, in one transaction, so a
 * failed import (unreadable path, corrupt or oversized archive, disk full)
 * leaves the database exactly as it was.
 *
 * Archives and records are hostile: each zip member is read only up to the
 * record bound (a member that inflates past it is a counted warning, never
 * a memory spike), the bytes inflated from one archive and its member
 * count are bounded (a zip bomb of many small members fails the import),
 * directories are walked without following symlinks (no loops, no escape
 * to other trees) and to a bounded depth.
 *
 * Speed (100,000 records in well under five seconds): one transaction,
 * statements prepared once, one indexed row per matchable affected entry.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <ward/scan.h>

#include "scan/osv.h"

#define IMPORT_QUEUE 256 /* parsed records waiting for the writer */
#define IMPORT_BATCH 32	 /* records queued before a waiting writer is woken */

/*
 * Two threads: the reader walks the paths, inflates and parses (two thirds
 * of the work) and hands parsed records to the writer, the calling thread,
 * which alone touches sqlite. The reader owns files, skipped, the warnings
 * and buf; the writer owns the statements and the other counters. Stored
 * records go back to the reader to be freed, so each thread frees what it
 * allocated (glibc's arenas are per thread; a cross-thread free takes the
 * other arena's lock), and a waiting thread is woken only once a batch is
 * ready, not for every record.
 */
struct importer {
	struct ward_vulndb *db;
	const struct osv_import_limits *lim;
	struct ward_vulndb_import_stats st;
	struct osv_warnings w;
	int64_t newest;
	sqlite3_stmt *sel, *del_aff, *del_rec, *ins_rec, *ins_aff;
	char *buf; /* one document, reused */
	size_t cap;

	pthread_mutex_t mu;
	pthread_cond_t can_put, can_get;
	struct osv_record *queue[IMPORT_QUEUE];
	size_t head, count;
	unsigned putter_waits, getter_waits;
	struct osv_record *stored; /* stored by the writer, to be freed by the reader */
	bool done;		   /* the reader has finished (read_rc says how) */
	bool cancel;		   /* the writer failed: the reader stops */
	int read_rc;
	struct ward_error *read_err;
	char *const *paths;
	size_t n_paths;
};

static void
free_list(struct osv_record *rec)
{
	while (rec) {
		struct osv_record *next = rec->next;
		osv_record_clear(rec);
		free(rec);
		rec = next;
	}
}

/* Reader: hand one parsed record over; -ECANCELED when the writer gave up. */
static int
queue_put(struct importer *im, struct osv_record *rec)
{
	struct osv_record *stored;
	bool cancel;

	pthread_mutex_lock(&im->mu);
	while (im->count == IMPORT_QUEUE && !im->cancel) {
		im->putter_waits++;
		pthread_cond_wait(&im->can_put, &im->mu);
		im->putter_waits--;
	}
	cancel = im->cancel;
	if (!cancel) {
		im->queue[(im->head + im->count) % IMPORT_QUEUE] = rec;
		im->count++;
		if (im->getter_waits && im->count >= IMPORT_BATCH)
			pthread_cond_signal(&im->can_get);
	}
	stored = TAKE_PTR(im->stored);
	pthread_mutex_unlock(&im->mu);
	free_list(stored);
	if (cancel) {
		osv_record_clear(rec);
		free(rec);
		return -ECANCELED;
	}
	return 0;
}

/* Writer: give back `done` (stored, or NULL) and take the next record; NULL
 * once the reader is done and all are taken. */
static struct osv_record *
queue_get(struct importer *im, struct osv_record *done)
{
	struct osv_record *rec = NULL;

	pthread_mutex_lock(&im->mu);
	if (done) {
		done->next = im->stored;
		im->stored = done;
	}
	while (im->count == 0 && !im->done) {
		im->getter_waits++;
		pthread_cond_wait(&im->can_get, &im->mu);
		im->getter_waits--;
	}
	if (im->count) {
		rec = im->queue[im->head];
		im->head = (im->head + 1) % IMPORT_QUEUE;
		im->count--;
		if (im->putter_waits && im->count <= IMPORT_QUEUE / 2)
			pthread_cond_signal(&im->can_put);
	}
	pthread_mutex_unlock(&im->mu);
	return rec;
}

static void
importer_clear(struct importer *im)
{
	sqlite3_stmt **sts[] = {&im->sel, &im->del_aff, &im->del_rec, &im->ins_rec, &im->ins_aff};

	for (size_t i = 0; i < WARD_ARRAY_SIZE(sts); i++)
		vulndb_finalizep(sts[i]);
	free(im->buf);
	im->buf = NULL;
}

void
ward_vulndb_import_stats_clear(struct ward_vulndb_import_stats *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_warnings_kept; i++)
		free(st->warnings[i]);
	free(st->warnings);
	*st = (struct ward_vulndb_import_stats){0};
}

static int
step_done(struct importer *im, sqlite3_stmt *st, const char *what, struct ward_error **err)
{
	int rc = sqlite3_step(st);

	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : vulndb_fail(im->db, err, rc, what);
}

/* Text cut to at most max bytes at a UTF-8 character boundary. */
static int
bind_cut(sqlite3_stmt *st, int i, const char *s, size_t max)
{
	size_t n;

	if (!s)
		return sqlite3_bind_null(st, i);
	n = strlen(s);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	return sqlite3_bind_text(st, i, s, (int)n, SQLITE_TRANSIENT);
}

/* Delete the stored record `rowid` and its affected rows. */
static int
delete_record(struct importer *im, int64_t rowid, struct ward_error **err)
{
	int r;

	(void)sqlite3_bind_int64(im->del_aff, 1, rowid);
	if ((r = step_done(im, im->del_aff, "delete affected", err)) < 0)
		return r;
	(void)sqlite3_bind_int64(im->del_rec, 1, rowid);
	return step_done(im, im->del_rec, "delete record", err);
}

static int
store(struct importer *im, const struct osv_record *rec, struct ward_error **err)
{
	_cleanup_free_ char *aliases = NULL;
	int64_t old_rowid = 0, old_modified = 0, rowid;
	bool exists = false;
	size_t alen = 0;
	int r, rc;

	(void)sqlite3_bind_text(im->sel, 1, rec->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(im->sel);
	if (rc == SQLITE_ROW) {
		exists = true;
		old_rowid = sqlite3_column_int64(im->sel, 0);
		old_modified = sqlite3_column_int64(im->sel, 1);
	}
	(void)sqlite3_reset(im->sel);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return vulndb_fail(im->db, err, rc, "look up record");
	if (exists && old_modified >= rec->modified) {
		im->st.unchanged++;
		return 0;
	}
	if (rec->withdrawn) {
		/* A withdrawal newer than what is stored takes the record out. */
		im->st.withdrawn++;
		return exists ? delete_record(im, old_rowid, err) : 0;
	}
	if (exists && (r = delete_record(im, old_rowid, err)) < 0)
		return r;

	for (size_t i = 0; i < rec->n_aliases; i++)
		alen += strlen(rec->aliases[i]) + 1;
	if (alen) {
		char *p = aliases = malloc(alen);
		if (!aliases)
			return ward_error_set(err, ENOMEM, "import");
		for (size_t i = 0; i < rec->n_aliases; i++) {
			size_t n = strlen(rec->aliases[i]);
			memcpy(p, rec->aliases[i], n);
			p[n] = i + 1 < rec->n_aliases ? '\n' : '\0';
			p += n + 1;
		}
	}
	(void)sqlite3_bind_text(im->ins_rec, 1, rec->id, -1, SQLITE_STATIC);
	(void)sqlite3_bind_int64(im->ins_rec, 2, rec->modified);
	(void)sqlite3_bind_int64(im->ins_rec, 3, rec->published);
	(void)(aliases ? sqlite3_bind_text(im->ins_rec, 4, aliases, -1, SQLITE_STATIC)
		       : sqlite3_bind_null(im->ins_rec, 4));
	(void)bind_cut(im->ins_rec, 5, rec->summary, OSV_SUMMARY_MAX);
	(void)bind_cut(im->ins_rec, 6, rec->details, OSV_DETAILS_MAX);
	if ((r = step_done(im, im->ins_rec, "insert record", err)) < 0)
		return r;
	rowid = sqlite3_last_insert_rowid(im->db->db);
	for (size_t i = 0; i < rec->n_affected; i++) {
		const struct osv_affected *a = &rec->affected[i];
		_cleanup_free_ char *ranges = osv_ranges_encode(a);

		if (!ranges)
			return ward_error_set(err, ENOMEM, "import");
		(void)sqlite3_bind_int64(im->ins_aff, 1, rowid);
		(void)sqlite3_bind_text(im->ins_aff, 2, a->key, -1, SQLITE_STATIC);
		(void)sqlite3_bind_text(im->ins_aff, 3, a->name, -1, SQLITE_STATIC);
		(void)sqlite3_bind_text(im->ins_aff, 4, a->ecosystem, -1, SQLITE_STATIC);
		(void)sqlite3_bind_text(im->ins_aff, 5, ranges, -1, SQLITE_STATIC);
		(void)sqlite3_bind_int(im->ins_aff, 6, (int)a->severity);
		(void)sqlite3_bind_double(im->ins_aff, 7, a->cvss);
		(void)(a->vector ? sqlite3_bind_text(im->ins_aff, 8, a->vector, -1, SQLITE_STATIC)
				 : sqlite3_bind_null(im->ins_aff, 8));
		if ((r = step_done(im, im->ins_aff, "insert affected", err)) < 0)
			return r;
	}
	im->st.records++;
	if (rec->modified > im->newest)
		im->newest = rec->modified;
	return 0;
}

/* One document: an invalid record is a counted warning, only the database
 * failing stops the import. */
static int
import_doc(struct importer *im, const char *buf, size_t len, const char *name,
	   struct ward_error **err)
{
	struct osv_record rec = {0};
	struct ward_error *perr = NULL;
	int r;

	im->st.files++;
	if (osv_parse(buf, len, name, &rec, &im->w, &perr) < 0) {
		if (ward_error_code(perr) == -ENOMEM) {
			r = ward_error_set(err, ENOMEM, "%s", name);
			ward_error_free(perr);
			return r;
		}
		osv_warn(&im->w, "%s: skipped", perr && perr->msg ? perr->msg : name);
		ward_error_free(perr);
		im->st.skipped++;
		return 0;
	}
	if (rec.n_affected == 0 && !rec.withdrawn) {
		osv_warn(&im->w,
			 "%s: %s: no affected package in an ecosystem ward matches: skipped", name,
			 rec.id);
		im->st.skipped++;
		osv_record_clear(&rec);
		return 0;
	}
	struct osv_record *q = malloc(sizeof(*q));
	if (!q) {
		osv_record_clear(&rec);
		return ward_error_set(err, ENOMEM, "%s", name);
	}
	*q = rec;
	r = queue_put(im, q);
	return r < 0 ? ward_error_set(err, -r, "%s: import stopped", name) : 0;
}

/* Read one document of at most lim->record_max bytes from fd; a larger one
 * is a warning (*ret_len = SIZE_MAX), not read past the bound. */
static int
read_doc(struct importer *im, int fd, const char *name, size_t *ret_len, struct ward_error **err)
{
	size_t len = 0, max = im->lim->record_max;

	for (;;) {
		ssize_t n;
		if (len == im->cap) {
			size_t ncap = im->cap ? im->cap * 2 : 65536;
			char *nb;
			if (ncap > max + 1)
				ncap = max + 1;
			if (ncap <= len) {
				*ret_len = SIZE_MAX;
				return 0;
			}
			nb = realloc(im->buf, ncap + 1);
			if (!nb)
				return ward_error_set(err, ENOMEM, "read '%s'", name);
			im->buf = nb;
			im->cap = ncap;
		}
		n = read(fd, im->buf + len, im->cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ward_error_set(err, errno, "read '%s'", name);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		*ret_len = SIZE_MAX;
		return 0;
	}
	*ret_len = len;
	return 0;
}

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ---- zip archives ------------------------------------------------------- */

static void
archive_freep(struct archive **a)
{
	if (*a)
		(void)archive_read_free(*a);
}

static int
import_zip(struct importer *im, int fd, const char *name, struct ward_error **err)
{
	__attribute__((cleanup(archive_freep))) struct archive *a = archive_read_new();
	struct archive_entry *e;
	uint64_t total = 0;
	size_t members = 0;
	int r;

	if (!a)
		return ward_error_set(err, ENOMEM, "%s", name);
	/* zip only: no other format or filter is reachable from a feed. The
	 * seekable reader takes sizes from the central directory, so a member
	 * that is not read is skipped without being inflated. */
	if (archive_read_support_format_zip(a) != ARCHIVE_OK ||
	    archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK)
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s: not a zip archive: %s", name,
				       archive_error_string(a) ? archive_error_string(a) : "?");
	for (;;) {
		_cleanup_free_ char *mname = NULL;
		const char *pn;
		size_t len = 0;
		bool over = false;

		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return ward_error_setk(
				err, WARD_E_INVALID, 0, "%s: corrupt zip archive: %s", name,
				archive_error_string(a) ? archive_error_string(a) : "?");
		if (++members > im->lim->members_max)
			return ward_error_setk(err, WARD_E_INVALID, 0,
					       "%s: more than %zu members: refused (zip bomb?)",
					       name, im->lim->members_max);
		pn = archive_entry_pathname(e);
		if (archive_entry_filetype(e) != AE_IFREG || !pn || !has_suffix(pn, ".json"))
			continue;
		mname = ward_strdup_printf("%s:%.200s", name, pn);
		if (!mname)
			return ward_error_set(err, ENOMEM, "%s", name);
		for (;;) {
			size_t want;
			ssize_t n;

			if (len == im->cap) {
				size_t ncap = im->cap ? im->cap * 2 : 65536;
				char *nb;
				if (ncap > im->lim->record_max + 1)
					ncap = im->lim->record_max + 1;
				if (ncap <= len) {
					over = true;
					break;
				}
				nb = realloc(im->buf, ncap + 1);
				if (!nb)
					return ward_error_set(err, ENOMEM, "%s", mname);
				im->buf = nb;
				im->cap = ncap;
			}
			want = im->cap - len;
			n = archive_read_data(a, im->buf + len, want);
			if (n < 0)
				return ward_error_setk(
					err, WARD_E_INVALID, 0, "%s: corrupt zip member: %s", mname,
					archive_error_string(a) ? archive_error_string(a) : "?");
			if (n == 0)
				break;
			len += (size_t)n;
			total += (uint64_t)n;
			if (total > im->lim->total_max)
				return ward_error_setk(
					err, WARD_E_INVALID, 0,
					"%s: inflates to more than %llu bytes: refused (zip bomb?)",
					name, (unsigned long long)im->lim->total_max);
		}
		if (over || len > im->lim->record_max) {
			osv_warn(&im->w,
				 "%s: inflates past %zu bytes, larger than an OSV record may be: "
				 "skipped",
				 mname, im->lim->record_max);
			im->st.files++;
			im->st.skipped++;
			continue;
		}
		im->buf[len] = '\0';
		if ((r = import_doc(im, im->buf, len, mname, err)) < 0)
			return r;
	}
	return 0;
}

/* ---- files and directories ---------------------------------------------- */

static int import_dir(struct importer *im, int dfd, const char *name, unsigned depth,
		      struct ward_error **err);

/* fd: an open regular file; zip or JSON by its first bytes. */
static int
import_file(struct importer *im, int fd, const char *name, struct ward_error **err)
{
	char magic[4] = {0};
	ssize_t n = pread(fd, magic, sizeof(magic), 0);
	size_t len;
	int r;

	if (n < 0)
		return ward_error_set(err, errno, "read '%s'", name);
	if (n == 4 && memcmp(magic, "PK", 2) == 0 &&
	    ((magic[2] == 3 && magic[3] == 4) || (magic[2] == 5 && magic[3] == 6)))
		return import_zip(im, fd, name, err);
	if ((r = read_doc(im, fd, name, &len, err)) < 0)
		return r;
	if (len == SIZE_MAX) {
		osv_warn(&im->w, "%s: larger than the %zu bytes an OSV record may have: skipped",
			 name, im->lim->record_max);
		im->st.files++;
		im->st.skipped++;
		return 0;
	}
	im->buf[len] = '\0';
	return import_doc(im, im->buf, len, name, err);
}

static int
import_at(struct importer *im, int dfd, const char *ent, const char *name, unsigned depth, bool top,
	  struct ward_error **err)
{
	/* Inside a tree nothing is followed: a symlink could loop or lead to
	 * files the tree's owner could not otherwise make ward read. */
	int fd = openat(dfd, ent, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (top ? 0 : O_NOFOLLOW));
	struct stat sb;
	int r;

	if (fd < 0) {
		if (!top && errno == ELOOP)
			return 0;
		return errno == ENOENT
			       ? ward_error_setk(err, WARD_E_NOTFOUND, ENOENT, "open '%s'", name)
			       : ward_error_set(err, errno, "open '%s'", name);
	}
	if (fstat(fd, &sb) < 0) {
		r = ward_error_set(err, errno, "stat '%s'", name);
		(void)close(fd);
		return r;
	}
	if (S_ISDIR(sb.st_mode))
		return import_dir(im, fd, name, depth, err); /* takes fd */
	if (!S_ISREG(sb.st_mode)) {
		(void)close(fd);
		return top ? ward_error_setk(err, WARD_E_INVALID, 0,
					     "'%s' is neither a file nor a directory", name)
			   : 0;
	}
	r = import_file(im, fd, name, err);
	(void)close(fd);
	return r;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
import_dir(struct importer *im, int dfd, const char *name, unsigned depth, struct ward_error **err)
{
	_cleanup_strv_ char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (depth >= im->lim->depth_max) {
		(void)close(dfd);
		return ward_error_setk(err, WARD_E_INVALID, 0, "'%s': deeper than %u levels", name,
				       im->lim->depth_max);
	}
	d = fdopendir(dfd);
	if (!d) {
		r = ward_error_set(err, errno, "opendir '%s'", name);
		(void)close(dfd);
		return r;
	}
	/* Sorted, so an import's result and warnings do not depend on the
	 * file system's directory order. */
	while ((errno = 0, de = readdir(d))) {
		char **nv;
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN &&
		    !(de->d_type == DT_REG &&
		      (has_suffix(de->d_name, ".json") || has_suffix(de->d_name, ".zip"))))
			continue;
		nv = realloc(names, (n + 2) * sizeof(char *));
		if (!nv || !(nv[n] = strdup(de->d_name))) {
			if (nv)
				names = nv;
			r = ward_error_set(err, ENOMEM, "'%s'", name);
			goto out;
		}
		names = nv;
		names[++n] = NULL;
	}
	if (errno) {
		r = ward_error_set(err, errno, "readdir '%s'", name);
		goto out;
	}
	if (n)
		qsort(names, n, sizeof(char *), name_cmp);
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *sub = ward_strdup_printf("%s/%s", name, names[i]);
		struct stat sb;
		if (!sub) {
			r = ward_error_set(err, ENOMEM, "'%s'", name);
			break;
		}
		if (fstatat(dirfd(d), names[i], &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(sb.st_mode) && !has_suffix(names[i], ".json") &&
		    !has_suffix(names[i], ".zip"))
			continue;
		if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
			continue;
		r = import_at(im, dirfd(d), names[i], sub, depth + 1, false, err);
	}
out:
	(void)closedir(d);
	return r;
}

static int
prepare_all(struct importer *im, struct ward_error **err)
{
	int r;

	if ((r = vulndb_prepare(im->db, "SELECT rowid, modified FROM records WHERE id = ?1",
				&im->sel, err)) < 0 ||
	    (r = vulndb_prepare(im->db, "DELETE FROM affected WHERE record = ?1", &im->del_aff,
				err)) < 0 ||
	    (r = vulndb_prepare(im->db, "DELETE FROM records WHERE rowid = ?1", &im->del_rec,
				err)) < 0 ||
	    (r = vulndb_prepare(im->db,
				"INSERT INTO records(id, modified, published, aliases, summary, "
				"details) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
				&im->ins_rec, err)) < 0 ||
	    (r = vulndb_prepare(im->db,
				"INSERT INTO affected(record, key, name, ecosystem, ranges, "
				"severity, cvss, vector) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
				&im->ins_aff, err)) < 0)
		return r;
	return 0;
}

static void *
reader_main(void *arg)
{
	struct importer *im = arg;
	int r = 0;

	for (size_t i = 0; i < im->n_paths && r >= 0; i++)
		r = import_at(im, AT_FDCWD, im->paths[i], im->paths[i], 0, true, &im->read_err);
	pthread_mutex_lock(&im->mu);
	im->read_rc = r;
	im->done = true;
	pthread_cond_signal(&im->can_get);
	pthread_mutex_unlock(&im->mu);
	return NULL;
}

/* Writer side: store what the reader parses until it is done. On a store
 * failure the reader is cancelled and what it queued is freed. */
static int
write_all(struct importer *im, struct ward_error **err)
{
	struct osv_record *rec = NULL;
	int r = 0;

	while ((rec = queue_get(im, rec))) {
		if (r >= 0 && (r = store(im, rec, err)) < 0) {
			pthread_mutex_lock(&im->mu);
			im->cancel = true;
			pthread_cond_broadcast(&im->can_put);
			pthread_mutex_unlock(&im->mu);
		}
	}
	return r;
}

int
vulndb_import_limited(struct ward_vulndb *db, char *const *paths, size_t n_paths,
		      const struct osv_import_limits *lim, struct ward_vulndb_import_stats *ret,
		      struct ward_error **err)
{
	struct importer im = {.db = db, .lim = lim, .paths = paths, .n_paths = n_paths};
	pthread_t reader;
	int64_t newest = 0;
	int r, rc;

	if (!db || (n_paths && !paths))
		return ward_error_setk(err, WARD_E_INVALID, 0, "import: no database or paths");
	if ((r = vulndb_exec(db, "BEGIN IMMEDIATE", "begin import", err)) < 0)
		return r;
	if ((r = prepare_all(&im, err)) < 0)
		goto fail;
	(void)pthread_mutex_init(&im.mu, NULL);
	(void)pthread_cond_init(&im.can_put, NULL);
	(void)pthread_cond_init(&im.can_get, NULL);
	rc = pthread_create(&reader, NULL, reader_main, &im);
	if (rc != 0) {
		r = ward_error_set(err, rc, "import: start the reader thread");
		goto fail_sync;
	}
	r = write_all(&im, err);
	(void)pthread_join(reader, NULL);
	free_list(TAKE_PTR(im.stored)); /* the reader has finished: none are its now */
	if (r >= 0 && im.read_rc < 0) {
		r = im.read_rc;
		if (err) {
			ward_error_free(*err);
			*err = TAKE_PTR(im.read_err);
		}
	}
	ward_error_free(im.read_err);
	im.read_err = NULL;
	if (r < 0)
		goto fail_sync;
	pthread_mutex_destroy(&im.mu);
	pthread_cond_destroy(&im.can_put);
	pthread_cond_destroy(&im.can_get);
	if ((r = vulndb_meta_get(db, "newest_modified", &newest, err)) < 0 ||
	    (im.newest > newest &&
	     (r = vulndb_meta_set(db, "newest_modified", im.newest, err)) < 0) ||
	    (r = vulndb_meta_set(db, "last_import", (int64_t)time(NULL), err)) < 0 ||
	    (r = vulndb_store_record_count(db, err)) < 0)
		goto fail;
	importer_clear(&im); /* statements finalized before COMMIT */
	if ((r = vulndb_exec(db, "COMMIT", "commit import", err)) < 0)
		goto rollback;
	/* Fold the import's WAL (as large as what it wrote) into the file
	 * now, so scans read the b-trees directly instead of looking every
	 * page up in the WAL first. Best effort: a reader holding a snapshot
	 * only delays it to sqlite's next automatic checkpoint. */
	(void)sqlite3_wal_checkpoint_v2(db->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	im.st.warnings = im.w.kept;
	im.st.n_warnings_kept = im.w.n_kept;
	im.st.n_warnings = im.w.n;
	*ret = im.st;
	return 0;
fail_sync:
	pthread_mutex_destroy(&im.mu);
	pthread_cond_destroy(&im.can_put);
	pthread_cond_destroy(&im.can_get);
fail:
	importer_clear(&im);
rollback:
	osv_warnings_clear(&im.w);
	(void)sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
	return ward_error_wrap(err, "import into %s", db->path);
}

int
ward_vulndb_import(struct ward_vulndb *db, char *const *paths, size_t n_paths,
		   struct ward_vulndb_import_stats *ret, struct ward_error **err)
{
	static const struct osv_import_limits lim = {
		.record_max = WARD_OSV_RECORD_MAX,
		.members_max = WARD_OSV_ZIP_MEMBERS_MAX,
		.total_max = WARD_OSV_ZIP_TOTAL_MAX,
		.depth_max = WARD_OSV_DIR_DEPTH_MAX,
	};

	return vulndb_import_limited(db, paths, n_paths, &lim, ret, err);
}
