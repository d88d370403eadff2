/* SPDX-License-Identifier: Apache-2.0 */
/* `run`: create, start and, in the foreground, wait with signals forwarded. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>

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
ward_bundle_wants_terminal(const char *bundle, struct ward_error **err)
{
	_cleanup_close_ int fd = open(bundle ? bundle : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct ward_spec *spec = NULL;
	int r;

	if (fd < 0)
		return ward_error_set(err, errno, "bundle '%s'", bundle ? bundle : ".");
	r = ward_spec_load_flags(fd, WARD_SPEC_NO_SECCOMP, &spec, err);
	if (r < 0)
		return r;
	r = spec->process && spec->process->terminal;
	ward_spec_free(spec);
	return r;
}

int
ward_container_run(const struct ward_runtime *rt, const struct ward_create_opts *o, bool detach,
		   int *ret_status, struct ward_error **err)
{
	int pair[2] = {-1, -1};
	_cleanup_close_ int master = -1;
	sigset_t old;
	pid_t pid = 0;
	int r, status = 0;

	/* A terminal in the foreground without a console socket: we hold the
	 * pty master ourselves and proxy our stdio to it, as runc does. */
	if (!detach && !o->console_socket) {
		r = ward_bundle_wants_terminal(o->bundle, err);
		if (r < 0)
			return ward_error_wrap(err, "create '%s'", o->id ? o->id : "");
		if (r > 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
			return ward_error_set(err, errno, "socketpair");
	}
	if (!detach) {
		/* Grandchildren (after an intermediate joined namespaces) come back
		 * to us so we can wait for them. */
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
		(void)ward_block_forwarded_signals(&old);
	}
	r = ward_container_create_internal(rt, o, pair[1], &pid, err);
	pair[1] = -1; /* create owns and closes it */
	if (r < 0)
		goto out;
	if (pair[0] >= 0 && (master = ward_terminal_recv_master(pair[0], err)) < 0) {
		r = master;
		(void)ward_container_delete(rt, o->id, true, NULL);
		goto out;
	}
	r = ward_container_start(rt, o->id, err);
	if (r < 0) {
		(void)ward_container_delete(rt, o->id, true, NULL);
		goto out;
	}
	if (detach) {
		*ret_status = 0;
		return 0;
	}
	r = master >= 0 ? ward_wait_with_terminal(pid, master, &status, err)
			: ward_wait_forwarding(pid, &status, err);
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
	if (pair[0] >= 0)
		(void)close(pair[0]);
	if (!detach)
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* Copy what is readable from `from` to `to`; 0 on EOF or a hung-up pty. */
static int
pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n <= 0)
		return 0; /* EOF; EIO on a pty master once the slave side is gone */
	(void)ward_fs_write_all(to, buf, (size_t)n);
	return 1;
}

int
ward_wait_with_terminal(pid_t pid, int master, int *ret_status, struct ward_error **err)
{
	sigset_t set;
	_cleanup_close_ int sfd = -1;
	struct termios saved;
	bool stdin_open = true, master_open = true, exited = false;
	int raw, status = 0, r = 0;

	sigemptyset(&set);
	for (size_t i = 0; i < WARD_ARRAY_SIZE(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return ward_error_set(err, errno, "signalfd");
	ward_terminal_copy_size(0, master);
	raw = ward_terminal_raw(0, &saved);
	while (!exited || master_open) {
		struct pollfd p[3] = {{.fd = sfd, .events = POLLIN},
				      {.fd = master_open ? master : -1, .events = POLLIN},
				      {.fd = stdin_open ? 0 : -1, .events = POLLIN}};
		struct signalfd_siginfo si;
		pid_t w;

		while (!exited && (w = waitpid(-1, &status, WNOHANG)) > 0)
			if (w == pid)
				exited = true;
		/* After the exit, drain what the pty still holds, then stop. */
		if (poll(p, 3, exited ? 0 : -1) < 0 && errno != EINTR) {
			r = ward_error_set(err, errno, "poll the terminal");
			break;
		}
		if (exited && !(p[1].revents & (POLLIN | POLLHUP)))
			break;
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
			master_open = pump(master, 1);
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
			stdin_open = pump(0, master);
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGWINCH)
				ward_terminal_copy_size(0, master);
			else if (si.ssi_signo != SIGCHLD)
				(void)kill(pid, (int)si.ssi_signo);
		}
	}
	if (raw)
		(void)tcsetattr(0, TCSANOW, &saved);
	if (r == 0 && !exited) {
		if (waitpid(pid, &status, 0) < 0)
			return ward_error_set(err, errno, "wait for the container process");
	}
	if (r == 0)
		*ret_status = exit_status(status);
	return r;
}
