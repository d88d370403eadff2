/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/scan: one checker and one comparator per version scheme.
 * version.c bounds the length (WARD_VERSION_MAX) and turns a checker's
 * reason into an error naming the version and the scheme; the comparators
 * may assume both versions passed their checker.
 */
#ifndef WARD_SCAN_INTERNAL_H
#define WARD_SCAN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <ward/scan.h>

/* A checker returns NULL when v (NUL-terminated, strlen(v) == len) is a
 * valid version of its scheme, else a static reason ("the upstream version
 * must start with a digit"). A comparator returns -1, 0 or 1. */
const char *scan_dpkg_check(const char *v, size_t len);
int scan_dpkg_compare(const char *a, const char *b);
const char *scan_rpm_check(const char *v, size_t len);
int scan_rpm_compare(const char *a, const char *b);
const char *scan_apk_check(const char *v, size_t len);
int scan_apk_compare(const char *a, const char *b);
const char *scan_semver_check(const char *v, size_t len);
int scan_semver_compare(const char *a, const char *b);
const char *scan_pep440_check(const char *v, size_t len);
int scan_pep440_compare(const char *a, const char *b);
const char *scan_go_check(const char *v, size_t len);
int scan_go_compare(const char *a, const char *b);

/* rpm's rpmvercmp() on one field ([a, a + alen) against [b, b + blen)). */
int scan_rpmvercmp(const char *a, size_t alen, const char *b, size_t blen);

/*
 * apk-tools' apk_version_compare_fuzzy() exactly, invalid versions
 * included (apk orders them too: tokens after the first invalid one compare
 * as "less"). With fuzzy, b being a prefix of a at a token boundary is
 * equal ("3.6.9" ~ "3.6"). Returns -1, 0 or 1. Used by the strict
 * comparator and by the tests replaying apk-tools' version.data.
 */
int scan_apk_compare_raw(const char *a, size_t alen, const char *b, size_t blen, bool fuzzy);

/* Numeric strings of digits compared as unbounded integers (leading zeros
 * ignored): -1, 0, 1. An empty string is 0. */
int scan_numcmp(const char *a, size_t alen, const char *b, size_t blen);

struct scan_semver {
	const char *num[3]; /* MAJOR, MINOR, PATCH digits ("" for a Go shorthand's missing ones) */
	size_t numlen[3];
	const char *pre; /* without the '-'; prelen 0 for a release */
	size_t prelen;
};

/* Parse "MAJOR.MINOR.PATCH[-PRE][+BUILD]" from (v, len) by the semver.org
 * BNF: NULL or why not. With `shorthand`, "MAJOR" and "MAJOR.MINOR" alone
 * stand for their .0 (golang.org/x/mod/semver's rule); anything after a
 * shorthand ("1-pre", "1.2+b") is refused as x/mod/semver does. */
const char *scan_semver_parse(const char *v, size_t len, bool shorthand, struct scan_semver *ret);
/* Precedence of two parsed versions (build metadata ignored): -1, 0, 1. */
int scan_semver_cmp(const struct scan_semver *a, const struct scan_semver *b);

/* semver.org precedence of two pre-release strings (dot-separated
 * identifiers, no leading '-'); an empty one is a release and ranks above
 * any pre-release. Shared by semver and Go. */
int scan_semver_prerelease_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
