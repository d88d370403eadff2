/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the version parsers and orders: the first byte picks the scheme
 * (modulo the scheme count), the rest is two versions separated by the
 * first '\n' (or one version, compared with itself). Every call must
 * return cleanly; for valid versions the order must be reflexive
 * (compare(a, a) == 0) and antisymmetric (compare(b, a) == -compare(a, b)),
 * an invalid one must be refused with a message naming the scheme, and
 * validity must not depend on which side the version is on. apk's raw
 * comparator (which also orders invalid versions) must be antisymmetric too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ward/scan.h>

#include "scan/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_pair(enum ward_version_scheme s, const char *a, const char *b)
{
	struct ward_error *err = NULL;
	bool va = ward_version_valid(s, a), vb = ward_version_valid(s, b);
	int ab = 2, ba = 2, aa = 2;
	int rc = ward_version_compare(s, a, b, &ab, &err);

	if ((rc == 0) != (va && vb))
		__builtin_trap();
	if (rc < 0) {
		if (!err || !err->msg || !strstr(err->msg, ward_version_scheme_name(s)) || ab != 2)
			__builtin_trap();
		ward_error_free(err);
		return;
	}
	if (ward_version_compare(s, b, a, &ba, &err) < 0 || ba != -ab)
		__builtin_trap();
	if (ward_version_compare(s, a, a, &aa, &err) < 0 || aa != 0)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum ward_version_scheme s;
	char *buf, *a, *b, *nl;

	if (size < 1 || size > 2 * WARD_VERSION_MAX + 64)
		return 0;
	s = (enum ward_version_scheme)(data[0] % WARD_VERSION_SCHEME_COUNT);
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	a = buf;
	nl = strchr(buf, '\n');
	if (nl) {
		*nl = '\0';
		b = nl + 1;
	} else {
		b = buf;
	}
	check_pair(s, a, b);
	int x = scan_apk_compare_raw(a, strlen(a), b, strlen(b), false);
	int y = scan_apk_compare_raw(b, strlen(b), a, strlen(a), false);
	if (x != -y)
		__builtin_trap();
	free(buf);
	return 0;
}
