/* SPDX-License-Identifier: Apache-2.0 */
/* OCI hooks: each runs with the container state on stdin and a timeout. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "internal.h"

static __attribute__((noreturn)) void
hook_child(const struct ward_hook *h, int stdin_fd)
{
	char *default_argv[] = {h->path, NULL};
	char *empty_env[] = {NULL};

	if (dup2(stdin_fd, 0) < 0)
		_exit(127);
	/* The spec: args and env follow execv semantics; args[0] is argv[0]. */
	execve(h->path, h->args && h->args[0] ? h->args : default_argv,
	       h->env ? h->env : empty_env);
	fprintf(stderr, "hook '%s': %s\n", h->path, strerror(errno));
	_exit(127);
}

/* Wait for pid with an optional deadline; kills it on timeout. */
static int
wait_hook(pid_t pid, int pidfd, int64_t timeout, int *status, const char *path,
	  struct ward_error **err)
{
	long deadline = timeout > 0 ? ward_now_ms() + timeout * 1000 : 0;

	for (;;) {
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
		int wait_ms = -1, r;

		if (deadline) {
			long left = deadline - ward_now_ms();
			if (left <= 0) {
				(void)kill(pid, SIGKILL);
				(void)waitpid(pid, status, 0);
				return ward_error_setk(err, WARD_E_SYSTEM, ETIMEDOUT,
						       "hook '%s' timed out after %lld s", path,
						       (long long)timeout);
			}
			wait_ms = (int)left;
		}
		r = poll(&pfd, 1, wait_ms);
		if (r < 0 && errno != EINTR)
			return ward_error_set(err, errno, "wait for hook '%s'", path);
		if (r > 0) {
			if (waitpid(pid, status, 0) < 0)
				return ward_error_set(err, errno, "wait for hook '%s'", path);
			return 0;
		}
	}
}

static int
run_one(const struct ward_hook *h, const char *kind_name, const char *state_json,
	struct ward_error **err)
{
	int pipefd[2];
	_cleanup_close_ int pidfd = -1;
	pid_t pid;
	int status = 0, r;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return ward_error_set(err, errno, "%s hook '%s': pipe", kind_name, h->path);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		(void)close(pipefd[0]);
		(void)close(pipefd[1]);
		return ward_error_set(err, -r, "%s hook '%s': fork", kind_name, h->path);
	}
	if (pid == 0)
		hook_child(h, pipefd[0]);
	(void)close(pipefd[0]);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	/* A hook that does not read its stdin must not block us: ignore EPIPE
	 * and write what fits (state JSON is small, far below a pipe buffer). */
	(void)ward_fs_write_all(pipefd[1], state_json, strlen(state_json));
	(void)close(pipefd[1]);
	if (pidfd < 0) {
		if (waitpid(pid, &status, 0) < 0)
			return ward_error_set(err, errno, "%s hook '%s': wait", kind_name, h->path);
	} else {
		r = wait_hook(pid, pidfd, h->timeout, &status, h->path, err);
		if (r < 0)
			return ward_error_wrap(err, "%s hook", kind_name);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		return ward_error_set(err, ECANCELED, "%s hook '%s' killed by signal %d", kind_name,
				      h->path, WTERMSIG(status));
	return ward_error_set(err, ECANCELED, "%s hook '%s' exited with status %d", kind_name,
			      h->path, WEXITSTATUS(status));
}

int
ward_hooks_run(const struct ward_hook_list *hooks, const char *kind_name, const char *state_json,
	       struct ward_error **err)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	int r = 0;

	if (!hooks || hooks->n == 0)
		return 0;
	(void)sigaction(SIGPIPE, &ign, &old);
	for (size_t i = 0; i < hooks->n && r == 0; i++)
		r = run_one(&hooks->v[i], kind_name, state_json, err);
	(void)sigaction(SIGPIPE, &old, NULL);
	return r;
}

void
ward_hooks_run_warn(const struct ward_hook_list *hooks, const char *kind_name,
		    const char *state_json, const struct ward_log *log, const char *id)
{
	/* poststart and poststop: a failing hook is logged and the others
	 * still run (the spec's "as if the hook had succeeded"). */
	for (size_t i = 0; hooks && i < hooks->n; i++) {
		struct ward_hook_list one = {.v = &hooks->v[i], .n = 1};
		struct ward_error *e = NULL;

		if (ward_hooks_run(&one, kind_name, state_json, &e) < 0)
			ward_log_write(log, WARD_LOG_WARNING, "container '%s': %s", id, e->msg);
		ward_error_free(e);
	}
}
