/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CVSS v3 base scores. The expected scores are worked out by hand from the
 * FIRST specification's equations (section 7.1) and metric values (7.4),
 * each shown below so a reader can redo it:
 *   ISS = 1 - (1-C)(1-I)(1-A); Impact = 6.42 ISS (S:U),
 *   7.52 (ISS-0.029) - 3.25 (ISS-0.02)^15 (S:C); Exploitability =
 *   8.22 AV AC PR UI; Base = Roundup(min(Impact+Expl, 10)) (S:U) or
 *   Roundup(min(1.08 (Impact+Expl), 10)) (S:C); 0 when Impact <= 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/scan.h>

struct score_case {
	const char *vector;
	double want;
};

static void
test_cvss_scores_worked_by_hand(void **state)
{
	(void)state;
	static const struct score_case cases[] = {
		/* ISS = 1 - 0.44^3 = 0.914816, Impact = 5.873119;
		 * Expl = 8.22*0.85*0.77*0.85*0.85 = 3.887043; sum 9.760 -> 9.8 */
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
		/* S:C: Impact = 7.52*0.885816 - 3.25*0.894816^15 = 6.6613 - 0.6135
		 * = 6.0478; 1.08*(6.0478+3.8870) = 10.73 -> capped at 10.0 */
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0},
		/* ISS = 1 - 0.78*0.78 = 0.3916, Impact = 2.514072;
		 * Expl = 8.22*0.85*0.77*0.85*0.62 = 2.835255; sum 5.349 -> 5.4 */
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N", 5.4},
		/* S:C, PR:L = 0.68: Impact = 7.52*0.3626 - 3.25*0.3716^15 = 2.726751;
		 * Expl = 8.22*0.85*0.77*0.68*0.62 = 2.268204; 1.08*4.994955 = 5.3946 -> 5.4 */
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4},
		/* Impact 5.873119; Expl = 8.22*0.55*0.77*0.62*0.85 = 1.834577;
		 * sum 7.7077 -> 7.8 */
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8},
		/* ISS 0.22, Impact 1.4124; Expl = 8.22*0.2*0.44*0.27*0.62 = 0.121090;
		 * sum 1.5335 -> 1.6 */
		{"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6},
		/* ISS = 1 - 0.44 = 0.56, Impact = 3.5952; Expl 3.887043; sum 7.4822 -> 7.5 */
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5},
		/* No impact: 0.0 whatever the exploitability. */
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N", 0.0},
		/* Temporal and environmental metrics do not change the base score. */
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:H/MAV:L/MS:C", 9.8},
		/* Metric order is free. */
		{"CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N", 9.8},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ward_error *err = NULL;
		double got = -42;

		if (ward_cvss3_base_score(cases[i].vector, &got, &err) < 0)
			fail_msg("%s: %s", cases[i].vector, err->msg);
		if (got < cases[i].want - 1e-9 || got > cases[i].want + 1e-9)
			fail_msg("%s: got %.4f, want %.1f", cases[i].vector, got, cases[i].want);
	}
}

struct bad_case {
	const char *vector, *why;
};

static void
test_cvss_refuses_malformed_vectors(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{"", "must start with"},
		{"AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "must start with"},
		{"CVSS:2.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "must start with"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "must start"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "base metric A missing"},
		{"CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "given twice"},
		{"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "not a defined value"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:Z", "not a defined value"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:H", "unknown metric"},
		{"CVSS:3.1/AV:NN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "malformed"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", "malformed"},
		{"CVSS:3.1//AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "malformed"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:", "malformed"},
		{"CVSS:3.1/av:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "unknown metric"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ward_error *err = NULL;
		double got = -42;

		if (ward_cvss3_base_score(cases[i].vector, &got, &err) == 0)
			fail_msg("'%s' accepted (%.1f)", cases[i].vector, got);
		assert_non_null(err);
		if (!strstr(err->msg, cases[i].why))
			fail_msg("'%s': error '%s' does not say '%s'", cases[i].vector, err->msg,
				 cases[i].why);
		assert_int_equal(err->kind, WARD_E_INVALID);
		assert_true(got == -42);
		ward_error_free(err);
	}
}

static void
test_cvss_refuses_overlong_vector(void **state)
{
	(void)state;
	char v[600] = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
	struct ward_error *err = NULL;
	double got;

	while (strlen(v) < sizeof(v) - 8)
		strcat(v, "/E:X");
	assert_int_not_equal(ward_cvss3_base_score(v, &got, &err), 0);
	assert_non_null(strstr(err->msg, "longer than"));
	ward_error_free(err);
	err = NULL;
	assert_int_not_equal(ward_cvss3_base_score(NULL, &got, &err), 0);
	ward_error_free(err);
}

static void
test_cvss_severity_bands(void **state)
{
	(void)state;
	static const struct {
		double score;
		enum ward_severity want;
	} cases[] = {
		{-1, WARD_SEV_UNKNOWN},	   {0.0, WARD_SEV_LOW},	   {0.1, WARD_SEV_LOW},
		{3.9, WARD_SEV_LOW},	   {4.0, WARD_SEV_MEDIUM}, {6.9, WARD_SEV_MEDIUM},
		{7.0, WARD_SEV_HIGH},	   {8.9, WARD_SEV_HIGH},   {9.0, WARD_SEV_CRITICAL},
		{10.0, WARD_SEV_CRITICAL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ward_cvss_severity(cases[i].score) != cases[i].want)
			fail_msg("%.1f: got %s, want %s", cases[i].score,
				 ward_severity_name(ward_cvss_severity(cases[i].score)),
				 ward_severity_name(cases[i].want));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cvss_scores_worked_by_hand),
		cmocka_unit_test(test_cvss_refuses_malformed_vectors),
		cmocka_unit_test(test_cvss_refuses_overlong_vector),
		cmocka_unit_test(test_cvss_severity_bands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
