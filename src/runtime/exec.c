/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `exec`: another process in a running container. The runtime forks a
 * helper that joins the container's namespaces through a pidfd and forks
 * the process itself (a pid namespace applies to children only). The helper
 * is not dumpable, so the container cannot reach into it while it carries
 * the runtime's memory (CVE-2019-5736 is closed by the memfd re-exec too).
 * The process is born in the container's cgroup2 directory where it can be
 * (clone3 CLONE_INTO_CGROUP, before the cgroup namespace is joined) and moves
 * itself into the v1 ones: no migration by pid, no RCU grace period.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "internal.h"

struct exec_ctx {
	const struct ward_exec_opts *o;
	struct ward_spec *spec;
	struct ward_state *st;
	int pidfd;
	int console_fd;
	int master_sock; /* receives the pty master for a foreground -t */
	int sync[2];
	struct ward_cgroup_attach attach; /* valid when self_attach */
	bool self_attach;
	int cgroup_fd;                    /* cgroup2 directory for clone3, or -1 */
	bool born_in_v2;
	bool join_cgroupns;
};

/* The namespaces the container has that we are not in. */
static int
namespaces_to_join(pid_t pid, struct ward_error **err)
{
	int flags = 0;

	for (int t = 0; t < WARD_NS_COUNT; t++) {
		char theirs[64], ours[64];
		struct stat a, b;

		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, ward_ns_proc_name(t));
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", ward_ns_proc_name(t));
		if (stat(theirs, &a) < 0) {
			if (errno == ENOENT)
				continue; /* the kernel lacks this namespace type */
			return ward_error_set(err, errno, "inspect %s", theirs);
		}
		if (stat(ours, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			continue;
		flags |= ward_ns_clone_flag(t);
	}
	return flags;
}

static __attribute__((noreturn)) void
exec_process(struct exec_ctx *c)
{
	struct ward_error *err = NULL;
	struct ward_sync_msg m;
	_cleanup_free_ char *path = NULL;
	const struct ward_process *p = c->o->process;

	if (ward_sync_expect(c->sync[1], WARD_SYNC_GO, &m, NULL, "runtime", &err) < 0)
		_exit(126);
	if (c->self_attach && ward_cgroup_attach_self(&c->attach, c->born_in_v2, &err) < 0)
		goto fail;
	/* Joined last: cgroup2 checks a migration against the cgroup namespace. */
	if (c->join_cgroupns && setns(c->pidfd, CLONE_NEWCGROUP) < 0) {
		ward_error_set(&err, errno, "join the cgroup namespace of container '%s'",
			       c->o->id);
		goto fail;
	}
	if (p->terminal && ward_terminal_setup(c->console_fd, p->console_height,
					       p->console_width, &err) < 0)
		goto fail;
	if (c->console_fd >= 0)
		(void)close(c->console_fd);
	if (ward_process_find_exec(p, &path, &err) < 0)
		goto fail;
	/* The sync socket stays open (close-on-exec) so the runtime learns of
	 * a failed execve, and sees EOF when it succeeded. */
	(void)ward_process_exec(c->spec, p, path, c->o->preserve_fds, c->sync[1], false, &err);
fail:
	(void)ward_sync_send_error(c->sync[1], err);
	_exit(err && err->kind == WARD_E_NOTFOUND ? 127 : 126);
}

static int
enter_root_of(pid_t pid, struct ward_error **err)
{
	char path[64];
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ward_error_set(err, errno, "open the root of the container (%s)", path);
	if (fchdir(fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return ward_error_set(err, errno, "chroot into the root of the container");
	return 0;
}

static __attribute__((noreturn)) void
exec_helper(struct exec_ctx *c, int ns_flags)
{
	struct ward_error *err = NULL;
	pid_t pid;

	(void)close(c->sync[0]);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	(void)prctl(PR_SET_DUMPABLE, 0);
	/* The cgroup namespace is joined by the process itself, after it
	 * entered its cgroups (see exec_process). */
	c->join_cgroupns = (ns_flags & CLONE_NEWCGROUP) != 0;
	ns_flags &= ~CLONE_NEWCGROUP;
	if (ns_flags && setns(c->pidfd, ns_flags) < 0) {
		ward_error_set(&err, errno, "join the namespaces of container '%s'", c->o->id);
		(void)ward_sync_send_error(c->sync[1], err);
		_exit(1);
	}
	/* Joining a mount namespace also moves us to its root. A container
	 * without one shares ours and lives chroot'ed: enter the same root. */
	if (!(ns_flags & CLONE_NEWNS) && enter_root_of(c->st->pid, &err) < 0) {
		(void)ward_sync_send_error(c->sync[1], err);
		_exit(1);
	}
	pid = ward_clone_in_cgroup(0, c->cgroup_fd, &c->born_in_v2);
	if (pid < 0) {
		ward_error_set(&err, errno, "fork in the container");
		(void)ward_sync_send_error(c->sync[1], err);
		_exit(1);
	}
	if (pid == 0) {
		/* No parent-death signal: our parent (this helper) exits at once.
		 * Should the runtime die, the process reads EOF instead of GO and
		 * exits. */
		(void)prctl(PR_SET_PDEATHSIG, 0);
		exec_process(c);
	}
	(void)ward_sync_send(c->sync[1], WARD_SYNC_PID, pid, -1);
	_exit(0);
}

/* After GO, the process either execs (EOF), fails (error), or first hands
 * us a seccomp listener to forward. */
static int
await_exec(struct exec_ctx *c, pid_t pid, struct ward_error **err)
{
	for (;;) {
		struct ward_sync_msg m;
		int lfd = -1;
		int r = ward_sync_expect(c->sync[0], WARD_SYNC_SECCOMP_FD, &m, &lfd, "exec", err);

		if (r == -ECHILD) {
			/* EOF: close-on-exec fired, execve succeeded. */
			ward_error_freep(err);
			return 0;
		}
		if (r < 0)
			return r;
		{
			_cleanup_free_ char *state = NULL;
			json_t *j = json_pack("{s:s, s:[s], s:i, s:s?}", "ociVersion",
					      WARD_OCI_VERSION, "fds", "seccompFd", "pid", (int)pid,
					      "metadata",
					      ward_seccomp_listener_metadata(c->spec->seccomp));
			if (j) {
				json_object_set_new(j, "state",
						    ward_state_oci_json(c->st, WARD_STATUS_RUNNING));
				state = json_dumps(j, JSON_COMPACT);
				json_decref(j);
			}
			r = state ? ward_seccomp_send_listener(
					    ward_seccomp_listener_path(c->spec->seccomp), lfd,
					    state, err)
				  : ward_error_set(err, ENOMEM, "seccomp state");
			(void)close(lfd);
			if (r < 0)
				return r;
		}
	}
}

static int
do_exec(struct exec_ctx *c, int *ret_status, struct ward_error **err)
{
	struct ward_sync_msg m;
	enum ward_status status;
	int ns_flags, r, wstatus;
	pid_t helper, pid;

	if ((r = ward_state_status(c->st, &status, err)) < 0)
		return r;
	if (status != WARD_STATUS_RUNNING && status != WARD_STATUS_CREATED)
		return ward_error_setk(err, WARD_E_STATE, 0, "the container is %s",
				       ward_status_name(status));
	if (c->o->process->terminal && !c->o->console_socket && c->o->detach)
		return ward_error_set(err, EINVAL, "--tty with --detach needs --console-socket");
	if ((c->pidfd = ward_state_pidfd(c->st, err)) < 0)
		return c->pidfd;
	if ((ns_flags = namespaces_to_join(c->st->pid, err)) < 0)
		return ns_flags;
	if (c->o->console_socket &&
	    (c->console_fd = ward_console_connect(c->o->console_socket, err)) < 0)
		return c->console_fd;
	/* -t in the foreground without a console socket: we proxy the pty. */
	if (c->o->process->terminal && !c->o->console_socket) {
		int pair[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
			return ward_error_set(err, errno, "socketpair");
		c->console_fd = pair[1];
		c->master_sock = pair[0];
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->sync) < 0)
		return ward_error_set(err, errno, "socketpair");
	if (!c->o->detach)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (c->st->cgroup) {
		c->self_attach = ward_cgroup_attach_open(c->st->cgroup, &c->attach, NULL) == 0;
		c->cgroup_fd = ward_cgroup_clone_fd(c->st->cgroup, NULL);
	}
	helper = fork();
	if (helper < 0)
		return ward_error_set(err, errno, "fork");
	if (helper == 0)
		exec_helper(c, ns_flags);
	(void)close(c->sync[1]);
	c->sync[1] = -1;
	if (c->self_attach) /* the process has its own copies */
		ward_cgroup_attach_close(&c->attach);
	if (c->cgroup_fd >= 0) {
		(void)close(c->cgroup_fd);
		c->cgroup_fd = -1;
	}
	if (c->master_sock >= 0) {
		(void)close(c->console_fd);
		c->console_fd = -1;
	}
	r = ward_sync_expect(c->sync[0], WARD_SYNC_PID, &m, NULL, "exec", err);
	(void)waitpid(helper, &wstatus, 0);
	if (r < 0)
		return r;
	pid = m.pid;
	if (c->st->cgroup && !c->self_attach &&
	    (r = ward_cgroup_enter(c->st->cgroup, pid, err)) < 0)
		goto kill;
	if (c->o->pid_file && (r = ward_write_pid_file(c->o->pid_file, pid, err)) < 0)
		goto kill;
	if ((r = ward_sync_send(c->sync[0], WARD_SYNC_GO, 0, -1)) < 0) {
		r = ward_error_set(err, -r, "start the process");
		goto kill;
	}
	if ((r = await_exec(c, pid, err)) < 0)
		goto kill;
	if (c->o->detach) {
		*ret_status = 0;
		return 0;
	}
	if (c->master_sock >= 0) {
		_cleanup_close_ int master = ward_terminal_recv_master(c->master_sock, err);
		if (master < 0) {
			r = master;
			goto kill;
		}
		return ward_wait_with_terminal(pid, master, ret_status, err);
	}
	return ward_wait_forwarding(pid, ret_status, err);
kill:
	(void)kill(pid, SIGKILL);
	if (!c->o->detach)
		(void)waitpid(pid, &wstatus, 0);
	return r;
}

int
ward_container_exec(const struct ward_runtime *rt, const struct ward_exec_opts *o,
		    int *ret_status, struct ward_error **err)
{
	struct exec_ctx c = {.o = o, .pidfd = -1, .console_fd = -1, .master_sock = -1,
			     .sync = {-1, -1}, .attach = {.v2 = -1}, .cgroup_fd = -1};
	sigset_t old;
	int r;

	if ((r = ward_state_load(rt, o->id, &c.st, err)) < 0 ||
	    (r = ward_spec_load(c.st->dirfd, &c.spec, err)) < 0)
		goto out;
	if (!o->detach)
		(void)ward_block_forwarded_signals(&old);
	r = do_exec(&c, ret_status, err);
	if (!o->detach)
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
out:
	for (int i = 0; i < 2; i++)
		if (c.sync[i] >= 0)
			(void)close(c.sync[i]);
	if (c.pidfd >= 0)
		(void)close(c.pidfd);
	if (c.console_fd >= 0)
		(void)close(c.console_fd);
	if (c.master_sock >= 0)
		(void)close(c.master_sock);
	ward_spec_free(c.spec);
	ward_state_free(c.st);
	return r < 0 ? ward_error_wrap(err, "exec in '%s'", o->id) : 0;
}
