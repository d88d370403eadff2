/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rpm's database: rpmdb.sqlite (rpm >= 4.16: Fedora 33+, RHEL 9, Rocky,
 * Alma; Debian's rpm 4.18 writes it too), table Packages(hnum, blob), one
 * header per package. A header blob, as rpm's headerExport() writes it:
 *   be32 il (index entries), be32 dl (data bytes),
 *   il x { be32 tag, be32 type, be32 offset, be32 count },
 *   dl bytes of data store.
 * We parse it ourselves, bounded as rpm's hdrblobInit() bounds it, rather
 * than linking librpm into the engine.
 *
 * The database file is the image's: it is read through the rootfs (no
 * symlink out of it) into memory and handed to sqlite with
 * sqlite3_deserialize, so sqlite never opens a path, a journal or a WAL
 * file of the image. The schema is hostile too: triggers, views and
 * untrusted schema functions are off, and a progress handler bounds the
 * work a crafted database can make a query do.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "inventory_internal.h"

#define RPMTAG_HEADERIMMUTABLE 63
#define RPMTAG_NAME 1000
#define RPMTAG_VERSION 1001
#define RPMTAG_RELEASE 1002
#define RPMTAG_EPOCH 1003
#define RPMTAG_LICENSE 1014
#define RPMTAG_ARCH 1022
#define RPMTAG_SOURCERPM 1044

#define RPM_INT32_TYPE 4
#define RPM_STRING_TYPE 6
#define RPM_STRING_ARRAY_TYPE 8
#define RPM_I18NSTRING_TYPE 9

/* Progress-handler calls (every 1000 VM steps) allowed for the whole read:
 * enough for 100,000 packages, not for a recursive trigger bomb. */
#define RPM_SQLITE_STEPS_MAX 2000000u

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void
scan_rpm_header_clear(struct scan_rpm_header *h)
{
	free(h->name);
	free(h->version);
	free(h->release);
	free(h->arch);
	free(h->license);
	free(h->sourcerpm);
	memset(h, 0, sizeof(*h));
}

/* The (first) string at data[off]: must end inside the data store. */
static const char *
get_string(const uint8_t *data, uint32_t dl, uint32_t off, uint32_t type, char **ret, bool *oom)
{
	const uint8_t *nul;

	if (type != RPM_STRING_TYPE && type != RPM_STRING_ARRAY_TYPE && type != RPM_I18NSTRING_TYPE)
		return "a string tag of a non-string type";
	if (off >= dl)
		return "a string offset past the data store";
	nul = memchr(data + off, '\0', dl - off);
	if (!nul)
		return "a string running past the data store";
	if (*ret)
		return NULL; /* a duplicate tag: the first is rpm's */
	*ret = scan_strndup_clean((const char *)data + off, (size_t)(nul - (data + off)));
	if (!*ret)
		*oom = true;
	return NULL;
}

const char *
scan_rpm_header_parse(const uint8_t *blob, size_t len, struct scan_rpm_header *ret, bool *ret_oom)
{
	struct scan_rpm_header h = {0};
	const uint8_t *index, *data;
	uint32_t il, dl;
	const char *why = NULL;
	bool oom = false;

	*ret_oom = false;
	if (len < 8)
		return "shorter than a header's 8-byte preamble";
	if (len > SCAN_RPM_HEADER_MAX)
		return "larger than 16 MiB";
	il = be32(blob);
	dl = be32(blob + 4);
	/* rpm's own bounds (hdrblobInit): il in [1, 0xffff], and the blob is
	 * exactly preamble + index + data, so no entry can point past it. */
	if (il == 0 || il > SCAN_RPM_TAGS_MAX)
		return "an index entry count outside 1..65535";
	if ((uint64_t)8 + (uint64_t)il * 16 + dl != len)
		return "index and data sizes that do not add up to the blob's length";
	index = blob + 8;
	data = index + (size_t)il * 16;
	for (uint32_t i = 0; i < il && !why && !oom; i++) {
		const uint8_t *e = index + (size_t)i * 16;
		uint32_t tag = be32(e), type = be32(e + 4), off = be32(e + 8), count = be32(e + 12);
		/* rpm's hdrblobVerifyInfo refuses any entry pointing outside
		 * the data store, whatever its tag. */
		if (off > dl) {
			why = "an entry whose offset is past the data store";
			break;
		}
		if (count == 0)
			continue;
		switch (tag) {
		case RPMTAG_NAME:
			why = get_string(data, dl, off, type, &h.name, &oom);
			break;
		case RPMTAG_VERSION:
			why = get_string(data, dl, off, type, &h.version, &oom);
			break;
		case RPMTAG_RELEASE:
			why = get_string(data, dl, off, type, &h.release, &oom);
			break;
		case RPMTAG_LICENSE:
			why = get_string(data, dl, off, type, &h.license, &oom);
			break;
		case RPMTAG_ARCH:
			why = get_string(data, dl, off, type, &h.arch, &oom);
			break;
		case RPMTAG_SOURCERPM:
			why = get_string(data, dl, off, type, &h.sourcerpm, &oom);
			break;
		case RPMTAG_EPOCH:
			if (type != RPM_INT32_TYPE || (off & 3) || (uint64_t)off + 4 > dl)
				why = "an EPOCH that is not an aligned int32 inside the data store";
			else if (!h.has_epoch) {
				h.has_epoch = true;
				h.epoch = be32(data + off);
			}
			break;
		default:
			break;
		}
	}
	if (!why && !oom && (!h.name || !h.name[0]))
		why = "no NAME";
	if (!why && !oom && (!h.version || !h.version[0] || !h.release))
		why = "no VERSION or RELEASE";
	if (why || oom) {
		scan_rpm_header_clear(&h);
		*ret_oom = oom;
		return oom ? "out of memory" : why;
	}
	*ret = h;
	return NULL;
}

int
scan_rpm_add(struct scan_inv *b, const struct scan_rpm_header *h, const char *location,
	     struct ward_error **err)
{
	_cleanup_free_ char *version = NULL, *sname = NULL, *sversion = NULL, *srpm = NULL;

	/* Imported signing keys are pseudo-packages, not software. */
	if (strcmp(h->name, "gpg-pubkey") == 0)
		return 0;
	version = h->has_epoch ? ward_strdup_printf("%u:%s-%s", h->epoch, h->version, h->release)
			       : ward_strdup_printf("%s-%s", h->version, h->release);
	if (!version)
		return ward_error_set(err, ENOMEM, "%s", location);
	/* SOURCERPM "name-version-release.src.rpm": split at the last two
	 * '-'. Its version is the binary's epoch with the source's V-R, as
	 * Red Hat's advisories name source packages. */
	if (h->sourcerpm && h->sourcerpm[0] && strcmp(h->sourcerpm, "(none)") != 0) {
		char *r, *v, *dot;
		if (!(srpm = strdup(h->sourcerpm)))
			return ward_error_set(err, ENOMEM, "%s", location);
		if ((dot = strstr(srpm, ".src.rpm")) || (dot = strstr(srpm, ".nosrc.rpm")))
			*dot = '\0';
		r = strrchr(srpm, '-');
		if (r) {
			*r = '\0';
			v = strrchr(srpm, '-');
			if (v && v > srpm && r[1] && v[1]) {
				*v = '\0';
				sname = strdup(srpm);
				sversion = h->has_epoch ? ward_strdup_printf("%u:%s-%s", h->epoch,
									     v + 1, r + 1)
							: ward_strdup_printf("%s-%s", v + 1, r + 1);
				if (!sname || !sversion)
					return ward_error_set(err, ENOMEM, "%s", location);
			}
		}
		if (!sname)
			scan_warn(b, "%s: package '%s': SOURCERPM '%s' is not name-version-release",
				  location, h->name, h->sourcerpm);
	}
	{
		struct scan_pkg_in in = {
			.type = WARD_PKG_RPM,
			.name = h->name,
			.version = version,
			.source_name = sname,
			.source_version = sversion,
			.arch = h->arch && strcmp(h->arch, "(none)") != 0 ? h->arch : NULL,
			.license = h->license,
			.location = location,
		};
		return scan_inv_add(b, &in, err);
	}
}

static int
progress(void *arg)
{
	unsigned *steps = arg;
	return ++*steps > RPM_SQLITE_STEPS_MAX;
}

int
scan_rpm_sqlite_parse(struct scan_inv *b, uint8_t *dbuf, size_t len, const char *location,
		      struct ward_error **err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	unsigned steps = 0;
	size_t rows = 0;
	int rc, r = 0;

	if (len < 100 || memcmp(dbuf, "SQLite format 3", 16) != 0) {
		scan_warn(b, "%s: not an sqlite database; skipped", location);
		return 0;
	}
	/* A WAL-mode header makes the in-memory database refuse to open; the
	 * copy is ours, and the WAL file was never read, so rollback mode
	 * describes it truly. */
	if (dbuf[18] == 2)
		dbuf[18] = 1;
	if (dbuf[19] == 2)
		dbuf[19] = 1;
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(db);
		return ward_error_set(err, ENOMEM, "%s: sqlite", location);
	}
	/* What a crafted schema could make sqlite run on our behalf. */
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, (int)SCAN_RPM_HEADER_MAX);
	sqlite3_progress_handler(db, 1000, progress, &steps);
	rc = sqlite3_deserialize(db, "main", dbuf, (sqlite3_int64)len, (sqlite3_int64)len,
				 SQLITE_DESERIALIZE_READONLY);
	if (rc != SQLITE_OK) {
		scan_warn(b, "%s: sqlite cannot open it: %s; skipped", location,
			  sqlite3_errstr(rc));
		goto out;
	}
	rc = sqlite3_prepare_v2(
		db,
		"SELECT hnum, blob FROM main.Packages WHERE "
		"(SELECT type FROM main.sqlite_master WHERE name = 'Packages') = 'table'",
		-1, &st, NULL);
	if (rc != SQLITE_OK) {
		scan_warn(b, "%s: no Packages table (%s); skipped", location, sqlite3_errmsg(db));
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct scan_rpm_header h;
		sqlite3_int64 hnum = sqlite3_column_int64(st, 0);
		const void *blob;
		const char *why;
		int blen;
		bool oom;

		if (++rows > SCAN_RPM_ROWS_MAX) {
			scan_warn(b, "%s: more than %u rows, the rest not read", location,
				  SCAN_RPM_ROWS_MAX);
			break;
		}
		if (sqlite3_column_type(st, 1) != SQLITE_BLOB) {
			scan_warn(b, "%s: header %lld: not a blob; skipped", location,
				  (long long)hnum);
			continue;
		}
		blob = sqlite3_column_blob(st, 1);
		blen = sqlite3_column_bytes(st, 1);
		if (!blob || blen <= 0) {
			scan_warn(b, "%s: header %lld: empty; skipped", location, (long long)hnum);
			continue;
		}
		why = scan_rpm_header_parse(blob, (size_t)blen, &h, &oom);
		if (oom) {
			r = ward_error_set(err, ENOMEM, "%s", location);
			goto out;
		}
		if (why) {
			scan_warn(b, "%s: header %lld: %s; skipped", location, (long long)hnum,
				  why);
			continue;
		}
		r = scan_rpm_add(b, &h, location, err);
		scan_rpm_header_clear(&h);
		if (r < 0)
			goto out;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		scan_warn(b, "%s: reading stopped: %s", location,
			  steps > RPM_SQLITE_STEPS_MAX
				  ? "too much work for sqlite (a crafted database?)"
				  : sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return r;
}

/* True when `path` exists in the rootfs (as any kind of file). */
static bool
exists_in_root(int rootfs_fd, const char *path)
{
	struct ward_error *e = NULL;
	int fd = ward_fs_open_in_root(rootfs_fd, path, O_PATH, 0, &e);

	ward_error_free(e);
	if (fd < 0)
		return false;
	(void)close(fd);
	return true;
}

int
scan_rpm_read(struct scan_inv *b, int rootfs_fd, struct ward_error **err)
{
	static const char *const dirs[] = {"/usr/lib/sysimage/rpm", "/var/lib/rpm"};
	char path[64], wal[80];

	for (size_t i = 0; i < WARD_ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		uint64_t wsize = 0;
		int r, wfd;

		snprintf(path, sizeof(path), "%s/rpmdb.sqlite", dirs[i]);
		r = scan_read_file(b, rootfs_fd, path, true, WARD_SCAN_DB_MAX, path, &buf, &len,
				   err);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		snprintf(wal, sizeof(wal), "%s-wal", path);
		wfd = scan_open_file(rootfs_fd, wal, true, &wsize);
		if (wfd >= 0) {
			(void)close(wfd);
			if (wsize > 0)
				scan_warn(b,
					  "%s: %llu bytes of write-ahead log not checkpointed are "
					  "not read: the newest changes may be missing",
					  wal, (unsigned long long)wsize);
		}
		/* Fedora's /var/lib/rpm is a symlink to the sysimage dir: one
		 * database, read once. */
		return scan_rpm_sqlite_parse(b, (uint8_t *)buf, len, path, err);
	}
	for (size_t i = 0; i < WARD_ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/Packages", dirs[i]);
		if (exists_in_root(rootfs_fd, path))
			return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
					       "rpm BerkeleyDB database %s: not supported (rpm "
					       "before 4.16; convert it with rpmdb --rebuilddb "
					       "--define '_db_backend sqlite')",
					       path);
		snprintf(path, sizeof(path), "%s/Packages.db", dirs[i]);
		if (exists_in_root(rootfs_fd, path))
			return ward_error_setk(
				err, WARD_E_UNSUPPORTED, 0,
				"rpm ndb database %s: not supported (convert it with "
				"rpmdb --rebuilddb --define '_db_backend sqlite')",
				path);
	}
	return 0;
}
