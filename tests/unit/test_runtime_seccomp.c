/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp: parsing errors name the field; loaded filters do what the
 * profile says (errno, kill, trap, log, argument filters, thread sync,
 * extra architectures); the NOTIFY listener reaches an agent over a real
 * unix socket and its notifications can be answered.
 *
 * Filters are loaded in fork()ed children that report through _exit codes;
 * each child sets no_new_privs (so no root is needed to load), turns off
 * core dumps and arms alarm() so a wrong filter cannot hang the suite.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/runtime.h>
#include <ward/util.h>

#include "runtime/seccomp_internal.h"

#define LIBSECCOMP_HAS_WAITKILL (SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6))

/* ---- helpers ------------------------------------------------------------ */

static int
parse_text(const char *text, struct ward_seccomp **ret, struct ward_error **err)
{
	json_t *j = NULL;
	int r;

	r = ward_json_parse(text, strlen(text), "test", &j, err);
	if (r < 0)
		return r;
	r = ward_seccomp_parse(j, "linux.seccomp", ret, err);
	json_decref(j);
	return r;
}

static struct ward_seccomp *
parse_ok(const char *text)
{
	struct ward_seccomp *s = NULL;
	struct ward_error *err = NULL;
	int r = parse_text(text, &s, &err);

	if (r < 0)
		print_error("parse failed: %s\ninput: %s\n", err ? err->msg : "?", text);
	assert_int_equal(r, 0);
	assert_non_null(s);
	ward_error_free(err);
	return s;
}

/* The error must start with the field path and contain `what`. */
static void
check_invalid(const char *text, const char *field, const char *what)
{
	struct ward_seccomp *s = NULL;
	struct ward_error *err = NULL;
	int r = parse_text(text, &s, &err);

	if (r >= 0)
		print_error("parse succeeded, expected '%s: ...%s...'\ninput: %s\n", field, what,
			    text);
	assert_true(r < 0);
	assert_null(s);
	assert_non_null(err);
	if (strncmp(err->msg, field, strlen(field)) != 0 || err->msg[strlen(field)] != ':' ||
	    !strstr(err->msg, what))
		print_error("got error '%s'\nwanted '%s: ...%s...'\n", err->msg, field, what);
	assert_int_equal(strncmp(err->msg, field, strlen(field)), 0);
	assert_int_equal(err->msg[strlen(field)], ':');
	assert_non_null(strstr(err->msg, what));
	ward_error_free(err);
}

typedef int (*child_fn)(void *arg);

/*
 * Leave a filtered child with the bare exit_group syscall: the sanitizers'
 * _exit() interceptor runs more syscalls first (sigaltstack, mmap...), which
 * a strict profile denies, and then fails instead of exiting with `code`.
 */
static _Noreturn void
child_exit(int code)
{
	for (;;)
		(void)syscall(SYS_exit_group, code);
}

/* Load s in a child, run fn there, return the child's wait status. */
static int
run_filtered(const struct ward_seccomp *s, bool set_nnp, child_fn fn, void *arg)
{
	int status = 0;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = {0, 0};
		struct ward_error *err = NULL;
		int lfd = -1;

		(void)setrlimit(RLIMIT_CORE, &no_core);
		(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		alarm(10);
		if (set_nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(100);
		if (ward_seccomp_load(s, &lfd, &err) < 0) {
			fprintf(stderr, "child: %s\n", err->msg);
			_exit(101);
		}
		child_exit(fn(arg));
	}
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	return status;
}

static void
assert_exited_zero(int status)
{
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		print_error("child: exited %d, signaled %d (status %#x)\n",
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			    WIFSIGNALED(status) ? WTERMSIG(status) : -1, status);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static bool
json_array_has(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

struct tmpdir {
	char path[64];
	char sock[128];
};

static void
tmpdir_make(struct tmpdir *t)
{
	strcpy(t->path, "/tmp/ward-seccomp-XXXXXX");
	assert_non_null(mkdtemp(t->path));
	snprintf(t->sock, sizeof(t->sock), "%s/agent.sock", t->path);
}

static void
tmpdir_remove(struct tmpdir *t)
{
	(void)unlink(t->sock);
	assert_int_equal(rmdir(t->path), 0);
}

static int
listen_unix(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_true(strlen(path) < sizeof(addr.sun_path));
	strcpy(addr.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static int
wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r;
}

/*
 * Accept one agent connection: the whole payload (until EOF) and the fd
 * that came with the first message. Bounded by a 5 s timeout.
 */
static char *
agent_receive(int listen_fd, int *ret_fd, size_t *ret_len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	struct cmsghdr *cmsg;
	struct msghdr msg;
	struct iovec iov;
	int conn, fd = -1;
	ssize_t n;

	assert_non_null(buf);
	assert_int_equal(wait_readable(listen_fd, 5000), 1);
	conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(conn >= 0);

	assert_int_equal(wait_readable(conn, 5000), 1);
	iov = (struct iovec){.iov_base = buf, .iov_len = cap};
	msg = (struct msghdr){.msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf)};
	n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	assert_true(n > 0);
	len = (size_t)n;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	for (;;) {
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		assert_int_equal(wait_readable(conn, 5000), 1);
		n = read(conn, buf + len, cap - len);
		assert_true(n >= 0);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	(void)close(conn);
	buf = realloc(buf, len + 1);
	assert_non_null(buf);
	buf[len] = '\0';
	*ret_fd = fd;
	*ret_len = len;
	return buf;
}

/* ---- parsing ------------------------------------------------------------ */

static void
test_parse_rejects_invalid_profiles_naming_the_field(void **state)
{
	static const struct {
		const char *json, *field, *what;
	} cases[] = {
		{"[]", "linux.seccomp", "expected an object, got array"},
		{"{}", "linux.seccomp.defaultAction", "missing (required)"},
		{"{\"defaultAction\": 1}", "linux.seccomp.defaultAction",
		 "expected a string, got integer"},
		{"{\"defaultAction\": \"SCMP_ACT_FOO\"}", "linux.seccomp.defaultAction",
		 "unknown action 'SCMP_ACT_FOO'"},
		{"{\"defaultAction\": \"scmp_act_allow\"}", "linux.seccomp.defaultAction",
		 "unknown action 'scmp_act_allow'"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}",
		 "linux.seccomp.defaultErrnoRet", "SCMP_ACT_ALLOW takes no errno"},
		{"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -1}",
		 "linux.seccomp.defaultErrnoRet", "-1 is outside [0, 65535]"},
		{"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 65536}",
		 "linux.seccomp.defaultErrnoRet", "65536 is outside [0, 65535]"},
		{"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": \"1\"}",
		 "linux.seccomp.defaultErrnoRet", "expected an integer, got string"},
		{"{\"defaultAction\": \"SCMP_ACT_NOTIFY\", \"listenerPath\": \"/run/a.sock\"}",
		 "linux.seccomp.defaultAction", "SCMP_ACT_NOTIFY cannot be the default action"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": \"SCMP_ARCH_X86\"}",
		 "linux.seccomp.architectures", "expected an array, got string"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [1]}",
		 "linux.seccomp.architectures[0]", "expected a string, got integer"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
		 "[\"SCMP_ARCH_X86_64\", "
		 "\"SCMP_ARCH_VAX\"]}",
		 "linux.seccomp.architectures[1]", "unknown architecture 'SCMP_ARCH_VAX'"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", "
		 "\"SECCOMP_FILTER_FLAG_FOO\"]}",
		 "linux.seccomp.flags[1]", "unknown flag 'SECCOMP_FILTER_FLAG_FOO'"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": {}}", "linux.seccomp.flags",
		 "expected an array, got object"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerMetadata\": \"x\"}",
		 "linux.seccomp.listenerMetadata", "set without listenerPath"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"agent.sock\"}",
		 "linux.seccomp.listenerPath", "'agent.sock' is not an absolute path"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"\"}",
		 "linux.seccomp.listenerPath", "empty path"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
		 "linux.seccomp.listenerPath", "longer than 107 bytes"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": 7}",
		 "linux.seccomp.listenerPath", "expected a string, got integer"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {}}",
		 "linux.seccomp.syscalls", "expected an array, got object"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [1]}",
		 "linux.seccomp.syscalls[0]", "expected an object, got integer"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": "
		 "\"SCMP_ACT_ERRNO\"}]}",
		 "linux.seccomp.syscalls[0].names", "missing (required)"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [], "
		 "\"action\": "
		 "\"SCMP_ACT_ERRNO\"}]}",
		 "linux.seccomp.syscalls[0].names", "must list at least one syscall"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\", "
		 "1], "
		 "\"action\": \"SCMP_ACT_ERRNO\"}]}",
		 "linux.seccomp.syscalls[0].names[1]", "expected a string, got integer"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\"}]}",
		 "linux.seccomp.syscalls[0].names[0]", "empty syscall name"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		 "[\"getpid\"]}]}",
		 "linux.seccomp.syscalls[0].action", "missing (required)"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
		 "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ERRNO\"},"
		 "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_LOG\"},"
		 "{\"names\": [\"getuid\"], \"action\": \"SCMP_ACT_TRAP\"},"
		 "{\"names\": [\"getgid\"], \"action\": \"SCMP_ACT_FOO\"}]}",
		 "linux.seccomp.syscalls[3].action", "unknown action 'SCMP_ACT_FOO'"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
		 "\"action\": \"SCMP_ACT_KILL\", \"errnoRet\": 1}]}",
		 "linux.seccomp.syscalls[0].errnoRet", "SCMP_ACT_KILL takes no errno"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 70000}]}",
		 "linux.seccomp.syscalls[0].errnoRet", "70000 is outside [0, 65535]"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
		 "\"action\": \"SCMP_ACT_NOTIFY\"}]}",
		 "linux.seccomp.syscalls[0].action",
		 "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/a.sock\", "
		 "\"syscalls\": [{\"names\": [\"getpid\", \"sendmsg\"], \"action\": "
		 "\"SCMP_ACT_NOTIFY\"}]}",
		 "linux.seccomp.syscalls[0].names[1]", "SCMP_ACT_NOTIFY on 'sendmsg' would hang"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": {}}]}",
		 "linux.seccomp.syscalls[0].args", "expected an array, got object"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [1]}]}",
		 "linux.seccomp.syscalls[0].args[0]", "expected an object, got integer"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
		 "\"SCMP_CMP_EQ\"}, {\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
		 "linux.seccomp.syscalls[0].args[1].index", "6 is outside [0, 5]"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"value\": 1, \"op\": "
		 "\"SCMP_CMP_EQ\"}]}]}",
		 "linux.seccomp.syscalls[0].args[0].index", "missing (required)"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"op\": "
		 "\"SCMP_CMP_EQ\"}]}]}",
		 "linux.seccomp.syscalls[0].args[0].value", "missing (required)"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": -1, \"op\": "
		 "\"SCMP_CMP_EQ\"}]}]}",
		 "linux.seccomp.syscalls[0].args[0].value", "must not be negative"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, "
		 "\"valueTwo\": \"2\", \"op\": \"SCMP_CMP_EQ\"}]}]}",
		 "linux.seccomp.syscalls[0].args[0].valueTwo", "expected an integer, got string"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1}]}]}",
		 "linux.seccomp.syscalls[0].args[0].op", "missing (required)"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
		 "\"SCMP_CMP_FOO\"}]}]}",
		 "linux.seccomp.syscalls[0].args[0].op", "unknown operator 'SCMP_CMP_FOO'"},
		/* A terminal escape in a name is not echoed raw. */
		{"{\"defaultAction\": \"SCMP_\\u001b[2J\"}", "linux.seccomp.defaultAction",
		 "unknown action 'SCMP_?[2J'"},
	};

	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(cases); i++)
		check_invalid(cases[i].json, cases[i].field, cases[i].what);
}

static void
test_parse_rejects_null_and_long_names_safely(void **state)
{
	struct ward_seccomp *s = NULL;
	struct ward_error *err = NULL;
	char long_name[512], text[1024];

	(void)state;
	assert_true(ward_seccomp_parse(NULL, "linux.seccomp", &s, &err) < 0);
	assert_string_equal(err->msg, "linux.seccomp: missing");
	ward_error_freep(&err);

	/* An unknown action name of 400 bytes is cut in the message. */
	memset(long_name, 'A', 400);
	long_name[400] = '\0';
	snprintf(text, sizeof(text), "{\"defaultAction\": \"%s\"}", long_name);
	assert_true(parse_text(text, &s, &err) < 0);
	assert_non_null(strstr(err->msg, "..."));
	assert_true(strlen(err->msg) < 200);
	ward_error_freep(&err);
}

static void
test_parse_flag_wait_killable_recv_is_known_but_unsupported_with_libseccomp_2_5(void **state)
{
	struct ward_seccomp *s = NULL;
	struct ward_error *err = NULL;
	int r;

	(void)state;
	if (LIBSECCOMP_HAS_WAITKILL)
		skip();
	r = parse_text("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": "
		       "[\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]}",
		       &s, &err);
	assert_int_equal(r, -EOPNOTSUPP);
	assert_null(s);
	assert_int_equal(err->kind, WARD_E_UNSUPPORTED);
	assert_non_null(strstr(err->msg,
			       "linux.seccomp.flags[0]: "
			       "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs libseccomp 2.6"));
	ward_error_free(err);
}

static void
test_parse_accepts_valid_profiles(void **state)
{
	static const char *const cases[] = {
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\"}",
		/* Every action, every operator, every flag this build supports. */
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
		" \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],"
		" \"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_LOG\","
		"  \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
		" \"listenerPath\": \"/run/agent.sock\", \"listenerMetadata\": \"meta\","
		" \"syscalls\": ["
		"  {\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
		"  {\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_KILL\"},"
		"  {\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"},"
		"  {\"names\": [\"getuid\"], \"action\": \"SCMP_ACT_KILL_THREAD\"},"
		"  {\"names\": [\"getgid\"], \"action\": \"SCMP_ACT_TRAP\"},"
		"  {\"names\": [\"geteuid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1},"
		"  {\"names\": [\"getegid\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 2},"
		"  {\"names\": [\"gettid\"], \"action\": \"SCMP_ACT_LOG\"},"
		"  {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"},"
		"  {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
		"   {\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"},"
		"   {\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"},"
		"   {\"index\": 0, \"value\": 131072, \"op\": \"SCMP_CMP_EQ\"},"
		"   {\"index\": 0, \"value\": 4294967295, \"op\": \"SCMP_CMP_EQ\"}]},"
		"  {\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
		"   {\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0, \"op\": "
		"\"SCMP_CMP_MASKED_EQ\"}]},"
		"  {\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
		"   {\"index\": 0, \"value\": 16, \"op\": \"SCMP_CMP_NE\"},"
		"   {\"index\": 1, \"value\": 3, \"op\": \"SCMP_CMP_LT\"},"
		"   {\"index\": 2, \"value\": 3, \"op\": \"SCMP_CMP_LE\"},"
		"   {\"index\": 3, \"value\": 3, \"op\": \"SCMP_CMP_GE\"},"
		"   {\"index\": 4, \"value\": 3, \"op\": \"SCMP_CMP_GT\"},"
		"   {\"index\": 5, \"value\": 3, \"op\": \"SCMP_CMP_EQ\"}]}]}",
		/* JSON null reads as absent; a rule equal to the default is a no-op. */
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": null, \"flags\": "
		"null,"
		" \"architectures\": null, \"syscalls\": [{\"names\": [\"getpid\"], \"action\": "
		"\"SCMP_ACT_ALLOW\", \"args\": null, \"errnoRet\": null}]}",
		/* An arch of the other byte order can never show up here: left out. */
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\","
		" \"SCMP_ARCH_AARCH64\", \"SCMP_ARCH_PPC64LE\", \"SCMP_ARCH_S390X\", "
		"\"SCMP_ARCH_PPC64\", \"SCMP_ARCH_MIPS\", \"SCMP_ARCH_RISCV64\"], \"syscalls\": "
		"[{\"names\": [\"getpid\", \"open\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
		/* Unknown keys are ignored (forward compatible). */
		("{\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\", \"comment\": \"x\", \"syscalls\": "
		 "[{\"names\": [\"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\", \"comment\": "
		 "1}]}"),
	};

	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(cases); i++)
		ward_seccomp_free(parse_ok(cases[i]));
}

static void
test_parse_skips_unknown_syscalls_and_counts_them(void **state)
{
	struct ward_seccomp *s;
	char *const *names;
	_cleanup_free_ char *text = NULL;
	size_t len = 0, cap = 8192;

	(void)state;
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		     "[\"getpid\", \"no_such_syscall\", \"mkdir\", \"also_not_one\"], \"action\": "
		     "\"SCMP_ACT_ERRNO\"}]}");
	assert_int_equal(ward_seccomp_unknown_count(s), 2);
	names = ward_seccomp_unknown_names(s);
	assert_string_equal(names[0], "no_such_syscall");
	assert_string_equal(names[1], "also_not_one");
	assert_null(names[2]);
	ward_seccomp_free(s);

	/* Past WARD_SECCOMP_MAX_UNKNOWN_KEPT, names are counted, not kept. */
	text = malloc(cap);
	assert_non_null(text);
	len += (size_t)snprintf(
		text + len, cap - len,
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [");
	for (int i = 0; i < 40; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s\"nope_%d\"", i ? "," : "", i);
	snprintf(text + len, cap - len, "], \"action\": \"SCMP_ACT_ERRNO\"}]}");
	s = parse_ok(text);
	assert_int_equal(ward_seccomp_unknown_count(s), 40);
	assert_int_equal(ward_strv_length(ward_seccomp_unknown_names(s)),
			 WARD_SECCOMP_MAX_UNKNOWN_KEPT);
	ward_seccomp_free(s);

	/* No unknown names: an empty list, not NULL. */
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
	assert_int_equal(ward_seccomp_unknown_count(s), 0);
	assert_null(ward_seccomp_unknown_names(s)[0]);
	ward_seccomp_free(s);
}

static void
test_parse_listener_accessors(void **state)
{
	struct ward_seccomp *s;

	(void)state;
	/* listenerPath without any NOTIFY rule: kept, but no listener wanted. */
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/a.sock\"}");
	assert_false(ward_seccomp_wants_listener(s));
	assert_string_equal(ward_seccomp_listener_path(s), "/run/a.sock");
	assert_null(ward_seccomp_listener_metadata(s));
	ward_seccomp_free(s);

	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/a.sock\","
		     " \"listenerMetadata\": \"MKNOD=/dev/null\", \"syscalls\": [{\"names\": "
		     "[\"mknod\", \"mknodat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}");
	assert_true(ward_seccomp_wants_listener(s));
	assert_string_equal(ward_seccomp_listener_path(s), "/run/a.sock");
	assert_string_equal(ward_seccomp_listener_metadata(s), "MKNOD=/dev/null");
	assert_true(ward_seccomp_notifies(s, "mknodat"));
	assert_false(ward_seccomp_notifies(s, "write"));
	assert_false(ward_seccomp_notifies(s, "not_a_syscall"));
	ward_seccomp_free(s);

	/* NOTIFY on names unknown here only: no rule, so no listener. */
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/a.sock\","
		     " \"syscalls\": [{\"names\": [\"not_a_syscall\"], \"action\": "
		     "\"SCMP_ACT_NOTIFY\"}]}");
	assert_false(ward_seccomp_wants_listener(s));
	ward_seccomp_free(s);

	assert_false(ward_seccomp_wants_listener(NULL));
	assert_null(ward_seccomp_listener_path(NULL));
	assert_null(ward_seccomp_listener_metadata(NULL));
	ward_seccomp_free(NULL);
}

/* Append `n` copies of a syscalls[] entry built by fmt(i) to a profile. */
static char *
big_profile(const char *head, size_t n, const char *(*entry)(size_t i, char *buf, size_t sz),
	    const char *tail)
{
	size_t cap = strlen(head) + strlen(tail) + n * 1024 + 16, len = 0;
	char *text = malloc(cap), buf[1024];

	assert_non_null(text);
	len += (size_t)snprintf(text, cap, "%s", head);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s%s", i ? "," : "",
					entry(i, buf, sizeof(buf)));
	snprintf(text + len, cap - len, "%s", tail);
	return text;
}

static const char *
entry_getpid(size_t i, char *buf, size_t sz)
{
	(void)i;
	snprintf(buf, sz, "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ERRNO\"}");
	return buf;
}

static const char *
name_getpid(size_t i, char *buf, size_t sz)
{
	(void)i;
	snprintf(buf, sz, "\"getpid\"");
	return buf;
}

static const char *
arg_eq(size_t i, char *buf, size_t sz)
{
	snprintf(buf, sz, "{\"index\": 0, \"value\": %zu, \"op\": \"SCMP_CMP_EQ\"}", i);
	return buf;
}

/* Six 64-bit equalities, distinct per entry (nothing for libseccomp to
 * share), on the i-th syscall this arch knows. */
static const char *
entry_heavy(size_t i, char *buf, size_t sz)
{
	static int nr = -1;
	char *name = NULL;

	if (i == 0)
		nr = -1;
	while (!name && nr < 4096)
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, ++nr);
	assert_non_null(name);
	snprintf(buf, sz,
		 "{\"names\": [\"%s\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": ["
		 "{\"index\": 0, \"value\": %llu, \"op\": \"SCMP_CMP_EQ\"},"
		 "{\"index\": 1, \"value\": %llu, \"op\": \"SCMP_CMP_EQ\"},"
		 "{\"index\": 2, \"value\": %llu, \"op\": \"SCMP_CMP_EQ\"},"
		 "{\"index\": 3, \"value\": %llu, \"op\": \"SCMP_CMP_EQ\"},"
		 "{\"index\": 4, \"value\": %llu, \"op\": \"SCMP_CMP_EQ\"},"
		 "{\"index\": 5, \"value\": %llu, \"op\": \"SCMP_CMP_EQ\"}]}",
		 name, (1ULL << 32) + i, (2ULL << 32) + i, (3ULL << 32) + i, (4ULL << 32) + i,
		 (5ULL << 32) + i, (6ULL << 32) + i);
	free(name);
	return buf;
}

static void
test_parse_bounds_list_sizes_and_rule_count(void **state)
{
	_cleanup_free_ char *too_many_entries = NULL, *too_many_rules = NULL, *too_many_args = NULL,
			    *too_long = NULL;
	struct timespec t0, t1;

	(void)state;
	too_many_entries = big_profile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [",
				       WARD_SECCOMP_MAX_SYSCALLS + 1, entry_getpid, "]}");
	check_invalid(too_many_entries, "linux.seccomp.syscalls", "4097 entries, at most 4096");

	too_many_args = big_profile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{"
				    "\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ERRNO\", "
				    "\"args\": [",
				    WARD_SECCOMP_MAX_ARGS + 1, arg_eq, "]}]}");
	check_invalid(too_many_args, "linux.seccomp.syscalls[0].args", "65 entries, at most 64");

	/* The rule bound trips before libseccomp's quadratic build gets slow. */
	too_many_rules = big_profile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{"
				     "\"action\": \"SCMP_ACT_ERRNO\", \"names\": [",
				     WARD_SECCOMP_MAX_RULES + 1, name_getpid, "]}]}");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	check_invalid(too_many_rules, "linux.seccomp.syscalls[0].names[1024]",
		      "needs more than 1024 filter rules");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 10);

	/* Within the rule bound but past the kernel's program length. */
	too_long = big_profile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [", 300,
			       entry_heavy, "]}");
	check_invalid(too_long, "linux.seccomp", "BPF instructions, the kernel takes at most 4096");
}

static void
test_features_lists_what_the_parser_accepts(void **state)
{
	json_t *f = ward_seccomp_features();
	json_t *actions, *ops, *archs, *known, *supported, *v;
	static const char *const all_actions[] = {
		"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
		"SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",	   "SCMP_ACT_TRACE",
		"SCMP_ACT_ALLOW", "SCMP_ACT_LOG",	   "SCMP_ACT_NOTIFY"};
	static const char *const all_ops[] = {"SCMP_CMP_NE",	   "SCMP_CMP_LT", "SCMP_CMP_LE",
					      "SCMP_CMP_EQ",	   "SCMP_CMP_GE", "SCMP_CMP_GT",
					      "SCMP_CMP_MASKED_EQ"};
	size_t i;

	(void)state;
	assert_non_null(f);
	assert_true(json_is_true(json_object_get(f, "enabled")));
	actions = json_object_get(f, "actions");
	ops = json_object_get(f, "operators");
	archs = json_object_get(f, "archs");
	known = json_object_get(f, "knownFlags");
	supported = json_object_get(f, "supportedFlags");
	assert_int_equal(json_array_size(actions), WARD_ARRAY_SIZE(all_actions));
	for (i = 0; i < WARD_ARRAY_SIZE(all_actions); i++)
		assert_true(json_array_has(actions, all_actions[i]));
	assert_int_equal(json_array_size(ops), WARD_ARRAY_SIZE(all_ops));
	for (i = 0; i < WARD_ARRAY_SIZE(all_ops); i++)
		assert_true(json_array_has(ops, all_ops[i]));
	assert_true(json_array_has(archs, "SCMP_ARCH_X86_64"));
	assert_true(json_array_has(archs, "SCMP_ARCH_AARCH64"));
	assert_true(json_array_has(archs, "SCMP_ARCH_RISCV64"));
	assert_true(json_array_size(archs) >= 19);
	assert_int_equal(json_array_size(known), 4);
	assert_true(json_array_has(known, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
	/* Each supported flag is known, and parses. */
	json_array_foreach(supported, i, v) {
		char text[256];

		assert_true(json_array_has(known, json_string_value(v)));
		snprintf(text, sizeof(text),
			 "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"%s\"]}",
			 json_string_value(v));
		ward_seccomp_free(parse_ok(text));
	}
	/* This kernel (API level 6+) has the three libseccomp 2.5 can set. */
	if (seccomp_api_get() >= 4) {
		assert_true(json_array_has(supported, "SECCOMP_FILTER_FLAG_TSYNC"));
		assert_true(json_array_has(supported, "SECCOMP_FILTER_FLAG_LOG"));
		assert_true(json_array_has(supported, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
	}
	if (!LIBSECCOMP_HAS_WAITKILL)
		assert_false(json_array_has(supported, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
	/* Every arch listed parses. */
	json_array_foreach(archs, i, v) {
		char text[256];

		snprintf(text, sizeof(text),
			 "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"%s\"]}",
			 json_string_value(v));
		ward_seccomp_free(parse_ok(text));
	}
	json_decref(f);
}

/* ---- loading ------------------------------------------------------------ */

static int
child_mkdir_gets_exdev(void *arg)
{
	char path[64];

	(void)arg;
	snprintf(path, sizeof(path), "/tmp/ward-seccomp-mkdir-%d", (int)getpid());
	if (mkdir(path, 0700) == 0) {
		(void)rmdir(path);
		return 1;
	}
	if (errno != EXDEV)
		return 2;
	if (syscall(SYS_mkdirat, AT_FDCWD, path, 0700) != -1 || errno != EXDEV)
		return 3;
	/* Not in the profile: runs for real. */
	if (rmdir("/nonexistent-ward-seccomp") != -1 || errno != ENOENT)
		return 4;
	return 0;
}

static void
test_load_errno_action_returns_errno_ret(void **state)
{
	struct ward_seccomp *s;

	(void)state;
	s = parse_ok(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		"[\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 18}]}");
	assert_int_equal(EXDEV, 18);
	assert_exited_zero(run_filtered(s, true, child_mkdir_gets_exdev, NULL));
	ward_seccomp_free(s);
}

static int
child_getppid_eperm(void *arg)
{
	(void)arg;
	if (syscall(SYS_getppid) != -1 || errno != EPERM)
		return 1;
	return 0;
}

static void
test_load_errno_action_defaults_to_eperm(void **state)
{
	struct ward_seccomp *s;

	(void)state;
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		     "[\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
	assert_exited_zero(run_filtered(s, true, child_getppid_eperm, NULL));
	ward_seccomp_free(s);
}

/* ---- the compiled-program cache ----------------------------------------- */

#define CACHED_PROFILE                                                                     \
	"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", " \
	"\"SCMP_ARCH_X86\"], \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\", "          \
	"\"no_such_syscall_ward\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 18}]}"

static struct ward_seccomp *
parse_cached_ok(const char *text, int dirfd, bool *hit)
{
	struct ward_seccomp *s = NULL;
	struct ward_error *err = NULL;
	json_t *j = NULL;

	assert_int_equal(ward_json_parse(text, strlen(text), "test", &j, &err), 0);
	if (ward_seccomp_parse_cached(j, "linux.seccomp", dirfd, &s, hit, &err) < 0)
		print_error("parse_cached: %s\n", err ? err->msg : "?");
	assert_non_null(s);
	json_decref(j);
	ward_error_free(err);
	return s;
}

/* The one entry file in dir (the test's cache holds one profile). */
static void
entry_path(const char *dir, char *buf, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	buf[0] = '\0';
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			snprintf(buf, size, "%s/%s", dir, de->d_name);
	closedir(d);
	assert_true(buf[0] != '\0');
}

static void
test_cache_hit_loads_the_same_filter_and_tampering_is_a_miss(void **state)
{
	char dir[] = "/tmp/ward-seccomp-cache-XXXXXX", entry[512];
	struct ward_seccomp *s;
	bool hit = true;
	int dirfd, fd;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dirfd >= 0);

	/* First parse compiles and stores; the filter works. */
	s = parse_cached_ok(CACHED_PROFILE, dirfd, &hit);
	assert_false(hit);
	assert_int_equal(ward_seccomp_unknown_count(s), 1);
	assert_exited_zero(run_filtered(s, true, child_mkdir_gets_exdev, NULL));
	ward_seccomp_free(s);

	/* Second parse: from the cache, same behaviour, same unknown names. */
	s = parse_cached_ok(CACHED_PROFILE, dirfd, &hit);
	assert_true(hit);
	assert_int_equal(ward_seccomp_unknown_count(s), 1);
	assert_string_equal(ward_seccomp_unknown_names(s)[0], "no_such_syscall_ward");
	assert_exited_zero(run_filtered(s, true, child_mkdir_gets_exdev, NULL));
	ward_seccomp_free(s);

	/* Another profile never reuses that entry. */
	s = parse_cached_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
			    "[\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
			    dirfd, &hit);
	assert_false(hit);
	assert_exited_zero(run_filtered(s, true, child_getppid_eperm, NULL));
	ward_seccomp_free(s);

	/* A flipped byte in the stored profile text, or a truncated entry:
	 * a miss, and the filter compiled again is still right. */
	entry_path(dir, entry, sizeof(entry));
	(void)unlink(entry); /* leave only the first profile's entry */
	s = parse_cached_ok(CACHED_PROFILE, dirfd, &hit);
	ward_seccomp_free(s);
	entry_path(dir, entry, sizeof(entry));
	fd = open(entry, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(pwrite(fd, "X", 1, (off_t)sizeof(uint32_t) * 11 + 32 + 25), 1);
	(void)close(fd);
	s = parse_cached_ok(CACHED_PROFILE, dirfd, &hit);
	assert_false(hit);
	assert_exited_zero(run_filtered(s, true, child_mkdir_gets_exdev, NULL));
	ward_seccomp_free(s);
	assert_int_equal(truncate(entry, st.st_size - 8), 0);
	s = parse_cached_ok(CACHED_PROFILE, dirfd, &hit);
	assert_false(hit);
	ward_seccomp_free(s);

	/* An entry others may write is not trusted. */
	s = parse_cached_ok(CACHED_PROFILE, dirfd, &hit); /* rewritten whole */
	ward_seccomp_free(s);
	assert_int_equal(chmod(entry, 0666), 0);
	s = parse_cached_ok(CACHED_PROFILE, dirfd, &hit);
	assert_false(hit);
	ward_seccomp_free(s);

	/* No cache dir: plain parse. */
	s = parse_cached_ok(CACHED_PROFILE, -1, &hit);
	assert_false(hit);
	ward_seccomp_free(s);

	(void)close(dirfd);
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		assert_int_equal(system(cmd), 0);
	}
}

static int
child_getppid_enotty(void *arg)
{
	(void)arg;
	/* Only exit_group is allowed: everything else gets ENOTTY. */
	if (syscall(SYS_getppid) != -1 || errno != ENOTTY)
		return 1;
	if (syscall(SYS_getuid) != -1 || errno != ENOTTY)
		return 2;
	return 0;
}

static void
test_load_default_errno_ret_applies_to_default_action(void **state)
{
	struct ward_seccomp *s;

	(void)state;
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 25, "
		     "\"syscalls\": [{\"names\": [\"exit_group\", \"exit\"], \"action\": "
		     "\"SCMP_ACT_ALLOW\"}]}");
	assert_exited_zero(run_filtered(s, true, child_getppid_enotty, NULL));
	ward_seccomp_free(s);
}

static int
child_getppid(void *arg)
{
	(void)arg;
	(void)getppid();
	return 0;
}

static void
test_load_kill_process_dies_by_sigsys(void **state)
{
	struct ward_seccomp *s;
	int status;

	(void)state;
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		     "[\"getppid\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"}]}");
	status = run_filtered(s, true, child_getppid, NULL);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
	ward_seccomp_free(s);
}

static void
trap_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGSYS && si->si_code == 1 /* SYS_SECCOMP */ && si->si_syscall == SYS_getppid)
		_exit(42);
	_exit(43);
}

static int
child_trapped(void *arg)
{
	(void)arg;
	(void)syscall(SYS_getppid);
	return 1; /* the handler should have exited */
}

static void
test_load_trap_delivers_sigsys_naming_the_syscall(void **state)
{
	struct sigaction sa = {.sa_sigaction = trap_handler, .sa_flags = SA_SIGINFO};
	struct sigaction old;
	struct ward_seccomp *s;
	int status;

	(void)state;
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		     "[\"getppid\"], \"action\": \"SCMP_ACT_TRAP\"}]}");
	/* Installed in the parent and inherited: the child runs no code
	 * between fork and the load that could be trapped first. */
	assert_int_equal(sigaction(SIGSYS, &sa, &old), 0);
	status = run_filtered(s, true, child_trapped, NULL);
	assert_int_equal(sigaction(SIGSYS, &old, NULL), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 42);
	ward_seccomp_free(s);
}

static int
child_log_allows(void *arg)
{
	pid_t parent = *(pid_t *)arg;

	return getppid() == parent ? 0 : 1;
}

static void
test_load_log_action_lets_the_syscall_run(void **state)
{
	struct ward_seccomp *s;
	pid_t self = getpid();

	(void)state;
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		     "[\"getppid\"], \"action\": \"SCMP_ACT_LOG\"}]}");
	assert_exited_zero(run_filtered(s, true, child_log_allows, &self));
	ward_seccomp_free(s);
}

static int
child_personality(void *arg)
{
	(void)arg;
	/* Denied: the exact value. */
	if (syscall(SYS_personality, 0xffffffffUL) != -1 || errno != EPERM)
		return 1;
	/* Allowed: any other (PER_LINUX is what the child has already). */
	if (syscall(SYS_personality, 0UL) < 0)
		return 2;
	return 0;
}

static void
test_load_argument_filter_matches_only_that_value(void **state)
{
	struct ward_seccomp *s;

	(void)state;
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		     "[\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, "
		     "\"value\": 4294967295, \"op\": \"SCMP_CMP_EQ\"}]}]}");
	assert_exited_zero(run_filtered(s, true, child_personality, NULL));
	ward_seccomp_free(s);
}

static int
child_personality_or(void *arg)
{
	(void)arg;
	if (syscall(SYS_personality, 0x11UL) != -1 || errno != EXDEV)
		return 1;
	if (syscall(SYS_personality, 0x22UL) != -1 || errno != EXDEV)
		return 2;
	if (syscall(SYS_personality, 0x0801UL) != -1 || errno != EXDEV)
		return 3; /* masked: (0x0801 & 0xff00) == 0x0800 */
	if (syscall(SYS_personality, 0UL) < 0)
		return 4;
	return 0;
}

static void
test_load_repeated_arg_index_means_any_of_and_masked_eq_masks(void **state)
{
	struct ward_seccomp *s;

	(void)state;
	s = parse_ok(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		"[\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 18, \"args\": ["
		"{\"index\": 0, \"value\": 17, \"op\": \"SCMP_CMP_EQ\"},"
		"{\"index\": 0, \"value\": 34, \"op\": \"SCMP_CMP_EQ\"},"
		"{\"index\": 0, \"value\": 65280, \"valueTwo\": 2048, \"op\": "
		"\"SCMP_CMP_MASKED_EQ\"}]}]}");
	assert_exited_zero(run_filtered(s, true, child_personality_or, NULL));
	ward_seccomp_free(s);
}

struct tsync_arg {
	int go[2];
	int thread_errno;
};

static void *
tsync_thread(void *p)
{
	struct tsync_arg *a = p;
	char c, path[64];

	if (read(a->go[0], &c, 1) != 1)
		return NULL;
	snprintf(path, sizeof(path), "/tmp/ward-seccomp-tsync-%d", (int)getpid());
	if (mkdir(path, 0700) == 0) {
		(void)rmdir(path);
		a->thread_errno = 0;
	} else {
		a->thread_errno = errno;
	}
	return NULL;
}

static int
child_tsync(void *arg)
{
	struct tsync_arg *a = arg;

	return a->thread_errno == EXDEV ? 0 : 10 + (a->thread_errno & 0x3f);
}

/* The thread must exist before the load: run_filtered cannot do that. */
static void
test_load_tsync_flag_filters_other_threads_too(void **state)
{
	struct ward_seccomp *s;
	int status = 0;
	pid_t pid;

	(void)state;
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": "
		     "[\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_LOG\", "
		     "\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"], \"syscalls\": [{\"names\": [\"mkdir\", "
		     "\"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 18}]}");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct tsync_arg a = {.thread_errno = -1};
		struct ward_error *err = NULL;
		pthread_t t;
		int lfd;

		alarm(10);
		if (pipe(a.go) < 0 || pthread_create(&t, NULL, tsync_thread, &a) != 0)
			_exit(100);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    ward_seccomp_load(s, &lfd, &err) < 0)
			_exit(101);
		if (write(a.go[1], "x", 1) != 1 || pthread_join(t, NULL) != 0)
			_exit(102);
		_exit(child_tsync(&a));
	}
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_exited_zero(status);
	ward_seccomp_free(s);
}

static int
child_nnp_untouched(void *arg)
{
	(void)arg;
	/* The filter is in (getppid denied) and no_new_privs is still off. */
	if (syscall(SYS_getppid) != -1 || errno != EXDEV)
		return 1;
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0 ? 0 : 2;
}

static void
test_load_leaves_no_new_privs_alone_with_cap_sys_admin(void **state)
{
	struct ward_seccomp *s;

	(void)state;
	if (geteuid() != 0)
		skip();
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		     "[\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 18}]}");
	assert_exited_zero(run_filtered(s, false, child_nnp_untouched, NULL));
	ward_seccomp_free(s);
}

static void
test_load_without_nnp_or_cap_sys_admin_is_refused(void **state)
{
	struct ward_seccomp *s;
	int status = 0;
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip(); /* needs to become another user to lose CAP_SYS_ADMIN */
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		     "[\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ward_error *err = NULL;
		int lfd = -1, r;

		alarm(10);
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(100);
		r = ward_seccomp_load(s, &lfd, &err);
		if (r != -EACCES)
			_exit(1);
		if (!strstr(err->msg, "needs no_new_privs or CAP_SYS_ADMIN"))
			_exit(2);
		/* Nothing was loaded. */
		_exit(syscall(SYS_getppid) > 0 ? 0 : 3);
	}
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_exited_zero(status);
	ward_seccomp_free(s);
}

#ifdef __x86_64__
/* getppid through the i386 ABI (int 0x80, i386 number 64). */
static long
int80_getppid(void)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(64L) : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

static int
child_int80_exdev(void *arg)
{
	(void)arg;
	if ((int)int80_getppid() != -EXDEV)
		return 1;
	if (syscall(SYS_getppid) != -1 || errno != EXDEV)
		return 2;
	return 0;
}

static int
child_int80(void *arg)
{
	(void)arg;
	(void)int80_getppid();
	return 0;
}

static bool
have_ia32_emulation(void)
{
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		_exit(int80_getppid() > 0 ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
#endif

static void
test_load_listed_architectures_are_filtered_and_others_killed(void **state)
{
#ifdef __x86_64__
	struct ward_seccomp *s;
	int status;

	(void)state;
	if (!have_ia32_emulation())
		skip();
	/* x86 listed: the i386 ABI gets the same rules. */
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
		     "[\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"], \"syscalls\": [{\"names\": "
		     "[\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 18}]}");
	assert_exited_zero(run_filtered(s, true, child_int80_exdev, NULL));
	ward_seccomp_free(s);

	/* Not listed: a syscall through the i386 ABI kills (no filter bypass
	 * by switching ABI). */
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		     "[\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 18}]}");
	status = run_filtered(s, true, child_int80, NULL);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
	ward_seccomp_free(s);
#else
	(void)state;
	skip();
#endif
}

static void
test_load_notify_profile_requires_a_listener_out_param(void **state)
{
	struct ward_seccomp *s;
	struct ward_error *err = NULL;

	(void)state;
	s = parse_ok(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/a.sock\","
		" \"syscalls\": [{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}");
	/* Refused before anything is loaded, so safe in this process. */
	assert_int_equal(ward_seccomp_load(s, NULL, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "takes no listener fd"));
	ward_error_free(err);
	err = NULL;
	assert_int_equal(ward_seccomp_load(NULL, NULL, &err), -EINVAL);
	ward_error_free(err);
	ward_seccomp_free(s);
}

/* ---- NOTIFY and the listener socket ------------------------------------- */

static const char notify_state[] = "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],"
				   "\"pid\":1,\"metadata\":\"meta\",\"state\":{}}";

static void
test_notify_listener_reaches_agent_and_notifications_are_answered(void **state)
{
	_cleanup_free_ char *text = NULL, *payload = NULL;
	struct seccomp_notif_resp *resp = NULL;
	struct seccomp_notif *req = NULL;
	struct ward_seccomp *s;
	struct tmpdir t;
	int listen_fd, notify_fd = -1, status = 0, r;
	size_t len = 0;
	pid_t pid;

	(void)state;
	if (seccomp_api_get() < 5)
		skip();
	tmpdir_make(&t);
	text = ward_strdup_printf(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"%s\", "
		"\"listenerMetadata\": \"meta\", \"syscalls\": [{\"names\": [\"getppid\"], "
		"\"action\": \"SCMP_ACT_NOTIFY\"}]}",
		t.sock);
	assert_non_null(text);
	s = parse_ok(text);
	assert_true(ward_seccomp_wants_listener(s));
	listen_fd = listen_unix(ward_seccomp_listener_path(s));

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ward_error *err = NULL;
		int lfd = -1;

		(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		alarm(10);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    ward_seccomp_load(s, &lfd, &err) < 0)
			_exit(100);
		if (lfd < 0)
			_exit(101);
		if (ward_seccomp_send_listener(ward_seccomp_listener_path(s), lfd, notify_state,
					       &err) < 0)
			_exit(102);
		(void)close(lfd);
		/* Blocks until the agent answers. */
		_exit(getppid() == 4242 ? 0 : 1);
	}

	payload = agent_receive(listen_fd, &notify_fd, &len);
	assert_string_equal(payload, notify_state);
	assert_true(notify_fd >= 0);

	assert_int_equal(seccomp_notify_alloc(&req, &resp), 0);
	assert_int_equal(wait_readable(notify_fd, 5000), 1);
	r = seccomp_notify_receive(notify_fd, req);
	if (r == 0 && req->pid == (uint32_t)pid && req->data.nr == SYS_getppid) {
		resp->id = req->id;
		resp->val = 4242;
		resp->error = 0;
		resp->flags = 0;
		r = seccomp_notify_respond(notify_fd, resp);
	} else if (r == 0) {
		r = -EPROTO;
	}
	if (r < 0)
		(void)kill(pid, SIGKILL); /* our child: do not leave it blocked */
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_int_equal(r, 0);
	assert_exited_zero(status);

	seccomp_notify_free(req, resp);
	(void)close(notify_fd);
	(void)close(listen_fd);
	tmpdir_remove(&t);
	ward_seccomp_free(s);
}

static void
test_send_listener_passes_fd_and_whole_state(void **state)
{
	_cleanup_free_ char *big = NULL, *payload = NULL;
	struct ward_error *err = NULL;
	struct stat a, b;
	struct tmpdir t;
	int listen_fd, fd, got_fd = -1, status = 0;
	size_t len = 0, big_len = 1 << 20;
	pid_t pid;

	(void)state;
	tmpdir_make(&t);
	listen_fd = listen_unix(t.sock);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);

	/* A small state: fits the socket buffer, no second process needed. */
	assert_int_equal(ward_seccomp_send_listener(t.sock, fd, notify_state, &err), 0);
	payload = agent_receive(listen_fd, &got_fd, &len);
	assert_string_equal(payload, notify_state);
	assert_true(got_fd >= 0 && got_fd != fd);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(fstat(got_fd, &b), 0);
	assert_true(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	(void)close(got_fd);
	free(TAKE_PTR(payload));

	/* 1 MiB: more than one send; the agent reads it all, fd once. */
	big = malloc(big_len + 1);
	assert_non_null(big);
	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)('a' + i % 26);
	big[big_len] = '\0';
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(10);
		_exit(ward_seccomp_send_listener(t.sock, fd, big, &err) == 0 ? 0 : 1);
	}
	payload = agent_receive(listen_fd, &got_fd, &len);
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_exited_zero(status);
	assert_int_equal(len, big_len);
	assert_memory_equal(payload, big, big_len);
	assert_true(got_fd >= 0);
	(void)close(got_fd);

	(void)close(fd);
	(void)close(listen_fd);
	tmpdir_remove(&t);
}

static void
test_send_listener_rejects_bad_input_and_reports_connect_errors(void **state)
{
	char long_path[200];
	struct ward_error *err = NULL;
	struct tmpdir t;
	int r;

	(void)state;
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	r = ward_seccomp_send_listener(long_path, 0, "{}", &err);
	assert_int_equal(r, -ENAMETOOLONG);
	assert_int_equal(err->kind, WARD_E_INVALID);
	assert_non_null(strstr(err->msg, "path longer than 107 bytes"));
	ward_error_freep(&err);

	assert_true(ward_seccomp_send_listener("", 0, "{}", &err) < 0);
	assert_non_null(strstr(err->msg, "empty socket path"));
	ward_error_freep(&err);

	assert_true(ward_seccomp_send_listener("/run/x.sock", -1, "{}", &err) < 0);
	assert_non_null(strstr(err->msg, "no listener fd"));
	ward_error_freep(&err);

	assert_true(ward_seccomp_send_listener("/run/x.sock", 0, "", &err) < 0);
	assert_non_null(strstr(err->msg, "empty container process state"));
	ward_error_freep(&err);

	/* Nobody listening: the spec says the runtime MUST fail. */
	tmpdir_make(&t);
	r = ward_seccomp_send_listener(t.sock, 0, "{}", &err);
	assert_int_equal(r, -ENOENT);
	assert_non_null(strstr(err->msg, "connect"));
	assert_non_null(strstr(err->msg, t.sock));
	ward_error_freep(&err);
	tmpdir_remove(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rejects_invalid_profiles_naming_the_field),
		cmocka_unit_test(test_parse_rejects_null_and_long_names_safely),
		cmocka_unit_test(
			test_parse_flag_wait_killable_recv_is_known_but_unsupported_with_libseccomp_2_5),
		cmocka_unit_test(test_parse_accepts_valid_profiles),
		cmocka_unit_test(test_parse_skips_unknown_syscalls_and_counts_them),
		cmocka_unit_test(test_parse_listener_accessors),
		cmocka_unit_test(test_parse_bounds_list_sizes_and_rule_count),
		cmocka_unit_test(test_features_lists_what_the_parser_accepts),
		cmocka_unit_test(test_load_errno_action_returns_errno_ret),
		cmocka_unit_test(test_cache_hit_loads_the_same_filter_and_tampering_is_a_miss),
		cmocka_unit_test(test_load_errno_action_defaults_to_eperm),
		cmocka_unit_test(test_load_default_errno_ret_applies_to_default_action),
		cmocka_unit_test(test_load_kill_process_dies_by_sigsys),
		cmocka_unit_test(test_load_trap_delivers_sigsys_naming_the_syscall),
		cmocka_unit_test(test_load_log_action_lets_the_syscall_run),
		cmocka_unit_test(test_load_argument_filter_matches_only_that_value),
		cmocka_unit_test(test_load_repeated_arg_index_means_any_of_and_masked_eq_masks),
		cmocka_unit_test(test_load_tsync_flag_filters_other_threads_too),
		cmocka_unit_test(test_load_leaves_no_new_privs_alone_with_cap_sys_admin),
		cmocka_unit_test(test_load_without_nnp_or_cap_sys_admin_is_refused),
		cmocka_unit_test(test_load_listed_architectures_are_filtered_and_others_killed),
		cmocka_unit_test(test_load_notify_profile_requires_a_listener_out_param),
		cmocka_unit_test(test_notify_listener_reaches_agent_and_notifications_are_answered),
		cmocka_unit_test(test_send_listener_passes_fd_and_whole_state),
		cmocka_unit_test(test_send_listener_rejects_bad_input_and_reports_connect_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
