/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rpm versions, [epoch:]version[-release] (an "EVR"), split as rpm's
 * parseEVR() (rpmio/rpmver.c: the epoch is the leading digits before a
 * ':', the release follows the last '-') and ordered as rpmverCmp():
 * epoch (absent = 0), then version, then release, each by rpmvercmp()
 * (rpmio/rpmvercmp.c), with a missing release ordering before any release.
 * That is what rpm's Lua rpm.vercmp() computes. Validity is rpmbuild's:
 * version and release non-empty, made of A-Za-z0-9 and "._+~^"
 * (ALLOWED_CHARS_VERREL after macro expansion), the epoch all digits.
 */
#include <string.h>

#include "scan/internal.h"

struct rpm_evr {
	const char *e, *v, *r; /* e, r NULL when absent */
	size_t elen, vlen, rlen;
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
is_alnum(int c)
{
	return is_digit(c) || is_alpha(c);
}

static void
rpm_split(const char *s, size_t len, struct rpm_evr *ret)
{
	const char *p = s, *end = s + len, *hyphen = NULL, *q;

	while (p < end && is_digit(*p))
		p++;
	for (q = p; q < end; q++)
		if (*q == '-')
			hyphen = q;
	if (p < end && *p == ':') {
		ret->e = s;
		ret->elen = (size_t)(p - s);
		ret->v = p + 1;
	} else {
		ret->e = NULL;
		ret->elen = 0;
		ret->v = s;
	}
	ret->vlen = (size_t)((hyphen ? hyphen : end) - ret->v);
	ret->r = hyphen ? hyphen + 1 : NULL;
	ret->rlen = hyphen ? (size_t)(end - hyphen - 1) : 0;
}

static const char *
field_check(const char *p, size_t len, const char *empty, const char *bad)
{
	if (len == 0)
		return empty;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(p[i]) && !strchr("._+~^", p[i]))
			return bad;
	return NULL;
}

const char *
scan_rpm_check(const char *v, size_t len)
{
	struct rpm_evr evr;
	const char *why;

	if (len == 0)
		return "the version string is empty";
	rpm_split(v, len, &evr);
	if (evr.e && evr.elen == 0)
		return "the epoch before ':' is empty";
	why = field_check(evr.v, evr.vlen, "the version is empty",
			  "invalid character in the version (allowed: A-Za-z0-9._+~^)");
	if (why)
		return why;
	if (evr.r)
		return field_check(evr.r, evr.rlen, "the release after the last '-' is empty",
				   "invalid character in the release (allowed: A-Za-z0-9._+~^)");
	return NULL;
}

static int
sign(int x)
{
	return (x > 0) - (x < 0);
}

/* Length of the run of digits (digits) or letters (!digits) at p. */
static size_t
run(const char *p, const char *end, bool digits)
{
	const char *q = p;

	while (q < end && (digits ? is_digit(*q) : is_alpha(*q)))
		q++;
	return (size_t)(q - p);
}

/* Compare one pair of segments of the same type; 0 means go on. */
static int
segment_cmp(const char *a, size_t alen, const char *b, size_t blen, bool digits)
{
	int rc;

	if (digits)
		return scan_numcmp(a, alen, b, blen);
	rc = memcmp(a, b, alen < blen ? alen : blen);
	if (rc)
		return sign(rc);
	return alen < blen ? -1 : alen > blen;
}

/* rpmvercmp: '~' sorts before everything, even the end; '^' after the end
 * but before anything else; other non-alphanumerics only separate. Digit
 * runs beat letter runs. */
int
scan_rpmvercmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *one = a, *oe = a + alen, *two = b, *te = b + blen;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return 0;
	while (one < oe || two < te) {
		while (one < oe && !is_alnum(*one) && *one != '~' && *one != '^')
			one++;
		while (two < te && !is_alnum(*two) && *two != '~' && *two != '^')
			two++;
		bool o = one < oe, t = two < te;
		if ((o && *one == '~') || (t && *two == '~')) {
			if (!o || *one != '~')
				return 1;
			if (!t || *two != '~')
				return -1;
			one++, two++;
			continue;
		}
		if ((o && *one == '^') || (t && *two == '^')) {
			if (!o)
				return -1;
			if (!t)
				return 1;
			if (*one != '^')
				return 1;
			if (*two != '^')
				return -1;
			one++, two++;
			continue;
		}
		if (!o || !t)
			break;
		bool digits = is_digit(*one);
		size_t n1 = run(one, oe, digits), n2 = run(two, te, digits);
		if (n2 == 0)
			return digits ? 1 : -1;
		int rc = segment_cmp(one, n1, two, n2, digits);
		if (rc)
			return rc;
		one += n1;
		two += n2;
	}
	if (one >= oe && two >= te)
		return 0;
	return one >= oe ? -1 : 1;
}

/* rpmverCmp's compare_values: a missing field orders before a present one. */
static int
field_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	if (!a && !b)
		return 0;
	if (!b)
		return 1;
	if (!a)
		return -1;
	return scan_rpmvercmp(a, alen, b, blen);
}

int
scan_rpm_compare(const char *a, const char *b)
{
	struct rpm_evr x, y;
	int rc;

	rpm_split(a, strlen(a), &x);
	rpm_split(b, strlen(b), &y);
	rc = scan_rpmvercmp(x.e ? x.e : "0", x.e ? x.elen : 1, y.e ? y.e : "0", y.e ? y.elen : 1);
	if (!rc)
		rc = scan_rpmvercmp(x.v, x.vlen, y.v, y.vlen);
	if (!rc)
		rc = field_cmp(x.r, x.rlen, y.r, y.rlen);
	return rc;
}
