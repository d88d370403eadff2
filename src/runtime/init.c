/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's first process: from clone() to execve(). It talks to the
 * runtime over a SOCK_SEQPACKET pair; any failure is sent back as an error
 * message so `create` can report it and clean up.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/keyctl.h>

#include "internal.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

extern char **environ;

static bool
is_executable_file(int dirfd, const char *path)
{
	struct stat st;

	if (fstatat(dirfd, path, &st, 0) < 0)
		return false;
	return S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

int
ward_process_find_exec(const struct ward_process *p, char **ret, struct ward_error **err)
{
	const char *name = p->args[0];
	const char *path = DEFAULT_PATH;
	char buf[PATH_MAX];

	if (strchr(name, '/')) {
		if (name[0] == '/')
			snprintf(buf, sizeof(buf), "%s", name);
		else if (snprintf(buf, sizeof(buf), "%s/%s", p->cwd, name) >= (int)sizeof(buf))
			return ward_error_set(err, ENAMETOOLONG, "exec '%s'", name);
		if (!is_executable_file(AT_FDCWD, buf))
			return ward_error_setk(err, WARD_E_NOTFOUND, errno ? errno : EACCES,
					       "exec '%s' in the container", name);
		*ret = strdup(buf);
		return *ret ? 0 : ward_error_set(err, ENOMEM, "exec");
	}
	for (char **e = p->env; e && *e; e++)
		if (ward_str_has_prefix(*e, "PATH="))
			path = *e + 5;
	for (const char *s = path; *s;) {
		const char *colon = strchr(s, ':');
		size_t n = colon ? (size_t)(colon - s) : strlen(s);
		int len = snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? s : ".", name);
		if (len > 0 && (size_t)len < sizeof(buf) && is_executable_file(AT_FDCWD, buf)) {
			*ret = strdup(buf);
			return *ret ? 0 : ward_error_set(err, ENOMEM, "exec");
		}
		s += n + (colon ? 1 : 0);
		if (!colon)
			break;
	}
	return ward_error_setk(err, WARD_E_NOTFOUND, 0,
			       "exec '%s': executable file not found in $PATH", name);
}

static int
close_fds_except(unsigned first, int keep, struct ward_error **err)
{
	/* CVE-2024-21626: a runtime fd still open at chdir time lets a cwd of
	 * /proc/self/fd/N reach the host; close everything we own first. */
	if (keep >= (int)first) {
		if (keep > (int)first && syscall(SYS_close_range, first, keep - 1, 0) < 0)
			return ward_error_set(err, errno, "close inherited descriptors");
		if (syscall(SYS_close_range, keep + 1, ~0U, 0) < 0)
			return ward_error_set(err, errno, "close inherited descriptors");
		return 0;
	}
	if (syscall(SYS_close_range, first, ~0U, 0) < 0)
		return ward_error_set(err, errno, "close inherited descriptors");
	return 0;
}

static int
enter_cwd(const char *cwd, struct ward_error **err)
{
	char buf[PATH_MAX];

	if (chdir(cwd) < 0)
		return ward_error_set(err, errno, "process.cwd '%s'", cwd);
	/* getcwd reports "(unreachable)" (or fails) for a directory outside
	 * our root: refuse to start there. */
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return ward_error_setk(err, WARD_E_DENIED, EPERM,
				       "process.cwd '%s' is outside the container's root", cwd);
	return 0;
}

static void
reset_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++) {
		struct sigaction sa = {.sa_handler = SIG_DFL};
		if (s == SIGKILL || s == SIGSTOP)
			continue;
		(void)sigaction(s, &sa, NULL);
	}
}

/* Load the filter; a listener fd goes to the runtime over sync_fd, which
 * forwards it to the agent at listenerPath. */
static int
load_seccomp(const struct ward_spec *spec, int sync_fd, struct ward_error **err)
{
	int lfd = -1, r;

	r = ward_seccomp_load(spec->seccomp, &lfd, err);
	if (r < 0)
		return r;
	if (lfd >= 0) {
		r = sync_fd >= 0 ? ward_sync_send(sync_fd, WARD_SYNC_SECCOMP_FD, 0, lfd) : -EPIPE;
		(void)close(lfd);
		if (r < 0)
			return ward_error_set(err, -r, "hand the seccomp listener to the runtime");
	}
	return 0;
}

int
ward_process_exec(const struct ward_spec *spec, const struct ward_process *p, const char *path,
		  unsigned preserve_fds, int keep_fd, bool seccomp_loaded, struct ward_error **err)
{
	bool nnp = ward_procattr_no_new_privs(p->attr);
	int r;

	if (spec->has_personality && personality(spec->personality) < 0)
		return ward_error_set(err, errno, "linux.personality");
	r = ward_procattr_apply_privileged(p->attr, err);
	if (r < 0)
		return r;
	r = close_fds_except(3 + preserve_fds, keep_fd, err);
	if (r < 0)
		return r;
	r = enter_cwd(p->cwd, err);
	if (r < 0)
		return r;
	/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, so it
	 * goes in before the capabilities are dropped; with it, as late as
	 * possible so the filter covers the least runtime code (runc's order). */
	if (spec->seccomp && !nnp && !seccomp_loaded && (r = load_seccomp(spec, keep_fd, err)) < 0)
		return r;
	r = ward_procattr_apply_identity(p->attr, err);
	if (r < 0)
		return r;
	if (spec->seccomp && nnp && !seccomp_loaded && (r = load_seccomp(spec, keep_fd, err)) < 0)
		return r;
	reset_signals();
	execve(path, p->args, p->env ? p->env : (char *[]){NULL});
	return ward_error_setk(err, errno == ENOENT ? WARD_E_NOTFOUND : WARD_E_SYSTEM, errno,
			       "exec '%s'", p->args[0]);
}

/* ---- init proper -------------------------------------------------------- */

static int
become_root_in_userns(struct ward_error **err)
{
	/* After the parent wrote our maps, take uid/gid 0 of the namespace (the
	 * container's process user is applied just before exec). */
	if (setresgid(0, 0, 0) < 0)
		return ward_error_set(err, errno, "setresgid(0) in the user namespace");
	if (setresuid(0, 0, 0) < 0)
		return ward_error_set(err, errno, "setresuid(0) in the user namespace");
	return 0;
}

static int
set_names(const struct ward_spec *s, struct ward_error **err)
{
	if (s->hostname && *s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return ward_error_set(err, errno, "hostname '%s'", s->hostname);
	if (s->domainname && *s->domainname &&
	    setdomainname(s->domainname, strlen(s->domainname)) < 0)
		return ward_error_set(err, errno, "domainname '%s'", s->domainname);
	return 0;
}

static int
join_session_keyring(const char *id, struct ward_error **err)
{
	char name[WARD_ID_MAX + 16];

	snprintf(name, sizeof(name), "_ses.%s", id);
	/* A fresh session keyring keeps the container away from the host's
	 * keys; EDQUOT/ENOSYS hosts are tolerated, as runc does. */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name) < 0 && errno != ENOSYS &&
	    errno != EDQUOT && errno != EACCES)
		return ward_error_set(err, errno, "join a new session keyring");
	return 0;
}

static char *
build_state(const struct ward_init_args *a, pid_t host_pid, const char *status)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s}", "ociVersion", WARD_OCI_VERSION, "id",
			      a->id, "status", status, "pid", (int)host_pid, "bundle", a->bundle);
	char *s;

	if (!j)
		return NULL;
	json_object_set_new(j, "annotations", a->spec->annotations
						      ? json_incref(a->spec->annotations)
						      : json_object());
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

/* Wait (once) until the runtime placed us in our cgroup; then the cgroup
 * namespace, so that cgroup becomes the namespace's root. */
static int
enter_cgroup(void *data, struct ward_error **err)
{
	struct ward_init_args *a = data;
	const struct ward_spec *s = a->spec;
	struct ward_sync_msg msg;
	int r;

	if (a->in_cgroup)
		return 0;
	r = ward_sync_expect(a->sync_fd, WARD_SYNC_CGROUP_DONE, &msg, NULL, "runtime", err);
	if (r < 0)
		return r;
	a->in_cgroup = true;
	if (s->ns[WARD_NS_CGROUP].enabled && !s->ns[WARD_NS_CGROUP].path &&
	    unshare(CLONE_NEWCGROUP) < 0)
		return ward_error_set(err, errno, "unshare the cgroup namespace");
	return 0;
}

static int
init_setup(struct ward_init_args *a, char **ret_path, pid_t *ret_host_pid,
	   struct ward_error **err)
{
	const struct ward_spec *s = a->spec;
	struct ward_mount_ctx m = {.spec = s, .rootfs = a->rootfs, .rootfs_fd = -1,
				   .in_userns = a->new_userns || s->ns[WARD_NS_USER].enabled,
				   .new_cgroupns = s->ns[WARD_NS_CGROUP].enabled,
				   .host_mountns = a->host_mountns};
	struct ward_sync_msg msg;
	_cleanup_free_ char *state = NULL;
	int r;

	if (a->attach && (r = ward_cgroup_attach_self(a->attach, a->born_in_v2, err)) < 0)
		return r;
	r = ward_sync_expect(a->sync_fd, WARD_SYNC_GO, &msg, NULL, "runtime", err);
	if (r < 0)
		return r;
	*ret_host_pid = msg.pid;
	m.before_cgroup = enter_cgroup;
	m.data = a;
	if (a->new_userns && (r = become_root_in_userns(err)) < 0)
		return r;
	if (s->ns[WARD_NS_UTS].enabled && (r = set_names(s, err)) < 0)
		return r;
	if (!a->no_new_keyring && (r = join_session_keyring(a->id, err)) < 0)
		return r;
	/* The filesystem is built while the runtime moves us into our cgroup
	 * (a cgroup v1 migration waits for an RCU grace period); we wait for
	 * it only before the cgroup mount or, at the latest, after the mounts. */
	if ((r = ward_mounts_prepare_rootfs(&m, err)) < 0 || (r = ward_mounts_apply(&m, err)) < 0 ||
	    (r = ward_mounts_create_devices(&m, err)) < 0 || (r = enter_cgroup(a, err)) < 0)
		goto out;
	r = ward_sync_send(a->sync_fd, WARD_SYNC_MOUNTS_DONE, 0, -1);
	if (r < 0 || (r = ward_sync_expect(a->sync_fd, WARD_SYNC_HOOKS_DONE, &msg, NULL, "runtime",
					   err)) < 0)
		goto out;
	if (s->hooks[WARD_HOOK_CREATE_CONTAINER].n) {
		state = build_state(a, *ret_host_pid, "created");
		if (!state) {
			r = ward_error_set(err, ENOMEM, "state");
			goto out;
		}
		r = ward_hooks_run(&s->hooks[WARD_HOOK_CREATE_CONTAINER], "createContainer", state,
				   err);
		if (r < 0)
			goto out;
	}
	if ((r = ward_mounts_pivot(&m, a->no_pivot, err)) < 0 || (r = ward_sysctl_apply(s, err)) < 0 ||
	    (r = ward_mounts_finish(&m, err)) < 0)
		goto out;
	if (!a->process)
		goto out; /* made, never started: `start` refuses it */
	if (a->process->terminal &&
	    (r = ward_terminal_setup(a->console_fd, a->process->console_height,
				     a->process->console_width, err)) < 0)
		goto out;
	r = ward_process_find_exec(a->process, ret_path, err);
	if (r < 0)
		goto out;
	if (s->seccomp && ward_seccomp_wants_listener(s->seccomp)) {
		/* The agent must get the listener before the container runs, so
		 * this filter goes in now and covers the rest of init too. */
		int lfd = -1;
		if (ward_procattr_no_new_privs(a->process->attr) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
			r = ward_error_set(err, errno, "no_new_privs");
			goto out;
		}
		r = ward_seccomp_load(s->seccomp, &lfd, err);
		if (r < 0)
			goto out;
		r = ward_sync_send(a->sync_fd, WARD_SYNC_SECCOMP_FD, 0, lfd);
		(void)close(lfd);
		if (r < 0)
			goto out;
	}
out:
	if (m.rootfs_fd >= 0)
		(void)close(m.rootfs_fd);
	return r;
}

/* Blocks until `start` opens exec.fifo for reading. The fd is returned and
 * left open (close-on-exec): `start` reads EOF when execve succeeded, so it
 * runs poststart hooks after the process is executed, as the spec says. */
static int
wait_for_start(int state_dirfd, struct ward_error **err)
{
	int fd = openat(state_dirfd, "exec.fifo", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return ward_error_set(err, errno, "open exec.fifo");
	if (write(fd, "0", 1) != 1) {
		(void)close(fd);
		return ward_error_set(err, errno, "write exec.fifo");
	}
	return fd;
}

void
ward_init_main(struct ward_init_args *a)
{
	struct ward_error *err = NULL;
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *state = NULL;
	pid_t host_pid = 0;
	int fifo = -1;

	/* No parent-death signal: after an intermediate joined namespaces our
	 * parent exits at once. Should the runtime die during setup, the next
	 * read of the sync socket sees EOF and we exit. */
	if (init_setup(a, &path, &host_pid, &err) < 0) {
		(void)ward_sync_send_error(a->sync_fd, err);
		_exit(1);
	}
	if (ward_sync_send(a->sync_fd, WARD_SYNC_READY, 0, -1) < 0)
		_exit(1);
	(void)close(a->sync_fd);
	if (a->console_fd >= 0)
		(void)close(a->console_fd);
	fifo = wait_for_start(a->state_dirfd, &err);
	if (fifo < 0)
		goto fail;
	if (!a->process) {
		ward_error_set(&err, EINVAL, "config.json has no process to start");
		goto fail;
	}
	(void)close(a->state_dirfd);
	if (a->spec->hooks[WARD_HOOK_START_CONTAINER].n) {
		state = build_state(a, host_pid, "running");
		if (!state || ward_hooks_run(&a->spec->hooks[WARD_HOOK_START_CONTAINER],
					     "startContainer", state, &err) < 0)
			goto fail;
	}
	(void)ward_process_exec(a->spec, a->process, path, a->preserve_fds, fifo,
				 a->spec->seccomp && ward_seccomp_wants_listener(a->spec->seccomp), &err);
fail:
	fprintf(stderr, "ward-oci: container '%s': %s\n", a->id,
		err && err->msg ? err->msg : "setup failed");
	_exit(err && err->kind == WARD_E_NOTFOUND ? 127 : 126);
}
