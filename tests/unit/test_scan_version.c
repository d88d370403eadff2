/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Version order of each ecosystem against that ecosystem's documented
 * cases: Debian Policy 5.6.12 and dpkg's own t-version.c, rpm's
 * rpmvercmp.at, apk-tools' version.data (read at test time from
 * ../shared/thirdparty/versions/), the semver.org precedence list and
 * validity examples, PEP 440's ordering and normalisation examples,
 * Go module versions (golang.org/x/mod/semver). Every ordered pair is
 * checked both ways, and every version against itself.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/scan.h>

#include "scan/internal.h"

struct cmp_case {
	const char *a, *b;
	int want; /* -1: a < b, 0: equal, 1: a > b */
};

struct bad_case {
	const char *v, *why; /* why: a substring the error must contain */
};

static void
check_cmp(enum ward_version_scheme s, const char *a, const char *b, int want)
{
	struct ward_error *err = NULL;
	int got = 99, rev = 99, self = 99;

	if (ward_version_compare(s, a, b, &got, &err) < 0)
		fail_msg("%s: compare '%s' '%s': %s", ward_version_scheme_name(s), a, b, err->msg);
	if (got != want)
		fail_msg("%s: '%s' vs '%s': got %d, want %d", ward_version_scheme_name(s), a, b,
			 got, want);
	assert_int_equal(ward_version_compare(s, b, a, &rev, &err), 0);
	if (rev != -want)
		fail_msg("%s: '%s' vs '%s' (reversed): got %d, want %d",
			 ward_version_scheme_name(s), b, a, rev, -want);
	assert_int_equal(ward_version_compare(s, a, a, &self, &err), 0);
	assert_int_equal(self, 0);
	assert_null(err);
}

static void
check_cmps(enum ward_version_scheme s, const struct cmp_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_cmp(s, c[i].a, c[i].b, c[i].want);
}

/* Every earlier entry of a documented ascending list is lower than every later one. */
static void
check_ascending(enum ward_version_scheme s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i; j < n; j++)
			check_cmp(s, list[i], list[j], i == j ? 0 : -1);
}

static void
check_bad(enum ward_version_scheme s, const char *v, const char *why)
{
	struct ward_error *err = NULL;
	int got = 42;
	char want[64];

	assert_false(ward_version_valid(s, v));
	if (ward_version_compare(s, v, "1", &got, &err) != -EINVAL)
		fail_msg("%s: '%s' accepted", ward_version_scheme_name(s), v);
	assert_int_equal(got, 42); /* out-param untouched on failure */
	assert_int_equal(err->kind, WARD_E_INVALID);
	snprintf(want, sizeof(want), "%s version '", ward_version_scheme_name(s));
	if (!strstr(err->msg, want) || !strstr(err->msg, why))
		fail_msg("%s: '%s': message '%s' lacks '%s' / '%s'", ward_version_scheme_name(s), v,
			 err->msg, want, why);
	ward_error_free(err);
	err = NULL;
	assert_int_equal(ward_version_check(s, v, &err), -EINVAL);
	ward_error_free(err);
}

static void
check_bads(enum ward_version_scheme s, const struct bad_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_bad(s, c[i].v, c[i].why);
}

static void
check_goods(enum ward_version_scheme s, const char *const *v, size_t n)
{
	struct ward_error *err = NULL;

	for (size_t i = 0; i < n; i++) {
		if (ward_version_check(s, v[i], &err) < 0)
			fail_msg("%s: '%s' refused: %s", ward_version_scheme_name(s), v[i],
				 err->msg);
		assert_true(ward_version_valid(s, v[i]));
	}
}

/* ==== dpkg ================================================================ */

/* Debian Policy 5.6.12: "~~" < "~~a" < "~" < "" < "a", letters before
 * non-letters, digits as numbers, the epoch first; then dpkg's t-version.c. */
static const char *const dpkg_policy_order[] = {
	"1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a", "1.0+", "1.0.", "1.0.1", "1.9", "1.10", "1:0.1",
};

static const struct cmp_case dpkg_cases[] = {
	{"1.0~rc1", "1.0", -1},
	{"1:1.0", "2.0", 1},
	{"0:1.0", "1.0", 0},
	{"2:1.0", "10:0.1", -1},
	{"1.001", "1.1", 0},
	{"1.0", "1.0.0", -1},
	{"1.0", "1.0-0", 0},
	{"1.0-1", "1.0-2", -1},
	{"1.0-9", "1.0-10", -1},
	{"1.0-1~bpo12+1", "1.0-1", -1},
	{"1.2.3-1ubuntu1", "1.2.3-1", 1},
	{"2.36-9+deb12u4", "2.36-9+deb12u10", -1},
	{"1:2.36-9", "2.37-1", 1},
	{"7.88.1-10+deb12u5", "7.88.1-10+deb12u12", -1},
	{"1.2.3~rc1-1", "1.2.3-1", -1},
	{"0-a", "0-b", -1}, /* t-version.c: revision components */
	{"1a-0", "1b-0", -1},
	/* t-version.c parse cases */
	{"0", "0:0", 0},
	{"0:0-0", "0-0", 0},
	{"0:0.0-0.0", "0.0-0.0", 0},
	{"1:0", "0:9", 1},
	{"0:0-0-0", "0-0-0", 0},
	{"0:0:0-0", "0:0:0-0", 0},
	{"0:0-00", "0:00-0", 0},
	{"  \t0:0-1", "0:0-1", 0},
	{"0:0-1\t  ", "0:0-1", 0},
	{"\t  0:0-1  \t", "0:0-1", 0},
	{"0:09azAZ.-+~:-0", "0:09azAZ.-+~:-0", 0},
	{"0:0-azAZ09.+~", "0:0-azAZ09.+~", 0},
	{"2147483647:1", "2147483646:9", 1},
};

static const struct bad_case dpkg_bads[] = {
	{"", "empty"},
	{"  ", "empty"},
	{"0:", "nothing after"},
	{":1.0", "epoch"},
	{"1.0-", "revision"},
	{"0:0 0-1", "embedded spaces"},
	{"-1:0-1", "epoch"},
	{"999999999999999999999999:0-1", "too big"},
	{"2147483648:1", "too big"},
	{"a:0-0", "not a number"},
	{"A:0-0", "not a number"},
	{"-0", "upstream version is empty"},
	{"0:-0", "upstream version is empty"},
	{"0:abc3-0", "must start with a digit"},
	{"abc", "must start with a digit"},
	{"1.0_1", "invalid character in the upstream"},
	{"0:0-0:0", "invalid character in the revision"},
	{"1.0-1_2", "invalid character in the revision"},
	{"1.0\xc3\xa9", "invalid character"},
};

static void
test_dpkg_policy_order(void **state)
{
	(void)state;
	check_ascending(WARD_VERSION_DPKG, dpkg_policy_order, WARD_ARRAY_SIZE(dpkg_policy_order));
}

static void
test_dpkg_cases(void **state)
{
	(void)state;
	check_cmps(WARD_VERSION_DPKG, dpkg_cases, WARD_ARRAY_SIZE(dpkg_cases));
}

static void
test_dpkg_rejects_invalid(void **state)
{
	(void)state;
	check_bads(WARD_VERSION_DPKG, dpkg_bads, WARD_ARRAY_SIZE(dpkg_bads));
	/* dpkg's t-version.c: every one of these in the upstream version ... */
	for (const char *p = "!#@$%&/|\\<>()[]{};,_=*^'"; *p; p++) {
		char v[] = "0:0a-0";
		v[3] = *p;
		check_bad(WARD_VERSION_DPKG, v, "invalid character in the upstream");
	}
	/* ... and these in the revision are invalid */
	for (const char *p = "!#@$%&/|\\<>()[]{}:;,_=*^'"; *p; p++) {
		char v[] = "0:0-0";
		v[4] = *p;
		check_bad(WARD_VERSION_DPKG, v, "invalid character in the revision");
	}
}

/* ==== rpm ================================================================= */

/* rpm 4.18 tests/rpmvercmp.at, in order, including the caret and tilde
 * cases and the "oddities" it documents as current behaviour (RhBug:811992). */
static const struct cmp_case rpm_vercmp_at[] = {
	{"1.0", "1.0", 0},
	{"1.0", "2.0", -1},
	{"2.0", "1.0", 1},
	{"2.0.1", "2.0.1", 0},
	{"2.0", "2.0.1", -1},
	{"2.0.1", "2.0", 1},
	{"2.0.1a", "2.0.1a", 0},
	{"2.0.1a", "2.0.1", 1},
	{"2.0.1", "2.0.1a", -1},
	{"5.5p1", "5.5p1", 0},
	{"5.5p1", "5.5p2", -1},
	{"5.5p2", "5.5p1", 1},
	{"5.5p10", "5.5p10", 0},
	{"5.5p1", "5.5p10", -1},
	{"5.5p10", "5.5p1", 1},
	{"10xyz", "10.1xyz", -1},
	{"10.1xyz", "10xyz", 1},
	{"xyz10", "xyz10", 0},
	{"xyz10", "xyz10.1", -1},
	{"xyz10.1", "xyz10", 1},
	{"xyz.4", "xyz.4", 0},
	{"xyz.4", "8", -1},
	{"8", "xyz.4", 1},
	{"xyz.4", "2", -1},
	{"2", "xyz.4", 1},
	{"5.5p2", "5.6p1", -1},
	{"5.6p1", "5.5p2", 1},
	{"5.6p1", "6.5p1", -1},
	{"6.5p1", "5.6p1", 1},
	{"6.0.rc1", "6.0", 1},
	{"6.0", "6.0.rc1", -1},
	{"10b2", "10a1", 1},
	{"10a2", "10b2", -1},
	{"1.0aa", "1.0aa", 0},
	{"1.0a", "1.0aa", -1},
	{"1.0aa", "1.0a", 1},
	{"10.0001", "10.0001", 0},
	{"10.0001", "10.1", 0},
	{"10.1", "10.0001", 0},
	{"10.0001", "10.0039", -1},
	{"10.0039", "10.0001", 1},
	{"4.999.9", "5.0", -1},
	{"5.0", "4.999.9", 1},
	{"20101121", "20101121", 0},
	{"20101121", "20101122", -1},
	{"20101122", "20101121", 1},
	{"2_0", "2_0", 0},
	{"2.0", "2_0", 0},
	{"2_0", "2.0", 0},
	{"a", "a", 0},
	{"a+", "a+", 0},
	{"a+", "a_", 0},
	{"a_", "a+", 0},
	{"+a", "+a", 0},
	{"+a", "_a", 0},
	{"_a", "+a", 0},
	{"+_", "+_", 0},
	{"_+", "+_", 0},
	{"_+", "_+", 0},
	{"+", "_", 0},
	{"_", "+", 0},
	{"1.0~rc1", "1.0~rc1", 0},
	{"1.0~rc1", "1.0", -1},
	{"1.0", "1.0~rc1", 1},
	{"1.0~rc1", "1.0~rc2", -1},
	{"1.0~rc2", "1.0~rc1", 1},
	{"1.0~rc1~git123", "1.0~rc1~git123", 0},
	{"1.0~rc1~git123", "1.0~rc1", -1},
	{"1.0~rc1", "1.0~rc1~git123", 1},
	{"1.0^", "1.0^", 0},
	{"1.0^", "1.0", 1},
	{"1.0", "1.0^", -1},
	{"1.0^git1", "1.0^git1", 0},
	{"1.0^git1", "1.0", 1},
	{"1.0", "1.0^git1", -1},
	{"1.0^git1", "1.0^git2", -1},
	{"1.0^git2", "1.0^git1", 1},
	{"1.0^git1", "1.01", -1},
	{"1.01", "1.0^git1", 1},
	{"1.0^20160101", "1.0^20160101", 0},
	{"1.0^20160101", "1.0.1", -1},
	{"1.0.1", "1.0^20160101", 1},
	{"1.0^20160101^git1", "1.0^20160101^git1", 0},
	{"1.0^20160102", "1.0^20160101^git1", 1},
	{"1.0^20160101^git1", "1.0^20160102", -1},
	{"1.0~rc1^git1", "1.0~rc1^git1", 0},
	{"1.0~rc1^git1", "1.0~rc1", 1},
	{"1.0~rc1", "1.0~rc1^git1", -1},
	{"1.0^git1~pre", "1.0^git1~pre", 0},
	{"1.0^git1", "1.0^git1~pre", 1},
	{"1.0^git1~pre", "1.0^git1", -1},
	{"1b.fc17", "1b.fc17", 0},
	{"1b.fc17", "1.fc17", -1},
	{"1.fc17", "1b.fc17", 1},
	{"1g.fc17", "1g.fc17", 0},
	{"1g.fc17", "1.fc17", 1},
	{"1.fc17", "1g.fc17", -1},
};

/* Whole EVRs as rpm.vercmp() (rpmverCmp) orders them. */
static const struct cmp_case rpm_evr_cases[] = {
	{"1:1.0-1", "2.0-1", 1},
	{"0:1.0-1", "1.0-1", 0},
	{"00:1.0-1", "0:1.0-1", 0},
	{"1.0", "1.0-1", -1}, /* a missing release orders first */
	{"1.0-1.el8", "1.0-1.el8_6", -1},
	{"1.1.1k-7.el8_6", "1:1.1.1k-6.el8_5", -1},
	{"2.4.37-47.module+el8.6.0+985+b8ff6398", "2.4.37-47.module+el8.6.0+1000+ce6a2ac1", -1},
	{"3.0.7-16.el9_2", "3.0.7-16.el9_2", 0},
	{"1.0-1", "1.0-1~rc", 1},
	{"1.0-1^post", "1.0-1", 1},
};

static const struct bad_case rpm_bads[] = {
	{"", "empty"},
	{"1.0-", "release"},
	{"-1", "the version is empty"},
	{":1.0", "epoch"},
	{"1:", "the version is empty"},
	{"1.0 1", "invalid character in the version"},
	{"1.0-1-2", "invalid character in the version"},
	{"1.0-1%{?dist}", "invalid character in the release"},
	{"a:1.0", "invalid character in the version"},
	{"1.1.\xce\xb1", "invalid character"},
};

static void
test_rpm_vercmp_suite(void **state)
{
	(void)state;
	check_cmps(WARD_VERSION_RPM, rpm_vercmp_at, WARD_ARRAY_SIZE(rpm_vercmp_at));
}

static void
test_rpm_evr(void **state)
{
	(void)state;
	check_cmps(WARD_VERSION_RPM, rpm_evr_cases, WARD_ARRAY_SIZE(rpm_evr_cases));
	check_bads(WARD_VERSION_RPM, rpm_bads, WARD_ARRAY_SIZE(rpm_bads));
}

/* ==== apk ================================================================= */

/* apk's token order: pre-release suffixes below the bare version, then
 * a revision, then the post-release suffixes, then a letter, then ".N". */
static const char *const apk_suffix_order[] = {
	"1.0_alpha", "1.0_alpha1", "1.0_beta", "1.0_pre",   "1.0_rc",  "1.0_rc2",
	"1.0",	     "1.0-r1",	   "1.0_cvs",  "1.0_svn",   "1.0_git", "1.0_hg",
	"1.0_p",     "1.0_p1",	   "1.0a",     "1.0.1_rc1", "1.0.1",
};

static void
test_apk_suffix_order(void **state)
{
	(void)state;
	check_ascending(WARD_VERSION_APK, apk_suffix_order, WARD_ARRAY_SIZE(apk_suffix_order));
	check_bad(WARD_VERSION_APK, "1.0_foo", "suffixes");
	check_bad(WARD_VERSION_APK, "v1.0", "start with a digit");
}

/* Where apk-tools' test data lives: $WARD_VERSIONS_DATA, else
 * ../shared/thirdparty/versions beside the checkout (from the repository
 * root, where tests run, or from build/test/unit/). */
static bool
data_path(const char *file, char *buf, size_t size)
{
	const char *env = getenv("WARD_VERSIONS_DATA");
	const char *dirs[] = {env, "../shared/thirdparty/versions",
			      "../../../../shared/thirdparty/versions"};
	char exe[PATH_MAX], *slash;
	ssize_t n;
	int w;

	for (size_t i = 0; i < WARD_ARRAY_SIZE(dirs); i++) {
		if (!dirs[i])
			continue;
		if (i == 2) {
			n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
			if (n <= 0)
				continue;
			exe[n] = '\0';
			slash = strrchr(exe, '/');
			if (!slash)
				continue;
			*slash = '\0';
			w = snprintf(buf, size, "%s/%s/%s", exe, dirs[i], file);
		} else {
			w = snprintf(buf, size, "%s/%s", dirs[i], file);
		}
		if (w > 0 && (size_t)w < size && access(buf, R_OK) == 0)
			return true;
	}
	return false;
}

enum apk_mask { M_LESS = 1, M_EQUAL = 2, M_GREATER = 4, M_FUZZY = 8 };

/* apk_version_result_mask_blob */
static int
op_mask(const char *op)
{
	int m = 0;

	for (; *op; op++) {
		switch (*op) {
		case '<':
			m |= M_LESS;
			break;
		case '>':
			m |= M_GREATER;
			break;
		case '=':
			m |= M_EQUAL;
			break;
		case '~':
			m |= M_FUZZY | M_EQUAL;
			break;
		default:
			return 0;
		}
	}
	return m;
}

struct apk_stats {
	unsigned compares, strict, invalid_pairs, valid, invalid, failures;
};

/* apk_version_match() with ward's comparator, and the strict public API
 * on the same pair: equal answers when both are valid, a refusal when not. */
static bool
apk_match(const char *a, const char *op, const char *b, struct apk_stats *st)
{
	bool invert = op[0] == '!';
	int mask = op_mask(op + invert), raw, got, bit;
	struct ward_error *err = NULL;

	raw = scan_apk_compare_raw(a, strlen(a), b, strlen(b), mask & M_FUZZY);
	bit = raw < 0 ? M_LESS : raw > 0 ? M_GREATER : M_EQUAL;
	st->compares++;
	if (ward_version_valid(WARD_VERSION_APK, a) && ward_version_valid(WARD_VERSION_APK, b)) {
		if (!(mask & M_FUZZY)) {
			if (ward_version_compare(WARD_VERSION_APK, a, b, &got, &err) < 0 ||
			    got != raw)
				return false;
			st->strict++;
		}
	} else {
		if (ward_version_compare(WARD_VERSION_APK, a, b, &got, &err) != -EINVAL)
			return false;
		ward_error_free(err);
		st->invalid_pairs++;
	}
	return ((bit & mask) != 0) != invert;
}

/* One line of version.data: "ver", "!ver", "a op b", "a !op b", "# ...". */
static void
apk_data_line(char *line, struct apk_stats *st)
{
	char *hash = strchr(line, '#'), *f[4] = {0};
	int n = 0;
	bool ok;

	if (hash)
		*hash = '\0';
	for (char *tok = strtok(line, " \t\r\n"); tok && n < 4; tok = strtok(NULL, " \t\r\n"))
		f[n++] = tok;
	if (n == 0)
		return;
	if (n == 3) {
		ok = apk_match(f[0], f[1], f[2], st);
	} else {
		bool invert = f[0][0] == '!';
		ok = ward_version_valid(WARD_VERSION_APK, f[0] + invert) != invert;
		if (invert)
			st->invalid++;
		else
			st->valid++;
	}
	if (!ok) {
		st->failures++;
		print_message("# FAIL: %s %s %s\n", f[0], f[1] ? f[1] : "", f[2] ? f[2] : "");
	}
}

static FILE *
open_data(const char *file)
{
	char path[PATH_MAX];

	if (!data_path(file, path, sizeof(path)))
		return NULL;
	return fopen(path, "re");
}

static void
test_apk_version_data(void **state)
{
	struct apk_stats st = {0};
	char line[1024];
	FILE *f = open_data("apk-version.data");

	(void)state;
	if (!f) {
		print_message("# skip: apk-tools' version.data not found in "
			      "../shared/thirdparty/versions/ (set WARD_VERSIONS_DATA)\n");
		skip();
	}
	while (fgets(line, sizeof(line), f))
		apk_data_line(line, &st);
	fclose(f);
	print_message("# apk version.data: %u comparisons (%u also strict, %u with an invalid "
		      "version), %u valid, %u invalid, %u failures\n",
		      st.compares, st.strict, st.invalid_pairs, st.valid, st.invalid, st.failures);
	assert_int_equal(st.failures, 0);
	/* the file at apk-tools 90b974fd: 738 orderings and 16 fuzzy matches */
	assert_true(st.compares >= 700);
	assert_true(st.valid >= 5 && st.invalid >= 20);
}

/* The TSV renderings beside it: "a<TAB>b<TAB>lt|eq|gt", "v<TAB>valid|invalid",
 * "a<TAB>op<TAB>b". */
static void
test_apk_tsv(void **state)
{
	static const char *const files[] = {"apk.tsv", "apk-validity.tsv", "apk-fuzzy.tsv"};
	struct apk_stats st = {0};
	char line[1024];

	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(files); i++) {
		FILE *f = open_data(files[i]);

		if (!f) {
			print_message("# skip: %s not found in ../shared/thirdparty/versions/\n",
				      files[i]);
			skip();
		}
		while (fgets(line, sizeof(line), f)) {
			char *c[3] = {line, NULL, NULL};
			bool ok;

			line[strcspn(line, "\r\n")] = '\0';
			for (int k = 1; k < 3; k++) {
				char *tab = c[k - 1] ? strchr(c[k - 1], '\t') : NULL;
				if (tab)
					*tab = '\0', c[k] = tab + 1;
			}
			if (i == 0 && c[2]) {
				const char *op = strcmp(c[2], "lt") == 0   ? "<"
						 : strcmp(c[2], "gt") == 0 ? ">"
									   : "=";
				ok = apk_match(c[0], op, c[1], &st);
			} else if (i == 1 && c[1]) {
				ok = ward_version_valid(WARD_VERSION_APK, c[0]) ==
				     (strcmp(c[1], "valid") == 0);
				st.valid++;
			} else if (i == 2 && c[2]) {
				ok = apk_match(c[0], c[1], c[2], &st);
			} else {
				continue;
			}
			if (!ok) {
				st.failures++;
				print_message("# FAIL %s: %s | %s | %s\n", files[i], c[0],
					      c[1] ? c[1] : "", c[2] ? c[2] : "");
			}
		}
		fclose(f);
	}
	print_message("# apk tsv: %u comparisons, %u validity lines, %u failures\n", st.compares,
		      st.valid, st.failures);
	assert_int_equal(st.failures, 0);
	assert_true(st.compares >= 700 && st.valid >= 30);
}

/* ==== semver ============================================================== */

/* semver.org 2.0.0 item 11 */
static const char *const semver_order[] = {
	"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
	"1.0.0-beta",  "1.0.0-beta.2",	"1.0.0-beta.11",
	"1.0.0-rc.1",  "1.0.0",		"2.0.0",
	"2.1.0",       "2.1.1",
};

static const struct cmp_case semver_cases[] = {
	{"1.0.0+20130313144700", "1.0.0", 0},
	{"1.0.0-alpha+001", "1.0.0-alpha", 0},
	{"1.0.0-beta+exp.sha.5114f85", "1.0.0-beta+other", 0},
	{"1.9.0", "1.10.0", -1},
	{"1.0.0-2", "1.0.0-10", -1},
	{"1.0.0-alpha.99", "1.0.0-alpha.a", -1},
	{"1.0.0-Alpha", "1.0.0-alpha", -1}, /* ASCII order */
	{"1.0.0-a-b", "1.0.0-a", 1},
	{"99999999999999999999999.0.0", "9.0.0", 1},
	{"0.0.0", "0.0.1-0", -1},
};

/* semver.org's suggested regular expression test lists */
static const char *const semver_goods[] = {
	"0.0.4",
	"1.2.3",
	"10.20.30",
	"1.1.2-prerelease+meta",
	"1.1.2+meta",
	"1.1.2+meta-valid",
	"1.0.0-alpha",
	"1.0.0-beta",
	"1.0.0-alpha.beta",
	"1.0.0-alpha.beta.1",
	"1.0.0-alpha.1",
	"1.0.0-alpha0.valid",
	"1.0.0-alpha.0valid",
	"1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay",
	"1.0.0-rc.1+build.1",
	"2.0.0-rc.1+build.123",
	"1.2.3-beta",
	"10.2.3-DEV-SNAPSHOT",
	"1.2.3-SNAPSHOT-123",
	"1.0.0",
	"2.0.0",
	"1.1.7",
	"2.0.0+build.1848",
	"2.0.1-alpha.1227",
	"1.0.0-alpha+beta",
	"1.2.3----RC-SNAPSHOT.12.9.1--.12+788",
	"1.2.3----R-S.12.9.1--.12+meta",
	"1.2.3----RC-SNAPSHOT.12.9.1--.12",
	"1.0.0+0.build.1-rc.10000aaa-kk-0.1",
	"99999999999999999999999.999999999999999999.99999999999999999",
	"1.0.0-0A.is.legal",
};

static const struct bad_case semver_bads[] = {
	{"1", "MAJOR.MINOR.PATCH"},
	{"1.2", "MAJOR.MINOR.PATCH"},
	{"1.2.3-0123", "leading zero"},
	{"1.2.3-0123.0123", "leading zero"},
	{"1.1.2+.123", "empty"},
	{"+invalid", "number"},
	{"-invalid", "number"},
	{"-invalid+invalid", "number"},
	{"-invalid.01", "number"},
	{"alpha", "number"},
	{"alpha.beta", "number"},
	{"alpha.beta.1", "number"},
	{"alpha.1", "number"},
	{"alpha+beta", "number"},
	{"alpha_beta", "number"},
	{"alpha.", "number"},
	{"alpha..", "number"},
	{"beta", "number"},
	{"1.0.0-alpha_beta", "invalid character"},
	{"-alpha.", "number"},
	{"1.0.0-alpha..", "empty"},
	{"1.0.0-alpha..1", "empty"},
	{"1.0.0-alpha...1", "empty"},
	{"1.0.0-alpha....1", "empty"},
	{"1.0.0-alpha.....1", "empty"},
	{"1.0.0-alpha......1", "empty"},
	{"1.0.0-alpha.......1", "empty"},
	{"01.1.1", "leading zero"},
	{"1.01.1", "leading zero"},
	{"1.1.01", "leading zero"},
	{"1.2.3.DEV", "unexpected"},
	{"1.2-SNAPSHOT", "MAJOR.MINOR.PATCH"},
	{"1.2.31.2.3----RC-SNAPSHOT.12.09.1--..12+788", "unexpected"},
	{"1.2-RC-SNAPSHOT", "MAJOR.MINOR.PATCH"},
	{"-1.0.3-gamma+b7718", "number"},
	{"+justmeta", "number"},
	{"9.8.7+meta+meta", "invalid character"},
	{"9.8.7-whatever+meta+meta", "invalid character"},
	{"99999999999999999999999.999999999999999999.99999999999999999----RC-SNAPSHOT.12.09.1-----"
	 "---------------------------..12",
	 "leading zero"},
	{"v1.2.3", "'v' prefix"},
	{"1.2.3-", "empty"},
	{"1.2.3+", "empty"},
	{"", "empty"},
};

static void
test_semver(void **state)
{
	(void)state;
	check_ascending(WARD_VERSION_SEMVER, semver_order, WARD_ARRAY_SIZE(semver_order));
	check_cmps(WARD_VERSION_SEMVER, semver_cases, WARD_ARRAY_SIZE(semver_cases));
	check_goods(WARD_VERSION_SEMVER, semver_goods, WARD_ARRAY_SIZE(semver_goods));
	check_bads(WARD_VERSION_SEMVER, semver_bads, WARD_ARRAY_SIZE(semver_bads));
}

/* ==== PEP 440 ============================================================= */

/* PEP 440 "Summary of permitted suffixes and relative ordering", then the
 * epoch example of "Version epochs". */
static const char *const pep440_order[] = {
	"1.dev0",
	"1.0.dev456",
	"1.0a1",
	"1.0a2.dev456",
	"1.0a12.dev456",
	"1.0a12",
	"1.0b1.dev456",
	"1.0b2",
	"1.0b2.post345.dev456",
	"1.0b2.post345",
	"1.0rc1.dev456",
	"1.0rc1",
	"1.0",
	"1.0+abc.5",
	"1.0+abc.7",
	"1.0+5",
	"1.0.post456.dev34",
	"1.0.post456",
	"1.0.15",
	"1.1.dev1",
};

static const char *const pep440_epochs[] = {"2013.10", "2014.04", "1!1.0", "1!1.1", "1!2.0"};

/* PEP 440 "Normalization": each spelling equals its normal form. */
static const struct cmp_case pep440_cases[] = {
	{"1.0a1", "1.0.0a1", 0},
	{"1.1RC1", "1.1rc1", 0},
	{"00", "0", 0},
	{"09000", "9000", 0},
	{"1.0+09000", "1.0+9000", 0},
	{"1.1.a1", "1.1a1", 0},
	{"1.1-a1", "1.1a1", 0},
	{"1.1_a1", "1.1a1", 0},
	{"1.0a.1", "1.0a1", 0},
	{"1.0a-1", "1.0a1", 0},
	{"1.0alpha1", "1.0a1", 0},
	{"1.0beta2", "1.0b2", 0},
	{"1.0c1", "1.0rc1", 0},
	{"1.0pre1", "1.0rc1", 0},
	{"1.0preview1", "1.0rc1", 0},
	{"1.2a", "1.2a0", 0},
	{"1.2-post2", "1.2.post2", 0},
	{"1.2post2", "1.2.post2", 0},
	{"1.2_post2", "1.2.post2", 0},
	{"1.2.post-2", "1.2.post2", 0},
	{"1.0-r4", "1.0.post4", 0},
	{"1.0-rev4", "1.0.post4", 0},
	{"1.2.post", "1.2.post0", 0},
	{"1.0-1", "1.0.post1", 0},
	{"1.2-dev2", "1.2.dev2", 0},
	{"1.2dev2", "1.2.dev2", 0},
	{"1.2.dev", "1.2.dev0", 0},
	{"1.0+ubuntu-1", "1.0+ubuntu.1", 0},
	{"1.0+ubuntu_1", "1.0+ubuntu.1", 0},
	{"1.0+UBUNTU.1", "1.0+ubuntu.1", 0},
	{"v1.0", "1.0", 0},
	{"V1.0", "1.0", 0},
	{" 1.0\n", "1.0", 0},
	{"\t1.0 ", "1.0", 0},
	{"0!1.0", "1.0", 0},
	{"1.0", "1.0.0.0", 0},
	{"1!1.0", "2.0", 1},
	{"1.0.dev1", "1.0a1", -1},
	{"1.0.post1.dev1", "1.0.post1", -1},
	{"1.0.post1.dev1", "1.0", 1},
	{"1.0a1.post1", "1.0a2", -1},
	{"1.0+abc", "1.0+abd", -1},
	{"1.0+abc", "1.0+1", -1},
	{"1.0+1", "1.0+1.0", -1},
	{"1.0+1.abc", "1.0+1.2", -1},
	{"1.0", "1.0+0", -1},
	{"1.9", "1.10", -1},
	{"1.0.99999999999999999999999", "1.0.100000000000000000000000", -1},
};

static const struct bad_case pep440_bads[] = {
	{"", "empty"},
	{"french toast", "release number"},
	{"1.0-", "not a PEP 440 version"},
	{"1.0+", "empty segment"},
	{"1.0+abc.", "not a PEP 440 version"},
	{"1.0.", "not a PEP 440 version"},
	{"1.0a1b", "not a PEP 440 version"},
	{"1!", "release number"},
	{"1.0 1", "not a PEP 440 version"},
	{".1", "release number"},
	{"1..0", "not a PEP 440 version"},
	{"1.0.post1.post2", "not a PEP 440 version"},
	{"1.0.dev1a1", "not a PEP 440 version"},
	{"1.0+abc+def", "not a PEP 440 version"},
	{"1.0\xc2\xa0", "not a PEP 440 version"},
};

static void
test_pep440(void **state)
{
	(void)state;
	check_ascending(WARD_VERSION_PEP440, pep440_order, WARD_ARRAY_SIZE(pep440_order));
	check_ascending(WARD_VERSION_PEP440, pep440_epochs, WARD_ARRAY_SIZE(pep440_epochs));
	check_cmps(WARD_VERSION_PEP440, pep440_cases, WARD_ARRAY_SIZE(pep440_cases));
	check_bads(WARD_VERSION_PEP440, pep440_bads, WARD_ARRAY_SIZE(pep440_bads));
}

/* ==== Go ================================================================== */

static const char *const go_order[] = {
	"v0.0.0-20191109021931-daa7c04131f5",
	"v0.0.0-20200101000000-aaaaaaaaaaaa",
	"v0.0.0",
	"v1.2.3",
	"v1.2.4-0.20191109021931-daa7c04131f5",
	"v1.2.4-pre",
	"v1.2.4-pre.0.20191109021931-daa7c04131f5",
	"v1.2.4",
	"v1.10.0",
	"v2.0.0-rc.1",
	"v2.0.0+incompatible",
	"v2.0.1+incompatible",
};

static const struct cmp_case go_cases[] = {
	{"v1.2.3", "1.2.3", 0},
	{"v2.0.0+incompatible", "v2.0.0", 0},
	{"v1", "v1.0.0", 0},
	{"v1.2", "v1.2.0", 0},
	{"1.2", "v1.2.0", 0},
	{"v1.0.0-rc.1", "v1", -1},
	{"0.0.0-20220314234659-1baeb1ce4c0b", "0.0.0-20220315160706-3147a52a75dd", -1},
};

static const struct bad_case go_bads[] = {
	{"", "empty"},
	{"v", "empty"},
	{"v1.2.3.4", "unexpected"},
	{"v01.2.3", "leading zero"},
	{"v1.2.3-01", "leading zero"},
	{"v1-pre", "MAJOR.MINOR.PATCH"},
	{"v1.2+meta", "MAJOR.MINOR.PATCH"},
	{"vv1.2.3", "number"},
	{"v1.2.3+", "empty"},
	{"v1.2.3-", "empty"},
	{"v1.2.3-a_b", "invalid character"},
};

static void
test_go(void **state)
{
	(void)state;
	check_ascending(WARD_VERSION_GO, go_order, WARD_ARRAY_SIZE(go_order));
	check_cmps(WARD_VERSION_GO, go_cases, WARD_ARRAY_SIZE(go_cases));
	check_bads(WARD_VERSION_GO, go_bads, WARD_ARRAY_SIZE(go_bads));
}

/* ==== bounds, errors, names, ecosystems =================================== */

/* A valid version of exactly n bytes for each scheme: digits, with semver's
 * three parts. */
static void
long_version(enum ward_version_scheme s, char *v, size_t n)
{
	memset(v, '1', n);
	if (s == WARD_VERSION_SEMVER)
		memcpy(v, "1.0.", 4);
	v[n] = '\0';
}

static void
test_length_bound(void **state)
{
	char v[WARD_VERSION_MAX + 2];
	struct ward_error *err = NULL;
	int got = 7;

	(void)state;
	for (int s = 0; s < WARD_VERSION_SCHEME_COUNT; s++) {
		long_version(s, v, WARD_VERSION_MAX);
		if (ward_version_compare(s, v, v, &got, &err) < 0)
			fail_msg("%s: %d bytes refused: %s", ward_version_scheme_name(s),
				 WARD_VERSION_MAX, err->msg);
		assert_int_equal(got, 0);
		got = 7;
		long_version(s, v, WARD_VERSION_MAX + 1);
		assert_false(ward_version_valid(s, v));
		assert_int_equal(ward_version_compare(s, v, "1", &got, &err), -EINVAL);
		assert_non_null(strstr(err->msg, "longer than 256 bytes"));
		assert_non_null(strstr(err->msg, ward_version_scheme_name(s)));
		assert_true(strlen(err->msg) < 200); /* the version is shown cut */
		ward_error_free(err);
		err = NULL;
		assert_int_equal(got, 7);
	}
	assert_int_equal(ward_version_compare(WARD_VERSION_DPKG, NULL, "1", &got, &err), -EINVAL);
	ward_error_free(err);
}

static void
test_error_escapes_control_bytes(void **state)
{
	struct ward_error *err = NULL;

	(void)state;
	assert_int_equal(ward_version_check(WARD_VERSION_DPKG, "1.0\x1b[31m\n", &err), -EINVAL);
	assert_null(strchr(err->msg, '\x1b'));
	assert_null(strchr(err->msg, '\n'));
	assert_non_null(strstr(err->msg, "dpkg version '1.0\\x1b[31m\\x0a'"));
	ward_error_free(err);
}

static void
test_scheme_names(void **state)
{
	enum ward_version_scheme s;
	struct ward_error *err = NULL;
	int got;

	(void)state;
	for (int i = 0; i < WARD_VERSION_SCHEME_COUNT; i++) {
		assert_int_equal(
			ward_version_scheme_from_name(ward_version_scheme_name(i), &s, &err), 0);
		assert_int_equal(s, i);
	}
	assert_int_equal(ward_version_scheme_from_name("maven", &s, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "maven"));
	ward_error_free(err);
	err = NULL;
	assert_string_equal(ward_version_scheme_name(WARD_VERSION_SCHEME_COUNT), "?");
	assert_int_equal(ward_version_compare(WARD_VERSION_SCHEME_COUNT, "1", "1", &got, &err),
			 -EINVAL);
	ward_error_free(err);
	assert_false(ward_version_valid(WARD_VERSION_SCHEME_COUNT, "1"));
}

struct eco_case {
	const char *osv, *name, *release;
	enum ward_version_scheme scheme;
	enum ward_ecosystem_kind kind;
};

static const struct eco_case eco_cases[] = {
	{"Debian", "Debian", NULL, WARD_VERSION_DPKG, WARD_ECOSYSTEM_DISTRO},
	{"Debian:12", "Debian", "12", WARD_VERSION_DPKG, WARD_ECOSYSTEM_DISTRO},
	{"Ubuntu:22.04", "Ubuntu", "22.04", WARD_VERSION_DPKG, WARD_ECOSYSTEM_DISTRO},
	{"Ubuntu:Pro:18.04:LTS", "Ubuntu", "Pro:18.04:LTS", WARD_VERSION_DPKG,
	 WARD_ECOSYSTEM_DISTRO},
	{"Alpine:v3.18", "Alpine", "v3.18", WARD_VERSION_APK, WARD_ECOSYSTEM_DISTRO},
	{"Wolfi", "Wolfi", NULL, WARD_VERSION_APK, WARD_ECOSYSTEM_DISTRO},
	{"Red Hat", "Red Hat", NULL, WARD_VERSION_RPM, WARD_ECOSYSTEM_DISTRO},
	{"Red Hat:enterprise_linux:9::appstream", "Red Hat", "enterprise_linux:9::appstream",
	 WARD_VERSION_RPM, WARD_ECOSYSTEM_DISTRO},
	{"Rocky Linux:9", "Rocky Linux", "9", WARD_VERSION_RPM, WARD_ECOSYSTEM_DISTRO},
	{"AlmaLinux:8", "AlmaLinux", "8", WARD_VERSION_RPM, WARD_ECOSYSTEM_DISTRO},
	{"openSUSE:Leap 15.5", "openSUSE", "Leap 15.5", WARD_VERSION_RPM, WARD_ECOSYSTEM_DISTRO},
	{"npm", "npm", NULL, WARD_VERSION_SEMVER, WARD_ECOSYSTEM_LANGUAGE},
	{"crates.io", "crates.io", NULL, WARD_VERSION_SEMVER, WARD_ECOSYSTEM_LANGUAGE},
	{"PyPI", "PyPI", NULL, WARD_VERSION_PEP440, WARD_ECOSYSTEM_LANGUAGE},
	{"Go", "Go", NULL, WARD_VERSION_GO, WARD_ECOSYSTEM_LANGUAGE},
};

static void
test_ecosystems(void **state)
{
	struct ward_error *err = NULL;
	struct ward_ecosystem e;
	const char *release;

	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(eco_cases); i++) {
		const struct eco_case *c = &eco_cases[i];

		release = "unset";
		if (ward_ecosystem_lookup(c->osv, &e, &release, &err) < 0)
			fail_msg("'%s': %s", c->osv, err->msg);
		assert_string_equal(e.name, c->name);
		assert_int_equal(e.scheme, c->scheme);
		assert_int_equal(e.kind, c->kind);
		if (c->release)
			assert_string_equal(release, c->release);
		else
			assert_null(release);
	}
	static const char *const unsupported[] = {"Maven", "debian", "RubyGems:x", "Debian12"};
	for (size_t i = 0; i < WARD_ARRAY_SIZE(unsupported); i++) {
		assert_int_equal(ward_ecosystem_lookup(unsupported[i], &e, NULL, &err), -EINVAL);
		assert_int_equal(err->kind, WARD_E_UNSUPPORTED);
		assert_non_null(strstr(err->msg, unsupported[i]));
		ward_error_free(err);
		err = NULL;
	}
	assert_int_equal(ward_ecosystem_lookup("", &e, NULL, &err), -EINVAL);
	assert_int_equal(err->kind, WARD_E_INVALID);
	ward_error_free(err);
	err = NULL;
	char huge[400];
	memset(huge, 'x', sizeof(huge) - 1);
	memcpy(huge, "Debian:", 7);
	huge[sizeof(huge) - 1] = '\0';
	assert_int_equal(ward_ecosystem_lookup(huge, &e, NULL, &err), -EINVAL);
	assert_int_equal(err->kind, WARD_E_INVALID);
	assert_non_null(strstr(err->msg, "longer than 256 bytes"));
	ward_error_free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpkg_policy_order),
		cmocka_unit_test(test_dpkg_cases),
		cmocka_unit_test(test_dpkg_rejects_invalid),
		cmocka_unit_test(test_rpm_vercmp_suite),
		cmocka_unit_test(test_rpm_evr),
		cmocka_unit_test(test_apk_suffix_order),
		cmocka_unit_test(test_apk_version_data),
		cmocka_unit_test(test_apk_tsv),
		cmocka_unit_test(test_semver),
		cmocka_unit_test(test_pep440),
		cmocka_unit_test(test_go),
		cmocka_unit_test(test_length_bound),
		cmocka_unit_test(test_error_escapes_control_bytes),
		cmocka_unit_test(test_scheme_names),
		cmocka_unit_test(test_ecosystems),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
