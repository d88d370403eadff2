/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ward load` reads archives from anywhere: feed arbitrary bytes (tar,
 * gzip, zstd; docker-archive or oci-archive) to ward_archive_load and check
 * that a refused archive leaves nothing behind in the store's ingest/.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <ward/image.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
count_ingest(const char *root)
{
	char p[256];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(p, sizeof(p), "%s/ingest", root);
	d = opendir(p);
	if (!d)
		abort();
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* One store for the whole run (libFuzzer calls the target in one process);
 * what a successful load adds is untagged and collected after it. */
static char root[64];

static void
remove_root(void)
{
	(void)ward_fs_remove_tree(AT_FDCWD, root, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ward_store *s = NULL;
	struct ward_error *err = NULL;
	char **names = NULL;
	int fd, r;

	if (!root[0]) {
		snprintf(root, sizeof(root), "/tmp/ward-fuzz-archive-XXXXXX");
		if (!mkdtemp(root))
			abort();
		atexit(remove_root);
	}
	if (ward_store_open(root, true, &s, &err) < 0)
		abort();
	fd = memfd_create("archive", MFD_CLOEXEC);
	if (fd < 0 || ward_fs_write_all(fd, data, size) < 0 || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	r = ward_archive_load(s, fd, &names, &err);
	ward_error_freep(&err);
	close(fd);
	/* Accepted or refused, no ingest file may survive the call. */
	if (count_ingest(root) != 0)
		abort();
	if (r >= 0) {
		for (char **n = names; n && *n; n++)
			if (ward_store_untag(s, *n, NULL) < 0)
				abort();
		if (ward_store_gc(s, NULL, 0, NULL, &err) < 0)
			abort();
	}
	ward_strv_free(names);
	ward_store_free(s);
	return 0;
}
