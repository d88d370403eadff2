/* SPDX-License-Identifier: Apache-2.0 */
/* Layer unpacking: every entry type, whiteouts, compression, diff_id, and a
 * corpus of hostile tars that must never write outside the layer dir. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
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
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <ward/image.h>

/* ---- building tars -------------------------------------------------------- */

struct tent {
	char type; /* f file, z zero-filled file of size, d dir, l symlink, h hardlink,
		      c/b devices, p fifo */
	const char *name;
	const char *target; /* symlink / hardlink */
	const char *data;
	int64_t size;
	mode_t mode;
	int uid, gid;
	time_t mtime;
	unsigned maj, min;
	const char *xname, *xval;
};

static int
build_tar(const struct tent *ents, size_t n, int filter)
{
	int fd = memfd_create("layer", MFD_CLOEXEC);
	struct archive *a = archive_write_new();
	static char zeros[1 << 16];

	assert_true(fd >= 0);
	assert_non_null(a);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	if (filter == ARCHIVE_FILTER_GZIP) {
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
		(void)archive_write_set_filter_option(a, "gzip", "compression-level", "1");
	} else if (filter == ARCHIVE_FILTER_ZSTD) {
		assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	}
	assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		const struct tent *t = &ents[i];
		struct archive_entry *e = archive_entry_new();
		mode_t type = AE_IFREG;
		int64_t size = 0;

		switch (t->type) {
		case 'd':
			type = AE_IFDIR;
			break;
		case 'l':
			type = AE_IFLNK;
			archive_entry_set_symlink(e, t->target);
			break;
		case 'h':
			archive_entry_set_hardlink(e, t->target);
			break;
		case 'c':
			type = AE_IFCHR;
			break;
		case 'b':
			type = AE_IFBLK;
			break;
		case 'p':
			type = AE_IFIFO;
			break;
		case 'z':
			size = t->size;
			break;
		default:
			size = t->data ? (int64_t)strlen(t->data) : 0;
			break;
		}
		archive_entry_set_pathname(e, t->name);
		archive_entry_set_filetype(e, type);
		archive_entry_set_perm(e, t->mode ? t->mode : (type == AE_IFDIR ? 0755 : 0644));
		archive_entry_set_uid(e, t->uid);
		archive_entry_set_gid(e, t->gid);
		archive_entry_set_mtime(e, t->mtime ? t->mtime : 1700000000, 0);
		if (type == AE_IFCHR || type == AE_IFBLK) {
			archive_entry_set_rdevmajor(e, t->maj);
			archive_entry_set_rdevminor(e, t->min);
		}
		if (t->type != 'h')
			archive_entry_set_size(e, size);
		if (t->xname)
			archive_entry_xattr_add_entry(e, t->xname, t->xval, strlen(t->xval));
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (t->type == 'f' && size > 0)
			assert_int_equal(archive_write_data(a, t->data, (size_t)size), size);
		for (int64_t left = t->type == 'z' ? size : 0; left > 0;) {
			size_t chunk = left > (int64_t)sizeof(zeros) ? sizeof(zeros) : (size_t)left;

			assert_int_equal(archive_write_data(a, zeros, chunk), (la_ssize_t)chunk);
			left -= (int64_t)chunk;
		}
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void
sha256_fd(int fd, char out[80])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char h[32], buf[65536];
	unsigned int len;
	ssize_t n;

	assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(md, buf, (size_t)n);
	EVP_DigestFinal_ex(md, h, &len);
	EVP_MD_CTX_free(md);
	strcpy(out, "sha256:");
	for (unsigned i = 0; i < 32; i++)
		sprintf(out + 7 + 2 * i, "%02x", h[i]);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
}

/* ---- a layer dir next to a sentinel dir ---------------------------------- */

struct fixture {
	char base[64];
	int basefd, layer;
	char passwd_sum[80];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int pfd;

	if (!f)
		return -1;
	strcpy(f->base, "/tmp/ward-unpack-XXXXXX");
	if (!mkdtemp(f->base))
		return -1;
	f->basefd = open(f->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mkdirat(f->basefd, "layer", 0755) < 0 || mkdirat(f->basefd, "sentinel", 0755) < 0)
		return -1;
	f->layer = openat(f->basefd, "layer", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pfd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	if (pfd >= 0) {
		sha256_fd(pfd, f->passwd_sum);
		close(pfd);
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	close(f->layer);
	close(f->basefd);
	(void)ward_fs_remove_tree(AT_FDCWD, f->base, NULL);
	(void)unlink("/etc/ward-unpack-escape");
	(void)unlink("/tmp/ward-unpack-escape");
	(void)rmdir("/tmp/ward-unpack-escape");
	free(f);
	return 0;
}

static size_t
count_dir(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	assert_true(fd >= 0);
	d = fdopendir(fd);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Nothing may appear outside layer/: not next to it, not in the sentinel,
 * not in /etc or /tmp, and /etc/passwd is untouched. */
static void
assert_contained(struct fixture *f)
{
	int pfd;
	char sum[80];

	assert_int_equal(count_dir(f->basefd, "."), 2);
	assert_int_equal(count_dir(f->basefd, "sentinel"), 0);
	assert_int_equal(access("/etc/ward-unpack-escape", F_OK), -1);
	assert_int_equal(access("/tmp/ward-unpack-escape", F_OK), -1);
	pfd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	if (pfd >= 0) {
		sha256_fd(pfd, sum);
		close(pfd);
		assert_string_equal(sum, f->passwd_sum);
	}
}

static int
unpack(struct fixture *f, int fd, const struct ward_unpack_opts *o, struct ward_unpack_result *res,
       struct ward_error **err)
{
	int r = ward_layer_unpack(fd, f->layer, o, res, err);

	close(fd);
	return r;
}

static void
require_root(void)
{
	if (geteuid() != 0)
		skip();
}

/* ---- good layers ----------------------------------------------------------- */

static void
test_unpack_every_entry_type_with_metadata(void **state)
{
	struct fixture *f = *state;
	const struct tent ents[] = {
		{.type = 'd',
		 .name = "dir",
		 .mode = 01777,
		 .uid = 7,
		 .gid = 8,
		 .mtime = 1234567890},
		{.type = 'f',
		 .name = "dir/file",
		 .data = "hello",
		 .mode = 04755,
		 .uid = 1000,
		 .gid = 1001,
		 .mtime = 1000000000,
		 .xname = "user.test",
		 .xval = "v1"},
		{.type = 'f',
		 .name = "dir/trusted",
		 .data = "t",
		 .xname = "trusted.ward",
		 .xval = "v2"},
		{.type = 'f',
		 .name = "dir/skipped",
		 .data = "s",
		 .xname = "security.ward",
		 .xval = "no"},
		{.type = 'f',
		 .name = "dir/ovl",
		 .data = "o",
		 .xname = "trusted.overlay.redirect",
		 .xval = "/x"},
		{.type = 'l', .name = "dir/link", .target = "/etc/passwd", .uid = 5, .gid = 6},
		{.type = 'h', .name = "dir/hard", .target = "dir/file"},
		{.type = 'c', .name = "null", .maj = 1, .min = 3, .mode = 0666},
		{.type = 'b', .name = "loop", .maj = 7, .min = 0, .mode = 0660},
		{.type = 'p', .name = "fifo", .mode = 0620},
		{.type = 'd', .name = "ro", .mode = 0555},
		{.type = 'f', .name = "ro/inside", .data = "x"},
	};
	struct ward_unpack_result res;
	struct ward_error *err = NULL;
	struct stat st, st2;
	char buf[64];

	require_root();
	assert_int_equal(unpack(f, build_tar(ents, WARD_ARRAY_SIZE(ents), 0), NULL, &res, &err), 0);
	assert_int_equal(res.entries, WARD_ARRAY_SIZE(ents));
	assert_int_equal(res.file_bytes, 9);

	assert_int_equal(fstatat(f->layer, "dir", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 01777);
	assert_int_equal(st.st_uid, 7);
	assert_int_equal(st.st_gid, 8);
	/* set after its contents were written */
	assert_int_equal(st.st_mtim.tv_sec, 1234567890);

	assert_int_equal(fstatat(f->layer, "dir/file", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 04755); /* setuid survives chown */
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_gid, 1001);
	assert_int_equal(st.st_mtim.tv_sec, 1000000000);
	assert_int_equal(st.st_nlink, 2);
	assert_int_equal(fstatat(f->layer, "dir/hard", &st2, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_ino, st2.st_ino);

	int fd = openat(f->layer, "dir/file", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fgetxattr(fd, "user.test", buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "v1", 2);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	close(fd);
	fd = openat(f->layer, "dir/trusted", O_RDONLY | O_CLOEXEC);
	assert_int_equal(fgetxattr(fd, "trusted.ward", buf, sizeof(buf)), 2);
	close(fd);
	fd = openat(f->layer, "dir/skipped", O_RDONLY | O_CLOEXEC);
	assert_int_equal(fgetxattr(fd, "security.ward", buf, sizeof(buf)), -1);
	close(fd);
	fd = openat(f->layer, "dir/ovl", O_RDONLY | O_CLOEXEC);
	assert_int_equal(fgetxattr(fd, "trusted.overlay.redirect", buf, sizeof(buf)), -1);
	close(fd);

	assert_int_equal(fstatat(f->layer, "dir/link", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(st.st_uid, 5);
	assert_int_equal(readlinkat(f->layer, "dir/link", buf, sizeof(buf)), 11);
	assert_memory_equal(buf, "/etc/passwd", 11);

	assert_int_equal(fstatat(f->layer, "null", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(1, 3));
	assert_int_equal(st.st_mode & 07777, 0666);
	assert_int_equal(fstatat(f->layer, "loop", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISBLK(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(7, 0));
	assert_int_equal(fstatat(f->layer, "fifo", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0620);
	assert_int_equal(fstatat(f->layer, "ro", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_mode & 07777, 0555);
	assert_int_equal(faccessat(f->layer, "ro/inside", F_OK, 0), 0);
	assert_contained(f);
}

static void
test_unpack_converts_whiteouts_to_overlayfs(void **state)
{
	struct fixture *f = *state;
	const struct tent ents[] = {
		{.type = 'd', .name = "etc"},
		{.type = 'f', .name = "etc/.wh.hosts"},
		{.type = 'd', .name = "var"},
		{.type = 'f', .name = "var/.wh..wh..opq"},
		{.type = 'f', .name = "var/kept", .data = "k"},
		{.type = 'f', .name = ".wh.top"},
	};
	struct ward_unpack_result res;
	struct ward_error *err = NULL;
	struct stat st;
	char buf[8];
	int fd;

	require_root();
	assert_int_equal(unpack(f, build_tar(ents, WARD_ARRAY_SIZE(ents), 0), NULL, &res, &err), 0);
	assert_int_equal(fstatat(f->layer, "etc/hosts", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(0, 0));
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(faccessat(f->layer, "etc/.wh.hosts", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(fstatat(f->layer, "top", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(st.st_mode));
	fd = openat(f->layer, "var", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(fgetxattr(fd, "trusted.overlay.opaque", buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'y');
	close(fd);
	assert_int_equal(faccessat(f->layer, "var/.wh..wh..opq", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(faccessat(f->layer, "var/kept", F_OK, 0), 0);
}

static void
check_compression(struct fixture *f, int filter, enum ward_layer_compression want)
{
	const struct tent ents[] = {
		{.type = 'd', .name = "a"},
		{.type = 'f', .name = "a/b", .data = "some data"},
		{.type = 'z', .name = "a/zeros", .size = 300000},
	};
	char expect[80];
	int plain = build_tar(ents, WARD_ARRAY_SIZE(ents), 0);
	struct ward_unpack_result res;
	struct ward_error *err = NULL;
	struct stat st;

	sha256_fd(plain, expect);
	assert_int_equal(fstat(plain, &st), 0);
	close(plain);
	assert_int_equal(
		unpack(f, build_tar(ents, WARD_ARRAY_SIZE(ents), filter), NULL, &res, &err), 0);
	assert_string_equal(res.diff_id, expect);
	assert_int_equal(res.compression, want);
	assert_int_equal(res.tar_bytes, (uint64_t)st.st_size);
	assert_int_equal(res.file_bytes, 300009);
	assert_int_equal(fstatat(f->layer, "a/zeros", &st, 0), 0);
	assert_int_equal(st.st_size, 300000);
}

static void
test_unpack_plain_tar_diff_id_is_sha256_of_stream(void **state)
{
	check_compression(*state, 0, WARD_LAYER_COMPRESSION_NONE);
}

static void
test_unpack_gzip_diff_id_is_sha256_of_uncompressed(void **state)
{
	check_compression(*state, ARCHIVE_FILTER_GZIP, WARD_LAYER_COMPRESSION_GZIP);
}

static void
test_unpack_zstd_diff_id_is_sha256_of_uncompressed(void **state)
{
	check_compression(*state, ARCHIVE_FILTER_ZSTD, WARD_LAYER_COMPRESSION_ZSTD);
}

static void
test_unpack_rejects_compression_other_than_declared(void **state)
{
	struct fixture *f = *state;
	const struct tent ents[] = {{.type = 'f', .name = "a", .data = "x"}};
	struct ward_unpack_opts o = {.compression = WARD_LAYER_COMPRESSION_GZIP};
	struct ward_unpack_result res;
	struct ward_error *err = NULL;

	assert_true(unpack(f, build_tar(ents, 1, 0), &o, &res, &err) < 0);
	assert_non_null(strstr(err->msg, "not gzip-compressed"));
	ward_error_free(err);
}

static void
test_unpack_absolute_name_stays_inside_layer(void **state)
{
	struct fixture *f = *state;
	const struct tent ents[] = {
		{.type = 'f', .name = "/etc/passwd", .data = "root::0:0::/:/bin/sh\n"},
		{.type = 'f', .name = "/tmp/ward-unpack-escape", .data = "x"}};
	struct ward_unpack_result res;
	struct ward_error *err = NULL;
	struct stat st;

	assert_int_equal(unpack(f, build_tar(ents, 2, 0), NULL, &res, &err), 0);
	assert_int_equal(fstatat(f->layer, "etc/passwd", &st, 0), 0);
	assert_int_equal(st.st_size, 21);
	assert_int_equal(fstatat(f->layer, "tmp/ward-unpack-escape", &st, 0), 0);
	assert_contained(f);
}

static void
test_unpack_later_entry_replaces_without_following(void **state)
{
	struct fixture *f = *state;
	char target[128];
	snprintf(target, sizeof(target), "%s/sentinel", f->base);
	const struct tent ents[] = {
		{.type = 'd', .name = "a"},
		{.type = 'f', .name = "a/f", .data = "x"},
		{.type = 'f', .name = "a", .data = "now a file"},
		{.type = 'l', .name = "l", .target = target},
		{.type = 'f', .name = "l", .data = "replaced the symlink"},
		{.type = 'l', .name = "m", .target = target},
		{.type = 'd', .name = "m"},
		{.type = 'f', .name = "m/inside", .data = "y"},
		{.type = 'f', .name = "n", .data = "file"},
		{.type = 'd', .name = "n"},
		{.type = 'd', .name = "x/a"},
		{.type = 'f', .name = "x/a/f", .data = "x"},
		{.type = 'f', .name = "x/a", .data = "file over a dir, not at the root"},
		{.type = 'f', .name = "x/b", .data = "same parent afterwards"},
	};
	struct ward_unpack_result res;
	struct ward_error *err = NULL;
	struct stat st;

	assert_int_equal(unpack(f, build_tar(ents, WARD_ARRAY_SIZE(ents), 0), NULL, &res, &err), 0);
	assert_int_equal(fstatat(f->layer, "a", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(fstatat(f->layer, "l", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(fstatat(f->layer, "m", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(fstatat(f->layer, "n", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(fstatat(f->layer, "x/a", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(fstatat(f->layer, "x/b", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_contained(f);
}

/* ---- hostile layers ---------------------------------------------------------- */

static void
check_refused(struct fixture *f, const struct tent *ents, size_t n,
	      const struct ward_unpack_opts *o, const char *entry, const char *why)
{
	struct ward_unpack_result res;
	struct ward_error *err = NULL;
	char want[256];

	assert_true(unpack(f, build_tar(ents, n, 0), o, &res, &err) < 0);
	assert_non_null(err);
	snprintf(want, sizeof(want), "layer entry '%s", entry);
	if (!strstr(err->msg, want) || !strstr(err->msg, why))
		fail_msg("error '%s' lacks '%s' or '%s'", err->msg, want, why);
	ward_error_free(err);
	assert_contained(f);
	/* A failed unpack leaves a partial dir: the caller deletes it. */
	close(f->layer);
	assert_int_equal(ward_fs_remove_tree(f->basefd, "layer", NULL), 0);
	assert_int_equal(mkdirat(f->basefd, "layer", 0755), 0);
	f->layer = openat(f->basefd, "layer", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->layer >= 0);
}

static void
test_unpack_refuses_dotdot_escape(void **state)
{
	const struct tent a[] = {{.type = 'f', .name = "../ward-unpack-escape", .data = "x"}};
	const struct tent b[] = {{.type = 'f', .name = "a/../../ward-unpack-escape", .data = "x"}};
	const struct tent c[] = {{.type = 'd', .name = "../"}};

	check_refused(*state, a, 1, NULL, "../ward-unpack-escape", "escapes the layer");
	check_refused(*state, b, 1, NULL, "a/../../ward-unpack-escape", "escapes the layer");
	check_refused(*state, c, 1, NULL, "../", "escapes the layer");
}

static void
test_unpack_refuses_write_through_symlink(void **state)
{
	struct fixture *f = *state;
	const struct tent root[] = {
		{.type = 'l', .name = "evil", .target = "/"},
		{.type = 'f', .name = "evil/etc/ward-unpack-escape", .data = "x"}};
	const struct tent up[] = {{.type = 'l', .name = "evil", .target = ".."},
				  {.type = 'f', .name = "evil/ward-unpack-escape", .data = "x"}};
	const struct tent chain[] = {{.type = 'l', .name = "a", .target = "b"},
				     {.type = 'l', .name = "b", .target = "c"},
				     {.type = 'l', .name = "c", .target = "/tmp"},
				     {.type = 'f', .name = "a/ward-unpack-escape", .data = "x"}};
	const struct tent dir[] = {{.type = 'l', .name = "evil", .target = "/tmp"},
				   {.type = 'd', .name = "evil/ward-unpack-escape"}};

	check_refused(f, root, 2, NULL, "evil/etc/ward-unpack-escape", "through a symlink");
	check_refused(f, up, 2, NULL, "evil/ward-unpack-escape", "through a symlink");
	check_refused(f, chain, 4, NULL, "a/ward-unpack-escape", "through a symlink");
	check_refused(f, dir, 2, NULL, "evil/ward-unpack-escape", "through a symlink");
}

static void
test_unpack_refuses_hostile_hardlinks(void **state)
{
	struct fixture *f = *state;
	const struct tent host[] = {{.type = 'h', .name = "hl", .target = "/etc/passwd"}};
	const struct tent up[] = {{.type = 'h', .name = "hl", .target = "../x"}};
	const struct tent via[] = {{.type = 'l', .name = "s", .target = "/"},
				   {.type = 'h', .name = "hl", .target = "s/etc/passwd"}};
	const struct tent dir[] = {{.type = 'd', .name = "d"},
				   {.type = 'h', .name = "hl", .target = "d"}};
	const struct tent later[] = {{.type = 'h', .name = "hl", .target = "f"},
				     {.type = 'f', .name = "f", .data = "x"}};

	check_refused(f, host, 1, NULL, "hl", "not an earlier entry of this layer");
	check_refused(f, up, 1, NULL, "hl", "escapes the layer");
	check_refused(f, via, 2, NULL, "hl", "through a symlink");
	check_refused(f, dir, 2, NULL, "hl", "hardlink to a directory");
	check_refused(f, later, 2, NULL, "hl", "not an earlier entry");
}

static void
test_unpack_hardlink_to_symlink_links_the_symlink(void **state)
{
	struct fixture *f = *state;
	const struct tent ents[] = {{.type = 'l', .name = "s", .target = "/etc/passwd"},
				    {.type = 'h', .name = "hl", .target = "s"}};
	struct ward_unpack_result res;
	struct ward_error *err = NULL;
	struct stat st;

	require_root();
	assert_int_equal(unpack(f, build_tar(ents, 2, 0), NULL, &res, &err), 0);
	assert_int_equal(fstatat(f->layer, "hl", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_contained(f);
}

static void
test_unpack_refuses_overlong_names(void **state)
{
	struct fixture *f = *state;
	char *longname = malloc(5001), comp[300];
	struct tent a[] = {{.type = 'f', .name = NULL, .data = "x"}};
	struct tent b[] = {{.type = 'f', .name = NULL, .data = "x"}};
	struct tent c[] = {{.type = 'l', .name = "ok", .target = NULL}};

	for (int i = 0; i < 5000; i++)
		longname[i] = (i % 100 == 99) ? '/' : 'a';
	longname[5000] = '\0';
	memset(comp, 'b', 299);
	comp[299] = '\0';
	a[0].name = longname;
	b[0].name = comp;
	c[0].target = longname;
	check_refused(f, a, 1, NULL, "aaaa", "longer than PATH_MAX");
	check_refused(f, b, 1, NULL, "bbbb", "longer than NAME_MAX");
	check_refused(f, c, 1, NULL, "ok", "longer than PATH_MAX");
	/* 300 levels of "a/": short enough for PATH_MAX, too deep to delete */
	for (int i = 0; i < 600; i += 2)
		longname[i] = 'a', longname[i + 1] = '/';
	longname[600] = 'x';
	longname[601] = '\0';
	a[0].name = longname;
	check_refused(f, a, 1, NULL, "a/a/a", "deeper than 200 directories");
	free(longname);
}

static void
test_unpack_refuses_invalid_whiteouts(void **state)
{
	const struct tent a[] = {{.type = 'f', .name = ".wh."}};
	const struct tent b[] = {{.type = 'f', .name = "d/.wh..wh.plnk"}};
	const struct tent c[] = {{.type = 'f', .name = ".wh..."}};
	const struct tent d[] = {{.type = 'f', .name = ".wh.dir/file"}};

	check_refused(*state, a, 1, NULL, ".wh.", "invalid whiteout");
	check_refused(*state, b, 1, NULL, "d/.wh..wh.plnk", "invalid whiteout");
	check_refused(*state, c, 1, NULL, ".wh...", "invalid whiteout");
	check_refused(*state, d, 1, NULL, ".wh.dir/file", "whiteout name used as a directory");
}

static void
test_unpack_refuses_zip_bomb(void **state)
{
	struct fixture *f = *state;
	const struct tent ents[] = {{.type = 'f', .name = "small", .data = "x"},
				    {.type = 'z', .name = "bomb", .size = 1ll << 30}};
	struct ward_unpack_opts o = {.max_bytes = 64u << 20};
	struct ward_unpack_result res;
	struct ward_error *err = NULL;
	int fd = build_tar(ents, 2, ARCHIVE_FILTER_GZIP);
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	assert_true(st.st_size < (8 << 20)); /* small compressed */
	assert_true(unpack(f, fd, &o, &res, &err) < 0);
	assert_non_null(strstr(err->msg, "layer entry 'bomb'"));
	assert_non_null(strstr(err->msg, "exceeds the layer limit"));
	assert_int_equal(err->kind, WARD_E_DENIED);
	ward_error_free(err);
	assert_contained(f);
}

static void
test_unpack_refuses_stream_over_max_bytes(void **state)
{
	struct fixture *f = *state;
	const struct tent ents[] = {{.type = 'z', .name = "a", .size = 40000},
				    {.type = 'z', .name = "b", .size = 40000}};
	struct ward_unpack_opts o = {.max_bytes = 60000};
	struct ward_unpack_result res;
	struct ward_error *err = NULL;

	assert_true(unpack(f, build_tar(ents, 2, 0), &o, &res, &err) < 0);
	assert_non_null(strstr(err->msg, "limit of 60000 bytes"));
	ward_error_free(err);
	assert_contained(f);
}

static void
test_unpack_refuses_too_many_entries(void **state)
{
	struct fixture *f = *state;
	struct tent ents[150];
	char names[150][16];
	struct ward_unpack_opts o = {.max_entries = 100};
	struct ward_unpack_result res;
	struct ward_error *err = NULL;

	for (int i = 0; i < 150; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d", i);
		ents[i] = (struct tent){.type = 'f', .name = names[i]};
	}
	assert_true(unpack(f, build_tar(ents, 150, 0), &o, &res, &err) < 0);
	assert_non_null(strstr(err->msg, "more than 100 entries"));
	ward_error_free(err);
	assert_contained(f);
}

static void
test_unpack_refuses_garbage(void **state)
{
	struct fixture *f = *state;
	int fd = memfd_create("junk", MFD_CLOEXEC);
	struct ward_unpack_result res;
	struct ward_error *err = NULL;

	assert_int_equal(write(fd, "\x1f\x8b this is not gzip at all", 26), 26);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_true(unpack(f, fd, NULL, &res, &err) < 0);
	assert_non_null(err);
	ward_error_free(err);
	assert_contained(f);
}

static void
test_unpack_refuses_non_empty_destination(void **state)
{
	struct fixture *f = *state;
	const struct tent ents[] = {{.type = 'h', .name = "hl", .target = "planted"}};
	struct ward_unpack_result res;
	struct ward_error *err = NULL;
	int fd = openat(f->layer, "planted", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	close(fd);
	assert_true(unpack(f, build_tar(ents, 1, 0), NULL, &res, &err) < 0);
	assert_non_null(strstr(err->msg, "not empty"));
	assert_int_equal(err->kind, WARD_E_STATE);
	ward_error_free(err);
	assert_int_equal(faccessat(f->layer, "hl", F_OK, AT_SYMLINK_NOFOLLOW), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_unpack_every_entry_type_with_metadata),
		T(test_unpack_converts_whiteouts_to_overlayfs),
		T(test_unpack_plain_tar_diff_id_is_sha256_of_stream),
		T(test_unpack_gzip_diff_id_is_sha256_of_uncompressed),
		T(test_unpack_zstd_diff_id_is_sha256_of_uncompressed),
		T(test_unpack_rejects_compression_other_than_declared),
		T(test_unpack_absolute_name_stays_inside_layer),
		T(test_unpack_later_entry_replaces_without_following),
		T(test_unpack_refuses_dotdot_escape),
		T(test_unpack_refuses_write_through_symlink),
		T(test_unpack_refuses_hostile_hardlinks),
		T(test_unpack_hardlink_to_symlink_links_the_symlink),
		T(test_unpack_refuses_overlong_names),
		T(test_unpack_refuses_invalid_whiteouts),
		T(test_unpack_refuses_zip_bomb),
		T(test_unpack_refuses_stream_over_max_bytes),
		T(test_unpack_refuses_too_many_entries),
		T(test_unpack_refuses_garbage),
		T(test_unpack_refuses_non_empty_destination),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
