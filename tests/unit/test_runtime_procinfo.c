/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ward top`'s parsers of container-written /proc and passwd text: hostile
 * process names (parentheses, control characters), negative fields, lines
 * cut short, and user lookups.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/runtime.h>

#define TAIL " S 1 77 77 34817 -1 4194560 100 0 0 0 5 7 0 0 20 -5 1 0 98765 1000 100"

static void
test_stat_parses_fields_after_the_last_paren(void **state)
{
	static const char line[] = "4242 (a) b) (c)" TAIL;
	struct ward_proc_stat st;

	(void)state;
	assert_int_equal(ward_proc_parse_stat(line, sizeof(line) - 1, &st), 0);
	assert_string_equal(st.comm, "a) b) (c");
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.tty_nr, 34817);
	assert_int_equal(st.utime, 5);
	assert_int_equal(st.stime, 7);
	assert_int_equal(st.start, 98765);
}

static void
test_stat_replaces_control_characters_in_comm(void **state)
{
	static const char line[] = "1 (\x1b]0;pwned\x07)" TAIL;
	struct ward_proc_stat st;

	(void)state;
	assert_int_equal(ward_proc_parse_stat(line, sizeof(line) - 1, &st), 0);
	assert_string_equal(st.comm, "?]0;pwned?");
}

static void
test_stat_of_this_process(void **state)
{
	char buf[4096];
	FILE *f = fopen("/proc/self/stat", "r");
	struct ward_proc_stat st;
	size_t n;

	(void)state;
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(ward_proc_parse_stat(buf, n, &st), 0);
	assert_int_equal(st.ppid, getppid());
}

static void
test_stat_rejects_malformed_lines(void **state)
{
	static const char *const bad[] = {
		"",
		"1 a S 1",			     /* no parentheses */
		"1 (a)",			     /* nothing after comm */
		"1 (a)S 1 2 3",			     /* no space after ')' */
		"1 (a) S 1 2 3",		     /* too few fields */
		"1 (a) S -1 77 77 0 -1 0 0 0 0 0 5 7 0 0 20 0 1 0 9", /* negative ppid */
		"1 (a) S 1 77 77 0 -1 0 0 0 0 0 5 7 0 0 20 0 1 0 99999999999999999999999", /* overflow */
		"1 (a) S 1 77 77 x -1 0 0 0 0 0 5 7 0 0 20 0 1 0 9", /* not a number */
	};
	struct ward_proc_stat st;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ward_proc_parse_stat(bad[i], strlen(bad[i]), &st), -EINVAL);
}

static void
test_status_uid_and_innermost_nspid(void **state)
{
	static const char text[] = "Name:\tsh\nUid:\t0\t1000\t1000\t1000\nNSpid:\t4242\t17\t1\n";
	static const char none[] = "Name:\tsh\nUid:\tx\n";
	struct ward_proc_status st;

	(void)state;
	ward_proc_parse_status(text, sizeof(text) - 1, &st);
	assert_true(st.has_euid);
	assert_int_equal(st.euid, 1000);
	assert_int_equal(st.ns_pid, 1);
	ward_proc_parse_status(none, sizeof(none) - 1, &st);
	assert_false(st.has_euid);
	assert_int_equal(st.ns_pid, 0);
}

static void
test_passwd_names_uids_and_cleans_names(void **state)
{
	static const char pw[] = "root:x:0:0:root:/root:/bin/sh\n"
				 "broken\n"
				 "\x1b[31mred:x:5:5::/:\n"
				 "longlonglonglonglonglong:x:6:6::/:\n"
				 ":x:7:7::/:\n"
				 "nouid:x::8::/:\n"
				 "bin:x:1:1::/:";
	char name[16];

	(void)state;
	assert_true(ward_passwd_name(pw, sizeof(pw) - 1, 0, name, sizeof(name)));
	assert_string_equal(name, "root");
	assert_true(ward_passwd_name(pw, sizeof(pw) - 1, 1, name, sizeof(name)));
	assert_string_equal(name, "bin");
	assert_true(ward_passwd_name(pw, sizeof(pw) - 1, 5, name, sizeof(name)));
	assert_string_equal(name, "?[31mred");
	assert_false(ward_passwd_name(pw, sizeof(pw) - 1, 6, name, sizeof(name))); /* too long */
	assert_false(ward_passwd_name(pw, sizeof(pw) - 1, 7, name, sizeof(name))); /* empty */
	assert_false(ward_passwd_name(pw, sizeof(pw) - 1, 8, name, sizeof(name)));
	assert_false(ward_passwd_name(pw, sizeof(pw) - 1, 9, name, sizeof(name)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_parses_fields_after_the_last_paren),
		cmocka_unit_test(test_stat_replaces_control_characters_in_comm),
		cmocka_unit_test(test_stat_of_this_process),
		cmocka_unit_test(test_stat_rejects_malformed_lines),
		cmocka_unit_test(test_status_uid_and_innermost_nspid),
		cmocka_unit_test(test_passwd_names_uids_and_cleans_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
