/* SPDX-License-Identifier: Apache-2.0 */
/*
 * process attributes: parsing tables (valid and invalid, with the field in
 * the message) and the apply steps, each run in a fork()ed child so the test
 * process keeps its identity, limits and capabilities.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/runtime.h>

#include "runtime/caps.h"

#define CAP_BIT(c) (UINT64_C(1) << (c))
#define B_CHOWN CAP_BIT(0)
#define B_KILL CAP_BIT(5)
#define B_NET_BIND CAP_BIT(10)
#define B_NET_RAW CAP_BIT(13)

/* ---- helpers ------------------------------------------------------------ */

static int
parse_text(const char *text, struct ward_procattr **ret, struct ward_error **err)
{
	json_t *j = NULL;
	int r;

	r = ward_json_parse(text, strlen(text), "test", &j, err);
	if (r < 0)
		return r;
	r = ward_procattr_parse(j, "process", ret, err);
	json_decref(j);
	return r;
}

static struct ward_procattr *
must_parse(const char *text)
{
	struct ward_procattr *p = NULL;
	struct ward_error *err = NULL;

	if (parse_text(text, &p, &err) < 0) {
		print_error("parse %s: %s\n", text, err ? err->msg : "?");
		ward_error_free(err);
		fail();
	}
	return p;
}

/* Fork, run fn in the child, return its exit status (128+signal if killed).
 * The child never returns into cmocka: it _exit()s with fn's result. */
static int
run_child(int (*fn)(const void *), const void *arg)
{
	pid_t pid;
	int st = 0;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn(arg));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

#define CHILD_CHECK(cond, code)                                                        \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "child check failed (%d): %s\n", code, #cond); \
			return code;                                                   \
		}                                                                      \
	} while (0)

/* One "Name:\tHEX" line of /proc/self/status. */
static int
status_hex(const char *key, uint64_t *ret)
{
	char line[256];
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/self/status", "re");
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			unsigned long long v = 0;
			if (sscanf(line + klen + 1, "%16llx", &v) == 1) {
				*ret = v;
				found = 0;
			}
			break;
		}
	fclose(f);
	return found;
}

static uint64_t
status_val(const char *key)
{
	uint64_t v = UINT64_MAX;

	(void)status_hex(key, &v);
	return v;
}

static bool
have_cap(unsigned cap)
{
	return ward_cap_is_effective(cap);
}

/* The identity tests switch uid/gid and change capability sets. */
static void
require_root(void)
{
	if (geteuid() != 0 || !have_cap(6) /* SETGID */ || !have_cap(7) /* SETUID */ ||
	    !have_cap(8) /* SETPCAP */)
		skip();
}

/* ---- parsing: invalid input ----------------------------------------------- */

struct bad_case {
	const char *json;
	const char *msg; /* substring of the error */
};

static const struct bad_case bad_cases[] = {
	{"[]", "process: expected an object, got array"},
	{"{\"user\": 5}", "process.user: expected an object, got integer"},
	{"{\"user\": {\"gid\": 0}}", "process.user.uid: required"},
	{"{\"user\": {\"uid\": 0}}", "process.user.gid: required"},
	{"{\"user\": {\"uid\": \"0\", \"gid\": 0}}",
	 "process.user.uid: expected an integer, got string"},
	{"{\"user\": {\"uid\": 4294967296, \"gid\": 0}}",
	 "process.user.uid: 4294967296 is not a valid id"},
	{"{\"user\": {\"uid\": 4294967295, \"gid\": 0}}",
	 "process.user.uid: 4294967295 is the id -1"},
	{"{\"user\": {\"uid\": 0, \"gid\": -1}}", "process.user.gid: -1 is not a valid id"},
	{"{\"user\": {\"uid\": 0, \"gid\": 0, \"umask\": 512}}",
	 "process.user.umask: 512 is outside [0, 511]"},
	{"{\"user\": {\"uid\": 0, \"gid\": 0, \"umask\": -1}}",
	 "process.user.umask: -1 is outside"},
	{"{\"user\": {\"uid\": 0, \"gid\": 0, \"additionalGids\": 7}}",
	 "process.user.additionalGids: expected an array, got integer"},
	{"{\"user\": {\"uid\": 0, \"gid\": 0, \"additionalGids\": [1, \"x\"]}}",
	 "process.user.additionalGids[1]: expected an integer, got string"},
	{"{\"user\": {\"uid\": 0, \"gid\": 0, \"additionalGids\": [1, 2, 4294967295]}}",
	 "process.user.additionalGids[2]: 4294967295 is the id -1"},
	{"{\"user\": {\"uid\": 0, \"gid\": 0, \"additionalGids\": [-3]}}",
	 "process.user.additionalGids[0]: -3 is not a valid id"},
	{"{\"noNewPrivileges\": \"yes\"}",
	 "process.noNewPrivileges: expected a boolean, got string"},
	{"{\"oomScoreAdj\": 1001}", "process.oomScoreAdj: 1001 is outside [-1000, 1000]"},
	{"{\"oomScoreAdj\": -1001}", "process.oomScoreAdj: -1001 is outside [-1000, 1000]"},
	{"{\"oomScoreAdj\": 1.5}", "process.oomScoreAdj: expected an integer, got number"},
	{"{\"capabilities\": \"all\"}", "process.capabilities: expected an object, got string"},
	{"{\"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_FOO\"]}}",
	 "process.capabilities.bounding[2]: unknown capability 'CAP_FOO'"},
	{"{\"capabilities\": {\"permitted\": [\"cap_chown\"]}}",
	 "process.capabilities.permitted[0]: unknown capability 'cap_chown'"},
	{"{\"capabilities\": {\"ambient\": [\"CHOWN\"]}}",
	 "process.capabilities.ambient[0]: unknown capability 'CHOWN'"},
	{"{\"capabilities\": {\"effective\": [10]}}",
	 "process.capabilities.effective[0]: expected a string, got integer"},
	{"{\"capabilities\": {\"inheritable\": {}}}",
	 "process.capabilities.inheritable: expected an array, got object"},
	/* A hostile name is not echoed into the operator's terminal. */
	{"{\"capabilities\": {\"bounding\": [\"CAP_\\u001b[2J\"]}}",
	 "process.capabilities.bounding[0]: unknown capability '<unprintable or too long>'"},
	{"{\"capabilities\": {\"effective\": [\"CAP_KILL\"], \"permitted\": [\"CAP_CHOWN\"]}}",
	 "process.capabilities.effective: CAP_KILL is not in permitted"},
	{"{\"rlimits\": {}}", "process.rlimits: expected an array, got object"},
	{"{\"rlimits\": [5]}", "process.rlimits[0]: expected an object, got integer"},
	{"{\"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"soft\": 1, \"hard\": 1}]}",
	 "process.rlimits[0].type: unknown rlimit 'RLIMIT_FOO'"},
	{"{\"rlimits\": [{\"type\": \"nofile\", \"soft\": 1, \"hard\": 1}]}",
	 "process.rlimits[0].type: unknown rlimit 'nofile'"},
	{"{\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1},"
	 " {\"type\": \"RLIMIT_CORE\", \"soft\": 0, \"hard\": 0},"
	 " {\"type\": \"RLIMIT_NOFILE\", \"soft\": 2, \"hard\": 2}]}",
	 "process.rlimits[2].type: RLIMIT_NOFILE is already set by process.rlimits[0]"},
	{"{\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 10, \"hard\": 5}]}",
	 "process.rlimits[0]: soft limit 10 is above the hard limit 5"},
	{"{\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 10}]}",
	 "process.rlimits[0].hard: required"},
	{"{\"rlimits\": [{\"soft\": 1, \"hard\": 1}]}", "process.rlimits[0].type: required"},
	{"{\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": -1, \"hard\": 5}]}",
	 "process.rlimits[0].soft: must not be negative"},
	{"{\"rlimits\": [{\"type\": 7, \"soft\": 1, \"hard\": 5}]}",
	 "process.rlimits[0].type: expected a string, got integer"},
	{"{\"scheduler\": {}}", "process.scheduler.policy: required"},
	{"{\"scheduler\": {\"policy\": \"SCHED_FOO\"}}",
	 "process.scheduler.policy: unknown policy 'SCHED_FOO'"},
	{"{\"scheduler\": {\"policy\": \"SCHED_ISO\"}}",
	 "process.scheduler.policy: SCHED_ISO is not implemented by Linux"},
	{"{\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"nice\": 20}}",
	 "process.scheduler.nice: 20 is outside [-20, 19]"},
	{"{\"scheduler\": {\"policy\": \"SCHED_BATCH\", \"nice\": -21}}",
	 "process.scheduler.nice: -21 is outside [-20, 19]"},
	{"{\"scheduler\": {\"policy\": \"SCHED_FIFO\"}}",
	 "process.scheduler.priority: SCHED_FIFO needs a priority in [1, 99]"},
	{"{\"scheduler\": {\"policy\": \"SCHED_RR\", \"priority\": 100}}",
	 "process.scheduler.priority: SCHED_RR needs a priority in [1, 99]"},
	{"{\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"priority\": 5}}",
	 "process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority"},
	{"{\"scheduler\": {\"policy\": \"SCHED_BATCH\", \"runtime\": 1}}",
	 "process.scheduler: runtime, deadline and period are only for SCHED_DEADLINE"},
	{"{\"scheduler\": {\"policy\": \"SCHED_BATCH\", \"flags\": [\"SCHED_FLAG_NOPE\"]}}",
	 "process.scheduler.flags[0]: unknown flag 'SCHED_FLAG_NOPE'"},
	{"{\"scheduler\": {\"policy\": \"SCHED_BATCH\", \"flags\": [1]}}",
	 "process.scheduler.flags[0]: expected a string, got integer"},
	{"{\"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"runtime\": 2000, \"deadline\": 1000}}",
	 "process.scheduler.runtime: 2000 is above the deadline 1000"},
	{"{\"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"runtime\": 100, \"deadline\": 1000,"
	 " \"period\": 500}}",
	 "process.scheduler.deadline: 1000 is above the period 500"},
	{"{\"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"runtime\": 100}}",
	 "process.scheduler.deadline: SCHED_DEADLINE needs a deadline"},
	{"{\"ioPriority\": {\"priority\": 0}}", "process.ioPriority.class: required"},
	{"{\"ioPriority\": {\"class\": \"IOPRIO_CLASS_XX\", \"priority\": 0}}",
	 "process.ioPriority.class: unknown class 'IOPRIO_CLASS_XX'"},
	{"{\"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 8}}",
	 "process.ioPriority.priority: 8 is outside [0, 7]"},
	{"{\"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": -1}}",
	 "process.ioPriority.priority: -1 is outside [0, 7]"},
};

static void
test_parse_rejects_invalid_fields_naming_them(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct ward_procattr *p = NULL;
		struct ward_error *err = NULL;
		int r = parse_text(bad_cases[i].json, &p, &err);

		if (r >= 0 || !err || !strstr(err->msg, bad_cases[i].msg)) {
			print_error("case %zu: %s\n  want: %s\n  got:  r=%d %s\n", i,
				    bad_cases[i].json, bad_cases[i].msg, r,
				    err ? err->msg : "(no error)");
			ward_procattr_free(p);
			ward_error_free(err);
			fail();
		}
		assert_null(p);
		ward_error_free(err);
	}
}

/* ---- parsing: valid input ------------------------------------------------- */

static const char *const good_cases[] = {
	"{}",
	"{\"user\": null, \"capabilities\": null, \"rlimits\": null}",
	"{\"user\": {\"uid\": 0, \"gid\": 0}}",
	"{\"user\": {\"uid\": 4294967294, \"gid\": 65534, \"umask\": 511,"
	" \"additionalGids\": [0, 1, 4294967294]}}",
	"{\"user\": {\"uid\": 1, \"gid\": 1, \"additionalGids\": []}}",
	/* The fields the lead's process parser owns are ignored here. */
	"{\"args\": [\"sh\"], \"env\": [\"A=b\"], \"cwd\": \"/\", \"terminal\": true,"
	" \"consoleSize\": {\"height\": 1, \"width\": 2}, \"apparmorProfile\": \"\","
	" \"selinuxLabel\": \"\", \"user\": {\"uid\": 1, \"gid\": 2, \"username\": \"x\"}}",
	"{\"oomScoreAdj\": -1000}",
	"{\"oomScoreAdj\": 1000}",
	"{\"capabilities\": {}}",
	"{\"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_CHOWN\"],"
	" \"effective\": [\"CAP_CHOWN\"], \"permitted\": [\"CAP_CHOWN\", \"CAP_KILL\"],"
	" \"inheritable\": [\"CAP_KILL\"], \"ambient\": [\"CAP_KILL\"]}}",
	"{\"rlimits\": []}",
	"{\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 0, \"hard\": 0},"
	" {\"type\": \"RLIMIT_CORE\", \"soft\": 9223372036854775807,"
	" \"hard\": 9223372036854775807}]}",
	"{\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"nice\": -20}}",
	"{\"scheduler\": {\"policy\": \"SCHED_BATCH\", \"nice\": 19,"
	" \"flags\": [\"SCHED_FLAG_RESET_ON_FORK\", \"SCHED_FLAG_UTIL_CLAMP_MAX\"]}}",
	"{\"scheduler\": {\"policy\": \"SCHED_FIFO\", \"priority\": 99}}",
	"{\"scheduler\": {\"policy\": \"SCHED_RR\", \"priority\": 1}}",
	"{\"scheduler\": {\"policy\": \"SCHED_IDLE\"}}",
	"{\"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"runtime\": 10000000,"
	" \"deadline\": 20000000, \"period\": 30000000}}",
	"{\"ioPriority\": {\"class\": \"IOPRIO_CLASS_RT\", \"priority\": 0}}",
	"{\"ioPriority\": {\"class\": \"IOPRIO_CLASS_IDLE\", \"priority\": 7}}",
	"{\"noNewPrivileges\": true}",
};

static void
test_parse_accepts_valid_configs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
		struct ward_procattr *p = NULL;
		struct ward_error *err = NULL;

		if (parse_text(good_cases[i], &p, &err) < 0 || !p) {
			print_error("case %zu: %s\n  got: %s\n", i, good_cases[i],
				    err ? err->msg : "(no error)");
			ward_error_free(err);
			fail();
		}
		ward_procattr_free(p);
	}
}

static void
test_parse_capability_sets_into_masks(void **state)
{
	struct ward_procattr *p;

	(void)state;
	p = must_parse(
		"{\"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_NET_BIND_SERVICE\"],"
		" \"effective\": [\"CAP_CHOWN\"],"
		" \"permitted\": [\"CAP_CHOWN\", \"CAP_KILL\"],"
		" \"inheritable\": [\"CAP_KILL\", \"CAP_NET_RAW\"],"
		" \"ambient\": [\"CAP_KILL\"]}}");
	assert_true(ward_procattr_has_caps(p));
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_BOUNDING), B_CHOWN | B_NET_BIND);
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_EFFECTIVE), B_CHOWN);
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_PERMITTED), B_CHOWN | B_KILL);
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_INHERITABLE), B_KILL | B_NET_RAW);
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_AMBIENT), B_KILL);
	assert_int_equal(ward_procattr_skipped_caps(p), 0);
	ward_procattr_free(p);

	p = must_parse("{}");
	assert_false(ward_procattr_has_caps(p));
	ward_procattr_free(p);

	/* What `runc spec` writes: ambient without inheritable. The kernel
	 * cannot raise those; like runc they are left out, not fatal. */
	p = must_parse("{\"capabilities\": {\"bounding\": [\"CAP_KILL\"], \"effective\": [\"CAP_KILL\"],"
		       " \"permitted\": [\"CAP_KILL\"], \"ambient\": [\"CAP_KILL\"]}}");
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_AMBIENT), 0);
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_EFFECTIVE), B_KILL);
	ward_procattr_free(p);
}

static void
test_parse_skips_caps_above_kernel_last_cap(void **state)
{
	const char *text = "{\"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_BPF\","
			   " \"CAP_CHECKPOINT_RESTORE\"], \"permitted\": [\"CAP_BPF\"]}}";
	struct ward_procattr *p = NULL;
	struct ward_error *err = NULL;
	json_t *j = NULL;

	(void)state;
	assert_int_equal(ward_json_parse(text, strlen(text), "t", &j, &err), 0);
	/* Pretend a kernel whose last capability is CAP_PERFMON (38). */
	assert_int_equal(ward_procattr_parse_last_cap(j, "process", 38, &p, &err), 0);
	assert_int_equal(ward_procattr_skipped_caps(p), 3);
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_BOUNDING), B_CHOWN);
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_PERMITTED), 0);
	ward_procattr_free(p);
	p = NULL;

	/* An unknown name is still an error, whatever the kernel. */
	json_decref(j);
	text = "{\"capabilities\": {\"bounding\": [\"CAP_BPF\", \"CAP_FUTURE\"]}}";
	assert_int_equal(ward_json_parse(text, strlen(text), "t", &j, &err), 0);
	assert_true(ward_procattr_parse_last_cap(j, "process", 38, &p, &err) < 0);
	assert_non_null(strstr(err->msg, "process.capabilities.bounding[1]: unknown capability "
					 "'CAP_FUTURE'"));
	assert_null(p);
	ward_error_free(err);
	json_decref(j);
}

static void
test_cap_last_cap_matches_kernel(void **state)
{
	char *s = NULL;
	uint64_t v = 0;

	(void)state;
	if (ward_fs_read_all(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, &s, NULL, NULL) < 0)
		skip();
	s[strcspn(s, "\n")] = '\0';
	assert_int_equal(ward_parse_u64(s, &v), 0);
	free(s);
	assert_int_equal(ward_cap_last_cap(), v > 63 ? 63 : v);
}

static void
test_known_caps_lists_the_whole_table(void **state)
{
	json_t *a = ward_procattr_known_caps();
	json_t *v;
	size_t i;

	(void)state;
	assert_non_null(a);
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 41);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "CAP_CHOWN");
	assert_string_equal(json_string_value(json_array_get(a, 24)), "CAP_SYS_RESOURCE");
	assert_string_equal(json_string_value(json_array_get(a, 40)), "CAP_CHECKPOINT_RESTORE");
	json_array_foreach(a, i, v) {
		assert_true(json_is_string(v));
		assert_int_equal(ward_cap_from_name(json_string_value(v)), (int)i);
	}
	json_decref(a);
}

static void
test_add_cap_adds_to_bounding_effective_permitted(void **state)
{
	struct ward_procattr *p;
	struct ward_error *err = NULL;

	(void)state;
	p = must_parse("{\"capabilities\": {\"bounding\": [\"CAP_CHOWN\"],"
		       " \"permitted\": [\"CAP_CHOWN\"], \"inheritable\": [\"CAP_NET_RAW\"]}}");
	assert_int_equal(ward_procattr_add_cap(p, "CAP_KILL", &err), 0);
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_BOUNDING), B_CHOWN | B_KILL);
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_EFFECTIVE), B_KILL);
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_PERMITTED), B_CHOWN | B_KILL);
	/* Never inheritable (CVE-2022-29162); not ambient without it. */
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_INHERITABLE), B_NET_RAW);
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_AMBIENT), 0);
	/* Already inheritable: ambient too, so it survives execve. */
	assert_int_equal(ward_procattr_add_cap(p, "CAP_NET_RAW", &err), 0);
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_AMBIENT), B_NET_RAW);
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_INHERITABLE), B_NET_RAW);

	assert_true(ward_procattr_add_cap(p, "CAP_NOPE", &err) < 0);
	assert_non_null(strstr(err->msg, "unknown capability 'CAP_NOPE'"));
	ward_error_free(err);
	ward_procattr_free(p);

	/* No capabilities object: the sets become exactly what was added. */
	p = must_parse("{}");
	err = NULL;
	assert_int_equal(ward_procattr_add_cap(p, "CAP_NET_BIND_SERVICE", &err), 0);
	assert_true(ward_procattr_has_caps(p));
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_BOUNDING), B_NET_BIND);
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_EFFECTIVE), B_NET_BIND);
	assert_int_equal(ward_procattr_cap_mask(p, WARD_CAP_PERMITTED), B_NET_BIND);
	ward_procattr_free(p);
}

static void
test_set_user_rejects_non_numeric(void **state)
{
	static const struct {
		const char *user, *msg;
	} cases[] = {
		{"alice", "user 'alice': uid must be a number"},
		{"", "user '': uid must be a number"},
		{"1000:staff", "user '1000:staff': gid must be a number"},
		{"1000:", "user '1000:': gid must be a number"},
		{":5", "user ':5': uid must be a number"},
		{"-1", "user '-1': uid must be a number"},
		{"4294967295", "user '4294967295': uid 4294967295 is out of range"},
		{"1:99999999999", "gid 99999999999 is out of range"},
		{"1:2:3", "gid must be a number"},
	};
	struct ward_procattr *p;

	(void)state;
	p = must_parse("{}");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ward_error *err = NULL;

		assert_true(ward_procattr_set_user(p, cases[i].user, &err) < 0);
		if (!strstr(err->msg, cases[i].msg)) {
			print_error("case %s: got %s\n", cases[i].user, err->msg);
			fail();
		}
		ward_error_free(err);
	}
	ward_procattr_free(p);
}

static void
test_no_new_privs_setter_overrides_config(void **state)
{
	struct ward_procattr *p;

	(void)state;
	p = must_parse("{\"noNewPrivileges\": true}");
	assert_true(ward_procattr_no_new_privs(p));
	ward_procattr_set_no_new_privs(p, false);
	assert_false(ward_procattr_no_new_privs(p));
	ward_procattr_free(p);
	p = must_parse("{}");
	assert_false(ward_procattr_no_new_privs(p));
	ward_procattr_set_no_new_privs(p, true);
	assert_true(ward_procattr_no_new_privs(p));
	ward_procattr_free(p);
}

/* ---- apply: identity ------------------------------------------------------ */

static int
apply_or_report(const struct ward_procattr *p)
{
	struct ward_error *err = NULL;

	if (ward_procattr_apply_identity(p, &err) < 0) {
		fprintf(stderr, "apply_identity: %s\n", err ? err->msg : "?");
		return 100;
	}
	return 0;
}

static int
bind_port_80(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(80),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r, e;

	if (fd < 0)
		return -errno;
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	e = errno;
	close(fd);
	return r < 0 ? -e : 0;
}

static int
child_identity_uid1000(const void *arg)
{
	const struct ward_procattr *p = arg;
	gid_t groups[8];
	mode_t old;
	int n, r;

	r = apply_or_report(p);
	if (r)
		return r;
	CHILD_CHECK(getuid() == 1000 && geteuid() == 1000, 1);
	CHILD_CHECK(getgid() == 1000 && getegid() == 1000, 2);
	n = getgroups(8, groups);
	CHILD_CHECK(n == 1 && groups[0] == 2000, 3);
	CHILD_CHECK(status_val("CapEff") == B_NET_BIND, 4);
	CHILD_CHECK(status_val("CapPrm") == B_NET_BIND, 5);
	CHILD_CHECK(status_val("CapBnd") == B_NET_BIND, 6);
	CHILD_CHECK(status_val("CapAmb") == 0, 7);
	CHILD_CHECK(status_val("CapInh") == 0, 8);
	CHILD_CHECK(status_val("NoNewPrivs") == 0, 9);
	old = umask(0);
	CHILD_CHECK(old == 0027, 10);
	/* The capability does what it says: uid 1000 binds a port < 1024. */
	r = bind_port_80();
	CHILD_CHECK(r == 0 || r == -EADDRINUSE, 11);
	/* And nothing else: without CAP_CHOWN a file cannot be given away. */
	{
		char tmpl[] = "/tmp/ward-procattr-XXXXXX";
		int fd = mkstemp(tmpl);

		CHILD_CHECK(fd >= 0, 12);
		r = fchown(fd, 0, 0) < 0 ? errno : 0;
		(void)unlink(tmpl);
		close(fd);
		CHILD_CHECK(r == EPERM, 13);
	}
	return 0;
}

static void
test_apply_identity_switches_user_groups_and_caps(void **state)
{
	struct ward_procattr *p;

	(void)state;
	require_root();
	p = must_parse("{\"user\": {\"uid\": 1000, \"gid\": 1000, \"umask\": 23,"
		       " \"additionalGids\": [2000]},"
		       " \"capabilities\": {\"bounding\": [\"CAP_NET_BIND_SERVICE\"],"
		       " \"effective\": [\"CAP_NET_BIND_SERVICE\"],"
		       " \"permitted\": [\"CAP_NET_BIND_SERVICE\"]}}");
	assert_int_equal(run_child(child_identity_uid1000, p), 0);
	ward_procattr_free(p);
}

static int
child_no_caps_no_bind(const void *arg)
{
	int r = apply_or_report(arg);

	if (r)
		return r;
	CHILD_CHECK(getuid() == 1000, 1);
	CHILD_CHECK(status_val("CapEff") == 0, 2);
	CHILD_CHECK(bind_port_80() == -EACCES, 3);
	return 0;
}

static void
test_apply_identity_empty_caps_cannot_bind_low_port(void **state)
{
	struct ward_procattr *p;

	(void)state;
	require_root();
	p = must_parse("{\"user\": {\"uid\": 1000, \"gid\": 1000}, \"capabilities\": {}}");
	assert_int_equal(run_child(child_no_caps_no_bind, p), 0);
	ward_procattr_free(p);
}

static int
child_bounding_drop(const void *arg)
{
	gid_t groups[8];
	int r = apply_or_report(arg);

	if (r)
		return r;
	CHILD_CHECK(getuid() == 0 && getgid() == 0, 1);
	CHILD_CHECK(status_val("CapBnd") == (B_CHOWN | B_NET_BIND), 2);
	CHILD_CHECK(status_val("CapEff") == B_CHOWN, 3);
	CHILD_CHECK(status_val("CapPrm") == B_CHOWN, 4);
	/* The runtime's supplementary groups do not leak in. */
	CHILD_CHECK(getgroups(8, groups) == 0, 5);
	/* A dropped bounding capability cannot come back. */
	CHILD_CHECK(prctl(PR_CAPBSET_READ, 21 /* SYS_ADMIN */, 0, 0, 0) == 0, 6);
	CHILD_CHECK(umask(0) == 0022, 7);
	return 0;
}

static void
test_apply_identity_drops_bounding_set(void **state)
{
	struct ward_procattr *p;

	(void)state;
	require_root();
	p = must_parse(
		"{\"user\": {\"uid\": 0, \"gid\": 0},"
		" \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_NET_BIND_SERVICE\"],"
		" \"effective\": [\"CAP_CHOWN\"], \"permitted\": [\"CAP_CHOWN\"]}}");
	assert_int_equal(run_child(child_bounding_drop, p), 0);
	ward_procattr_free(p);
}

static int
child_ambient(const void *arg)
{
	char *argv[] = {"/bin/sh", "-c",
			"grep -q '^CapEff:[[:space:]]*0000000000000400$' /proc/self/status && "
			"grep -q '^CapAmb:[[:space:]]*0000000000000400$' /proc/self/status",
			NULL};
	char *envp[] = {"PATH=/usr/bin:/bin", NULL};
	int r = apply_or_report(arg);

	if (r)
		return r;
	CHILD_CHECK(getuid() == 1000, 1);
	CHILD_CHECK(status_val("CapAmb") == B_NET_BIND, 2);
	CHILD_CHECK(status_val("CapInh") == B_NET_BIND, 3);
	/* The point of ambient: a non-root process keeps the capability
	 * across execve of a file without file capabilities. */
	execve(argv[0], argv, envp);
	return 99;
}

static void
test_apply_identity_raises_ambient_across_execve(void **state)
{
	struct ward_procattr *p;

	(void)state;
	require_root();
	if (access("/bin/sh", X_OK) != 0)
		skip();
	p = must_parse("{\"user\": {\"uid\": 1000, \"gid\": 1000},"
		       " \"capabilities\": {\"bounding\": [\"CAP_NET_BIND_SERVICE\"],"
		       " \"effective\": [\"CAP_NET_BIND_SERVICE\"],"
		       " \"permitted\": [\"CAP_NET_BIND_SERVICE\"],"
		       " \"inheritable\": [\"CAP_NET_BIND_SERVICE\"],"
		       " \"ambient\": [\"CAP_NET_BIND_SERVICE\"]}}");
	assert_int_equal(run_child(child_ambient, p), 0);
	ward_procattr_free(p);
}

static int
child_ambient_cleared(const void *arg)
{
	uint64_t eff = 0, perm = 0;
	int r;

	/* Pretend the runtime's caller left an ambient capability behind. */
	CHILD_CHECK(ward_caps_get(&eff, &perm, NULL) == 0, 1);
	CHILD_CHECK(ward_caps_set(eff, perm, B_NET_BIND) == 0, 2);
	CHILD_CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 10, 0, 0) == 0, 3);
	CHILD_CHECK(status_val("CapAmb") == B_NET_BIND, 4);
	r = apply_or_report(arg);
	if (r)
		return r;
	/* Still permitted and inheritable, so only the explicit clear can
	 * have removed it from ambient. */
	CHILD_CHECK(status_val("CapInh") == B_NET_BIND, 5);
	CHILD_CHECK(status_val("CapPrm") == (B_CHOWN | B_NET_BIND), 6);
	CHILD_CHECK(status_val("CapAmb") == 0, 7);
	return 0;
}

static void
test_apply_identity_clears_inherited_ambient(void **state)
{
	struct ward_procattr *p;

	(void)state;
	require_root();
	p = must_parse("{\"capabilities\": {"
		       " \"bounding\": [\"CAP_CHOWN\", \"CAP_NET_BIND_SERVICE\"],"
		       " \"effective\": [\"CAP_CHOWN\"],"
		       " \"permitted\": [\"CAP_CHOWN\", \"CAP_NET_BIND_SERVICE\"],"
		       " \"inheritable\": [\"CAP_NET_BIND_SERVICE\"]}}");
	assert_int_equal(run_child(child_ambient_cleared, p), 0);
	ward_procattr_free(p);
}

static int
child_caps_absent(const void *arg)
{
	uint64_t eff = status_val("CapEff"), bnd = status_val("CapBnd");
	int r = apply_or_report(arg);

	if (r)
		return r;
	/* runc leaves the sets alone without process.capabilities. */
	CHILD_CHECK(getuid() == 0, 1);
	CHILD_CHECK(status_val("CapEff") == eff, 2);
	CHILD_CHECK(status_val("CapBnd") == bnd, 3);
	return 0;
}

static void
test_apply_identity_without_caps_leaves_sets(void **state)
{
	struct ward_procattr *p;

	(void)state;
	require_root();
	p = must_parse("{\"user\": {\"uid\": 0, \"gid\": 0}}");
	assert_int_equal(run_child(child_caps_absent, p), 0);
	ward_procattr_free(p);
}

static int
child_nnp(const void *arg)
{
	int r;

	CHILD_CHECK(status_val("NoNewPrivs") == 0, 1);
	r = apply_or_report(arg);
	if (r)
		return r;
	CHILD_CHECK(status_val("NoNewPrivs") == 1, 2);
	CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, 3);
	return 0;
}

static void
test_apply_identity_sets_no_new_privs(void **state)
{
	struct ward_procattr *p;

	(void)state;
	require_root();
	p = must_parse("{\"noNewPrivileges\": true}");
	assert_int_equal(run_child(child_nnp, p), 0);
	ward_procattr_set_no_new_privs(p, false);
	ward_procattr_set_no_new_privs(p, true);
	assert_int_equal(run_child(child_nnp, p), 0);
	ward_procattr_free(p);
}

struct ids {
	const struct ward_procattr *p;
	uid_t uid;
	gid_t gid;
};

static int
child_check_ids(const void *arg)
{
	const struct ids *ids = arg;
	int r = apply_or_report(ids->p);

	if (r)
		return r;
	CHILD_CHECK(getuid() == ids->uid && geteuid() == ids->uid, 1);
	CHILD_CHECK(getgid() == ids->gid && getegid() == ids->gid, 2);
	return 0;
}

static void
test_set_user_overrides_uid_and_gid(void **state)
{
	struct ward_procattr *p;
	struct ward_error *err = NULL;
	struct ids ids;

	(void)state;
	require_root();
	p = must_parse("{\"user\": {\"uid\": 10, \"gid\": 20}}");
	assert_int_equal(ward_procattr_set_user(p, "1234:5678", &err), 0);
	ids = (struct ids){p, 1234, 5678};
	assert_int_equal(run_child(child_check_ids, &ids), 0);
	/* "uid" alone keeps the gid already set. */
	assert_int_equal(ward_procattr_set_user(p, "4321", &err), 0);
	ids = (struct ids){p, 4321, 5678};
	assert_int_equal(run_child(child_check_ids, &ids), 0);
	ward_procattr_free(p);
}

static int
child_expect_identity_error(const void *arg)
{
	const char *const *want = arg;
	struct ward_procattr *p = NULL;
	struct ward_error *err = NULL;
	int r;

	if (parse_text(want[0], &p, &err) < 0)
		return 50;
	r = ward_procattr_apply_identity(p, &err);
	CHILD_CHECK(r < 0, 1);
	if (!strstr(err->msg, want[1])) {
		fprintf(stderr, "want '%s', got '%s'\n", want[1], err->msg);
		return 2;
	}
	/* Refused before any side effect: still root. */
	CHILD_CHECK(getuid() == 0, 3);
	return 0;
}

static void
test_apply_identity_names_caps_the_runtime_lacks(void **state)
{
	const char *want[] = {
		"{\"user\": {\"uid\": 1000, \"gid\": 1000}, \"capabilities\": {"
		" \"bounding\": [\"CAP_SYS_RESOURCE\"], \"permitted\": [\"CAP_SYS_RESOURCE\"]}}",
		"process.capabilities.permitted: the runtime does not hold CAP_SYS_RESOURCE"};

	(void)state;
	require_root();
	if (status_val("CapPrm") & CAP_BIT(24))
		skip(); /* this host's root has it */
	assert_int_equal(run_child(child_expect_identity_error, want), 0);
}

/* ---- apply: privileged ---------------------------------------------------- */

static int
child_rlimit_lower(const void *arg)
{
	struct ward_error *err = NULL;
	struct rlimit rl;

	if (ward_procattr_apply_privileged(arg, &err) < 0) {
		fprintf(stderr, "apply_privileged: %s\n", err->msg);
		return 100;
	}
	CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0, 1);
	CHILD_CHECK(rl.rlim_cur == 100 && rl.rlim_max == 200, 2);
	CHILD_CHECK(getrlimit(RLIMIT_CORE, &rl) == 0, 3);
	CHILD_CHECK(rl.rlim_cur == 0 && rl.rlim_max == 0, 4);
	return 0;
}

static void
test_apply_privileged_lowers_rlimits(void **state)
{
	struct ward_procattr *p;

	(void)state;
	p = must_parse("{\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 100, \"hard\": 200},"
		       " {\"type\": \"RLIMIT_CORE\", \"soft\": 0, \"hard\": 0}]}");
	assert_int_equal(run_child(child_rlimit_lower, p), 0);
	ward_procattr_free(p);
}

static int
child_rlimit_raise(const void *arg)
{
	struct ward_error *err = NULL;
	struct rlimit before, after;
	char want[256];

	CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &before) == 0, 1);
	(void)snprintf(want, sizeof(want),
		       "process.rlimits: RLIMIT_NOFILE hard limit 1048576 exceeds the current "
		       "hard limit %llu and the runtime lacks CAP_SYS_RESOURCE",
		       (unsigned long long)before.rlim_max);
	CHILD_CHECK(ward_procattr_apply_privileged(arg, &err) == -EPERM, 2);
	if (!strstr(err->msg, want)) {
		fprintf(stderr, "want '%s', got '%s'\n", want, err->msg);
		return 3;
	}
	CHILD_CHECK(err->kind == WARD_E_DENIED, 4);
	CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &after) == 0, 5);
	CHILD_CHECK(after.rlim_max == before.rlim_max && after.rlim_cur == before.rlim_cur, 6);
	return 0;
}

static void
test_apply_privileged_explains_hard_limit_above_current(void **state)
{
	struct ward_procattr *p;
	struct rlimit rl;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (have_cap(24 /* SYS_RESOURCE */) || rl.rlim_max >= 1048576)
		skip(); /* raising would succeed here */
	p = must_parse("{\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024,"
		       " \"hard\": 1048576}]}");
	assert_int_equal(run_child(child_rlimit_raise, p), 0);
	ward_procattr_free(p);
}

static int
child_sched_ioprio(const void *arg)
{
	struct ward_error *err = NULL;
	long ioprio;

	if (ward_procattr_apply_privileged(arg, &err) < 0) {
		fprintf(stderr, "apply_privileged: %s\n", err->msg);
		return 100;
	}
	CHILD_CHECK(sched_getscheduler(0) == (SCHED_BATCH | SCHED_RESET_ON_FORK), 1);
	errno = 0;
	CHILD_CHECK(getpriority(PRIO_PROCESS, 0) == 5 && errno == 0, 2);
	ioprio = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
	CHILD_CHECK(ioprio == ((2 << 13) | 6), 3);
	return 0;
}

static void
test_apply_privileged_sets_scheduler_and_ioprio(void **state)
{
	struct ward_procattr *p;

	(void)state;
	p = must_parse("{\"scheduler\": {\"policy\": \"SCHED_BATCH\", \"nice\": 5,"
		       " \"flags\": [\"SCHED_FLAG_RESET_ON_FORK\"]},"
		       " \"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 6}}");
	assert_int_equal(run_child(child_sched_ioprio, p), 0);
	ward_procattr_free(p);
}

static int
child_sched_idle(const void *arg)
{
	struct ward_error *err = NULL;
	long ioprio;

	if (ward_procattr_apply_privileged(arg, &err) < 0) {
		fprintf(stderr, "apply_privileged: %s\n", err->msg);
		return 100;
	}
	CHILD_CHECK(sched_getscheduler(0) == SCHED_IDLE, 1);
	ioprio = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
	CHILD_CHECK(ioprio == ((3 << 13) | 0), 2);
	return 0;
}

static void
test_apply_privileged_sets_idle_classes(void **state)
{
	struct ward_procattr *p;

	(void)state;
	p = must_parse("{\"scheduler\": {\"policy\": \"SCHED_IDLE\"},"
		       " \"ioPriority\": {\"class\": \"IOPRIO_CLASS_IDLE\", \"priority\": 0}}");
	assert_int_equal(run_child(child_sched_idle, p), 0);
	ward_procattr_free(p);
}

/* ---- apply: oom_score_adj ------------------------------------------------- */

static int
read_oom(pid_t pid)
{
	char path[64], *s = NULL;
	int v;

	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	if (ward_fs_read_all(AT_FDCWD, path, 64, &s, NULL, NULL) < 0)
		return INT32_MIN;
	v = atoi(s);
	free(s);
	return v;
}

static void
test_apply_oom_score_adj_writes_child(void **state)
{
	struct ward_procattr *p500, *pneg, *pnone;
	struct ward_error *err = NULL;
	int pipefd[2], st;
	pid_t pid;
	char c;

	(void)state;
	p500 = must_parse("{\"oomScoreAdj\": 500}");
	pneg = must_parse("{\"oomScoreAdj\": -500}");
	pnone = must_parse("{}");
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pipefd[1]);
		(void)!read(pipefd[0], &c, 1);
		_exit(0);
	}
	close(pipefd[0]);

	assert_int_equal(ward_procattr_apply_oom_score_adj(p500, pid, &err), 0);
	assert_int_equal(read_oom(pid), 500);
	/* Absent: nothing is written. */
	assert_int_equal(ward_procattr_apply_oom_score_adj(pnone, pid, &err), 0);
	assert_int_equal(read_oom(pid), 500);
	if (have_cap(24 /* SYS_RESOURCE */)) {
		assert_int_equal(ward_procattr_apply_oom_score_adj(pneg, pid, &err), 0);
		assert_int_equal(read_oom(pid), -500);
	} else {
		/* Lowering below 0 needs CAP_SYS_RESOURCE; the error says so. */
		assert_true(ward_procattr_apply_oom_score_adj(pneg, pid, &err) < 0);
		assert_non_null(strstr(err->msg, "process.oomScoreAdj: write -500 to /proc/"));
		assert_non_null(strstr(err->msg, "CAP_SYS_RESOURCE"));
		ward_error_free(err);
		err = NULL;
		assert_int_equal(read_oom(pid), 500);
	}
	assert_true(ward_procattr_apply_oom_score_adj(p500, 0, &err) < 0);
	ward_error_free(err);

	close(pipefd[1]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	ward_procattr_free(p500);
	ward_procattr_free(pneg);
	ward_procattr_free(pnone);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rejects_invalid_fields_naming_them),
		cmocka_unit_test(test_parse_accepts_valid_configs),
		cmocka_unit_test(test_parse_capability_sets_into_masks),
		cmocka_unit_test(test_parse_skips_caps_above_kernel_last_cap),
		cmocka_unit_test(test_cap_last_cap_matches_kernel),
		cmocka_unit_test(test_known_caps_lists_the_whole_table),
		cmocka_unit_test(test_add_cap_adds_to_bounding_effective_permitted),
		cmocka_unit_test(test_set_user_rejects_non_numeric),
		cmocka_unit_test(test_no_new_privs_setter_overrides_config),
		cmocka_unit_test(test_apply_identity_switches_user_groups_and_caps),
		cmocka_unit_test(test_apply_identity_empty_caps_cannot_bind_low_port),
		cmocka_unit_test(test_apply_identity_drops_bounding_set),
		cmocka_unit_test(test_apply_identity_raises_ambient_across_execve),
		cmocka_unit_test(test_apply_identity_clears_inherited_ambient),
		cmocka_unit_test(test_apply_identity_without_caps_leaves_sets),
		cmocka_unit_test(test_apply_identity_sets_no_new_privs),
		cmocka_unit_test(test_set_user_overrides_uid_and_gid),
		cmocka_unit_test(test_apply_identity_names_caps_the_runtime_lacks),
		cmocka_unit_test(test_apply_privileged_lowers_rlimits),
		cmocka_unit_test(test_apply_privileged_explains_hard_limit_above_current),
		cmocka_unit_test(test_apply_privileged_sets_scheduler_and_ioprio),
		cmocka_unit_test(test_apply_privileged_sets_idle_classes),
		cmocka_unit_test(test_apply_oom_score_adj_writes_child),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
