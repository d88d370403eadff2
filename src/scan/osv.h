/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/scan: the OSV record parser (osv.c), the database handle
 * and its statements (vulndb.c), the importer (osv_import.c) and the
 * matcher (match.c).
 *
 * A parsed record keeps pointers into its JSON document: it lives as long
 * as rec->json. Ranges are stored in the database in a compact text form
 * (one line per item, see osv_ranges_encode) with their events already
 * sorted by the range's version order, so matching never sorts.
 */
#ifndef WARD_SCAN_OSV_H
#define WARD_SCAN_OSV_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ward/scan.h>

#define OSV_ID_MAX 128	     /* bytes in an id or alias */
#define OSV_NAME_MAX 512     /* bytes in a package name */
#define OSV_SUMMARY_MAX 1024 /* bytes of summary stored (cut at a UTF-8 boundary) */
#define OSV_DETAILS_MAX 2048 /* bytes of details stored */

/* Counted warnings: all counted, the first WARD_SCAN_WARNINGS_KEPT kept. */
struct osv_warnings {
	size_t n;
	char **kept;
	size_t n_kept;
};
void osv_warn(struct osv_warnings *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void osv_warnings_clear(struct osv_warnings *w);

enum osv_event_kind {
	OSV_EV_INTRODUCED = 'i',
	OSV_EV_LAST_AFFECTED = 'l',
	OSV_EV_FIXED = 'f',
	OSV_EV_LIMIT = 'm',
};

struct osv_event {
	char kind;	     /* enum osv_event_kind */
	const char *version; /* "0" for introduced-from-the-start, "*" for an unbounded limit */
};

enum osv_range_type {
	OSV_RANGE_ECOSYSTEM = 'E',
	OSV_RANGE_SEMVER = 'S',
};

struct osv_range {
	char type; /* enum osv_range_type; GIT ranges are dropped by the parser */
	struct osv_event *events;
	size_t n_events;
};

struct osv_affected {
	const char *ecosystem; /* exactly as the record names it: "Debian:12" */
	char *key;  /* what installed packages are looked up by (see osv_ecosystem_key) */
	char *name; /* PyPI names normalised per PEP 503, others as given */
	struct ward_ecosystem eco;
	struct osv_range *ranges;
	size_t n_ranges;
	const char **versions;
	size_t n_versions;
	enum ward_severity severity;
	double cvss; /* < 0: none */
	const char *vector;
};

struct osv_record {
	json_t *json;
	const char *id;
	int64_t modified, published, withdrawn; /* unix seconds; withdrawn 0: not withdrawn */
	const char **aliases;			/* aliases and upstream ids, without id itself */
	size_t n_aliases;
	const char *summary, *details;
	struct osv_affected *affected;
	size_t n_affected;
	struct osv_record *next; /* the importer's list of stored records */
};

/*
 * Parse one OSV document (buf, len) named `name` (a file or zip member, for
 * messages). A document that is not a valid OSV record (wrong JSON types,
 * arrays past WARD_OSV_ARRAY_MAX, missing id/modified, bad timestamps):
 * WARD_E_INVALID naming `name`, the id when known and the field. Affected
 * entries ward cannot match (unknown ecosystem, only GIT ranges) are
 * dropped; a range with a version invalid for its order is dropped with a
 * warning in `w`. The result may have no affected entries left.
 */
int osv_parse(const char *buf, size_t len, const char *name, struct osv_record *ret,
	      struct osv_warnings *w, struct ward_error **err);
void osv_record_clear(struct osv_record *rec);

/* The key an affected entry's ecosystem is stored and looked up under: the
 * ecosystem itself, except Red Hat's product streams, whose "::appstream",
 * "::baseos" ... suffix is dropped ("Red Hat:enterprise_linux:9"). */
char *osv_ecosystem_key(const char *ecosystem);
/* PEP 503: lower case, runs of '-', '_', '.' as one '-'. */
char *osv_pypi_normalize(const char *name);

/* Ranges and explicit versions of one affected entry as stored:
 * "R:E" / "R:S" opens a range, "i:V" "f:V" "l:V" "m:V" are its events in
 * order, "v:V" an explicit version; lines joined by '\n' (versions never
 * hold control characters: the parser refuses them). */
char *osv_ranges_encode(const struct osv_affected *a);

/* The severity words feeds use (GHSA "MODERATE", Debian urgency "low**",
 * Ubuntu "negligible"), case-insensitively; UNKNOWN for anything else. */
enum ward_severity osv_severity_word(const char *w);

struct ward_vulndb {
	sqlite3 *db;
	char *path;
};

int vulndb_fail(struct ward_vulndb *db, struct ward_error **err, int rc, const char *what);
int vulndb_exec(struct ward_vulndb *db, const char *sql, const char *what, struct ward_error **err);
int vulndb_prepare(struct ward_vulndb *db, const char *sql, sqlite3_stmt **ret,
		   struct ward_error **err);
/* meta table: value of key, 0 when absent. */
int vulndb_meta_get(struct ward_vulndb *db, const char *key, int64_t *ret, struct ward_error **err);
/* vulndb_meta_get, with `absent` when the key is not there. */
int vulndb_meta_get_or(struct ward_vulndb *db, const char *key, int64_t absent, int64_t *ret,
		       struct ward_error **err);
/* Store meta "records" = the number of records (at the end of an import). */
int vulndb_store_record_count(struct ward_vulndb *db, struct ward_error **err);
int vulndb_meta_set(struct ward_vulndb *db, const char *key, int64_t value,
		    struct ward_error **err);

static inline void
vulndb_finalizep(sqlite3_stmt **st)
{
	if (*st)
		(void)sqlite3_finalize(*st);
}
#define _cleanup_stmt_ _cleanup_(vulndb_finalizep)

/* The importer's bounds, overridable by tests so "too many members" does
 * not need two million of them. */
struct osv_import_limits {
	size_t record_max;  /* bytes of one document */
	size_t members_max; /* members of one zip */
	uint64_t total_max; /* bytes inflated from one zip */
	unsigned depth_max; /* directory levels */
};
int vulndb_import_limited(struct ward_vulndb *db, char *const *paths, size_t n_paths,
			  const struct osv_import_limits *lim, struct ward_vulndb_import_stats *ret,
			  struct ward_error **err);

/* How a range of `type` (OSV_RANGE_*) of ecosystem `eco` orders versions. */
static inline enum ward_version_scheme
osv_range_scheme(char type, const struct ward_ecosystem *eco)
{
	return type == OSV_RANGE_SEMVER ? WARD_VERSION_SEMVER : eco->scheme;
}

/* A version for `scheme`: SEMVER versions lose one leading 'v' ("v1.2.3"
 * as Go tags are written; the OSV spec wants none) when that makes them
 * valid. Returns v or v + 1. */
const char *osv_version_for(enum ward_version_scheme scheme, const char *v);

/* Timestamp "2024-01-02T03:04:05(.fff)(Z|+hh:mm)" (RFC 3339) to unix
 * seconds. false when malformed. */
bool osv_parse_time(const char *s, int64_t *ret);

/* Free what a finding owns and zero it (match.c; filter.c drops findings). */
void scan_finding_clear(struct ward_vuln_finding *f);

#endif
