/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward-init: the tiny init `ward run --init` puts at PID 1 (tini's job).
 *
 *   /run/ward-init -- COMMAND [ARG...]
 *
 * A shell or server started as PID 1 of a pid namespace gets no default
 * signal actions (SIGTERM does nothing unless it installed a handler) and
 * never reaps the orphans re-parented to it. ward-init runs COMMAND as its
 * child, forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and
 * SIGWINCH to it, reaps every zombie, and exits with the child's status
 * (128+N when signal N killed it).
 *
 * It is a separate, static program (bind-mounted read-only into images
 * that may have no libc), so it does not link libward: it has no input but
 * its argv and prints its few errors to stderr itself.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_USAGE 125
#define EXIT_CANNOT_INVOKE 126
#define EXIT_NOT_FOUND 127

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static void
on_signal(int sig)
{
	/* Never runs: the signals stay blocked and are taken by sigwaitinfo.
	 * A handler (not SIG_DFL) is what lets signals from the container's
	 * own processes reach a pid namespace's init at all. */
	(void)sig;
}

static int
setup_signals(sigset_t *set, sigset_t *old)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++) {
		sigaddset(set, forwarded[i]);
		if (sigaction(forwarded[i], &sa, NULL) < 0)
			return -1;
	}
	return sigprocmask(SIG_BLOCK, set, old);
}

static __attribute__((noreturn)) void
run_child(char **argv, const sigset_t *old)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};

	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		(void)sigaction(forwarded[i], &dfl, NULL);
	(void)sigprocmask(SIG_SETMASK, old, NULL);
	/* Its own process group, in the foreground of the terminal if there is
	 * one, so ^C and job control reach the command (as tini does). */
	if (setpgid(0, 0) == 0 && isatty(STDIN_FILENO)) {
		struct sigaction ign = {.sa_handler = SIG_IGN}, prev;
		(void)sigaction(SIGTTOU, &ign, &prev);
		(void)tcsetpgrp(STDIN_FILENO, getpgrp());
		(void)sigaction(SIGTTOU, &prev, NULL);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "ward-init: exec '%s': %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT || errno == ENOTDIR ? EXIT_NOT_FOUND : EXIT_CANNOT_INVOKE);
}

static int
exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* Reap every child that has exited; 1 when one of them was `child`. */
static int
reap(pid_t child, int *ret_status)
{
	int found = 0, status;
	pid_t p;

	while ((p = waitpid(-1, &status, WNOHANG)) > 0)
		if (p == child) {
			*ret_status = status;
			found = 1;
		}
	return found;
}

int
main(int argc, char **argv)
{
	sigset_t set, old;
	int status = 0;
	pid_t child;

	if (argc > 1 && strcmp(argv[1], "--") == 0) {
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: ward-init [--] COMMAND [ARG...]\n");
		return EXIT_USAGE;
	}
	/* Outside PID 1 (a test, a nested init) orphans still come to us. */
	if (getpid() != 1)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (setup_signals(&set, &old) < 0) {
		fprintf(stderr, "ward-init: signals: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	child = fork();
	if (child < 0) {
		fprintf(stderr, "ward-init: fork: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	if (child == 0)
		run_child(argv + 1, &old);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);

		if (sig < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "ward-init: sigwaitinfo: %s\n", strerror(errno));
			(void)kill(child, SIGKILL);
			(void)waitpid(child, &status, 0);
			break;
		}
		if (sig > 0 && sig != SIGCHLD) {
			(void)kill(child, sig);
			continue;
		}
		if (reap(child, &status))
			break;
	}
	/* Orphans that died with the child are reaped on the way out; any
	 * still running are killed by the kernel when PID 1 exits. */
	(void)reap(-1, &status);
	return exit_code(status);
}
