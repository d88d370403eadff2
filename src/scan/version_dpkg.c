/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Debian versions, [epoch:]upstream_version[-debian_revision], parsed as
 * dpkg's parseversion() (lib/dpkg/parsehelp.c) and ordered as its
 * dpkg_version_compare()/verrevcmp() (lib/dpkg/version.c), the algorithm
 * of Debian Policy 5.6.12. What dpkg only warns about (an upstream
 * version not starting with a digit, characters outside the allowed sets)
 * is refused here: such versions come from no real package.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "scan/internal.h"

struct dpkg_version {
	uint64_t epoch;
	const char *ver, *ver_end; /* upstream_version */
	const char *rev, *rev_end; /* debian_revision, empty when absent */
};

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Split v into its parts; returns NULL or why it is not a Debian version.
 * The messages follow dpkg's own, so users recognise them. */
static const char *
dpkg_parse(const char *v, struct dpkg_version *ret)
{
	const char *s = v, *end, *p, *colon, *hyphen = NULL;

	while (is_blank(*s))
		s++;
	if (!*s)
		return "the version string is empty";
	end = s;
	while (*end && !is_blank(*end))
		end++;
	for (p = end; is_blank(*p); p++)
		;
	if (*p)
		return "the version string has embedded spaces";

	ret->epoch = 0;
	colon = memchr(s, ':', (size_t)(end - s));
	if (colon) {
		if (colon == s)
			return "the epoch before ':' is empty";
		for (p = s; p < colon; p++) {
			if (!is_digit(*p))
				return "the epoch before ':' is not a number";
			ret->epoch = ret->epoch * 10 + (uint64_t)(*p - '0');
			/* dpkg keeps epochs in an int */
			if (ret->epoch > INT_MAX)
				return "the epoch is too big (dpkg allows at most 2147483647)";
		}
		s = colon + 1;
		if (s == end)
			return "nothing after the epoch's ':'";
	}
	for (p = s; p < end; p++)
		if (*p == '-')
			hyphen = p;
	ret->ver = s;
	ret->ver_end = hyphen ? hyphen : end;
	ret->rev = hyphen ? hyphen + 1 : end;
	ret->rev_end = end;
	if (hyphen && hyphen + 1 == end)
		return "the revision after the last '-' is empty";
	if (ret->ver == ret->ver_end)
		return "the upstream version is empty";
	if (!is_digit(*ret->ver))
		return "the upstream version must start with a digit (Debian Policy 5.6.12)";
	for (p = ret->ver; p < ret->ver_end; p++)
		if (!is_digit(*p) && !is_alpha(*p) && !strchr(".-+~:", *p))
			return "invalid character in the upstream version (allowed: "
			       "A-Za-z0-9.+-~:)";
	for (p = ret->rev; p < ret->rev_end; p++)
		if (!is_digit(*p) && !is_alpha(*p) && !strchr(".+~", *p))
			return "invalid character in the revision (allowed: A-Za-z0-9.+~)";
	return NULL;
}

const char *
scan_dpkg_check(const char *v, size_t len)
{
	struct dpkg_version d;

	(void)len;
	return dpkg_parse(v, &d);
}

/* The weight of a non-digit in verrevcmp: '~' before the end of the
 * string, the end before letters, letters before everything else. */
static int
order(const char *p, const char *end)
{
	if (p >= end || is_digit(*p))
		return 0;
	if (is_alpha(*p))
		return (unsigned char)*p;
	if (*p == '~')
		return -1;
	return (unsigned char)*p + 256;
}

static int
sign(int x)
{
	return (x > 0) - (x < 0);
}

/* dpkg's verrevcmp on [a, ae) and [b, be): alternating runs of non-digits
 * (compared by weight) and digits (compared as numbers). */
static int
verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae || b < be) {
		int first_diff = 0;

		while ((a < ae && !is_digit(*a)) || (b < be && !is_digit(*b))) {
			int ac = order(a, ae), bc = order(b, be);

			if (ac != bc)
				return sign(ac - bc);
			a++;
			b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && b < be && is_digit(*a) && is_digit(*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < ae && is_digit(*a))
			return 1;
		if (b < be && is_digit(*b))
			return -1;
		if (first_diff)
			return sign(first_diff);
	}
	return 0;
}

int
scan_dpkg_compare(const char *a, const char *b)
{
	struct dpkg_version x, y;
	int rc;

	if (dpkg_parse(a, &x) || dpkg_parse(b, &y))
		return 0; /* not reached: version.c checked both */
	if (x.epoch != y.epoch)
		return x.epoch < y.epoch ? -1 : 1;
	rc = verrevcmp(x.ver, x.ver_end, y.ver, y.ver_end);
	if (rc)
		return rc;
	return verrevcmp(x.rev, x.rev_end, y.rev, y.rev_end);
}
