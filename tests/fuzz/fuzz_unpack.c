/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer blobs are hostile: unpack arbitrary bytes (tar, gzip, zstd) into a
 * fresh directory with small limits, and check nothing escapes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <ward/image.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char base[] = "/tmp/ward-fuzz-unpack-XXXXXX";
	struct ward_unpack_opts o = {.max_bytes = 8u << 20, .max_entries = 512};
	struct ward_unpack_result res;
	struct ward_error *err = NULL;
	int src, basefd, layer;
	struct stat st;

	src = memfd_create("layer", MFD_CLOEXEC);
	if (src < 0 || ward_fs_write_all(src, data, size) < 0 || lseek(src, 0, SEEK_SET) != 0)
		abort();
	if (!mkdtemp(base))
		abort();
	basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (basefd < 0 || mkdirat(basefd, "layer", 0755) < 0)
		abort();
	layer = openat(basefd, "layer", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (layer < 0)
		abort();

	(void)ward_layer_unpack(src, layer, &o, &res, &err);
	ward_error_free(err);

	/* The only thing next to the layer dir is the layer dir. */
	if (fstatat(basefd, "layer", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		abort();
	close(layer);
	close(src);
	if (ward_fs_remove_tree(basefd, "layer", NULL) < 0)
		abort();
	close(basefd);
	if (rmdir(base) < 0) /* ENOTEMPTY: something was written beside the layer */
		abort();
	return 0;
}
