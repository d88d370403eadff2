/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container state under --root: one directory per id holding state.json,
 * config.json (as it was at create) and, until start, exec.fifo.
 * Status is derived, never stored: a process that died is "stopped" no
 * matter what the file says.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "internal.h"

#define STATE_MAX (1u << 20)

static const char *const status_names[] = {
	[WARD_STATUS_CREATING] = "creating", [WARD_STATUS_CREATED] = "created",
	[WARD_STATUS_RUNNING] = "running",   [WARD_STATUS_PAUSED] = "paused",
	[WARD_STATUS_STOPPED] = "stopped",
};

const char *
ward_status_name(enum ward_status s)
{
	return status_names[s];
}

int
ward_state_open_root(const struct ward_runtime *rt, bool create, struct ward_error **err)
{
	int fd;

	if (create) {
		int r = ward_fs_mkdir_p(rt->state_root, 0711, err);
		if (r < 0)
			return ward_error_wrap(err, "state root");
	}
	fd = open(rt->state_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ward_error_set(err, errno, "open state root '%s'", rt->state_root);
	return fd;
}

void
ward_state_free(struct ward_state *st)
{
	if (!st)
		return;
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->owner);
	json_decref(st->annotations);
	ward_cgroup_free(st->cgroup);
	if (st->dirfd >= 0)
		(void)close(st->dirfd);
	free(st);
}

int
ward_proc_start_time(pid_t pid, unsigned long long *ret)
{
	char path[64], buf[1024];
	_cleanup_close_ int fd = -1;
	ssize_t n;
	char *p;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* comm may contain spaces and parentheses: fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	if (p[1] == ' ' && p[2] == 'Z')
		return -ESRCH; /* a zombie has exited */
	for (field = 2, p++; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field != 22 || sscanf(p, "%20llu", ret) != 1)
		return -EIO;
	return 0;
}

static int
dup_member(json_t *o, const char *key, char **ret, struct ward_error **err)
{
	return ward_json_dup_string(o, "state.json", key, ret, err);
}

int
ward_state_load(const struct ward_runtime *rt, const char *id, struct ward_state **ret,
		struct ward_error **err)
{
	_cleanup_close_ int rootfd = -1;
	_cleanup_(ward_state_freep) struct ward_state *st = NULL;
	json_t *j = NULL, *cg = NULL;
	int64_t pid = 0, start = 0;
	int r;

	r = ward_container_check_id(id, err);
	if (r < 0)
		return r;
	rootfd = open(rt->state_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 && errno == ENOENT)
		return ward_error_setk(err, WARD_E_NOTFOUND, ENOENT, "container '%s' does not exist",
				       id);
	if (rootfd < 0)
		return ward_error_set(err, errno, "open state root '%s'", rt->state_root);
	st = calloc(1, sizeof(*st));
	if (!st)
		return ward_error_set(err, ENOMEM, "load state");
	st->dirfd = openat(rootfd, id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (st->dirfd < 0 && errno == ENOENT)
		return ward_error_setk(err, WARD_E_NOTFOUND, ENOENT, "container '%s' does not exist",
				       id);
	if (st->dirfd < 0)
		return ward_error_set(err, errno, "open state of '%s'", id);
	r = ward_json_load_file(st->dirfd, "state.json", STATE_MAX, &j, err);
	if (r < 0)
		return ward_error_wrap(err, "container '%s'", id);
	if (!json_is_object(j)) {
		json_decref(j);
		return ward_error_set(err, EINVAL, "container '%s': state.json is not an object",
				      id);
	}
	if (dup_member(j, "id", &st->id, err) < 0 || dup_member(j, "bundle", &st->bundle, err) < 0 ||
	    dup_member(j, "rootfs", &st->rootfs, err) < 0 ||
	    dup_member(j, "created", &st->created, err) < 0 ||
	    dup_member(j, "owner", &st->owner, err) < 0 ||
	    ward_json_get_range(j, "state.json", "pid", 0, INT32_MAX, &pid, err) < 0 ||
	    ward_json_get_range(j, "state.json", "pid_start_time", 0, INT64_MAX, &start, err) < 0 ||
	    ward_json_get_object(j, "state.json", "cgroup", &cg, err) < 0 ||
	    ward_json_get_uint64(j, "state.json", "rootfs_mount_id", &st->rootfs_mount_id,
				 err) < 0 ||
	    ward_json_get_bool(j, "state.json", "no_process", &st->no_process, err) < 0)
		goto fail;
	st->pid = (pid_t)pid;
	st->start_time = (unsigned long long)start;
	st->annotations = json_incref(json_object_get(j, "annotations"));
	if (cg && ward_cgroup_from_json(cg, &st->cgroup, err) < 0)
		goto fail;
	if (!st->id || strcmp(st->id, id) != 0) {
		ward_error_set(err, EINVAL, "container '%s': state.json names another id", id);
		goto fail;
	}
	json_decref(j);
	*ret = TAKE_PTR(st);
	return 0;
fail:
	json_decref(j);
	return ward_error_wrap(err, "container '%s'", id);
}

int
ward_state_save(const struct ward_state *st, struct ward_error **err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dfd = -1;
	json_t *j;
	char path[64];

	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "ociVersion", WARD_OCI_VERSION,
		      "id", st->id, "bundle", st->bundle ? st->bundle : "", "rootfs",
		      st->rootfs ? st->rootfs : "", "created", st->created ? st->created : "",
		      "pid", (json_int_t)st->pid, "pid_start_time", (json_int_t)st->start_time,
		      "owner", st->owner ? st->owner : "");
	if (!j)
		return ward_error_set(err, ENOMEM, "save state");
	if (st->annotations)
		json_object_set(j, "annotations", st->annotations);
	if (st->cgroup)
		json_object_set_new(j, "cgroup", ward_cgroup_to_json(st->cgroup));
	if (st->no_process)
		json_object_set_new(j, "no_process", json_true());
	if (st->rootfs_mount_id)
		json_object_set_new(j, "rootfs_mount_id",
				    json_integer((json_int_t)st->rootfs_mount_id));
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text)
		return ward_error_set(err, ENOMEM, "save state");
	/* st->dirfd is O_PATH; reopen it as a real directory for *at calls. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", st->dirfd);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return ward_error_set(err, errno, "open state directory of '%s'", st->id);
	return ward_fs_write_replace(dfd, "state.json", text, strlen(text), 0600, err);
}

int
ward_state_pidfd(const struct ward_state *st, struct ward_error **err)
{
	unsigned long long now = 0;
	int fd;

	if (st->pid <= 0)
		return ward_error_setk(err, WARD_E_STATE, ESRCH, "container '%s' has no process",
				       st->id);
	fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (fd < 0)
		return ward_error_setk(err, WARD_E_STATE, ESRCH, "container '%s' is not running",
				       st->id);
	/* Verify after opening the pidfd: if the start time still matches, the
	 * pidfd refers to our process and can't be recycled any more. */
	if (ward_proc_start_time(st->pid, &now) < 0 || now != st->start_time) {
		(void)close(fd);
		return ward_error_setk(err, WARD_E_STATE, ESRCH, "container '%s' is not running",
				       st->id);
	}
	return fd;
}

int
ward_state_status(const struct ward_state *st, enum ward_status *ret, struct ward_error **err)
{
	unsigned long long now = 0;
	struct stat sb;
	int r;

	if (st->pid <= 0) {
		*ret = WARD_STATUS_CREATING;
		return 0;
	}
	if (ward_proc_start_time(st->pid, &now) < 0 || now != st->start_time) {
		*ret = WARD_STATUS_STOPPED;
		return 0;
	}
	if (fstatat(st->dirfd, "exec.fifo", &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		*ret = WARD_STATUS_CREATED;
		return 0;
	}
	if (st->cgroup) {
		r = ward_cgroup_is_frozen(st->cgroup, err);
		if (r < 0)
			return r;
		if (r > 0) {
			*ret = WARD_STATUS_PAUSED;
			return 0;
		}
	}
	*ret = WARD_STATUS_RUNNING;
	return 0;
}

json_t *
ward_state_oci_json(const struct ward_state *st, enum ward_status status)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "ociVersion", WARD_OCI_VERSION, "id", st->id,
			      "status", ward_status_name(status), "bundle",
			      st->bundle ? st->bundle : "");

	if (!j)
		return NULL;
	if (status != WARD_STATUS_STOPPED && st->pid > 0)
		json_object_set_new(j, "pid", json_integer(st->pid));
	else
		json_object_set_new(j, "pid", json_integer(0));
	json_object_set_new(j, "annotations",
			    st->annotations ? json_incref(st->annotations) : json_object());
	return j;
}

char *
ward_state_oci_string(const struct ward_state *st, enum ward_status status)
{
	json_t *j = ward_state_oci_json(st, status);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	return s;
}

int
ward_state_remove(const struct ward_runtime *rt, const char *id, struct ward_error **err)
{
	_cleanup_close_ int rootfd = open(rt->state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (rootfd < 0)
		return ward_error_set(err, errno, "open state root '%s'", rt->state_root);
	return ward_fs_remove_tree(rootfd, id, err);
}

int
ward_container_check_id(const char *id, struct ward_error **err)
{
	size_t n = id ? strlen(id) : 0;

	/* The id names a directory under --root and a cgroup: no '/', no
	 * leading '.', so "../x" can never leave the state root. */
	if (n == 0)
		return ward_error_set(err, EINVAL, "container id: must not be empty");
	if (n > WARD_ID_MAX)
		return ward_error_set(err, EINVAL, "container id: longer than %d bytes", WARD_ID_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (alnum || (i > 0 && strchr("_+.-", c)))
			continue;
		return ward_error_set(err, EINVAL,
				      "container id '%.64s': only letters, digits and _+.- are "
				      "allowed, starting with a letter or digit",
				      id);
	}
	return 0;
}

/* --pid-file: replaced atomically, so a reader never sees a partial pid. */
int
ward_write_pid_file(const char *path, pid_t pid, struct ward_error **err)
{
	char buf[32], dir[PATH_MAX];
	_cleanup_close_ int dfd = -1;
	const char *slash = strrchr(path, '/');
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return ward_error_set(err, errno, "pid file '%s'", path);
	return ward_fs_write_replace(dfd, slash ? slash + 1 : path, buf, (size_t)n, 0644, err);
}

