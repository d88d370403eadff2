/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>

#include <ward/util.h>

#define REMOVE_TREE_MAX_DEPTH 256

int
ward_fs_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
ward_fs_open_in_root(int rootfd, const char *path, int flags, mode_t mode, struct ward_error **err)
{
	/* RESOLVE_IN_ROOT makes "/", ".." and every symlink resolve inside the
	 * rootfs, so a container's own symlinks can never point a mount or a
	 * write at the host (runc CVE-2021-30465 class). Magic links
	 * (/proc/self/fd/N) could jump out of the root, so they are refused too. */
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	do
		fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	if (fd < 0) {
		if (errno == ENOSYS)
			return ward_error_setk(err, WARD_E_UNSUPPORTED, ENOSYS,
					       "open '%s': the kernel lacks openat2 (5.6 or later "
					       "is required to resolve paths safely)",
					       path);
		return ward_error_set(err, errno, "open '%s'", path);
	}
	return (int)fd;
}

int
ward_fs_mkdir_in_root(int rootfd, const char *path, mode_t mode, struct ward_error **err)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int cur = -1;
	char *save = NULL, *comp;

	if (!copy)
		return ward_error_set(err, ENOMEM, "mkdir '%s'", path);
	cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return ward_error_set(err, errno, "mkdir '%s'", path);
	for (comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		int next;

		if (strcmp(comp, ".") == 0)
			continue;
		/* Each step resolves inside rootfd; a symlink component that points
		 * anywhere stays confined by RESOLVE_IN_ROOT on the *original* root. */
		if (mkdirat(cur, comp, mode) < 0 && errno != EEXIST)
			return ward_error_set(err, errno, "mkdir '%s' (at '%s')", path, comp);
		next = ward_fs_open_in_root(cur, comp, O_PATH | O_DIRECTORY, 0, err);
		if (next < 0)
			return ward_error_wrap(err, "mkdir '%s'", path);
		(void)close(cur);
		cur = next;
	}
	return TAKE_FD(cur);
}

int
ward_fs_mkdir_p(const char *path, mode_t mode, struct ward_error **err)
{
	_cleanup_free_ char *copy = strdup(path);
	char *p;

	if (!copy)
		return ward_error_set(err, ENOMEM, "mkdir '%s'", path);
	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return ward_error_set(err, errno, "mkdir '%s'", copy);
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return ward_error_set(err, errno, "mkdir '%s'", copy);
	return 0;
}

static int
write_via_temp(int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
	       bool durable, struct ward_error **err)
{
	char tmp[PATH_MAX];
	_cleanup_close_ int fd = -1;
	int r;

	r = snprintf(tmp, sizeof(tmp), ".%s.tmp.%d", name, (int)getpid());
	if (r < 0 || (size_t)r >= sizeof(tmp))
		return ward_error_set(err, ENAMETOOLONG, "write '%s'", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return ward_error_set(err, errno, "write '%s'", name);
	r = ward_fs_write_all(fd, buf, len);
	if (r == 0 && durable && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dirfd, tmp, 0);
		return ward_error_set(err, -r, "write '%s'", name);
	}
	if (durable)
		(void)fsync(dirfd);
	return 0;
}

int
ward_fs_write_atomic(int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
		     struct ward_error **err)
{
	return write_via_temp(dirfd, name, buf, len, mode, true, err);
}

int
ward_fs_write_replace(int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
		      struct ward_error **err)
{
	return write_via_temp(dirfd, name, buf, len, mode, false, err);
}

int
ward_fs_read_fd(int fd, size_t max, const char *name, char **ret, size_t *ret_len,
		struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *nb;
			if (ncap > max + 1)
				ncap = max + 1;
			if (ncap <= len)
				return ward_error_set(err, EFBIG, "read '%s': larger than %zu bytes",
						      name, max);
			nb = realloc(buf, ncap + 1);
			if (!nb)
				return ward_error_set(err, ENOMEM, "read '%s'", name);
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ward_error_set(err, errno, "read '%s'", name);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (!buf && !(buf = malloc(1)))
		return ward_error_set(err, ENOMEM, "read '%s'", name);
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int
ward_fs_read_all(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len,
		 struct ward_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return ward_error_set(err, errno, "open '%s'", path);
	return ward_fs_read_fd(fd, max, path, ret, ret_len, err);
}

static int
remove_children(int dfd, dev_t dev, int depth, struct ward_error **err)
{
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (depth > REMOVE_TREE_MAX_DEPTH)
		return ward_error_set(err, ELOOP, "remove: deeper than %d levels",
				      REMOVE_TREE_MAX_DEPTH);
	d = fdopendir(dfd);
	if (!d) {
		(void)close(dfd);
		return ward_error_set(err, errno, "remove: opendir");
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub;
			/* Never descend into another filesystem: a bind mount left
			 * behind must not make delete wipe the host's files. */
			if (st.st_dev != dev) {
				r = ward_error_set(err, EBUSY, "remove: '%s' is a mount point",
						   de->d_name);
				break;
			}
			sub = openat(dirfd(d), de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				continue;
			r = remove_children(sub, dev, depth + 1, err);
			if (r < 0)
				break;
			if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
				r = ward_error_set(err, errno, "remove '%s'", de->d_name);
				break;
			}
		} else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
			r = ward_error_set(err, errno, "remove '%s'", de->d_name);
			break;
		}
	}
	closedir(d);
	return r;
}

int
ward_fs_remove_tree(int dirfd, const char *name, struct ward_error **err)
{
	struct stat st;
	int fd, r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return ward_error_set(err, errno, "remove '%s'", name);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return ward_error_set(err, errno, "remove '%s'", name);
		return 0;
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ward_error_set(err, errno, "remove '%s'", name);
	r = remove_children(fd, st.st_dev, 0, err);
	if (r < 0)
		return ward_error_wrap(err, "remove '%s'", name);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return ward_error_set(err, errno, "remove '%s'", name);
	return 0;
}
