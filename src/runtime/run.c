/* SPDX-License-Identifier: Apache-2.0 */
/* `run`: create, start and, in the foreground, wait with signals forwarded. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "internal.h"

/* Signals a foreground runtime passes on instead of dying from them. */
static const int forwarded[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM, SIGUSR1,
				SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP, SIGCHLD};

int
ward_block_forwarded_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < WARD_ARRAY_SIZE(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	return sigprocmask(SIG_BLOCK, &set, old) < 0 ? -errno : 0;
}

static int
exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

int
ward_wait_forwarding(pid_t pid, int *ret_status, struct ward_error **err)
{
	sigset_t set;
	_cleanup_close_ int sfd = -1;

	sigemptyset(&set);
	for (size_t i = 0; i < WARD_ARRAY_SIZE(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return ward_error_set(err, errno, "signalfd");
	for (;;) {
		struct signalfd_siginfo si;
		int status;
		pid_t w;

		/* Reap first: the exit may predate the signalfd. As a subreaper
		 * we also collect orphans reparented to us. */
		while ((w = waitpid(-1, &status, WNOHANG)) > 0)
			if (w == pid) {
				*ret_status = exit_status(status);
				return 0;
			}
		if (w < 0 && errno == ECHILD)
			return ward_error_set(err, ECHILD, "wait for the container process");
		if (read(sfd, &si, sizeof(si)) != sizeof(si)) {
			if (errno == EINTR)
				continue;
			return ward_error_set(err, errno, "read signalfd");
		}
		if (si.ssi_signo != SIGCHLD)
			(void)kill(pid, (int)si.ssi_signo);
	}
}

int
ward_container_run(const struct ward_runtime *rt, const struct ward_create_opts *o, bool detach,
		   int *ret_status, struct ward_error **err)
{
	sigset_t old;
	pid_t pid = 0;
	int r, status = 0;

	if (!detach) {
		/* Grandchildren (after an intermediate joined namespaces) come back
		 * to us so we can wait for them. */
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
		(void)ward_block_forwarded_signals(&old);
	}
	r = ward_container_create(rt, o, &pid, err);
	if (r < 0)
		goto out;
	r = ward_container_start(rt, o->id, err);
	if (r < 0) {
		(void)ward_container_delete(rt, o->id, true, NULL);
		goto out;
	}
	if (detach) {
		*ret_status = 0;
		return 0;
	}
	r = ward_wait_forwarding(pid, &status, err);
	{
		struct ward_error *derr = NULL;
		if (ward_container_delete(rt, o->id, true, &derr) < 0 && r == 0) {
			*err = derr;
			derr = NULL;
			r = -EIO;
		}
		ward_error_free(derr);
	}
	if (r == 0)
		*ret_status = status;
out:
	if (!detach)
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
