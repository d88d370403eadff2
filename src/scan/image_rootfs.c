/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An image's filesystem for the scanner: its unpacked layers
 * (<root>/layers/<diff id>, as `ward run` prepares them) under one
 * read-only overlayfs built with fsopen/fsconfig/fsmount and never
 * attached to the mount tree. The scan reads it through the returned fd;
 * when the fd is closed the mount goes away with it, so nothing is left
 * mounted even if the scanner crashes, and no other process can see or
 * write into it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "inventory_internal.h"

static int
fsconfig_str(int fs, const char *key, const char *value)
{
	return (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, value, 0);
}

static int
fsconfig_flag(int fs, const char *key)
{
	return (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, key, NULL, 0);
}

/* A layer path goes into an option string on kernels without lowerdir+:
 * ',' and ':' would split it, '\\' escape it. ward names layers by digest,
 * so such a path means a store that is not ward's. */
static bool
layer_path_ok(const char *p)
{
	return p && p[0] == '/' && !strpbrk(p, ",:\\");
}

/* One layer needs no overlay (overlayfs refuses one lower without an
 * upper): a detached, read-only clone of the layer directory. */
static int
open_single(const char *dir, int *ret_fd, struct ward_error **err)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					      MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC};
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, dir,
			      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);

	if (fd < 0)
		return ward_error_set(err, errno, "image rootfs: open_tree '%s'", dir);
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		int e = errno;
		(void)close(fd);
		return ward_error_set(err, e, "image rootfs: make '%s' read-only", dir);
	}
	*ret_fd = fd;
	return 0;
}

int
ward_scan_open_image_rootfs(struct ward_store *store, const struct ward_digest *manifest,
			    int *ret_fd, struct ward_error **err)
{
	_cleanup_strv_ char **dirs = NULL;
	_cleanup_close_ int fs = -1, mnt = -1;
	_cleanup_free_ char *opts = NULL;
	bool plus = true;
	int n, r;

	if (!store || !manifest)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "image rootfs: no image");
	n = ward_image_lower_dirs(ward_store_root(store), manifest->s, &dirs, err);
	if (n < 0)
		return ward_error_wrap(err, "image rootfs");
	if (n == 0)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "image %s: no layers",
				       manifest->s);
	if (n > 500)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, E2BIG,
				       "image %s: %d layers, overlayfs stacks at most 500",
				       manifest->s, n);
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (!layer_path_ok(dirs[i]))
			return ward_error_setk(
				err, WARD_E_INVALID, EINVAL,
				"image %s: layer path '%s' cannot be an overlay lower "
				"dir",
				manifest->s, dirs[i]);
		if (stat(dirs[i], &st) < 0 || !S_ISDIR(st.st_mode))
			return ward_error_setk(err, WARD_E_NOTFOUND, ENOENT,
					       "image %s: layer %s is not unpacked (run the image "
					       "once, or pull it with ward)",
					       manifest->s, dirs[i]);
	}
	if (n == 1)
		return open_single(dirs[0], ret_fd, err);
	fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return ward_error_set(err, errno, "image rootfs: fsopen overlay");
	/* Top layer first, as ward_image_lower_dirs lists them. lowerdir+
	 * (Linux 6.8) takes each path whole; older kernels get one string. */
	for (int i = 0; i < n && plus; i++)
		if (fsconfig_str(fs, "lowerdir+", dirs[i]) < 0) {
			if (errno != EINVAL || i > 0)
				return ward_error_set(err, errno, "image rootfs: lower dir '%s'",
						      dirs[i]);
			plus = false;
		}
	if (!plus) {
		size_t cap = 1;
		char *p;
		for (int i = 0; i < n; i++)
			cap += strlen(dirs[i]) + 1;
		if (!(opts = malloc(cap)))
			return ward_error_set(err, ENOMEM, "image rootfs");
		p = opts;
		for (int i = 0; i < n; i++)
			p += sprintf(p, "%s%s", i ? ":" : "", dirs[i]);
		if (fsconfig_str(fs, "lowerdir", opts) < 0)
			return ward_error_set(err, errno, "image rootfs: lowerdir (%d layers)", n);
	}
	(void)fsconfig_str(fs, "index", "off");
	if ((r = fsconfig_flag(fs, "ro")) < 0)
		return ward_error_set(err, errno, "image rootfs: ro");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return ward_error_set(err, errno, "image rootfs: create the overlay");
	/* Read-only, and nothing in it can be executed or opened as a device
	 * through this mount: the scanner only reads files. */
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
			   MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				   MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return ward_error_set(err, errno, "image rootfs: fsmount");
	*ret_fd = TAKE_FD(mnt);
	return 0;
}
