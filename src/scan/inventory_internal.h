/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/scan's inventory and SBOM code. Every parser takes the
 * bytes of one file, (buf, len), and adds packages to a builder; a
 * malformed record is a warning on the builder, never a failure, so that
 * one corrupt entry does not hide the rest of an image. Only running out
 * of memory fails a parser.
 */
#ifndef WARD_SCAN_INVENTORY_INTERNAL_H
#define WARD_SCAN_INVENTORY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ward/scan.h>

/* Bounds for one file of each kind and for the rootfs walk. */
#define SCAN_OS_RELEASE_MAX (64u << 10)	 /* /etc/os-release */
#define SCAN_FIELD_MAX 4096u		 /* one value kept from a record */
#define SCAN_PKG_JSON_MAX (1u << 20)	 /* node_modules/NAME/package.json */
#define SCAN_NPM_LOCK_MAX (64u << 20)	 /* package-lock.json */
#define SCAN_NPM_LOCK_DEPTH 32u		 /* nested "dependencies" of a v1 lock file */
#define SCAN_METADATA_MAX (4u << 20)	 /* *.dist-info/METADATA */
#define SCAN_STATUS_D_MAX 100000u	 /* files in /var/lib/dpkg/status.d */
#define SCAN_WALK_MAX_DEPTH 48u		 /* directory levels below the rootfs */
#define SCAN_WALK_MAX_ENTRIES 1000000u	 /* names looked at in one walk */
#define SCAN_ELF_MAX (2ull << 30)	 /* an executable looked into for Go build info */
#define SCAN_GO_BUILDINFO_MAX (1u << 20) /* Go version + module info strings */
#define SCAN_GO_DEPS_MAX 20000u		 /* modules in one binary */
#define SCAN_RPM_HEADER_MAX (16u << 20)	 /* one rpm header blob */
#define SCAN_RPM_TAGS_MAX 0xffffu	 /* index entries in one header (rpm's own limit) */
#define SCAN_RPM_ROWS_MAX 100000u	 /* rows read from the Packages table */

/* The inventory being built, with what the purls need from the OS. */
struct scan_inv {
	struct ward_inventory *inv;
	size_t cap;
	size_t max_pkgs; /* WARD_SCAN_PACKAGES_MAX; tests lower it */
	bool full_warned;
	char *distro; /* purl qualifier: "debian-12", NULL when unknown */
	char *os_id;  /* "debian", "alpine", NULL when unknown */
};

/* A new, empty inventory in b (b->inv owned by the caller after finish). */
int scan_inv_init(struct scan_inv *b, const char *source, struct ward_error **err);
void scan_inv_clear(struct scan_inv *b);
/* Fill distro/os_id from b->inv->os (call after the OS release was read). */
int scan_inv_set_os(struct scan_inv *b, struct ward_error **err);

/* Count a warning and keep its text among the first WARD_SCAN_WARNINGS_KEPT.
 * Out of memory keeps only the count. */
void scan_warn(struct scan_inv *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Add a package: the strings are copied (NULL allowed but for name and
 * version), the purl is made from them. Past b->max_pkgs the package is
 * dropped with one warning. Returns 0 or -ENOMEM.
 */
struct scan_pkg_in {
	enum ward_pkg_type type;
	const char *name, *version, *source_name, *source_version, *arch, *license, *location;
	const char *purl; /* NULL: built from the fields above */
};
int scan_inv_add(struct scan_inv *b, const struct scan_pkg_in *p, struct ward_error **err);

/*
 * Read one file of at most `max` bytes: with in_root, `path` resolves
 * inside the rootfs dirfd names (RESOLVE_IN_ROOT: a symlink to /etc/shadow
 * reads the rootfs' own /etc/shadow, never the host's); without, `path` is
 * a name below dirfd reached without any symlink (RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS), for the walk. Only regular files are read (a FIFO
 * would block the scan, a device could be endless). Returns 1 with
 * *ret (NUL-terminated) and *ret_len, 0 when the file is absent or was
 * skipped with a warning naming `location`, negative on out of memory.
 */
int scan_read_file(struct scan_inv *b, int dirfd, const char *path, bool in_root, size_t max,
		   const char *location, char **ret, size_t *ret_len, struct ward_error **err);
/* Open for reading as scan_read_file does; -errno, or the fd. *ret_size set. */
int scan_open_file(int dirfd, const char *path, bool in_root, uint64_t *ret_size);

/* ---- os-release (os_release.c) ------------------------------------------ */

/* Parse os-release's KEY=value lines (shell quoting as os-release(5)
 * allows it). Unknown keys are ignored; nothing in it is ever invalid. */
int scan_os_release_parse(const char *buf, size_t len, struct ward_os_release *ret,
			  struct ward_error **err);
void scan_os_release_clear(struct ward_os_release *os);
/* /etc/os-release, else /usr/lib/os-release, inside the rootfs. */
int scan_os_release_read(int rootfs_fd, struct ward_os_release *ret, struct scan_inv *b,
			 struct ward_error **err);

/* ---- package databases --------------------------------------------------- */

/* dpkg's status file format: paragraphs of RFC 822 fields. */
int scan_dpkg_parse(struct scan_inv *b, const char *buf, size_t len, const char *location,
		    struct ward_error **err);
int scan_dpkg_read(struct scan_inv *b, int rootfs_fd, struct ward_error **err);
/* The distinct License: names of a DEP-5 copyright file, joined by " AND "
 * ("" when none); NULL: out of memory. */
char *scan_dpkg_copyright_licenses(const char *buf, size_t len);
/* apk's installed database: "X:value" lines, packages separated by blank lines. */
int scan_apk_parse(struct scan_inv *b, const char *buf, size_t len, const char *location,
		   struct ward_error **err);
int scan_apk_read(struct scan_inv *b, int rootfs_fd, struct ward_error **err);

/* One rpm header blob as rpmdb stores it (il, dl, index, data store). */
struct scan_rpm_header {
	char *name, *version, *release, *arch, *license, *sourcerpm;
	bool has_epoch;
	uint32_t epoch;
};
/* NULL or a static reason why the blob is refused. */
const char *scan_rpm_header_parse(const uint8_t *blob, size_t len, struct scan_rpm_header *ret,
				  bool *ret_oom);
void scan_rpm_header_clear(struct scan_rpm_header *h);
/* Add the package a parsed header describes ("name-version-release.src.rpm"
 * gives the source). */
int scan_rpm_add(struct scan_inv *b, const struct scan_rpm_header *h, const char *location,
		 struct ward_error **err);
/* rpmdb.sqlite bytes (a private copy: the function may patch them). */
int scan_rpm_sqlite_parse(struct scan_inv *b, uint8_t *db, size_t len, const char *location,
			  struct ward_error **err);
int scan_rpm_read(struct scan_inv *b, int rootfs_fd, struct ward_error **err);

/* ---- language packages ---------------------------------------------------- */

int scan_npm_lock_parse(struct scan_inv *b, const char *buf, size_t len, const char *location,
			struct ward_error **err);
int scan_npm_package_parse(struct scan_inv *b, const char *buf, size_t len, const char *location,
			   struct ward_error **err);
int scan_python_metadata_parse(struct scan_inv *b, const char *buf, size_t len,
			       const char *location, struct ward_error **err);

/* Reads `len` bytes at `off` of the ELF file into buf: 0, or negative when
 * the range is not in the file. */
typedef int (*scan_read_at_fn)(void *ctx, uint64_t off, void *buf, size_t len);
/* Go build info of an ELF file of `size` bytes. Not an ELF file or no Go
 * build info: 0 and nothing added. */
int scan_go_parse(struct scan_inv *b, scan_read_at_fn rd, void *ctx, uint64_t size,
		  const char *location, struct ward_error **err);
/* The same on bytes in memory (tests, fuzzing). */
int scan_go_parse_buf(struct scan_inv *b, const uint8_t *buf, size_t len, const char *location,
		      struct ward_error **err);

/* Walk the whole rootfs once for language packages and Go binaries. */
int scan_walk_rootfs(struct scan_inv *b, int rootfs_fd, struct ward_error **err);

/* ---- purl (purl.c) --------------------------------------------------------- */

/* The purl of a package (see docs/scan.md "purl forms"); NULL: out of memory. */
char *scan_purl_build(const struct scan_pkg_in *p, const char *os_id, const char *distro);

/* A parsed package URL; every member decoded and owned. */
struct scan_purl {
	char *type, *namespace, *name, *version;
	char **qkeys, **qvalues; /* parallel, n_q each */
	size_t n_q;
};
/* NULL or a static reason ("no 'pkg:' scheme"). *ret_oom set when that was it. */
const char *scan_purl_parse(const char *s, struct scan_purl *ret, bool *ret_oom);
void scan_purl_clear(struct scan_purl *p);
/* The value of qualifier key or NULL. */
const char *scan_purl_qualifier(const struct scan_purl *p, const char *key);
/* "deb" -> WARD_PKG_DPKG ...; -1 for a type ward does not know. */
int scan_pkg_type_from_purl(const char *type);

/* A copy of at most SCAN_FIELD_MAX bytes of (s, n) without control
 * characters or bytes that are not UTF-8 (each replaced by '?'), so no
 * database value can forge terminal output or a TSV column, and every one
 * can be written as JSON. NULL: out of memory. */
char *scan_strndup_clean(const char *s, size_t n);
/* (s, n) is well-formed UTF-8. */
bool scan_utf8_valid(const char *s, size_t n);

#endif
