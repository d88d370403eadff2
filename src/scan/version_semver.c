/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Semantic Versioning 2.0.0 (https://semver.org/spec/v2.0.0.html), the
 * order of npm and crates.io: MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD].
 * Validity is the spec's BNF (no leading zeros in numeric identifiers, no
 * empty identifiers, [0-9A-Za-z-] only, no "v" prefix); precedence is its
 * item 11: numbers numerically (unbounded), a pre-release below its
 * release, pre-release identifiers left to right (numeric ones
 * numerically and below alphanumeric ones, which compare in ASCII order),
 * a shorter set of identifiers below a longer one it prefixes; build
 * metadata does not count.
 */
#include <string.h>

#include "scan/internal.h"

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_ident_char(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

int
scan_numcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int rc;

	while (alen && *a == '0')
		a++, alen--;
	while (blen && *b == '0')
		b++, blen--;
	if (alen != blen)
		return alen < blen ? -1 : 1;
	if (alen == 0)
		return 0;
	rc = memcmp(a, b, alen);
	return (rc > 0) - (rc < 0);
}

static bool
all_digits(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_digit(p[i]))
			return false;
	return true;
}

/* Next identifier of a dot-separated list at *p (before end). */
static size_t
ident_len(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q != '.')
		q++;
	return (size_t)(q - p);
}

static int
ident_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	bool an = all_digits(a, alen), bn = all_digits(b, blen);
	int rc;

	if (an != bn)
		return an ? -1 : 1;
	if (an)
		return scan_numcmp(a, alen, b, blen);
	rc = memcmp(a, b, alen < blen ? alen : blen);
	if (rc)
		return rc < 0 ? -1 : 1;
	return alen < blen ? -1 : alen > blen;
}

int
scan_semver_prerelease_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *ae, *be;

	if (alen == 0 || blen == 0)
		return alen == blen ? 0 : (alen == 0 ? 1 : -1);
	ae = a + alen;
	be = b + blen;
	for (;;) {
		size_t x = ident_len(a, ae), y = ident_len(b, be);
		int rc = ident_cmp(a, x, b, y);

		if (rc)
			return rc;
		a += x;
		b += y;
		if (a == ae || b == be)
			return a == ae ? (b == be ? 0 : -1) : 1;
		a++; /* the '.' */
		b++;
	}
}

/* A numeric identifier: digits, no leading zero. */
static const char *
parse_number(const char **p, const char *end, const char **ret, size_t *ret_len)
{
	const char *s = *p;

	while (*p < end && is_digit(**p))
		(*p)++;
	if (*p == s)
		return "a version number is missing or not a number";
	if (*s == '0' && *p - s > 1)
		return "a version number has a leading zero";
	*ret = s;
	*ret_len = (size_t)(*p - s);
	return NULL;
}

/* Dot-separated identifiers up to end; numeric ones (pre-release only)
 * without leading zeros. */
static const char *
check_idents(const char *p, const char *end, bool prerelease)
{
	if (p == end)
		return prerelease ? "the pre-release after '-' is empty"
				  : "the build metadata after '+' is empty";
	while (p <= end) {
		size_t n = ident_len(p, end);

		if (n == 0)
			return "an identifier between dots is empty";
		for (size_t i = 0; i < n; i++)
			if (!is_ident_char(p[i]))
				return "invalid character in an identifier (allowed: 0-9A-Za-z-)";
		if (prerelease && n > 1 && p[0] == '0' && all_digits(p, n))
			return "a numeric pre-release identifier has a leading zero";
		p += n + 1;
	}
	return NULL;
}

const char *
scan_semver_parse(const char *v, size_t len, bool shorthand, struct scan_semver *ret)
{
	const char *p = v, *end = v + len, *why, *plus;

	memset(ret, 0, sizeof(*ret));
	for (int i = 0; i < 3; i++)
		ret->num[i] = "";
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			if (p == end && shorthand)
				return NULL;
			if (p == end || *p != '.')
				return "not of the form MAJOR.MINOR.PATCH";
			p++;
		}
		why = parse_number(&p, end, &ret->num[i], &ret->numlen[i]);
		if (why)
			return why;
	}
	plus = memchr(p, '+', (size_t)(end - p));
	if (p < end && *p == '-') {
		ret->pre = p + 1;
		ret->prelen = (size_t)((plus ? plus : end) - ret->pre);
		why = check_idents(ret->pre, ret->pre + ret->prelen, true);
		if (why)
			return why;
		p = plus ? plus : end;
	}
	if (p < end && *p == '+')
		return check_idents(p + 1, end, false);
	if (p < end)
		return "unexpected characters after MAJOR.MINOR.PATCH (expected '-' or '+')";
	return NULL;
}

int
scan_semver_cmp(const struct scan_semver *a, const struct scan_semver *b)
{
	for (int i = 0; i < 3; i++) {
		int rc = scan_numcmp(a->num[i], a->numlen[i], b->num[i], b->numlen[i]);

		if (rc)
			return rc;
	}
	return scan_semver_prerelease_cmp(a->pre, a->prelen, b->pre, b->prelen);
}

const char *
scan_semver_check(const char *v, size_t len)
{
	struct scan_semver s;

	if (len == 0)
		return "the version string is empty";
	if (v[0] == 'v' || v[0] == 'V')
		return "semver has no 'v' prefix (write 1.2.3, not v1.2.3)";
	return scan_semver_parse(v, len, false, &s);
}

int
scan_semver_compare(const char *a, const char *b)
{
	struct scan_semver x, y;

	if (scan_semver_parse(a, strlen(a), false, &x) ||
	    scan_semver_parse(b, strlen(b), false, &y))
		return 0; /* not reached: version.c checked both */
	return scan_semver_cmp(&x, &y);
}
