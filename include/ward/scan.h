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

#endif
