/* SPDX-License-Identifier: Apache-2.0 */
/* Streamed layer unpack (src/image/layers.c): a layer fed while it
 * "downloads" is published only after its diff id matched; a mismatch, a
 * hostile entry or an abort leaves nothing under layers/. Also the gzip
 * decoder's edge cases: concatenated members and trailing bytes. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
/* clang-format on */

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <ward/image.h>


#define MT_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static la_ssize_t
buf_write_cb(struct archive *a, void *data, const void *d, size_t n)
{
	(void)a;
	buf_add(data, d, n);
	return (la_ssize_t)n;
}

/* A tar of files {name, content} (NULL-terminated pairs), gzip'd or not. */
static void
make_tar(const char *const *files, bool gzip, struct buf *out)
{
	struct archive *a = archive_write_new();

	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	if (gzip)
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK);
	assert_int_equal(archive_write_open(a, out, NULL, buf_write_cb, NULL), ARCHIVE_OK);
	for (size_t i = 0; files[i]; i += 2) {
		struct archive_entry *e = archive_entry_new();
		size_t n = strlen(files[i + 1]);

		archive_entry_set_pathname(e, files[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)n);
		archive_entry_set_mtime(e, 1700000000, 0);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, files[i + 1], n), (la_ssize_t)n);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* gzip of arbitrary bytes, one member */
static void
gzip_bytes(const void *d, size_t n, struct buf *out)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();

	assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
	assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK);
	assert_int_equal(archive_write_open(a, out, NULL, buf_write_cb, NULL), ARCHIVE_OK);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)n);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, d, n), (la_ssize_t)n);
	archive_entry_free(e);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static void
sha256_of(const void *d, size_t n, struct ward_digest *out)
{
	ward_digest_of(d, n, out);
}

struct fixture {
	char base[64];
	int layers;
	struct buf tar, gz;
	struct ward_digest diff_id;
	struct ward_descriptor desc;
};

static const char *const files[] = {
	"etc/hello", "hello from a streamed layer\n",
	"usr/bin/tool", "#!/bin/sh\necho tool\n",
	"usr/share/doc/a/README", "read me\n",
	NULL,
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->base, "/tmp/ward-lstream-XXXXXX");
	if (!mkdtemp(f->base))
		return -1;
	f->layers = open(f->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	make_tar(files, false, &f->tar);
	make_tar(files, true, &f->gz);
	sha256_of(f->tar.p, f->tar.len, &f->diff_id);
	snprintf(f->desc.media_type, sizeof(f->desc.media_type), "%s", MT_GZIP);
	sha256_of(f->gz.p, f->gz.len, &f->desc.digest);
	f->desc.size = (int64_t)f->gz.len;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	close(f->layers);
	(void)ward_fs_remove_tree(AT_FDCWD, f->base, NULL);
	free(f->tar.p);
	free(f->gz.p);
	free(f);
	return 0;
}

static size_t
count_entries(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fdopendir(fd);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Feed data in small pieces (as curl's callback does), stopping at the
 * first refused write. */
static int
feed(struct ward_layer_stream *ls, const unsigned char *p, size_t n, size_t chunk,
     struct ward_error **err)
{
	for (size_t off = 0; off < n; off += chunk) {
		size_t k = n - off < chunk ? n - off : chunk;
		int r = ward_layer_stream_write(ls, p + off, k, err);

		if (r < 0)
			return r;
	}
	return 0;
}

static void
test_stream_publishes_layer_after_diff_id_matched(void **state)
{
	struct fixture *f = *state;
	struct ward_layer_stream *ls = NULL;
	struct ward_error *err = NULL;
	char path[256], got[64] = {0};
	int fd;

	assert_int_equal(ward_layer_stream_begin(f->layers, &f->desc, &f->diff_id, &ls, &err), 0);
	assert_int_equal(feed(ls, f->gz.p, f->gz.len, 7, &err), 0);
	assert_int_equal(ward_layer_stream_finish(ls, &err), 0);
	/* finished but not committed: only a temporary directory */
	assert_false(ward_layers_have(f->layers, &f->diff_id));
	assert_int_equal(ward_layers_sync(f->layers, &err), 0);
	assert_int_equal(ward_layer_stream_commit(ls, &err), 0);
	assert_null(err);
	assert_true(ward_layers_have(f->layers, &f->diff_id));
	assert_int_equal(count_entries(f->layers), 1);
	snprintf(path, sizeof(path), "%s/etc/hello", ward_digest_hex(&f->diff_id));
	fd = openat(f->layers, path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(read(fd, got, sizeof(got) - 1) > 0);
	close(fd);
	assert_string_equal(got, "hello from a streamed layer\n");
}

static void
test_stream_refuses_diff_id_mismatch_and_leaves_no_layer_dir(void **state)
{
	struct fixture *f = *state;
	struct ward_layer_stream *ls = NULL;
	struct ward_error *err = NULL;
	struct ward_digest wrong;

	sha256_of("another layer", 13, &wrong);
	assert_int_equal(ward_layer_stream_begin(f->layers, &f->desc, &wrong, &ls, &err), 0);
	assert_int_equal(feed(ls, f->gz.p, f->gz.len, 4096, &err), 0);
	assert_true(ward_layer_stream_finish(ls, &err) < 0);
	assert_non_null(err);
	assert_int_equal(err->kind, WARD_E_DENIED);
	assert_non_null(strstr(err->msg, "the image config says"));
	ward_error_free(err);
	err = NULL;
	/* commit after a failed finish is refused too */
	assert_true(ward_layer_stream_commit(ls, &err) < 0);
	ward_error_free(err);
	assert_false(ward_layers_have(f->layers, &wrong));
	assert_false(ward_layers_have(f->layers, &f->diff_id));
	assert_int_equal(count_entries(f->layers), 0);
}

static void
test_stream_refuses_escape_and_leaves_nothing(void **state)
{
	static const char *const evil[] = {"ok", "fine\n", "../ward-lstream-escape", "x\n", NULL};
	struct fixture *f = *state;
	struct ward_layer_stream *ls = NULL;
	struct ward_error *err = NULL;
	struct ward_descriptor d = f->desc;
	struct buf gz = {0};
	int r;

	make_tar(evil, true, &gz);
	assert_int_equal(ward_layer_stream_begin(f->layers, &d, NULL, &ls, &err), 0);
	r = feed(ls, gz.p, gz.len, 512, &err);
	if (r == 0)
		r = ward_layer_stream_finish(ls, &err);
	assert_true(r < 0);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "escapes the layer"));
	ward_error_free(err);
	ward_layer_stream_abort(ls);
	free(gz.p);
	assert_int_equal(count_entries(f->layers), 0);
	assert_int_equal(access("/tmp/ward-lstream-escape", F_OK), -1);
}

static void
test_stream_abort_midway_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct ward_layer_stream *ls = NULL;
	struct ward_error *err = NULL;

	assert_int_equal(ward_layer_stream_begin(f->layers, &f->desc, &f->diff_id, &ls, &err), 0);
	assert_int_equal(feed(ls, f->gz.p, f->gz.len / 2, 100, &err), 0);
	ward_layer_stream_abort(ls);
	assert_int_equal(count_entries(f->layers), 0);
}

static void
test_stream_truncated_blob_is_refused(void **state)
{
	struct fixture *f = *state;
	struct ward_layer_stream *ls = NULL;
	struct ward_error *err = NULL;

	assert_int_equal(ward_layer_stream_begin(f->layers, &f->desc, &f->diff_id, &ls, &err), 0);
	assert_int_equal(feed(ls, f->gz.p, f->gz.len - 10, 100, &err), 0);
	assert_true(ward_layer_stream_finish(ls, &err) < 0);
	assert_non_null(err);
	ward_error_free(err);
	ward_layer_stream_abort(ls);
	assert_int_equal(count_entries(f->layers), 0);
}

/* A layer gzip'd as two members (pigz --independent, or cat a.gz b.gz)
 * followed by bytes that are no member: one stream, the junk ignored, as
 * gzip(1) and libarchive read it. */
static void
test_stream_concatenated_members_and_trailing_bytes(void **state)
{
	struct fixture *f = *state;
	struct ward_layer_stream *ls = NULL;
	struct ward_error *err = NULL;
	struct buf gz = {0};
	struct ward_descriptor d = f->desc;
	size_t half = f->tar.len / 3;

	gzip_bytes(f->tar.p, half, &gz);
	gzip_bytes(f->tar.p + half, f->tar.len - half, &gz);
	buf_add(&gz, "\0\0junk", 6);
	assert_int_equal(ward_layer_stream_begin(f->layers, &d, &f->diff_id, &ls, &err), 0);
	assert_int_equal(feed(ls, gz.p, gz.len, 1000, &err), 0);
	assert_int_equal(ward_layer_stream_finish(ls, &err), 0);
	assert_int_equal(ward_layer_stream_commit(ls, &err), 0);
	assert_null(err);
	assert_true(ward_layers_have(f->layers, &f->diff_id));
	free(gz.p);
}

/* A corrupt member (a flipped byte in the deflate data or the CRC) fails. */
static void
test_stream_corrupt_gzip_is_refused(void **state)
{
	struct fixture *f = *state;
	struct ward_layer_stream *ls = NULL;
	struct ward_error *err = NULL;
	struct buf gz = {0};
	int r;

	buf_add(&gz, f->gz.p, f->gz.len);
	gz.p[gz.len - 6] ^= 0x55; /* inside the CRC32 trailer */
	assert_int_equal(ward_layer_stream_begin(f->layers, &f->desc, NULL, &ls, &err), 0);
	r = feed(ls, gz.p, gz.len, 333, &err);
	if (r == 0)
		r = ward_layer_stream_finish(ls, &err);
	assert_true(r < 0);
	assert_non_null(err);
	ward_error_free(err);
	ward_layer_stream_abort(ls);
	free(gz.p);
	assert_int_equal(count_entries(f->layers), 0);
}

/* Entries that depend on files the writer threads may still be writing:
 * tar order must win. {type, name, data or link target}. */
struct oent {
	char type; /* f file, h hardlink, d dir, l symlink */
	const char *name, *arg;
};

static void
make_ordered_tar(const struct oent *ents, size_t n, struct buf *out)
{
	struct archive *a = archive_write_new();

	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open(a, out, NULL, buf_write_cb, NULL), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = ents[i].type == 'f' ? strlen(ents[i].arg) : 0;

		archive_entry_set_pathname(e, ents[i].name);
		archive_entry_set_filetype(e, ents[i].type == 'd'   ? AE_IFDIR
					      : ents[i].type == 'l' ? AE_IFLNK
								    : AE_IFREG);
		archive_entry_set_perm(e, ents[i].type == 'd' ? 0755 : 0644);
		if (ents[i].type == 'h')
			archive_entry_set_hardlink(e, ents[i].arg);
		if (ents[i].type == 'l')
			archive_entry_set_symlink(e, ents[i].arg);
		if (ents[i].type != 'h')
			archive_entry_set_size(e, (la_int64_t)len);
		archive_entry_set_mtime(e, 1700000000, 0);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (len)
			assert_int_equal(archive_write_data(a, ents[i].arg, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static void
read_at(int dirfd, const char *path, char *out, size_t cap)
{
	int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, out, cap - 1);
	assert_true(n >= 0);
	out[n] = '\0';
	close(fd);
}

static void
test_unpack_keeps_tar_order_with_writer_threads(void **state)
{
	/* many small files first, so the writer threads have a backlog */
	static const struct oent ents[] = {
		{'f', "bulk/1", "1"}, {'f', "bulk/2", "2"}, {'f', "bulk/3", "3"},
		{'f', "bulk/4", "4"}, {'f', "bulk/5", "5"}, {'f', "bulk/6", "6"},
		{'f', "f1", "one"},
		{'h', "link1", "f1"},		/* links the first f1 */
		{'f', "f1", "two"},		/* replaces f1; link1 keeps "one" */
		{'f', "d/x", "inside d"},
		{'l', "d", "/etc"},		/* replaces the directory d (and d/x) */
		{'f', "late", "first"},
		{'f', "late", "second"},	/* same name twice in a row */
		{'d', "bulk/6", ""},		/* a directory replaces a pending file */
		{'f', "bulk/6/in", "in dir"},
	};
	struct fixture *f = *state;
	struct ward_unpack_result res;
	struct ward_error *err = NULL;
	struct buf tar = {0};
	char got[64], target[64];
	struct stat st;
	int layer, memfd;
	ssize_t n;

	make_ordered_tar(ents, WARD_ARRAY_SIZE(ents), &tar);
	memfd = memfd_create("layer", MFD_CLOEXEC);
	assert_true(memfd >= 0);
	assert_int_equal(write(memfd, tar.p, tar.len), (ssize_t)tar.len);
	assert_int_equal(lseek(memfd, 0, SEEK_SET), 0);
	assert_int_equal(mkdirat(f->layers, "l", 0755), 0);
	layer = openat(f->layers, "l", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ward_layer_unpack(memfd, layer, NULL, &res, &err) < 0)
		fail_msg("unpack: %s", err->msg);
	close(memfd);
	read_at(layer, "link1", got, sizeof(got));
	assert_string_equal(got, "one");
	read_at(layer, "f1", got, sizeof(got));
	assert_string_equal(got, "two");
	read_at(layer, "late", got, sizeof(got));
	assert_string_equal(got, "second");
	read_at(layer, "bulk/6/in", got, sizeof(got));
	assert_string_equal(got, "in dir");
	read_at(layer, "bulk/3", got, sizeof(got));
	assert_string_equal(got, "3");
	assert_int_equal(fstatat(layer, "d", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISLNK(st.st_mode));
	n = readlinkat(layer, "d", target, sizeof(target) - 1);
	assert_int_equal(n, 4);
	target[n] = '\0';
	assert_string_equal(target, "/etc");
	assert_int_equal(fstatat(layer, "bulk/6", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISDIR(st.st_mode));
	close(layer);
	free(tar.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stream_publishes_layer_after_diff_id_matched,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_stream_refuses_diff_id_mismatch_and_leaves_no_layer_dir, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_stream_refuses_escape_and_leaves_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_abort_midway_leaves_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stream_truncated_blob_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stream_concatenated_members_and_trailing_bytes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_corrupt_gzip_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unpack_keeps_tar_order_with_writer_threads,
						setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
