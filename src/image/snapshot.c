/* SPDX-License-Identifier: Apache-2.0 */
/* Container root filesystems: overlayfs over read-only image layers. */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#include <ward/image.h>

static int
fsconfig_string(int fs, const char *key, const char *value)
{
	return (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, value, 0);
}

/* A layer path goes into an option string: ',' and ':' would split it and
 * '\\' escape it, so such paths are refused (ward names layers by digest). */
static int
check_layer_path(const char *p, struct ward_error **err)
{
	if (!p || p[0] != '/' || strpbrk(p, ",:\\"))
		return ward_error_set(err, EINVAL, "overlay layer '%s': must be an absolute path "
						   "without ',', ':' or '\\\\'",
				      p ? p : "(null)");
	return 0;
}

static int
mount_with_fsconfig(const char *const *lowers, size_t n, const char *upper, const char *work,
		    const char *target, struct ward_error **err)
{
	_cleanup_close_ int fs = -1, mnt = -1;
	int r;

	fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	for (size_t i = 0; i < n; i++)
		if (fsconfig_string(fs, "lowerdir+", lowers[i]) < 0)
			return -errno; /* EINVAL on kernels before 6.8: fall back */
	if (upper && (fsconfig_string(fs, "upperdir", upper) < 0 ||
		      fsconfig_string(fs, "workdir", work) < 0))
		return ward_error_set(err, errno, "overlay: upper '%s'", upper);
	/* index=off, redirect_dir and metacopy off: the plain, portable format
	 * that lets layers be shared by every container. */
	(void)fsconfig_string(fs, "index", "off");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return ward_error_set(err, errno, "overlay: create the filesystem");
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		return ward_error_set(err, errno, "overlay: fsmount");
	r = (int)syscall(SYS_move_mount, mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
	if (r < 0)
		return ward_error_set(err, errno, "overlay: mount on '%s'", target);
	return 0;
}

static int
mount_with_options(const char *const *lowers, size_t n, const char *upper, const char *work,
		   const char *target, struct ward_error **err)
{
	size_t cap = 64 + (upper ? strlen(upper) + strlen(work) : 0);
	_cleanup_free_ char *data = NULL;
	char *p;

	for (size_t i = 0; i < n; i++)
		cap += strlen(lowers[i]) + 1;
	data = malloc(cap);
	if (!data)
		return ward_error_set(err, ENOMEM, "overlay options");
	p = data + sprintf(data, "lowerdir=");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? ":" : "", lowers[i]);
	if (upper)
		p += sprintf(p, ",upperdir=%s,workdir=%s", upper, work);
	sprintf(p, ",index=off");
	if (mount("overlay", target, "overlay", 0, data) < 0)
		return ward_error_set(err, errno, "overlay: mount on '%s' (%zu layers)", target, n);
	return 0;
}

int
ward_snapshot_mount(const char *const *lowers, size_t n, const char *upper, const char *work,
		    const char *target, struct ward_error **err)
{
	int r;

	if (n == 0 || n > WARD_SNAPSHOT_MAX_LAYERS)
		return ward_error_set(err, E2BIG, "overlay: %zu layers (1 to %d allowed)", n,
				      WARD_SNAPSHOT_MAX_LAYERS);
	for (size_t i = 0; i < n; i++)
		if ((r = check_layer_path(lowers[i], err)) < 0)
			return r;
	if (upper && ((r = check_layer_path(upper, err)) < 0 || (r = check_layer_path(work, err)) < 0))
		return r;
	/* overlayfs wants two lowers without an upper: one read-only layer is
	 * a read-only bind. */
	if (!upper && n == 1) {
		if (mount(lowers[0], target, NULL, MS_BIND, NULL) < 0 ||
		    mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
			return ward_error_set(err, errno, "bind layer '%s' read-only on '%s'",
					      lowers[0], target);
		return 0;
	}
	r = mount_with_fsconfig(lowers, n, upper, work, target, err);
	if (r == -EINVAL || r == -ENOSYS)
		return mount_with_options(lowers, n, upper, work, target, err);
	return r;
}

int
ward_snapshot_unmount(const char *target, struct ward_error **err)
{
	if (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
	    errno != ENOENT)
		return ward_error_set(err, errno, "unmount '%s'", target);
	return 0;
}
