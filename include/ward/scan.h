/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward scan: vulnerability matching of an image's packages against OSV
 * data. For now: the version order of each package ecosystem, exactly as
 * that ecosystem's own tool orders versions (dpkg, rpm, apk, semver.org,
 * PEP 440, Go modules), and the mapping from OSV ecosystem names to those
 * orders. docs/scan.md lists the rules and their sources.
 *
 * Versions come from images' package databases and from vulnerability
 * feeds: both are hostile. Every function bounds a version to
 * WARD_VERSION_MAX bytes and refuses what its scheme does not define,
 * with an error that names the version and the scheme.
 */
#ifndef WARD_SCAN_H
#define WARD_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

#include <ward/image.h>
#include <ward/util.h>

/* ==== version order (src/scan/version*.c) =============================== */

#define WARD_VERSION_MAX 256 /* bytes in one version string */

enum ward_version_scheme {
	WARD_VERSION_DPKG = 0, /* Debian, Ubuntu: [epoch:]upstream[-revision] */
	WARD_VERSION_RPM,      /* Red Hat, Rocky, Alma, SUSE...: [epoch:]version[-release] */
	WARD_VERSION_APK,      /* Alpine, Wolfi: 1.2.3a_rc1_p2~hash-r4 */
	WARD_VERSION_SEMVER,   /* npm, crates.io: semver.org 2.0.0 */
	WARD_VERSION_PEP440,   /* PyPI: PEP 440 */
	WARD_VERSION_GO,       /* Go modules: [v]1.2.3[-pre][+build], pseudo-versions */
};
#define WARD_VERSION_SCHEME_COUNT 6

/* "dpkg", "rpm", "apk", "semver", "pep440", "go"; "?" for an unknown value.
 * Static storage. */
WARD_PUBLIC const char *ward_version_scheme_name(enum ward_version_scheme scheme);
/* The inverse of ward_version_scheme_name. Unknown name: WARD_E_INVALID. */
WARD_PUBLIC int ward_version_scheme_from_name(const char *name, enum ward_version_scheme *ret,
					      struct ward_error **err);

/*
 * Order two versions of one scheme: *ret is -1 (a older than b), 0 (the
 * scheme holds them equal, e.g. PEP 440 "1.0" and "1.0.0", rpm "1.0" and
 * "1_0") or 1. Either version invalid for the scheme, or longer than
 * WARD_VERSION_MAX: WARD_E_INVALID naming it, *ret untouched. Unknown
 * scheme: WARD_E_INVALID.
 */
WARD_PUBLIC int ward_version_compare(enum ward_version_scheme scheme, const char *a, const char *b,
				     int *ret, struct ward_error **err);
/* 0 when v is a valid version of the scheme, else WARD_E_INVALID saying
 * what is wrong with it ("dpkg version 'a1': ... must start with a digit"). */
WARD_PUBLIC int ward_version_check(enum ward_version_scheme scheme, const char *v,
				   struct ward_error **err);
/* ward_version_check without the message. NULL is not valid. */
WARD_PUBLIC bool ward_version_valid(enum ward_version_scheme scheme, const char *v);

/* ==== OSV ecosystems ===================================================== */

enum ward_ecosystem_kind {
	WARD_ECOSYSTEM_DISTRO = 0, /* OS packages: Debian, Alpine, Red Hat ... */
	WARD_ECOSYSTEM_LANGUAGE,   /* language packages: npm, PyPI, Go, crates.io */
};

struct ward_ecosystem {
	const char *name; /* canonical OSV name, static storage: "Debian", "Red Hat" */
	enum ward_ecosystem_kind kind;
	enum ward_version_scheme scheme;
};

/*
 * Look up an OSV "ecosystem" value: "Debian", "Debian:12", "Ubuntu:22.04",
 * "Ubuntu:Pro:18.04:LTS", "Alpine:v3.18", "Red Hat:enterprise_linux:9::appstream",
 * "Rocky Linux:9", "AlmaLinux:8", "npm", "PyPI", "Go", "crates.io" ...
 * The name before the first ':' is matched exactly (OSV names are case
 * sensitive). *ret_release, when not NULL, points into `osv` after that
 * ':' (the release, "12", "v3.18") or is NULL when there is none. An
 * ecosystem whose order ward does not implement: WARD_E_UNSUPPORTED naming it;
 * an empty value or one over 256 bytes: WARD_E_INVALID.
 */
WARD_PUBLIC int ward_ecosystem_lookup(const char *osv, struct ward_ecosystem *ret,
				      const char **ret_release, struct ward_error **err);

/* ==== inventory: what is installed in a root filesystem ================== *
 * src/scan/inventory*.c. Package databases in a rootfs are hostile input:
 * every file is opened through the rootfs (openat2 RESOLVE_IN_ROOT, no
 * symlink leaves it), bounded by WARD_SCAN_DB_MAX, and a malformed record is
 * a counted warning, never a crash; only an unreadable rootfs fails.
 */

#define WARD_SCAN_DB_MAX (256u << 20)	 /* one package database file */
#define WARD_SCAN_PACKAGES_MAX 200000u /* packages in one inventory */
#define WARD_SCAN_WARNINGS_KEPT 64u	 /* warning texts kept (all are counted) */

enum ward_pkg_type {
	WARD_PKG_DPKG = 0, /* /var/lib/dpkg/status, status.d/ (distroless) */
	WARD_PKG_APK,	   /* /lib/apk/db/installed */
	WARD_PKG_RPM,	   /* rpmdb.sqlite */
	WARD_PKG_NPM,	   /* package-lock.json, node_modules/ NAME /package.json */
	WARD_PKG_PYPI,	   /* *.dist-info/METADATA */
	WARD_PKG_GO,	   /* Go module build info in an ELF binary */
};
#define WARD_PKG_TYPE_COUNT 6

/* "deb", "apk", "rpm", "npm", "pypi", "golang": the purl type. Static. */
WARD_PUBLIC const char *ward_pkg_type_name(enum ward_pkg_type t);

/* /etc/os-release (else /usr/lib/os-release). Members NULL when absent. */
struct ward_os_release {
	char *id;	      /* "debian", "alpine", "rhel", "ubuntu" */
	char *version_id;     /* "12", "3.19.1", "9.3", "22.04" */
	char *version_codename;
	char *pretty_name;
	char *id_like;
};

struct ward_package {
	enum ward_pkg_type type;
	char *name;
	char *version;	      /* as the database records it: "1:2.38-1+b1" */
	char *source_name;    /* dpkg Source:, rpm SOURCERPM's name; NULL: same as name */
	char *source_version; /* the source's version; NULL: same as version */
	char *arch;	      /* NULL when the database has none */
	char *license;	      /* NULL when the database has none */
	char *location;	      /* path in the rootfs it was read from */
	char *purl;	      /* package URL, e.g. pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12 */
};

struct ward_inventory {
	struct ward_os_release os;
	struct ward_package *pkgs;
	size_t n_pkgs;
	size_t n_warnings;  /* malformed records and files skipped */
	char **warnings;    /* the first WARD_SCAN_WARNINGS_KEPT of them */
	size_t n_warnings_kept;
	char *source;	    /* what was scanned: "image sha256:..", "rootfs DIR", "sbom FILE" */
};

WARD_PUBLIC void ward_inventory_free(struct ward_inventory *inv);
static inline void
ward_inventory_freep(struct ward_inventory **inv)
{
	ward_inventory_free(*inv);
}

/*
 * Read the OS release and every package database in the rootfs that
 * `rootfs_fd` (an O_PATH or O_DIRECTORY fd) names. `source` is copied to
 * inv->source. A BerkeleyDB rpm database (/var/lib/rpm/Packages) fails with
 * WARD_E_UNSUPPORTED saying so; no package database at all is an empty
 * inventory, not an error.
 */
WARD_PUBLIC int ward_scan_inventory(int rootfs_fd, const char *source,
				    struct ward_inventory **ret, struct ward_error **err);

/* The image's filesystem (its layers under one read-only overlay mount
 * that is never attached to the mount tree: fsopen/fsmount), as a dirfd
 * for ward_scan_inventory. */
WARD_PUBLIC int ward_scan_open_image_rootfs(struct ward_store *store,
					    const struct ward_digest *manifest, int *ret_fd,
					    struct ward_error **err);

/* ==== SBOM: CycloneDX 1.5 JSON and SPDX 2.3 JSON (src/scan/sbom*.c) ====== */

#define WARD_SBOM_MAX (64u << 20) /* an SBOM file read in */

enum ward_sbom_format {
	WARD_SBOM_CYCLONEDX = 0,
	WARD_SBOM_SPDX,
};

/* Parse an SBOM (format detected from its content: bomFormat/spdxVersion)
 * into an inventory; packages need a purl whose type ward knows. Cycles in
 * dependencies or relationships are never followed. */
WARD_PUBLIC int ward_sbom_read(const char *buf, size_t len, const char *name,
			       struct ward_inventory **ret, struct ward_error **err);

/* "cyclonedx", "spdx"; "?" for an unknown value. Static. */
WARD_PUBLIC const char *ward_sbom_format_name(enum ward_sbom_format fmt);
/* The inverse ("cyclonedx", "spdx", also "spdx-json"); else WARD_E_INVALID. */
WARD_PUBLIC int ward_sbom_format_from_name(const char *name, enum ward_sbom_format *ret,
					   struct ward_error **err);

struct ward_vuln_finding;

/*
 * Write the inventory as an SBOM: CycloneDX 1.5 JSON (components with
 * bom-ref, purl, licenses; metadata naming the tool and inv->source; with
 * findings, a `vulnerabilities` array: id, source, CVSS v3 rating, affects
 * by bom-ref, "upgrade to X" recommendation) or SPDX 2.3 JSON (packages
 * with a PACKAGE-MANAGER purl external ref, DESCRIBES relationships;
 * findings are not written: SPDX 2.3 has no place for them). Findings are
 * read only; one whose pkg index is out of range is WARD_E_INVALID.
 * *ret (NUL-terminated, caller frees) and *ret_len on success.
 */
WARD_PUBLIC int ward_sbom_write(const struct ward_inventory *inv,
				const struct ward_vuln_finding *findings, size_t n_findings,
				enum ward_sbom_format fmt, char **ret, size_t *ret_len,
				struct ward_error **err);

/* ==== vulnerability database: OSV records in sqlite (src/scan/vulndb*.c) == */

#define WARD_OSV_RECORD_MAX (4u << 20) /* one OSV JSON document */
#define WARD_OSV_ARRAY_MAX 10000u      /* entries in any array of one record */
#define WARD_OSV_ZIP_MEMBERS_MAX 2000000u	/* members of one zip archive */
#define WARD_OSV_ZIP_TOTAL_MAX (8ull << 30)	/* bytes inflated from one zip archive */
#define WARD_OSV_DIR_DEPTH_MAX 32		/* directory levels walked by an import */

/* Opened database: <root>/vulndb/osv.db. Opaque; one handle per thread. */
struct ward_vulndb;

/* Open (create: with its directory, 0700, and the file 0600) the database
 * at `path`. Absent without create: WARD_E_NOTFOUND. A file that is not
 * sqlite, or another program's sqlite database (left untouched):
 * WARD_E_INVALID; a newer schema: WARD_E_UNSUPPORTED. docs/scan.md has
 * the schema. */
WARD_PUBLIC int ward_vulndb_open(const char *path, bool create, struct ward_vulndb **ret,
				 struct ward_error **err);
WARD_PUBLIC void ward_vulndb_close(struct ward_vulndb *db);
static inline void
ward_vulndb_closep(struct ward_vulndb **db)
{
	ward_vulndb_close(*db);
}

struct ward_vulndb_import_stats {
	size_t records;	  /* OSV records stored (new or replaced) */
	size_t withdrawn; /* records skipped because withdrawn */
	size_t skipped;	  /* invalid records or unknown ecosystems (counted warnings) */
	size_t files;
	char **warnings;  /* first WARD_SCAN_WARNINGS_KEPT texts */
	size_t n_warnings_kept;
	size_t unchanged; /* records already stored with the same or a newer `modified` */
	size_t n_warnings; /* all warnings (skipped records and dropped ranges or entries) */
};
WARD_PUBLIC void ward_vulndb_import_stats_clear(struct ward_vulndb_import_stats *st);

/* Import OSV JSON files, directories of them (recursively) or OSV's
 * per-ecosystem zip archives (all.zip), in one transaction: on failure the
 * database is as it was. A record whose id exists is replaced when its
 * `modified` is newer; a newer withdrawal removes it. Invalid records are
 * counted warnings in *ret (owned by the caller: _clear it); an unreadable
 * path, a corrupt zip or one past WARD_OSV_ZIP_MEMBERS_MAX/_TOTAL_MAX fails
 * the import. Reads and parses on a second thread while this one writes. */
WARD_PUBLIC int ward_vulndb_import(struct ward_vulndb *db, char *const *paths, size_t n_paths,
				   struct ward_vulndb_import_stats *ret, struct ward_error **err);

struct ward_vulndb_source {
	char *ecosystem; /* "Debian:12", "npm" */
	size_t records;
};
struct ward_vulndb_status {
	size_t records;
	int64_t last_import; /* unix seconds; 0: never */
	int64_t newest_modified;
	struct ward_vulndb_source *sources;
	size_t n_sources;
};
WARD_PUBLIC int ward_vulndb_status(struct ward_vulndb *db, struct ward_vulndb_status *ret,
				   struct ward_error **err);
WARD_PUBLIC void ward_vulndb_status_clear(struct ward_vulndb_status *st);
/* What a scan needs of the status, without the per-ecosystem counts (a
 * pass over every affected row: 40 ms of a 60 ms scan at 100,000 records):
 * records, last_import and newest_modified; sources stays empty. */
WARD_PUBLIC int ward_vulndb_freshness(struct ward_vulndb *db, struct ward_vulndb_status *ret,
				      struct ward_error **err);

/* ==== findings ============================================================ */

enum ward_severity {
	WARD_SEV_UNKNOWN = 0,
	WARD_SEV_LOW,
	WARD_SEV_MEDIUM,
	WARD_SEV_HIGH,
	WARD_SEV_CRITICAL,
};
/* "UNKNOWN", "LOW", ... Static. */
WARD_PUBLIC const char *ward_severity_name(enum ward_severity s);
/* Case-insensitive inverse; WARD_E_INVALID naming the value. */
WARD_PUBLIC int ward_severity_from_name(const char *name, enum ward_severity *ret,
					struct ward_error **err);

/* CVSS v3.0/v3.1 base score (0.0 - 10.0) of a vector "CVSS:3.1/AV:N/...",
 * by FIRST's formulas and rounding. Every base metric exactly once;
 * temporal/environmental metrics are checked but do not change the base
 * score. Anything else: WARD_E_INVALID naming the vector and the metric. */
WARD_PUBLIC int ward_cvss3_base_score(const char *vector, double *ret, struct ward_error **err);
/* The specification's rating of a score: >= 9.0 CRITICAL, >= 7.0 HIGH,
 * >= 4.0 MEDIUM, else LOW (0.0 "None" included); a negative score UNKNOWN. */
WARD_PUBLIC enum ward_severity ward_cvss_severity(double score);

struct ward_vuln_finding {
	size_t pkg;	  /* index into the inventory's pkgs */
	char *id;	  /* the record's id: "CVE-2023-1234", "DSA-5000-1", "GHSA-..." */
	char **aliases;	  /* other ids of the same vulnerability, merged */
	size_t n_aliases;
	char *summary;	  /* NULL when the record has none */
	enum ward_severity severity;
	double cvss_score;	/* CVSS v3 base score; < 0 when none */
	char *cvss_vector;	/* "CVSS:3.1/AV:N/..." or NULL */
	char *fixed_version;	/* first fixed version after the installed one; NULL: no fix */
	char *ecosystem;	/* the record's affected[].package.ecosystem */
	char *matched_name;	/* the name matched: the source package for Debian */
	/* Filled by the filters (ignore file, VEX), not by matching: */
	bool suppressed;
	char *suppressed_by; /* "ignore file .wardignore: reason" or "VEX: not_affected" */
};

struct ward_scan_report {
	struct ward_inventory *inv; /* owned */
	struct ward_vuln_finding *findings;
	size_t n_findings;
	int64_t db_newest_modified; /* the database's age at scan time */
	int64_t db_last_import;
	int64_t scanned_at;
	char *image_digest; /* NULL unless an image was scanned */
	char *image_ref;    /* NULL unless an image was scanned */
};
WARD_PUBLIC void ward_scan_report_free(struct ward_scan_report *r);
static inline void
ward_scan_report_freep(struct ward_scan_report **r)
{
	ward_scan_report_free(*r);
}

/* Match every package of `inv` (ownership passes to the report, also on
 * failure) against the database: distribution packages under the OSV
 * ecosystem of inv->os ("Debian:12", "Alpine:v3.19"...; Debian and Ubuntu
 * by source package), language packages under npm/PyPI/Go; records that
 * alias each other for one package are one finding. Rules: docs/scan.md
 * "Matching rules". *ret owned by the caller (ward_scan_report_free). */
WARD_PUBLIC int ward_vulndb_match(struct ward_vulndb *db, struct ward_inventory *inv,
				  struct ward_scan_report **ret, struct ward_error **err);

/* ==== report output and filters (src/scan/report*.c, filter.c) ========== *
 * What `ward scan` does with a report after matching: filters (severity,
 * unfixed, ignore file, OpenVEX), the CI fail decision, the output formats
 * (table, ward's JSON, SARIF 2.1.0) and the per-image result cache.
 * docs/scan.md "Output and CI gate" documents the formats.
 */
#include <stdio.h>

#define WARD_IGNORE_FILE_MAX (1u << 20)	 /* bytes in one ignore file */
#define WARD_IGNORE_ENTRIES_MAX 10000u	 /* entries in one ignore file */
#define WARD_IGNORE_LINE_MAX 4096u	 /* bytes in one line of it */
#define WARD_VEX_MAX (16u << 20)	 /* bytes in one OpenVEX document */
#define WARD_VEX_STATEMENTS_MAX 100000u /* statements in one document */
#define WARD_VEX_LIST_MAX 10000u	 /* products, subcomponents, aliases of one statement */
#define WARD_SCAN_JSON_MAX (512u << 20)  /* a serialized report read back (cache) */

/* "CRITICAL,HIGH" (case-insensitive, comma separated, blanks allowed) into a
 * mask of (1u << enum ward_severity) bits. An unknown name or an empty list:
 * WARD_E_INVALID naming it. */
WARD_PUBLIC int ward_severity_mask_parse(const char *list, unsigned *ret_mask,
					 struct ward_error **err);

/*
 * An ignore file (.wardignore), one entry a line:
 *
 *     ID [PACKAGE] [until=YYYY-MM-DD] # reason
 *
 * ID matches a finding's id or any of its aliases (ASCII case-insensitive),
 * PACKAGE (optional) the package's name or source name; the entry applies
 * until the end of the `until` day (UTC), after which it no longer
 * suppresses and is reported as a warning. The reason after '#' is
 * required. Blank lines and lines starting with '#' are comments. Any other
 * syntax, a bad date, a missing reason or a limit (WARD_IGNORE_*) passed:
 * WARD_E_INVALID naming `name` and the line. Opaque.
 */
struct ward_ignore_file;
WARD_PUBLIC int ward_ignore_parse(const char *buf, size_t len, const char *name,
				  struct ward_ignore_file **ret, struct ward_error **err);
WARD_PUBLIC void ward_ignore_free(struct ward_ignore_file *f);
static inline void
ward_ignore_freep(struct ward_ignore_file **f)
{
	ward_ignore_free(*f);
}
WARD_PUBLIC size_t ward_ignore_count(const struct ward_ignore_file *f);

/*
 * An OpenVEX document (0.2.0; the 0.0.x string forms of `vulnerability`
 * and `products` are accepted too). Statements name a vulnerability
 * (name, @id, aliases), products by purl (@id or identifiers.purl) with
 * optional subcomponents, and a status. Opaque. Wrong types, an unknown
 * status, a not_affected statement with neither justification nor
 * impact_statement, or a limit (WARD_VEX_*) passed: WARD_E_INVALID naming
 * `name` and the statement.
 */
struct ward_vex;
WARD_PUBLIC int ward_vex_parse(const char *buf, size_t len, const char *name,
			       struct ward_vex **ret, struct ward_error **err);
WARD_PUBLIC void ward_vex_free(struct ward_vex *v);
static inline void
ward_vex_freep(struct ward_vex **v)
{
	ward_vex_free(*v);
}
WARD_PUBLIC size_t ward_vex_count(const struct ward_vex *v);

struct ward_scan_filter {
	unsigned severity_mask; /* bits (1u << enum ward_severity); 0: every severity */
	bool ignore_unfixed;	/* drop findings without a fixed version */
	const struct ward_ignore_file *ignore; /* NULL: none */
	const struct ward_vex *const *vex;     /* applied in order, later ones win ties */
	size_t n_vex;
	int64_t now; /* unix seconds, for ignore-file expiry; 0: time(NULL) */
};

struct ward_scan_filter_stats {
	size_t dropped_severity, dropped_unfixed; /* removed from the report */
	size_t suppressed_ignore, suppressed_vex; /* kept, marked suppressed */
	char **warnings; /* NULL-terminated: expired ignore entries */
	size_t n_warnings;
};
WARD_PUBLIC void ward_scan_filter_stats_clear(struct ward_scan_filter_stats *st);

/*
 * Apply f to r: findings outside the severity mask, or unfixed under
 * ignore_unfixed, are removed; then ignore-file entries, then VEX
 * statements mark findings suppressed (suppressed_by says which entry and
 * why). A VEX statement's effect is its status: not_affected and fixed
 * suppress, affected and under_investigation keep (and undo an earlier
 * VEX suppression); among the statements matching a finding the latest
 * (timestamp, then order) decides. Only -ENOMEM fails.
 */
WARD_PUBLIC int ward_scan_filter_apply(struct ward_scan_report *r, const struct ward_scan_filter *f,
				       struct ward_scan_filter_stats *ret,
				       struct ward_error **err);

/* The CI gate: the number of findings not suppressed whose severity is at
 * or above fail_on (WARD_SEV_UNKNOWN counts every finding). */
WARD_PUBLIC size_t ward_scan_failing(const struct ward_scan_report *r, enum ward_severity fail_on);

/*
 * ward's JSON report ("schemaVersion": 1), documented in docs/scan.md.
 * all_packages: list every package, not only those with findings (the
 * cache keeps the whole inventory so a cached report renders every
 * format). *ret is a new reference.
 */
WARD_PUBLIC int ward_scan_report_json(const struct ward_scan_report *r, bool all_packages,
				      json_t **ret, struct ward_error **err);
/* The inverse, for a document written with all_packages (hostile-safe:
 * bounded by WARD_SCAN_PACKAGES_MAX packages, findings refer to packages
 * in range). WARD_E_INVALID naming the field on a malformed document. */
WARD_PUBLIC int ward_scan_report_from_json(json_t *doc, struct ward_scan_report **ret,
					   struct ward_error **err);

/* SARIF 2.1.0: one run, tool.driver "ward", one rule per vulnerability id,
 * one result per finding (suppressed ones carry `suppressions`). */
WARD_PUBLIC int ward_scan_report_sarif(const struct ward_scan_report *r, json_t **ret,
				       struct ward_error **err);

/* The table for people, grouped by package, each group closed by the
 * upgrade that removes its findings ("patch guidance"). color: ANSI
 * colours for severities. Returns 0 or -errno of the failed write. */
WARD_PUBLIC int ward_scan_report_table(const struct ward_scan_report *r, FILE *out, bool color,
				       struct ward_error **err);

/*
 * Scan results cached per image manifest digest and database import time
 * (sqlite, <root>/vulndb/scan-cache.db). A report is stored before any
 * filter, so each scan filters afresh.
 */
#define WARD_SCAN_CACHE_VERSION 1 /* bumped when inventory or report shape changes */
struct ward_scan_cache;
WARD_PUBLIC int ward_scan_cache_open(const char *path, struct ward_scan_cache **ret,
				     struct ward_error **err);
WARD_PUBLIC void ward_scan_cache_close(struct ward_scan_cache *c);
static inline void
ward_scan_cache_closep(struct ward_scan_cache **c)
{
	ward_scan_cache_close(*c);
}
/* 1 and *ret on a hit for (digest, db_last_import), 0 on a miss (an
 * unreadable entry is a miss and is deleted). */
WARD_PUBLIC int ward_scan_cache_get(struct ward_scan_cache *c, const char *digest,
				    int64_t db_last_import, struct ward_scan_report **ret,
				    struct ward_error **err);
/* Store r (r->image_digest must be set), replacing older entries of that
 * digest. */
WARD_PUBLIC int ward_scan_cache_put(struct ward_scan_cache *c, const struct ward_scan_report *r,
				    struct ward_error **err);

#endif
