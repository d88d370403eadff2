/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go module versions as golang.org/x/mod/semver: "v" MAJOR[.MINOR[.PATCH
 * [-PRE][+BUILD]]] where the shorthands "v1" and "v1.2" mean v1.0.0 and
 * v1.2.0 (not with a pre-release or build). Build metadata such as
 * "+incompatible" does not count; pseudo-versions
 * (v0.0.0-20191109021931-daa7c04131f5, v1.2.4-0.20191109021931-daa7c04131f5)
 * are pre-releases and order by their timestamp. OSV's Go ecosystem writes
 * versions without the "v", so it is optional here.
 */
#include <string.h>

#include "scan/internal.h"

static const char *
go_parse(const char *v, size_t len, struct scan_semver *ret)
{
	if (len && v[0] == 'v')
		v++, len--;
	if (len == 0)
		return "the version string is empty";
	return scan_semver_parse(v, len, true, ret);
}

const char *
scan_go_check(const char *v, size_t len)
{
	struct scan_semver s;

	return go_parse(v, len, &s);
}

int
scan_go_compare(const char *a, const char *b)
{
	struct scan_semver x, y;

	if (go_parse(a, strlen(a), &x) || go_parse(b, strlen(b), &y))
		return 0; /* not reached: version.c checked both */
	return scan_semver_cmp(&x, &y);
}
