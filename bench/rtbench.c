/* rtbench: time one container lifecycle through an OCI runtime's command
 * line and report the peak RSS of the runtime processes (bench/runtime.sh).
 *
 *   rtbench run  ROOT BUNDLE ID RUNTIME [ARG...]
 *       RUNTIME ARG... --root ROOT run --bundle BUNDLE ID
 *   rtbench seq  ROOT BUNDLE ID RUNTIME [ARG...]
 *       create --bundle BUNDLE --pid-file ROOT/ID.pid ID; start ID;
 *       wait for the container process to exit; delete ID
 *   rtbench exec CMD [ARG...]
 *       CMD ARG... alone (to measure a wrapper's overhead)
 *
 * Prints one line of key=value pairs: total_ns, maxrss_kb and, for seq,
 * create_ns start_ns wait_ns delete_ns. maxrss_kb is the largest ru_maxrss
 * wait4() reported for a runtime command: the runtime process and the
 * descendants it waited for (for `run`, the container's init too; Linux
 * keeps an exec'ing process's earlier high-water mark). The container
 * process of `seq` is not counted.
 *
 * Timing uses CLOCK_MONOTONIC around posix_spawn()..wait4(); the runtime's
 * stdin and stdout (and so the container's) are /dev/null, stderr is
 * inherited. rtbench makes itself a child subreaper, like a containerd shim,
 * so the container process of `seq` is reparented to it and reaped here.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* Longest the container process may take to exit after `start`. */
#define WAIT_TIMEOUT_MS 30000
/* Runtime arguments we add after the caller's RUNTIME ARG... */
#define EXTRA_ARGS 10
#define MAX_ARGS 64

extern char **environ;

struct step {
	int64_t ns;
	long maxrss_kb;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Run argv to completion; fill *ret with its time and peak RSS. Returns 0
 * when it exited with status 0, else -1 after saying why on stderr. */
static int
run_cmd(char *const argv[], struct step *ret)
{
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	int64_t t0;
	pid_t pid;
	int status, r;

	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) != 0) {
		fprintf(stderr, "rtbench: posix_spawn_file_actions: %s\n", strerror(errno));
		return -1;
	}
	t0 = now_ns();
	r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	(void)posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		fprintf(stderr, "rtbench: spawn %s: %s\n", argv[0], strerror(r));
		return -1;
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "rtbench: wait4 %s: %s\n", argv[0], strerror(errno));
			return -1;
		}
	}
	ret->ns = now_ns() - t0;
	ret->maxrss_kb = ru.ru_maxrss;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		fprintf(stderr, "rtbench: %s ... %s exited with status %d\n", argv[0],
			argv[1] ? argv[1] : "", WEXITSTATUS(status));
	else
		fprintf(stderr, "rtbench: %s killed by signal %d\n", argv[0],
			WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -1;
}

/* Build RUNTIME ARG... --root ROOT <tail...> into out (NULL-terminated). */
static int
build_argv(char **out, int rt_argc, char **rt_argv, const char *root, char **tail)
{
	int n = 0, i;

	if (rt_argc + EXTRA_ARGS >= MAX_ARGS) {
		fprintf(stderr, "rtbench: too many runtime arguments (max %d)\n",
			MAX_ARGS - EXTRA_ARGS);
		return -1;
	}
	for (i = 0; i < rt_argc; i++)
		out[n++] = rt_argv[i];
	out[n++] = (char *)"--root";
	out[n++] = (char *)root;
	for (i = 0; tail[i]; i++)
		out[n++] = tail[i];
	out[n] = NULL;
	return 0;
}

static long
read_pid_file(const char *path)
{
	char buf[32];
	ssize_t len;
	char *end;
	long pid;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "rtbench: open pid file %s: %s\n", path, strerror(errno));
		return -1;
	}
	len = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (len <= 0) {
		fprintf(stderr, "rtbench: pid file %s is empty\n", path);
		return -1;
	}
	buf[len] = '\0';
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || pid <= 0 || (*end != '\0' && *end != '\n')) {
		fprintf(stderr, "rtbench: pid file %s: not a pid: '%s'\n", path, buf);
		return -1;
	}
	return pid;
}

/* Reap every exited child (the container process reparented to us). */
static void
reap_zombies(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static int
do_seq(const char *root, const char *bundle, const char *id, int rt_argc, char **rt_argv)
{
	char pidfile[4096], *argv[MAX_ARGS];
	char *c_tail[] = {(char *)"create",
			  (char *)"--bundle",
			  (char *)bundle,
			  (char *)"--pid-file",
			  pidfile,
			  (char *)id,
			  NULL};
	char *s_tail[] = {(char *)"start", (char *)id, NULL};
	char *d_tail[] = {(char *)"delete", (char *)id, NULL};
	char *f_tail[] = {(char *)"delete", (char *)"--force", (char *)id, NULL};
	struct step create, start, del, ignored;
	struct pollfd pfd;
	int64_t t0, twait;
	long pid, rss;
	int pidfd, r;

	if (snprintf(pidfile, sizeof(pidfile), "%s/%s.pid", root, id) >= (int)sizeof(pidfile)) {
		fprintf(stderr, "rtbench: pid file path too long\n");
		return 1;
	}
	(void)unlink(pidfile);

	t0 = now_ns();
	if (build_argv(argv, rt_argc, rt_argv, root, c_tail) < 0 || run_cmd(argv, &create) < 0)
		return 1;
	pid = read_pid_file(pidfile);
	(void)unlink(pidfile);
	if (pid < 0)
		goto fail;
	/* A pidfd sees the exit whether or not the process is our child. */
	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pidfd < 0) {
		fprintf(stderr, "rtbench: pidfd_open %ld: %s\n", pid, strerror(errno));
		goto fail;
	}
	if (build_argv(argv, rt_argc, rt_argv, root, s_tail) < 0 || run_cmd(argv, &start) < 0) {
		(void)close(pidfd);
		goto fail;
	}
	twait = now_ns();
	pfd.fd = pidfd;
	pfd.events = POLLIN;
	do {
		r = poll(&pfd, 1, WAIT_TIMEOUT_MS);
	} while (r < 0 && errno == EINTR);
	(void)close(pidfd);
	if (r <= 0) {
		fprintf(stderr, "rtbench: container process %ld did not exit within %d ms\n", pid,
			WAIT_TIMEOUT_MS);
		goto fail;
	}
	reap_zombies();
	twait = now_ns() - twait;
	if (build_argv(argv, rt_argc, rt_argv, root, d_tail) < 0 || run_cmd(argv, &del) < 0)
		return 1;

	rss = create.maxrss_kb;
	if (start.maxrss_kb > rss)
		rss = start.maxrss_kb;
	if (del.maxrss_kb > rss)
		rss = del.maxrss_kb;
	printf("total_ns=%" PRId64 " maxrss_kb=%ld create_ns=%" PRId64 " start_ns=%" PRId64
	       " wait_ns=%" PRId64 " delete_ns=%" PRId64 " create_rss_kb=%ld\n",
	       now_ns() - t0, rss, create.ns, start.ns, twait, del.ns, create.maxrss_kb);
	return 0;

fail:
	/* Leave nothing behind: the caller checks `list` after the run. */
	if (build_argv(argv, rt_argc, rt_argv, root, f_tail) == 0)
		(void)run_cmd(argv, &ignored);
	reap_zombies();
	return 1;
}

static int
do_run(const char *root, const char *bundle, const char *id, int rt_argc, char **rt_argv)
{
	char *argv[MAX_ARGS];
	char *tail[] = {(char *)"run", (char *)"--bundle", (char *)bundle, (char *)id, NULL};
	char *f_tail[] = {(char *)"delete", (char *)"--force", (char *)id, NULL};
	struct step run, ignored;

	if (build_argv(argv, rt_argc, rt_argv, root, tail) < 0)
		return 1;
	if (run_cmd(argv, &run) < 0) {
		if (build_argv(argv, rt_argc, rt_argv, root, f_tail) == 0)
			(void)run_cmd(argv, &ignored);
		reap_zombies();
		return 1;
	}
	reap_zombies();
	printf("total_ns=%" PRId64 " maxrss_kb=%ld\n", run.ns, run.maxrss_kb);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: rtbench run|seq ROOT BUNDLE ID RUNTIME [ARG...]\n"
			"       rtbench exec CMD [ARG...]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct step s;

	if (argc < 3)
		usage();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		fprintf(stderr, "rtbench: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
		return 1;
	}
	if (strcmp(argv[1], "exec") == 0) {
		if (run_cmd(argv + 2, &s) < 0)
			return 1;
		reap_zombies();
		printf("total_ns=%" PRId64 " maxrss_kb=%ld\n", s.ns, s.maxrss_kb);
		return 0;
	}
	if (argc < 6)
		usage();
	if (strcmp(argv[1], "run") == 0)
		return do_run(argv[2], argv[3], argv[4], argc - 5, argv + 5);
	if (strcmp(argv[1], "seq") == 0)
		return do_seq(argv[2], argv[3], argv[4], argc - 5, argv + 5);
	usage();
	return 2;
}
