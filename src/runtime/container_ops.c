/* SPDX-License-Identifier: Apache-2.0 */
/* kill, delete, pause, resume, update, ps: verbs on an existing container. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>

#include "internal.h"

#define KILL_WAIT_MS 10000
#define CGROUP_EMPTY_WAIT_MS 5000

static int
load_with_status(const struct ward_runtime *rt, const char *id, struct ward_state **ret,
		 enum ward_status *ret_status, struct ward_error **err)
{
	int r = ward_state_load(rt, id, ret, err);

	if (r < 0)
		return r;
	r = ward_state_status(*ret, ret_status, err);
	if (r < 0) {
		ward_state_free(*ret);
		*ret = NULL;
	}
	return r;
}

static int
signal_pidfd(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* Signal every process in the container's cgroup (kill --all, delete). */
static int
signal_all(const struct ward_state *st, int sig, struct ward_error **err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r;

	if (!st->cgroup)
		return 0;
	r = ward_cgroup_pids(st->cgroup, &pids, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		/* pidfd first so a pid recycled meanwhile is not hit. */
		int fd = (int)syscall(SYS_pidfd_open, pids[i], 0);
		if (fd < 0)
			continue;
		(void)signal_pidfd(fd, sig);
		(void)close(fd);
	}
	return 0;
}

int
ward_container_kill(const struct ward_runtime *rt, const char *id, int sig, bool all,
		    struct ward_error **err)
{
	_cleanup_(ward_state_freep) struct ward_state *st = NULL;
	_cleanup_close_ int pidfd = -1;
	enum ward_status status;
	int r;

	if ((r = load_with_status(rt, id, &st, &status, err)) < 0)
		return ward_error_wrap(err, "kill");
	if (status == WARD_STATUS_STOPPED && !all)
		return ward_error_setk(err, WARD_E_STATE, 0, "kill '%s': container not running", id);
	if (all && (r = signal_all(st, sig, err)) < 0)
		return ward_error_wrap(err, "kill '%s'", id);
	if (status == WARD_STATUS_STOPPED)
		return 0;
	pidfd = ward_state_pidfd(st, err);
	if (pidfd < 0) {
		/* Died since we looked: with --all that is what was asked. */
		if (all) {
			ward_error_freep(err);
			return 0;
		}
		return ward_error_wrap(err, "kill");
	}
	if (signal_pidfd(pidfd, sig) < 0 && errno != ESRCH)
		return ward_error_set(err, errno, "kill '%s': signal %d", id, sig);
	/* A frozen process cannot die until thawed. */
	if (sig == SIGKILL && status == WARD_STATUS_PAUSED)
		(void)ward_cgroup_freeze(st->cgroup, false, NULL);
	return 0;
}

static int
wait_pidfd_exit(int pidfd, long timeout_ms)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int r;

	do
		r = poll(&p, 1, (int)timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -ETIMEDOUT;
}

static int
wait_cgroup_empty(const struct ward_state *st)
{
	long deadline = ward_now_ms() + CGROUP_EMPTY_WAIT_MS;

	while (st->cgroup && ward_now_ms() < deadline) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		if (ward_cgroup_pids(st->cgroup, &pids, &n, NULL) < 0 || n == 0)
			return 0;
		(void)signal_all(st, SIGKILL, NULL);
		usleep(2000);
	}
	return -EBUSY;
}

static void
run_poststop(const struct ward_runtime *rt, const struct ward_state *st)
{
	struct ward_spec *spec = NULL;
	_cleanup_free_ char *s = NULL;

	if (ward_spec_load_flags(st->dirfd, WARD_SPEC_NO_SECCOMP, &spec, NULL) < 0)
		return;
	s = ward_state_oci_string(st, WARD_STATUS_STOPPED);
	if (s)
		ward_hooks_run_warn(&spec->hooks[WARD_HOOK_POSTSTOP], "poststop", s, &rt->log,
				    st->id);
	ward_spec_free(spec);
}

static int
destroy(const struct ward_runtime *rt, struct ward_state *st, struct ward_error **err)
{
	int r;

	if (st->cgroup) {
		if (wait_cgroup_empty(st) < 0)
			return ward_error_set(err, EBUSY,
					      "processes of container '%s' did not exit", st->id);
		/* v1 freezer: a frozen, empty cgroup can't always be removed. */
		(void)ward_cgroup_freeze(st->cgroup, false, NULL);
		r = ward_cgroup_destroy(st->cgroup, err);
		if (r < 0)
			return ward_error_wrap(err, "remove the cgroup of '%s'", st->id);
	}
	r = ward_mounts_release_host_rootfs(st->rootfs, st->rootfs_mount_id, err);
	if (r < 0)
		return ward_error_wrap(err, "delete '%s'", st->id);
	run_poststop(rt, st);
	return ward_state_remove(rt, st->id, err);
}

static int
kill_and_wait(struct ward_state *st, enum ward_status status, struct ward_error **err)
{
	_cleanup_close_ int pidfd = ward_state_pidfd(st, NULL);

	(void)signal_all(st, SIGKILL, NULL);
	if (pidfd < 0)
		return 0;
	(void)signal_pidfd(pidfd, SIGKILL);
	if (status == WARD_STATUS_PAUSED)
		(void)ward_cgroup_freeze(st->cgroup, false, NULL);
	if (wait_pidfd_exit(pidfd, KILL_WAIT_MS) < 0)
		return ward_error_set(err, ETIMEDOUT, "container '%s' did not die after SIGKILL",
				      st->id);
	return 0;
}

int
ward_container_delete(const struct ward_runtime *rt, const char *id, bool force,
		      struct ward_error **err)
{
	_cleanup_(ward_state_freep) struct ward_state *st = NULL;
	enum ward_status status;
	int r;

	r = load_with_status(rt, id, &st, &status, err);
	if (r < 0) {
		/* --force on a half-made or unknown container: remove what is
		 * there and succeed, as runc does. */
		if (force && err && *err && (*err)->kind == WARD_E_NOTFOUND) {
			ward_error_freep(err);
			return 0;
		}
		if (force && ward_container_check_id(id, NULL) == 0) {
			ward_error_freep(err);
			return ward_state_remove(rt, id, err);
		}
		return ward_error_wrap(err, "delete");
	}
	switch (status) {
	case WARD_STATUS_STOPPED:
		break;
	case WARD_STATUS_CREATED:
	case WARD_STATUS_CREATING:
		if ((r = kill_and_wait(st, status, err)) < 0)
			return ward_error_wrap(err, "delete");
		break;
	case WARD_STATUS_RUNNING:
	case WARD_STATUS_PAUSED:
		if (!force)
			return ward_error_setk(err, WARD_E_STATE, 0,
					       "delete '%s': the container is %s; stop it first or "
					       "use --force",
					       id, ward_status_name(status));
		if ((r = kill_and_wait(st, status, err)) < 0)
			return ward_error_wrap(err, "delete");
		break;
	}
	r = destroy(rt, st, err);
	if (r == 0)
		ward_log_write(&rt->log, WARD_LOG_DEBUG, "delete '%s': removed", id);
	return r < 0 ? ward_error_wrap(err, "delete") : 0;
}

int
ward_container_pause(const struct ward_runtime *rt, const char *id, struct ward_error **err)
{
	_cleanup_(ward_state_freep) struct ward_state *st = NULL;
	enum ward_status status;
	int r;

	if ((r = load_with_status(rt, id, &st, &status, err)) < 0)
		return ward_error_wrap(err, "pause");
	if (status != WARD_STATUS_RUNNING && status != WARD_STATUS_CREATED)
		return ward_error_setk(err, WARD_E_STATE, 0, "pause '%s': the container is %s", id,
				       ward_status_name(status));
	if (!st->cgroup)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, 0, "pause '%s': no cgroup", id);
	r = ward_cgroup_freeze(st->cgroup, true, err);
	return r < 0 ? ward_error_wrap(err, "pause '%s'", id) : 0;
}

int
ward_container_resume(const struct ward_runtime *rt, const char *id, struct ward_error **err)
{
	_cleanup_(ward_state_freep) struct ward_state *st = NULL;
	enum ward_status status;
	int r;

	if ((r = load_with_status(rt, id, &st, &status, err)) < 0)
		return ward_error_wrap(err, "resume");
	if (status != WARD_STATUS_PAUSED)
		return ward_error_setk(err, WARD_E_STATE, 0, "resume '%s': the container is %s, not "
				       "paused", id, ward_status_name(status));
	r = ward_cgroup_freeze(st->cgroup, false, err);
	return r < 0 ? ward_error_wrap(err, "resume '%s'", id) : 0;
}

int
ward_container_pids(const struct ward_runtime *rt, const char *id, pid_t **ret, size_t *ret_n,
		    struct ward_error **err)
{
	_cleanup_(ward_state_freep) struct ward_state *st = NULL;
	enum ward_status status;
	int r;

	if ((r = load_with_status(rt, id, &st, &status, err)) < 0)
		return ward_error_wrap(err, "ps");
	if (!st->cgroup) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	r = ward_cgroup_pids(st->cgroup, ret, ret_n, err);
	return r < 0 ? ward_error_wrap(err, "ps '%s'", id) : 0;
}

int
ward_container_update(const struct ward_runtime *rt, const char *id, json_t *resources,
		      struct ward_error **err)
{
	_cleanup_(ward_state_freep) struct ward_state *st = NULL;
	struct ward_cgroup_resources *res = NULL;
	enum ward_status status;
	int r;

	if ((r = load_with_status(rt, id, &st, &status, err)) < 0)
		return ward_error_wrap(err, "update");
	if (status == WARD_STATUS_STOPPED)
		return ward_error_setk(err, WARD_E_STATE, 0, "update '%s': container not running",
				       id);
	r = ward_cgroup_resources_parse(resources, "resources", &res, err);
	if (r < 0)
		return ward_error_wrap(err, "update '%s'", id);
	r = ward_cgroup_update(st->cgroup, res, err);
	ward_cgroup_resources_free(res);
	return r < 0 ? ward_error_wrap(err, "update '%s'", id) : 0;
}

int
ward_container_stats(const struct ward_runtime *rt, const char *id, json_t **ret,
		     struct ward_error **err)
{
	_cleanup_(ward_state_freep) struct ward_state *st = NULL;
	enum ward_status status;
	int r;

	if ((r = load_with_status(rt, id, &st, &status, err)) < 0)
		return ward_error_wrap(err, "events");
	if (!st->cgroup)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, 0, "events '%s': no cgroup", id);
	*ret = ward_cgroup_stats(st->cgroup);
	return *ret ? 0 : ward_error_set(err, ENOMEM, "stats");
}

int
ward_container_spec(const struct ward_runtime *rt, const char *id, struct ward_spec **ret,
		    struct ward_error **err)
{
	_cleanup_(ward_state_freep) struct ward_state *st = NULL;
	int r = ward_state_load(rt, id, &st, err);

	if (r < 0)
		return r;
	return ward_spec_load(st->dirfd, ret, err);
}

int
ward_container_config_json(const struct ward_runtime *rt, const char *id, json_t **ret,
			   struct ward_error **err)
{
	_cleanup_(ward_state_freep) struct ward_state *st = NULL;
	int r = ward_state_load(rt, id, &st, err);

	if (r < 0)
		return r;
	return ward_json_load_file(st->dirfd, "config.json", WARD_SPEC_MAX_SIZE, ret, err);
}
