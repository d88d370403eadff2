/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CVE-2019-5736: a container that gets the runtime to execute inside it
 * (e.g. a "#!/proc/self/exe" entrypoint) could open /proc/<pid>/exe and
 * overwrite the host binary. We re-execute from a sealed memfd copy: the
 * exe link then points at an anonymous, write-sealed file.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/memfd.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "internal.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define CLONED_ENV "_WARD_CLONED_BINARY"

extern char **environ;

static bool
running_from_sealed_memfd(void)
{
	_cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int seals;

	if (fd < 0)
		return false;
	seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & SEALS) == SEALS;
}

int
ward_runtime_ensure_cloned_binary(char **argv, struct ward_error **err)
{
	_cleanup_close_ int src = -1, mfd = -1;
	struct stat st;
	off_t off = 0;

	if (running_from_sealed_memfd()) {
		(void)unsetenv(CLONED_ENV);
		return 0;
	}
	/* Guard against an exec loop if sealing silently failed. */
	if (secure_getenv(CLONED_ENV))
		return ward_error_set(err, EPERM, "re-exec from a sealed copy did not take effect");
	src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (src < 0 || fstat(src, &st) < 0)
		return ward_error_set(err, errno, "open /proc/self/exe");
	mfd = memfd_create("ward-oci", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return ward_error_set(err, errno, "memfd_create");
	while (off < st.st_size) {
		ssize_t n = sendfile(mfd, src, NULL, (size_t)(st.st_size - off));
		if (n <= 0)
			return ward_error_set(err, n < 0 ? errno : EIO, "copy the runtime binary");
		off += n;
	}
	if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
		return ward_error_set(err, errno, "seal the runtime copy");
	if (setenv(CLONED_ENV, "1", 1) < 0)
		return ward_error_set(err, errno, "setenv");
	fexecve(mfd, argv, environ);
	return ward_error_set(err, errno, "re-exec the sealed runtime copy");
}
