/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image archives: save/load round trips in both formats, hostile archives
 * refused naming the member with the store left as it was, and prune/df
 * keeping what containers use.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/image.h>


struct fixture {
	char dir[64];
	char a[128], b[128]; /* two store roots */
	struct ward_store *sa, *sb;
	int la, lb; /* their layers/ */
};

static struct ward_store *
open_store(const char *root, int *layers)
{
	struct ward_store *s = NULL;
	struct ward_error *err = NULL;

	if (ward_store_open(root, true, &s, &err) < 0)
		fail_msg("open %s: %s", root, err->msg);
	*layers = ward_layers_open(root, &err);
	if (*layers < 0)
		fail_msg("layers %s: %s", root, err->msg);
	return s;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ward-archive-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->a, sizeof(f->a), "%s/a", f->dir);
	snprintf(f->b, sizeof(f->b), "%s/b", f->dir);
	f->sa = open_store(f->a, &f->la);
	f->sb = open_store(f->b, &f->lb);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	struct ward_error *err = NULL;

	ward_store_free(f->sa);
	ward_store_free(f->sb);
	close(f->la);
	close(f->lb);
	if (ward_fs_remove_tree(AT_FDCWD, f->dir, &err) < 0)
		ward_error_free(err);
	free(f);
	return 0;
}

static size_t
count_dir(const char *root, const char *sub)
{
	char p[256];
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	snprintf(p, sizeof(p), "%s/%s", root, sub);
	d = opendir(p);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* ---- building archives ---------------------------------------------------- */

struct member {
	const char *name;
	char type; /* 'f' file, 'd' dir, 'l' symlink, 'h' hard link */
	const char *data;
	size_t len; /* 0: strlen(data) */
	const char *link;
};

static int
mem_fd(void)
{
	int fd = memfd_create("archive", MFD_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

/* A tar (gzip when asked) of the members, in a memfd at offset 0. */
static int
make_tar(const struct member *m, size_t n, bool gzip)
{
	struct archive *a = archive_write_new();
	int fd = mem_fd();

	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	if (gzip)
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = m[i].data ? (m[i].len ? m[i].len : strlen(m[i].data)) : 0;
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_perm(e, 0644);
		switch (m[i].type) {
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, m[i].link);
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, m[i].link);
			break;
		default:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)len);
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (m[i].type == 'f' && len)
			assert_int_equal(archive_write_data(a, m[i].data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* A small layer tar: one file. */
static char *
layer_tar(const char *content, size_t *ret_len)
{
	const struct member m[] = {{"etc/hello", 'f', content, 0, NULL}};
	int fd = make_tar(m, 1, false);
	struct stat st;
	char *buf;

	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*ret_len = (size_t)st.st_size;
	return buf;
}

/* Import a one-layer image (gzip when asked) named name into s. */
static struct ward_digest
import_image(struct ward_store *s, int layers, const char *name, const char *content, bool gzip)
{
	const struct member m[] = {{"etc/hello", 'f', content, 0, NULL}};
	struct ward_error *err = NULL;
	struct ward_digest d;
	int fd = make_tar(m, 1, gzip);

	if (ward_image_import(s, layers, fd, name, NULL, &d, &err) < 0)
		fail_msg("import: %s", err->msg);
	close(fd);
	return d;
}

static void
expect_error(int r, struct ward_error **err, const char *substr)
{
	if (r >= 0)
		fail_msg("succeeded, expected error '%s'", substr);
	if (!strstr((*err)->msg, substr))
		fail_msg("error '%s' lacks '%s'", (*err)->msg, substr);
	ward_error_freep(err);
}

/* The load failed and left store b exactly empty: nothing tagged, no blob,
 * no ingest file. */
static void
expect_refused(struct fixture *f, int fd, const char *substr)
{
	struct ward_error *err = NULL;
	char **names = NULL, **list = NULL;

	expect_error(ward_archive_load(f->sb, fd, &names, &err), &err, substr);
	assert_null(names);
	close(fd);
	assert_int_equal(count_dir(f->b, "blobs/sha256"), 0);
	assert_int_equal(count_dir(f->b, "ingest"), 0);
	assert_int_equal(ward_store_list(f->sb, &list, &err), 0);
	ward_strv_free(list);
}

static int
save_to_memfd(struct ward_store *s, const char *name, enum ward_archive_format fmt)
{
	char *names[] = {(char *)name, NULL};
	struct ward_error *err = NULL;
	int fd = mem_fd();

	if (ward_archive_save(s, names, fmt, fd, &err) < 0)
		fail_msg("save: %s", err->msg);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* ---- round trips ------------------------------------------------------------ */

static void
test_oci_round_trip_keeps_manifest_digest(void **state)
{
	struct fixture *f = *state;
	struct ward_digest d = import_image(f->sa, f->la, "busybox:1", "hi\n", true);
	struct ward_error *err = NULL;
	struct ward_descriptor got;
	char **names = NULL;
	int fd = save_to_memfd(f->sa, "busybox:1", WARD_ARCHIVE_OCI);

	assert_int_equal(ward_archive_load(f->sb, fd, &names, &err), 1);
	close(fd);
	assert_string_equal(names[0], "busybox:1");
	ward_strv_free(names);
	assert_int_equal(ward_store_resolve(f->sb, "busybox:1", &got, &err), 0);
	assert_string_equal(got.digest.s, d.s);
	assert_int_equal(count_dir(f->b, "ingest"), 0);
	/* config, layer, manifest: nothing else was committed */
	assert_int_equal(count_dir(f->b, "blobs/sha256"), 3);
}

static void
test_docker_round_trip_decompresses_and_verifies(void **state)
{
	struct fixture *f = *state;
	struct ward_image *a = NULL, *b = NULL;
	struct ward_error *err = NULL;
	char **names = NULL, **dirs = NULL;
	int fd;

	import_image(f->sa, f->la, "alpine", "gz\n", true);
	fd = save_to_memfd(f->sa, "alpine", WARD_ARCHIVE_DOCKER);
	assert_int_equal(ward_archive_load(f->sb, fd, &names, &err), 1);
	close(fd);
	/* docker wants NAME:TAG: "alpine" went out as alpine:latest */
	assert_string_equal(names[0], "alpine:latest");
	ward_strv_free(names);
	assert_int_equal(ward_image_open(f->sa, "alpine", NULL, &a, &err), 0);
	assert_int_equal(ward_image_open(f->sb, "alpine:latest", NULL, &b, &err), 0);
	/* Same diff ids; the layer is now stored uncompressed. */
	assert_string_equal(a->config->diff_ids[0].s, b->config->diff_ids[0].s);
	assert_string_equal(b->manifest->layers[0].media_type,
			    "application/vnd.oci.image.layer.v1.tar");
	assert_string_equal(b->manifest->layers[0].digest.s, b->config->diff_ids[0].s);
	/* ...and unpacks. */
	assert_int_equal(ward_image_prepare_layers(f->sb, f->lb, f->b, b, &dirs, &err), 1);
	ward_strv_free(dirs);
	ward_image_free(a);
	ward_image_free(b);
}

static void
test_load_gzip_compressed_archive(void **state)
{
	struct fixture *f = *state;
	struct ward_error *err = NULL;
	char **names = NULL, *buf;
	struct stat st;
	int fd, raw;
	struct archive *a;
	struct archive_entry *e;

	import_image(f->sa, f->la, "x:1", "c\n", false);
	raw = save_to_memfd(f->sa, "x:1", WARD_ARCHIVE_OCI);
	/* Re-pack the same members through gzip. */
	assert_int_equal(fstat(raw, &st), 0);
	buf = malloc((size_t)st.st_size);
	assert_int_equal(read(raw, buf, (size_t)st.st_size), st.st_size);
	close(raw);
	{
		struct archive *in = archive_read_new();
		struct archive *out = archive_write_new();
		fd = mem_fd();
		archive_read_support_format_tar(in);
		assert_int_equal(archive_read_open_memory(in, buf, (size_t)st.st_size), ARCHIVE_OK);
		archive_write_set_format_pax_restricted(out);
		archive_write_add_filter_gzip(out);
		archive_write_open_fd(out, fd);
		while (archive_read_next_header(in, &e) == ARCHIVE_OK) {
			char chunk[8192];
			la_ssize_t n;
			assert_int_equal(archive_write_header(out, e), ARCHIVE_OK);
			while ((n = archive_read_data(in, chunk, sizeof(chunk))) > 0)
				assert_int_equal(archive_write_data(out, chunk, (size_t)n), n);
		}
		archive_write_close(out);
		archive_write_free(out);
		archive_read_free(in);
		a = NULL;
		(void)a;
	}
	free(buf);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(ward_archive_load(f->sb, fd, &names, &err), 1);
	close(fd);
	assert_string_equal(names[0], "x:1");
	ward_strv_free(names);
}

/* ---- hostile archives ------------------------------------------------------------ */

static void
test_refuses_path_escapes_and_links(void **state)
{
	struct fixture *f = *state;
	static const struct member dotdot[] = {{"../evil", 'f', "x", 0, NULL}};
	static const struct member inner[] = {{"blobs/../../evil", 'f', "x", 0, NULL}};
	static const struct member abs[] = {{"/etc/passwd", 'f', "x", 0, NULL}};
	static const struct member sym[] = {{"blobs", 'd', NULL, 0, NULL},
					    {"blobs/sha256", 'l', NULL, 0, "/etc"}};
	static const struct member hard[] = {{"a", 'f', "x", 0, NULL},
					     {"manifest.json", 'h', NULL, 0, "a"}};

	expect_refused(f, make_tar(dotdot, 1, false), "'../evil': '..' in the path refused");
	expect_refused(f, make_tar(inner, 1, false), "'blobs/../../evil'");
	expect_refused(f, make_tar(abs, 1, false), "'/etc/passwd': absolute path refused");
	expect_refused(f, make_tar(sym, 2, false), "'blobs/sha256': symlinks are refused");
	expect_refused(f, make_tar(hard, 2, false), "'manifest.json': hard links are refused");
	/* docker's legacy <id>/layer.tar symlink is skipped, but never followed
	 * when manifest.json names it. */
	{
		static const struct member legacy[] = {
			{"1111111111111111111111111111111111111111111111111111111111111111/"
			 "layer.tar",
			 'l', NULL, 0, "../../../etc/shadow"},
			{"c.json", 'f',
			 "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":"
			 "\"layers\",\"diff_ids\":[\"sha256:"
			 "1111111111111111111111111111111111111111111111111111111111111111\"]}}",
			 0, NULL},
			{"manifest.json", 'f',
			 "[{\"Config\":\"c.json\",\"Layers\":[\"1111111111111111111111111111111"
			 "111111111111111111111111111111111/layer.tar\"]}]",
			 0, NULL},
		};
		expect_refused(f, make_tar(legacy, 3, false), "is a symlink; ward never follows");
	}
}

static void
test_refuses_oversized_and_overfull_manifest_json(void **state)
{
	struct fixture *f = *state;
	size_t big = WARD_MANIFEST_MAX + 1, n = 5000, off = 0;
	char *huge = malloc(big), *many = malloc(n * 64 + 16);
	struct member m[1] = {{"manifest.json", 'f', NULL, 0, NULL}};

	assert_non_null(huge);
	memset(huge, ' ', big);
	m[0].data = huge;
	m[0].len = big;
	expect_refused(f, make_tar(m, 1, false), "'manifest.json': 4194305 bytes, at most");
	off += (size_t)sprintf(many, "[");
	for (size_t i = 0; i < n; i++)
		off += (size_t)sprintf(many + off, "%s{\"Config\":\"c.json\",\"Layers\":[]}",
				       i ? "," : "");
	sprintf(many + off, "]");
	m[0].data = many;
	m[0].len = 0;
	expect_refused(f, make_tar(m, 1, false), "manifest.json: 5000 images, at most 128");
	free(huge);
	free(many);
}

static void
test_refuses_docker_layer_not_matching_diff_id(void **state)
{
	struct fixture *f = *state;
	size_t len = 0, len2 = 0;
	char *layer = layer_tar("real\n", &len), *other = layer_tar("fake\n", &len2);
	struct ward_digest diff;
	char config[512];

	ward_digest_of(layer, len, &diff);
	snprintf(config, sizeof(config),
		 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
		 "\"diff_ids\":[\"%s\"]}}",
		 diff.s);
	{
		const struct member m[] = {
			{"l/layer.tar", 'f', other, len2, NULL},
			{"c.json", 'f', config, 0, NULL},
			{"manifest.json", 'f',
			 "[{\"Config\":\"c.json\",\"RepoTags\":[\"x:1\"],\"Layers\":[\"l/"
			 "layer.tar\"]}]",
			 0, NULL},
		};
		expect_refused(f, make_tar(m, 3, false),
			       "manifest.json[0].Layers[0]: member 'l/layer.tar' hashes to");
	}
	{
		/* docker-archive layers are plain tar; a gzip one is refused. */
		const struct member m[] = {
			{"l/layer.tar", 'f', "\x1f\x8b\x08\x00gzip", 0, NULL},
			{"c.json", 'f', config, 0, NULL},
			{"manifest.json", 'f',
			 "[{\"Config\":\"c.json\",\"Layers\":[\"l/layer.tar\"]}]", 0, NULL},
		};
		expect_refused(f, make_tar(m, 3, false), "member 'l/layer.tar' is compressed");
	}
	{
		/* The right layer loads: the test above failed for the layer. */
		const struct member m[] = {
			{"manifest.json", 'f',
			 "[{\"Config\":\"./c.json\",\"RepoTags\":[\"x:1\"],\"Layers\":[\"l/"
			 "layer.tar\"]}]",
			 0, NULL},
			{"./l/", 'd', NULL, 0, NULL},
			{"./l/layer.tar", 'f', layer, len, NULL},
			{"c.json", 'f', config, 0, NULL},
		};
		struct ward_error *err = NULL;
		char **names = NULL;
		int fd = make_tar(m, 4, false);
		assert_int_equal(ward_archive_load(f->sb, fd, &names, &err), 1);
		close(fd);
		assert_string_equal(names[0], "x:1");
		ward_strv_free(names);
	}
	free(layer);
	free(other);
}

static void
test_refuses_forged_missing_and_truncated_blobs(void **state)
{
	struct fixture *f = *state;
	struct ward_digest d;
	char name[128], index[512];
	struct stat st;
	char *buf;
	int fd;

	ward_digest_of("real", 4, &d);
	snprintf(name, sizeof(name), "blobs/sha256/%s", ward_digest_hex(&d));
	{
		const struct member m[] = {{name, 'f', "forged", 0, NULL}};
		expect_refused(f, make_tar(m, 1, false), "digest mismatch");
	}
	snprintf(index, sizeof(index),
		 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"%s\","
		 "\"size\":4}]}",
		 WARD_MT_OCI_MANIFEST, d.s);
	{
		const struct member m[] = {
			{"oci-layout", 'f', "{\"imageLayoutVersion\":\"1.0.0\"}", 0, NULL},
			{"index.json", 'f', index, 0, NULL}};
		expect_refused(f, make_tar(m, 2, false), "is missing from the archive");
	}
	/* A real archive cut in the middle of its layer. */
	import_image(f->sa, f->la, "t:1", "truncate me\n", false);
	fd = save_to_memfd(f->sa, "t:1", WARD_ARCHIVE_DOCKER);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	fd = mem_fd();
	assert_int_equal(write(fd, buf, 1500), 1500);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	free(buf);
	expect_refused(f, fd, "runcated");
}

/* A sparse member: 1 GiB declared, a few bytes stored. */
static void
test_refuses_sparse_members(void **state)
{
	struct fixture *f = *state;
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int fd = mem_fd();

	archive_write_set_format_pax(a);
	assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
	archive_entry_set_pathname(e, "blobs/sha256/zeros");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 1ll << 30);
	archive_entry_sparse_add_entry(e, 0, 4);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, "data", 4), 4);
	archive_entry_free(e);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	expect_refused(f, fd, "'blobs/sha256/zeros': sparse files are refused");
}

static void
test_refuses_duplicates_and_non_archives(void **state)
{
	struct fixture *f = *state;
	static const struct member dup[] = {{"a", 'f', "1", 0, NULL}, {"a", 'f', "2", 0, NULL}};
	static const struct member none[] = {{"a", 'f', "1", 0, NULL}};
	int fd = mem_fd();

	expect_refused(f, make_tar(dup, 2, false), "member 'a' appears twice");
	expect_refused(f, make_tar(none, 1, false), "neither manifest.json");
	assert_int_equal(write(fd, "not a tar at all, just words", 28), 28);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	expect_refused(f, fd, "archive");
}

/* ---- df and prune ------------------------------------------------------------------- */

static void
test_prune_keeps_what_containers_and_tags_use(void **state)
{
	struct fixture *f = *state;
	struct ward_digest used = import_image(f->sa, f->la, "used:1", "used\n", true);
	struct ward_prune_result res;
	struct ward_store_usage u;
	struct ward_error *err = NULL;
	struct ward_image *img = NULL;
	char **dirs = NULL, *in_use[] = {used.s, NULL};

	import_image(f->sa, f->la, "idle:1", "idle\n", true);
	assert_int_equal(count_dir(f->a, "layers"), 2);
	/* An untagged leftover blob: prune's first target. */
	assert_int_equal(ward_store_put_blob(f->sa, "stray", 5, NULL, &err), 0);
	assert_int_equal(ward_store_usage(f->sa, f->la, in_use, &u, &err), 0);
	assert_int_equal(u.images, 2);
	assert_int_equal(u.images_active, 1);
	assert_int_equal(u.layers, 2);
	assert_int_equal(u.layers_active, 1);
	assert_true(u.images_reclaimable > 5 && u.images_reclaimable < u.images_bytes);
	assert_true(u.layers_reclaimable > 0 && u.layers_reclaimable < u.layers_bytes);

	/* Without -a: only the stray blob goes; both images stay whole. */
	assert_int_equal(ward_store_prune(f->sa, f->la, in_use, false, &res, &err), 0);
	assert_int_equal(res.blobs, 1);
	assert_int_equal(res.images, 0);
	assert_int_equal(res.layers, 0);
	assert_int_equal(res.bytes, 5);
	assert_int_equal(count_dir(f->a, "blobs/sha256"), 6);

	/* -a: the image no container uses goes, with its blobs and layer. */
	assert_int_equal(ward_store_prune(f->sa, f->la, in_use, true, &res, &err), 0);
	assert_int_equal(res.images, 1);
	assert_int_equal(res.blobs, 3);
	assert_int_equal(res.layers, 1);
	assert_true(res.bytes > 0);
	assert_int_equal(count_dir(f->a, "layers"), 1);
	assert_int_equal(ward_image_open(f->sa, "used:1", NULL, &img, &err), 0);
	assert_int_equal(ward_image_prepare_layers(f->sa, f->la, f->a, img, &dirs, &err), 1);
	ward_strv_free(dirs);
	ward_image_free(img);
	expect_error(ward_store_resolve(f->sa, "idle:1", &(struct ward_descriptor){0}, &err), &err,
		     "not found");

	/* Untagged but in use: still kept, blobs and layer. */
	assert_int_equal(ward_store_untag(f->sa, "used:1", &err), 0);
	assert_int_equal(ward_store_prune(f->sa, f->la, in_use, true, &res, &err), 0);
	assert_int_equal(res.blobs, 0);
	assert_int_equal(res.layers, 0);
	assert_int_equal(count_dir(f->a, "layers"), 1);
	/* No container any more: everything goes. */
	assert_int_equal(ward_store_prune(f->sa, f->la, NULL, true, &res, &err), 0);
	assert_int_equal(res.blobs, 3);
	assert_int_equal(res.layers, 1);
	assert_int_equal(count_dir(f->a, "layers"), 0);
	assert_int_equal(count_dir(f->a, "blobs/sha256"), 0);
}

static void
test_prune_fails_closed_when_a_used_image_is_unreadable(void **state)
{
	struct fixture *f = *state;
	struct ward_prune_result res;
	struct ward_error *err = NULL;
	char gone[] = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
	char *in_use[] = {gone, NULL};

	import_image(f->sa, f->la, "idle:1", "idle\n", true);
	expect_error(ward_store_prune(f->sa, f->la, in_use, true, &res, &err), &err,
		     "is not in the store, so its layers are unknown");
	/* Nothing was removed. */
	assert_int_equal(count_dir(f->a, "layers"), 1);
	assert_int_equal(count_dir(f->a, "blobs/sha256"), 3);
	assert_int_equal(ward_store_resolve(f->sa, "idle:1", &(struct ward_descriptor){0}, &err),
			 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_oci_round_trip_keeps_manifest_digest, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_docker_round_trip_decompresses_and_verifies,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_gzip_compressed_archive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_path_escapes_and_links, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refuses_oversized_and_overfull_manifest_json,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_docker_layer_not_matching_diff_id,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_forged_missing_and_truncated_blobs,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_sparse_members, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_duplicates_and_non_archives, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_prune_keeps_what_containers_and_tags_use,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_prune_fails_closed_when_a_used_image_is_unreadable, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
