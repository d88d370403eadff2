/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's filesystem, set up in its own mount namespace before
 * pivot_root. Every destination is resolved inside the rootfs with
 * openat2(RESOLVE_IN_ROOT) and mounted through the resulting fd
 * (/proc/self/fd/N), so a symlink planted in the image can never send a
 * mount to the host (runc CVE-2021-30465) and there is no window between
 * the check and the mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "internal.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

#define MOUNTINFO_MAX (4u << 20)

static void
fd_path(char buf[static 32], int fd)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

/* ---- rootfs ------------------------------------------------------------- */

/* Without a mount namespace the host's "/" must keep its propagation. The
 * rootfs bound onto itself and made private is the one mount we add to the
 * runtime's table: everything the config mounts lands under it, nothing
 * propagates out, and delete detaches it all at once. */
static int
prepare_host_rootfs(struct ward_mount_ctx *m, struct ward_error **err)
{
	if (mount(m->rootfs, m->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return ward_error_set(err, errno, "bind the rootfs '%s' onto itself", m->rootfs);
	if (mount(NULL, m->rootfs, NULL, MS_PRIVATE | MS_REC, NULL) < 0)
		return ward_error_set(err, errno, "make the rootfs '%s' private", m->rootfs);
	m->rootfs_fd = open(m->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (m->rootfs_fd < 0)
		return ward_error_set(err, errno, "open rootfs '%s'", m->rootfs);
	return 0;
}

uint64_t
ward_mount_id_at(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0 ||
	    !(stx.stx_mask & STATX_MNT_ID))
		return 0;
	return stx.stx_mnt_id;
}

int
ward_mounts_release_host_rootfs(const char *rootfs, uint64_t before, struct ward_error **err)
{
	uint64_t now;

	if (!before || !rootfs || !*rootfs)
		return 0;
	now = ward_mount_id_at(rootfs);
	if (!now || now == before)
		return 0;
	if (umount2(rootfs, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		return ward_error_set(err, errno, "detach the container's mounts at '%s'", rootfs);
	return 0;
}

int
ward_mounts_prepare_rootfs(struct ward_mount_ctx *m, struct ward_error **err)
{
	unsigned long prop = m->spec->rootfs_propagation;

	if (m->host_mountns)
		return prepare_host_rootfs(m, err);
	/* Keep host mount events flowing in but never ours out (rslave), unless
	 * the config asks for something else. */
	if (!prop || (prop & (MS_SHARED | MS_UNBINDABLE)))
		prop = MS_SLAVE | MS_REC;
	/* Never shared here, so no parent of the rootfs is shared either, which
	 * is what pivot_root requires. A requested shared propagation is set on
	 * the new root after the pivot. */
	if (mount(NULL, "/", NULL, prop | MS_REC, NULL) < 0)
		return ward_error_set(err, errno, "set propagation of /");
	if (mount(m->rootfs, m->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return ward_error_set(err, errno, "bind the rootfs '%s' onto itself", m->rootfs);
	m->rootfs_fd = open(m->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (m->rootfs_fd < 0)
		return ward_error_set(err, errno, "open rootfs '%s'", m->rootfs);
	return 0;
}

/* ---- creating destinations ---------------------------------------------- */

static int
split_parent(const char *path, char *parent, size_t size, const char **ret_base)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash || !slash[1])
		return -EINVAL;
	n = (size_t)(slash - path);
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(parent, path, n);
	parent[n] = '\0';
	if (n == 0)
		strcpy(parent, "/");
	*ret_base = slash + 1;
	return 0;
}

/* Create (if needed) and open dest in the rootfs as a directory or a file. */
static int
open_destination(int rootfd, const char *dest, bool as_dir, bool no_symlinks,
		 struct ward_error **err)
{
	char parent[PATH_MAX];
	const char *base = NULL;
	_cleanup_close_ int pfd = -1;
	int fd;

	if (as_dir) {
		fd = ward_fs_mkdir_in_root(rootfd, dest, 0755, err);
	} else {
		if (split_parent(dest, parent, sizeof(parent), &base) < 0)
			return ward_error_set(err, EINVAL, "invalid destination '%s'", dest);
		pfd = ward_fs_mkdir_in_root(rootfd, parent, 0755, err);
		if (pfd < 0)
			return pfd;
		/* Create the file through the parent we just resolved; O_NOFOLLOW
		 * in open_in_root's RESOLVE_IN_ROOT keeps a dangling symlink in
		 * the image from creating a file on the host. */
		fd = ward_fs_open_in_root(pfd, base, O_RDONLY | O_CREAT | O_NOFOLLOW, 0644, err);
		if (fd < 0 && errno == ELOOP)
			fd = ward_fs_open_in_root(pfd, base, O_PATH, 0, err);
		else if (fd >= 0) {
			int pathfd = ward_fs_open_in_root(pfd, base, O_PATH, 0, err);
			(void)close(fd);
			fd = pathfd;
		}
	}
	if (fd < 0)
		return fd;
	if (no_symlinks) {
		/* procfs and sysfs must land exactly where named: a /proc symlink
		 * in an image would otherwise move the kernel's view (and the
		 * maskedPaths over it) somewhere the config did not intend
		 * (runc CVE-2019-19921 class). */
		struct open_how how = {.flags = O_PATH | O_CLOEXEC,
				       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS};
		long chk = syscall(SYS_openat2, rootfd, dest, &how, sizeof(how));
		if (chk < 0) {
			(void)close(fd);
			return ward_error_set(err, errno == ELOOP ? EPERM : errno,
					      "destination '%s' must not be a symlink in the rootfs",
					      dest);
		}
		(void)close((int)chk);
	}
	return fd;
}

/* ---- mounting ----------------------------------------------------------- */

static unsigned long
locked_flags(const char *target)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(target, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static int
remount_bind(const char *target, unsigned long flags, const char *dest, struct ward_error **err)
{
	unsigned long want = MS_BIND | MS_REMOUNT | (flags & ~(MS_REC | MS_BIND | MS_REMOUNT));

	if (mount(NULL, target, NULL, want, NULL) == 0)
		return 0;
	/* In a user namespace the kernel locks flags inherited from the
	 * source; keep those and retry rather than failing. */
	if (errno == EPERM && mount(NULL, target, NULL, want | locked_flags(target), NULL) == 0)
		return 0;
	return ward_error_set(err, errno, "remount '%s' with its options", dest);
}

static int
set_recursive_readonly(int fd, const char *dest, struct ward_error **err)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};

	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) <
	    0)
		return ward_error_set(err, errno, "make '%s' recursively read-only", dest);
	return 0;
}

static bool
is_dev_bind(const struct ward_spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (strcmp(s->mounts[i].destination, "/dev") == 0)
			return s->mounts[i].bind;
	return false;
}

static int reopen_destination(int rootfd, const char *dest, struct ward_error **err);

static int
mount_bind(struct ward_mount_ctx *m, const struct ward_mount *mt, struct ward_error **err)
{
	_cleanup_close_ int fd = -1, mfd = -1;
	char target[32];
	struct stat st;

	if (stat(mt->source, &st) < 0)
		return ward_error_set(err, errno, "bind source '%s'", mt->source);
	fd = open_destination(m->rootfs_fd, mt->destination, S_ISDIR(st.st_mode), false, err);
	if (fd < 0)
		return fd;
	fd_path(target, fd);
	if (mount(mt->source, target, NULL, MS_BIND | (mt->recursive ? MS_REC : 0), NULL) < 0)
		return ward_error_set(err, errno, "bind '%s' on '%s'", mt->source, mt->destination);
	mfd = reopen_destination(m->rootfs_fd, mt->destination, err);
	if (mfd < 0)
		return mfd;
	fd_path(target, mfd);
	if ((mt->flags & ~(MS_REC | MS_BIND)) && remount_bind(target, mt->flags, mt->destination, err) < 0)
		return -EIO;
	if (mt->rro && set_recursive_readonly(mfd, mt->destination, err) < 0)
		return -EIO;
	return 0;
}

static int
reopen_destination(int rootfd, const char *dest, struct ward_error **err)
{
	return ward_fs_open_in_root(rootfd, dest, O_PATH, 0, err);
}

/* ---- cgroup filesystem inside the container ----------------------------- */

struct cgroup_hier {
	char mountpoint[PATH_MAX];
	char opts[256]; /* super options: "cpu" or "name=systemd" or "" for cgroup2 */
	bool v2;
};

static int
host_cgroup_hierarchies(struct cgroup_hier *out, size_t max, size_t *ret_n,
			struct ward_error **err)
{
	_cleanup_free_ char *info = NULL;
	char *line, *save = NULL;
	size_t n = 0;
	int r;

	r = ward_fs_read_all(AT_FDCWD, "/proc/self/mountinfo", MOUNTINFO_MAX, &info, NULL, err);
	if (r < 0)
		return r;
	for (line = strtok_r(info, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		char mp[PATH_MAX], fstype[32], super[512];
		const char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*d %*d %*s %*s %4095s", mp) != 1 ||
		    sscanf(sep + 3, "%31s %*s %511s", fstype, super) != 2)
			continue;
		if (!ward_str_has_prefix(mp, "/sys/fs/cgroup"))
			continue;
		if (strcmp(fstype, "cgroup2") == 0) {
			out[n].v2 = true;
			out[n].opts[0] = '\0';
		} else if (strcmp(fstype, "cgroup") == 0) {
			/* Keep only controller names and name=..., drop rw etc. */
			char *tok, *s2 = NULL;
			out[n].v2 = false;
			out[n].opts[0] = '\0';
			for (tok = strtok_r(super, ",", &s2); tok; tok = strtok_r(NULL, ",", &s2)) {
				if (!strcmp(tok, "rw") || !strcmp(tok, "ro") || !strcmp(tok, "relatime"))
					continue;
				if (strlen(out[n].opts) + strlen(tok) + 2 > sizeof(out[n].opts))
					break;
				if (out[n].opts[0])
					strcat(out[n].opts, ",");
				strcat(out[n].opts, tok);
			}
		} else {
			continue;
		}
		snprintf(out[n].mountpoint, sizeof(out[n].mountpoint), "%s", mp);
		n++;
	}
	*ret_n = n;
	return 0;
}

/* Our own cgroup path in the hierarchy with these options, from /proc/self/cgroup. */
static int
own_cgroup_path(const struct cgroup_hier *h, char *out, size_t size)
{
	_cleanup_free_ char *buf = NULL;
	char *line, *save = NULL;

	if (ward_fs_read_all(AT_FDCWD, "/proc/self/cgroup", 1 << 20, &buf, NULL, NULL) < 0)
		return -EIO;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		if ((h->v2 && c1[1] == '\0') || (!h->v2 && strcmp(c1 + 1, h->opts) == 0)) {
			snprintf(out, size, "%s", c2 + 1);
			return 0;
		}
	}
	return -ENOENT;
}

/* Without a cgroup namespace: bind only the container's own subtree of the
 * host's hierarchy h onto dirfd/name (the O_PATH fd is that directory). */
static int
bind_own_cgroup(int dirfd, const char *name, int fd, const char *dest,
		const struct cgroup_hier *h, unsigned long flags, struct ward_error **err)
{
	char sub[PATH_MAX], target[32], src[PATH_MAX * 2];

	if (own_cgroup_path(h, sub, sizeof(sub)) < 0)
		snprintf(sub, sizeof(sub), "/");
	snprintf(src, sizeof(src), "%s%s", h->mountpoint, sub);
	fd_path(target, fd);
	if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return ward_error_set(err, errno, "bind cgroup '%s' at %s", src, dest);
	if (flags & MS_RDONLY) {
		/* Reopened: fd is the directory under the new mount. */
		_cleanup_close_ int mfd = ward_fs_open_in_root(dirfd, name, O_PATH, 0, err);
		if (mfd < 0)
			return mfd;
		fd_path(target, mfd);
		return remount_bind(target, flags | MS_RDONLY, dest, err);
	}
	return 0;
}

static int
mount_cgroup_hierarchy(struct ward_mount_ctx *m, int basefd, const char *dest,
		       const struct cgroup_hier *h, unsigned long flags, struct ward_error **err)
{
	const char *name = strrchr(h->mountpoint, '/') + 1;
	char target[32];
	_cleanup_close_ int fd = -1;
	int r;

	if (mkdirat(basefd, name, 0755) < 0 && errno != EEXIST)
		return ward_error_set(err, errno, "mkdir %s/%s", dest, name);
	fd = ward_fs_open_in_root(basefd, name, O_PATH | O_DIRECTORY, 0, err);
	if (fd < 0)
		return fd;
	fd_path(target, fd);
	if (m->new_cgroupns) {
		/* In a fresh cgroup namespace a new mount shows the container's
		 * own cgroup as the root, exactly what it should see. */
		r = mount("cgroup", target, h->v2 ? "cgroup2" : "cgroup", flags,
			  h->v2 ? NULL : h->opts);
		if (r < 0)
			return ward_error_set(err, errno, "mount cgroup '%s' at %s/%s", h->opts, dest,
					      name);
		return 0;
	}
	return bind_own_cgroup(basefd, name, fd, dest, h, flags, err);
}

static int
mount_cgroupfs(struct ward_mount_ctx *m, const struct ward_mount *mt, struct ward_error **err)
{
	struct cgroup_hier hier[32];
	size_t n = 0;
	_cleanup_close_ int fd = -1, basefd = -1;
	char target[32];
	unsigned long flags = mt->flags | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	bool pure_v2;
	int r;

	r = host_cgroup_hierarchies(hier, WARD_ARRAY_SIZE(hier), &n, err);
	if (r < 0)
		return r;
	fd = open_destination(m->rootfs_fd, mt->destination, true, false, err);
	if (fd < 0)
		return fd;
	fd_path(target, fd);
	pure_v2 = n == 1 && hier[0].v2 && strcmp(hier[0].mountpoint, "/sys/fs/cgroup") == 0;
	if (pure_v2) {
		if (m->new_cgroupns) {
			if (mount("cgroup2", target, "cgroup2", flags, NULL) < 0)
				return ward_error_set(err, errno, "mount cgroup2 at '%s'",
						      mt->destination);
			return 0;
		}
		/* The container's own cgroup directory is the whole mount. */
		return bind_own_cgroup(m->rootfs_fd, mt->destination, fd, mt->destination,
				       &hier[0], flags, err);
	}
	/* v1 or hybrid: a tmpfs holding one directory per hierarchy. */
	if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		return ward_error_set(err, errno, "mount tmpfs at '%s'", mt->destination);
	basefd = ward_fs_open_in_root(m->rootfs_fd, mt->destination, O_RDONLY | O_DIRECTORY, 0, err);
	if (basefd < 0)
		return basefd;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(hier[i].mountpoint, "/sys/fs/cgroup") == 0)
			continue;
		r = mount_cgroup_hierarchy(m, basefd, mt->destination, &hier[i], flags, err);
		if (r < 0)
			return r;
	}
	if (flags & MS_RDONLY) {
		_cleanup_close_ int mfd = reopen_destination(m->rootfs_fd, mt->destination, err);
		if (mfd < 0)
			return mfd;
		fd_path(target, mfd);
		if (mount(NULL, target, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "mode=755") < 0)
			return ward_error_set(err, errno, "remount '%s' read-only", mt->destination);
	}
	return 0;
}

/* ---- one mount ---------------------------------------------------------- */

static int
mount_one(struct ward_mount_ctx *m, const struct ward_mount *mt, struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	char target[32];
	bool special;
	int r;

	if (mt->idmap)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
				       "mount '%s': idmapped mounts are not supported yet",
				       mt->destination);
	if (mt->bind)
		r = mount_bind(m, mt, err);
	else if (strcmp(mt->type, "cgroup") == 0 || strcmp(mt->type, "cgroup2") == 0) {
		/* The cgroup filesystem shows our cgroup: wait until we are in it. */
		if (m->before_cgroup && (r = m->before_cgroup(m->data, err)) < 0)
			return r;
		r = mount_cgroupfs(m, mt, err);
	}
	else {
		special = strcmp(mt->type, "proc") == 0 || strcmp(mt->type, "sysfs") == 0;
		fd = open_destination(m->rootfs_fd, mt->destination, true, special, err);
		if (fd < 0)
			return fd;
		fd_path(target, fd);
		r = mount(mt->source ? mt->source : mt->type, target, mt->type,
			  mt->flags & ~MS_REMOUNT, mt->data);
		if (r < 0 && errno == EPERM && m->in_userns && strcmp(mt->type, "sysfs") == 0) {
			/* A user namespace without its own network namespace may
			 * not mount sysfs; bind the host's read-only instead, as
			 * runc's rootless mode does. */
			r = mount("/sys", target, NULL, MS_BIND | MS_REC, NULL);
			if (r == 0) {
				_cleanup_close_ int mfd =
					reopen_destination(m->rootfs_fd, mt->destination, err);
				char t2[32];
				if (mfd < 0)
					return mfd;
				fd_path(t2, mfd);
				r = remount_bind(t2, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
						 mt->destination, err);
				if (r < 0)
					return r;
			}
		}
		if (r < 0)
			return ward_error_set(err, errno, "mount %s on '%s'", mt->type,
					      mt->destination);
		if (mt->rro) {
			_cleanup_close_ int mfd = reopen_destination(m->rootfs_fd, mt->destination, err);
			if (mfd < 0 || set_recursive_readonly(mfd, mt->destination, err) < 0)
				return -EIO;
		}
	}
	if (r < 0)
		return r;
	if (mt->propagation) {
		_cleanup_close_ int mfd = reopen_destination(m->rootfs_fd, mt->destination, err);
		if (mfd < 0)
			return mfd;
		fd_path(target, mfd);
		if (mount(NULL, target, NULL, mt->propagation, NULL) < 0)
			return ward_error_set(err, errno, "set propagation of '%s'", mt->destination);
	}
	return 0;
}

int
ward_mounts_apply(struct ward_mount_ctx *m, struct ward_error **err)
{
	for (size_t i = 0; i < m->spec->n_mounts; i++) {
		int r = mount_one(m, &m->spec->mounts[i], err);
		if (r < 0)
			return ward_error_wrap(err, "mounts[%zu]", i);
	}
	return 0;
}

/* ---- devices ------------------------------------------------------------ */

static const struct ward_device default_devices[] = {
	{.path = "/dev/null", .type = 'c', .major = 1, .minor = 3, .file_mode = 0666},
	{.path = "/dev/zero", .type = 'c', .major = 1, .minor = 5, .file_mode = 0666},
	{.path = "/dev/full", .type = 'c', .major = 1, .minor = 7, .file_mode = 0666},
	{.path = "/dev/tty", .type = 'c', .major = 5, .minor = 0, .file_mode = 0666},
	{.path = "/dev/random", .type = 'c', .major = 1, .minor = 8, .file_mode = 0666},
	{.path = "/dev/urandom", .type = 'c', .major = 1, .minor = 9, .file_mode = 0666},
};

static int
bind_host_device(int pfd, const char *base, const struct ward_device *d, struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	char target[32];

	fd = ward_fs_open_in_root(pfd, base, O_RDONLY | O_CREAT | O_NOFOLLOW, 0644, err);
	if (fd < 0)
		return fd;
	fd_path(target, fd);
	if (mount(d->path, target, NULL, MS_BIND, NULL) < 0)
		return ward_error_set(err, errno, "bind host device '%s'", d->path);
	return 0;
}

static int
create_device(struct ward_mount_ctx *m, const struct ward_device *d, struct ward_error **err)
{
	char parent[PATH_MAX];
	const char *base = NULL;
	_cleanup_close_ int pfd = -1;
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	mode_t mode = d->has_file_mode || d->file_mode ? d->file_mode : 0666;

	if (split_parent(d->path, parent, sizeof(parent), &base) < 0)
		return ward_error_set(err, EINVAL, "device '%s': invalid path", d->path);
	/* The parent is resolved in the rootfs; mknodat below then works on a
	 * plain name in it, so a symlinked /dev cannot place a node on the host. */
	pfd = ward_fs_mkdir_in_root(m->rootfs_fd, parent, 0755, err);
	if (pfd < 0)
		return ward_error_wrap(err, "device '%s'", d->path);
	{
		char pp[32];
		_cleanup_close_ int dirfd = -1;
		fd_path(pp, pfd);
		dirfd = open(pp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0)
			return ward_error_set(err, errno, "device '%s': open parent", d->path);
		(void)unlinkat(dirfd, base, 0);
		if (m->in_userns)
			return bind_host_device(dirfd, base, d, err);
		if (mknodat(dirfd, base, type | (mode & 07777),
			    makedev((unsigned)d->major, (unsigned)d->minor)) < 0)
			return ward_error_set(err, errno, "mknod '%s'", d->path);
		if (fchmodat(dirfd, base, mode & 07777, 0) < 0)
			return ward_error_set(err, errno, "chmod '%s'", d->path);
		if ((d->has_uid || d->has_gid) &&
		    fchownat(dirfd, base, d->has_uid ? d->uid : (uid_t)-1,
			     d->has_gid ? d->gid : (gid_t)-1, AT_SYMLINK_NOFOLLOW) < 0)
			return ward_error_set(err, errno, "chown '%s'", d->path);
	}
	return 0;
}

static int
make_dev_symlinks(struct ward_mount_ctx *m, struct ward_error **err)
{
	static const char *const links[][2] = {
		{"/proc/self/fd", "fd"},          {"/proc/self/fd/0", "stdin"},
		{"/proc/self/fd/1", "stdout"},    {"/proc/self/fd/2", "stderr"},
	};
	_cleanup_close_ int devfd = ward_fs_open_in_root(m->rootfs_fd, "/dev", O_RDONLY | O_DIRECTORY,
							 0, NULL);
	struct stat st;

	if (devfd < 0)
		return 0;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(links); i++)
		if (symlinkat(links[i][0], devfd, links[i][1]) < 0 && errno != EEXIST)
			return ward_error_set(err, errno, "symlink /dev/%s", links[i][1]);
	/* With a private devpts, /dev/ptmx must be its ptmx. */
	if (fstatat(devfd, "pts/ptmx", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		(void)unlinkat(devfd, "ptmx", 0);
		if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
			return ward_error_set(err, errno, "symlink /dev/ptmx");
	}
	return 0;
}

int
ward_mounts_create_devices(struct ward_mount_ctx *m, struct ward_error **err)
{
	const struct ward_spec *s = m->spec;
	int r;

	if (is_dev_bind(s))
		return 0;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(default_devices); i++) {
		bool overridden = false;
		for (size_t j = 0; j < s->n_devices; j++)
			if (strcmp(s->devices[j].path, default_devices[i].path) == 0)
				overridden = true;
		if (overridden)
			continue;
		r = create_device(m, &default_devices[i], err);
		if (r < 0)
			return r;
	}
	for (size_t j = 0; j < s->n_devices; j++) {
		r = create_device(m, &s->devices[j], err);
		if (r < 0)
			return ward_error_wrap(err, "linux.devices[%zu]", j);
	}
	return make_dev_symlinks(m, err);
}

/* ---- pivot and the finishing touches ------------------------------------ */

int
ward_mounts_pivot(struct ward_mount_ctx *m, bool no_pivot, struct ward_error **err)
{
	_cleanup_close_ int oldroot = -1;

	if (fchdir(m->rootfs_fd) < 0)
		return ward_error_set(err, errno, "chdir to the rootfs");
	if (m->host_mountns) {
		/* pivot_root or MS_MOVE would act on the host's own root. */
		if (chroot(".") < 0)
			return ward_error_set(err, errno, "chroot into the rootfs");
		if (chdir("/") < 0)
			return ward_error_set(err, errno, "chdir /");
		return 0;
	}
	if (no_pivot) {
		/* --no-pivot: for ramfs roots where pivot_root is impossible. */
		if (mount(m->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
			return ward_error_set(err, errno, "move the rootfs onto /");
		if (chroot(".") < 0)
			return ward_error_set(err, errno, "chroot into the rootfs");
		if (chdir("/") < 0)
			return ward_error_set(err, errno, "chdir /");
		return 0;
	}
	oldroot = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (oldroot < 0)
		return ward_error_set(err, errno, "open /");
	/* pivot_root(".", ".") stacks the old root on top of the new one;
	 * unmounting "." afterwards drops it without needing a directory for it
	 * in the image (the runc/LXC trick). */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return ward_error_set(err, errno, "pivot_root into '%s'", m->rootfs);
	if (fchdir(oldroot) < 0)
		return ward_error_set(err, errno, "chdir to the old root");
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return ward_error_set(err, errno, "make the old root a slave");
	if (umount2(".", MNT_DETACH) < 0)
		return ward_error_set(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return ward_error_set(err, errno, "chdir /");
	return 0;
}

static int
readonly_path(const char *path, struct ward_error **err)
{
	_cleanup_close_ int fd = ward_fs_open_in_root(AT_FDCWD, path, O_PATH, 0, NULL);
	char target[32];

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return ward_error_set(err, errno, "readonlyPaths '%s'", path);
	}
	fd_path(target, fd);
	if (mount(target, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return ward_error_set(err, errno, "readonlyPaths: bind '%s'", path);
	{
		_cleanup_close_ int mfd = ward_fs_open_in_root(AT_FDCWD, path, O_PATH, 0, err);
		if (mfd < 0)
			return mfd;
		fd_path(target, mfd);
		return remount_bind(target, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_REC,
				    path, err);
	}
}

static int
masked_path(const char *path, struct ward_error **err)
{
	_cleanup_close_ int fd = ward_fs_open_in_root(AT_FDCWD, path, O_PATH, 0, NULL);
	char target[32];
	struct stat st;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return ward_error_set(err, errno, "maskedPaths '%s'", path);
	}
	if (fstat(fd, &st) < 0)
		return ward_error_set(err, errno, "maskedPaths '%s'", path);
	fd_path(target, fd);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", target, "tmpfs", MS_RDONLY, "size=0k") < 0)
			return ward_error_set(err, errno, "maskedPaths: mask '%s'", path);
		return 0;
	}
	if (mount("/dev/null", target, NULL, MS_BIND, NULL) < 0)
		return ward_error_set(err, errno, "maskedPaths: mask '%s' with /dev/null", path);
	return 0;
}

int
ward_sysctl_apply(const struct ward_spec *s, struct ward_error **err)
{
	for (size_t i = 0; i < s->n_sysctl; i++) {
		char path[PATH_MAX];
		_cleanup_close_ int fd = -1;
		int n;

		n = snprintf(path, sizeof(path), "/proc/sys/%s", s->sysctl[i].key);
		if (n < 0 || (size_t)n >= sizeof(path))
			return ward_error_set(err, ENAMETOOLONG, "linux.sysctl.%s", s->sysctl[i].key);
		for (char *p = path + strlen("/proc/sys/"); *p; p++)
			if (*p == '.')
				*p = '/';
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return ward_error_set(err, errno, "linux.sysctl.%s", s->sysctl[i].key);
		if (ward_fs_write_all(fd, s->sysctl[i].value, strlen(s->sysctl[i].value)) < 0)
			return ward_error_set(err, errno, "linux.sysctl.%s: write '%s'",
					      s->sysctl[i].key, s->sysctl[i].value);
	}
	return 0;
}

int
ward_mounts_finish(struct ward_mount_ctx *m, struct ward_error **err)
{
	const struct ward_spec *s = m->spec;
	int r;

	for (char **p = s->readonly_paths; p && *p; p++)
		if ((r = readonly_path(*p, err)) < 0)
			return r;
	for (char **p = s->masked_paths; p && *p; p++)
		if ((r = masked_path(*p, err)) < 0)
			return r;
	if (s->root_readonly &&
	    remount_bind("/", MS_RDONLY | MS_REC, "/ (root.readonly)", err) < 0)
		return -EIO;
	if (s->rootfs_propagation && mount(NULL, "/", NULL, s->rootfs_propagation, NULL) < 0)
		return ward_error_set(err, errno, "linux.rootfsPropagation");
	return 0;
}
