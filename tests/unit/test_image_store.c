/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The blob store: streaming writes that verify before anything is visible,
 * reads that catch tampering, names in index.json, gc, and interop with
 * skopeo and umoci in both directions.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/image.h>

#define ZERO_DIGEST "sha256:0000000000000000000000000000000000000000000000000000000000000000"

struct fixture {
	char dir[64];
	char root[128];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ward-store-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->root, sizeof(f->root), "%s/layout", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	struct ward_error *err = NULL;

	if (ward_fs_remove_tree(AT_FDCWD, f->dir, &err) < 0)
		ward_error_free(err);
	free(f);
	return 0;
}

static struct ward_store *
open_store(const char *root, bool create)
{
	struct ward_store *s = NULL;
	struct ward_error *err = NULL;

	if (ward_store_open(root, create, &s, &err) < 0)
		fail_msg("open %s: %s", root, err->msg);
	return s;
}

static size_t
count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static size_t
count_blobs(const struct fixture *f)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/blobs/sha256", f->root);
	return count_entries(p);
}

static size_t
count_ingest(const struct fixture *f)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/ingest", f->root);
	return count_entries(p);
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

static char *
read_file(const char *dir, const char *name)
{
	char p[512], *buf = NULL;
	struct ward_error *err = NULL;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (ward_fs_read_all(AT_FDCWD, p, 1 << 20, &buf, NULL, &err) < 0)
		fail_msg("%s", err->msg);
	return buf;
}

/* ---- layout and blobs --------------------------------------------------- */

static void
test_open_creates_oci_layout(void **state)
{
	struct fixture *f = *state;
	struct ward_store *s = open_store(f->root, true);
	struct ward_error *err = NULL;
	char *layout, *index;

	layout = read_file(f->root, "oci-layout");
	assert_string_equal(layout, "{\"imageLayoutVersion\":\"1.0.0\"}");
	index = read_file(f->root, "index.json");
	assert_non_null(strstr(index, "\"schemaVersion\":2"));
	assert_non_null(strstr(index, WARD_MT_OCI_INDEX));
	free(layout);
	free(index);
	assert_string_equal(ward_store_root(s), f->root);
	ward_store_free(s);
	/* Reopening finds it; a missing store is not created without asking. */
	ward_store_free(open_store(f->root, false));
	char missing[192];
	snprintf(missing, sizeof(missing), "%s/nope", f->dir);
	expect_error(ward_store_open(missing, false, &s, &err), &err, "nope");
}

static void
test_put_and_read_blob_round_trip(void **state)
{
	struct fixture *f = *state;
	struct ward_store *s = open_store(f->root, true);
	struct ward_error *err = NULL;
	struct ward_digest d, want;
	char *buf = NULL, path[256];
	size_t len = 0;
	struct stat st;

	assert_int_equal(ward_store_put_blob(s, "hello", 5, &d, &err), 0);
	ward_digest_of("hello", 5, &want);
	assert_string_equal(d.s, want.s);
	assert_true(ward_store_has_blob(s, &d));
	assert_int_equal(ward_store_read_blob(s, &d, 100, &buf, &len, &err), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(buf, "hello", 5);
	free(buf);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", f->root, ward_digest_hex(&d));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0444);
	assert_int_equal(count_ingest(f), 0);
	/* A read larger than the caller allows is refused before reading. */
	expect_error(ward_store_read_blob(s, &d, 4, &buf, &len, &err), &err, "more than the 4");
	ward_store_free(s);
}

static void
test_streamed_blob_verifies_digest_and_size(void **state)
{
	struct fixture *f = *state;
	struct ward_store *s = open_store(f->root, true);
	struct ward_blob_writer *w = NULL;
	struct ward_error *err = NULL;
	struct ward_digest want, got;
	char chunk[4096];
	uint64_t size = 0;
	int fd;

	memset(chunk, 'x', sizeof(chunk));
	struct ward_hasher *h = ward_hasher_new();
	for (int i = 0; i < 16; i++)
		ward_hasher_update(h, chunk, sizeof(chunk));
	ward_hasher_final(h, &want);
	ward_hasher_free(h);

	assert_int_equal(ward_store_blob_begin(s, &want, 16 * 4096, 1 << 20, &w, &err), 0);
	assert_int_equal(count_ingest(f), 1);
	for (int i = 0; i < 16; i++)
		assert_int_equal(ward_blob_write(w, chunk, sizeof(chunk), &err), 0);
	assert_int_equal(ward_blob_commit(w, &got, &err), 0);
	assert_string_equal(got.s, want.s);
	assert_int_equal(count_ingest(f), 0);
	fd = ward_store_blob_open(s, &want, &size, &err);
	assert_true(fd >= 0);
	assert_int_equal(size, 16 * 4096);
	close(fd);
	ward_store_free(s);
}

static void
test_commit_with_wrong_digest_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct ward_store *s = open_store(f->root, true);
	struct ward_blob_writer *w = NULL;
	struct ward_error *err = NULL;
	struct ward_digest wrong, got;

	ward_digest_of("something else", 14, &wrong);
	assert_int_equal(ward_store_blob_begin(s, &wrong, -1, 1 << 20, &w, &err), 0);
	assert_int_equal(ward_blob_write(w, "evil", 4, &err), 0);
	ward_digest_of("evil", 4, &got);
	assert_true(ward_blob_commit(w, NULL, &err) < 0);
	assert_int_equal(err->kind, WARD_E_DENIED);
	char msg[256];
	snprintf(msg, sizeof(msg), "blob %s: digest mismatch (got %s)", wrong.s, got.s);
	assert_string_equal(err->msg, msg);
	ward_error_freep(&err);
	assert_int_equal(count_blobs(f), 0);
	assert_int_equal(count_ingest(f), 0);
	assert_false(ward_store_has_blob(s, &got));
	assert_false(ward_store_has_blob(s, &wrong));
	ward_store_free(s);
}

static void
test_oversize_and_truncated_blobs_are_refused(void **state)
{
	struct fixture *f = *state;
	struct ward_store *s = open_store(f->root, true);
	struct ward_blob_writer *w = NULL;
	struct ward_error *err = NULL;
	struct ward_digest d;

	/* Past the caller's cap. */
	assert_int_equal(ward_store_blob_begin(s, NULL, -1, 8, &w, &err), 0);
	assert_int_equal(ward_blob_write(w, "12345678", 8, &err), 0);
	expect_error(ward_blob_write(w, "9", 1, &err), &err, "more than the 8 bytes allowed");
	expect_error(ward_blob_write(w, "", 0, &err), &err, "after a failed write");
	expect_error(ward_blob_commit(w, NULL, &err), &err, "earlier write failed");
	assert_int_equal(count_ingest(f), 0);

	/* Past the announced size. */
	ward_digest_of("123", 3, &d);
	assert_int_equal(ward_store_blob_begin(s, &d, 2, 100, &w, &err), 0);
	expect_error(ward_blob_write(w, "123", 3, &err), &err, "more than the 2 bytes expected");
	ward_blob_abort(w);

	/* A descriptor announcing more than allowed: refused up front. */
	expect_error(ward_store_blob_begin(s, &d, 1000, 100, &w, &err), &err,
		     "size 1000 is more than the 100 allowed");

	/* Truncated: fewer bytes than announced. */
	assert_int_equal(ward_store_blob_begin(s, &d, 3, 100, &w, &err), 0);
	assert_int_equal(ward_blob_write(w, "12", 2, &err), 0);
	expect_error(ward_blob_commit(w, NULL, &err), &err, "truncated: got 2 of 3 bytes");

	/* Aborted writers leave nothing either. */
	assert_int_equal(ward_store_blob_begin(s, NULL, -1, 100, &w, &err), 0);
	ward_blob_abort(w);
	ward_blob_abort(NULL);
	assert_int_equal(count_blobs(f), 0);
	assert_int_equal(count_ingest(f), 0);
	ward_store_free(s);
}

static void
test_tampered_blob_is_detected_on_read(void **state)
{
	struct fixture *f = *state;
	struct ward_store *s = open_store(f->root, true);
	struct ward_error *err = NULL;
	struct ward_digest d;
	char path[256], *buf = NULL;
	size_t len;
	int fd;

	assert_int_equal(ward_store_put_blob(s, "{\"a\":1}", 7, &d, &err), 0);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", f->root, ward_digest_hex(&d));
	fd = open(path, O_WRONLY | O_TRUNC); /* root ignores 0444 */
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"a\":2}", 7), 7);
	close(fd);
	assert_true(ward_store_read_blob(s, &d, 100, &buf, &len, &err) < 0);
	assert_int_equal(err->kind, WARD_E_DENIED);
	assert_non_null(strstr(err->msg, "digest mismatch"));
	ward_error_freep(&err);
	ward_store_free(s);
}

static void
test_symlinked_blob_is_not_followed(void **state)
{
	struct fixture *f = *state;
	struct ward_store *s = open_store(f->root, true);
	struct ward_error *err = NULL;
	struct ward_digest d;
	char path[256];
	uint64_t size;

	ward_digest_of("x", 1, &d);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", f->root, ward_digest_hex(&d));
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_false(ward_store_has_blob(s, &d));
	assert_true(ward_store_blob_open(s, &d, &size, &err) < 0);
	ward_error_freep(&err);
	/* A caller-built digest cannot name a path outside blobs/sha256. */
	struct ward_digest evil;
	snprintf(evil.s, sizeof(evil.s), "sha256:../../../../../../../../etc/passwd");
	assert_false(ward_store_has_blob(s, &evil));
	expect_error(ward_store_blob_open(s, &evil, &size, &err), &err, "invalid digest");
	ward_store_free(s);
}

/* ---- names -------------------------------------------------------------- */

static void
put_manifest(struct ward_store *s, const char *cfg, struct ward_digest *ret_cfg,
	     struct ward_digest *ret_layer, struct ward_digest *ret_manifest)
{
	struct ward_error *err = NULL;
	struct ward_digest c, l;
	char manifest[1024];
	char layer[32];

	snprintf(layer, sizeof(layer), "layer of %s", cfg);
	assert_int_equal(ward_store_put_blob(s, cfg, strlen(cfg), &c, &err), 0);
	assert_int_equal(ward_store_put_blob(s, layer, strlen(layer), &l, &err), 0);
	snprintf(
		manifest, sizeof(manifest),
		"{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\","
		"\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":"
		"\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\",\"size\":%zu}]}",
		WARD_MT_OCI_MANIFEST, WARD_MT_OCI_CONFIG, c.s, strlen(cfg), l.s, strlen(layer));
	assert_int_equal(ward_store_put_blob(s, manifest, strlen(manifest), ret_manifest, &err), 0);
	if (ret_cfg)
		*ret_cfg = c;
	if (ret_layer)
		*ret_layer = l;
}

static void
test_tag_resolve_list_untag(void **state)
{
	struct fixture *f = *state;
	struct ward_store *s = open_store(f->root, true);
	struct ward_error *err = NULL;
	struct ward_digest m1, m2, missing;
	struct ward_descriptor desc;
	char **names = NULL;

	put_manifest(s, "{\"c\":1}", NULL, NULL, &m1);
	put_manifest(s, "{\"c\":2}", NULL, NULL, &m2);
	assert_int_equal(ward_store_tag(s, "latest", WARD_MT_OCI_MANIFEST, &m1, &err), 0);
	assert_int_equal(ward_store_tag(s, "docker.io/library/busybox:1.36", WARD_MT_OCI_MANIFEST,
					&m2, &err),
			 0);
	assert_int_equal(ward_store_resolve(s, "latest", &desc, &err), 0);
	assert_string_equal(desc.digest.s, m1.s);
	assert_string_equal(desc.media_type, WARD_MT_OCI_MANIFEST);
	assert_true(desc.size > 0);
	/* Retagging moves the name, never duplicates it. */
	assert_int_equal(ward_store_tag(s, "latest", WARD_MT_OCI_MANIFEST, &m2, &err), 0);
	assert_int_equal(ward_store_resolve(s, "latest", &desc, &err), 0);
	assert_string_equal(desc.digest.s, m2.s);
	assert_int_equal(ward_store_list(s, &names, &err), 2);
	assert_string_equal(names[0], "docker.io/library/busybox:1.36");
	assert_string_equal(names[1], "latest");
	assert_null(names[2]);
	ward_strv_free(names);

	assert_int_equal(ward_store_untag(s, "latest", &err), 0);
	assert_int_equal(ward_store_resolve(s, "latest", &desc, &err), -ENOENT);
	assert_int_equal(err->kind, WARD_E_NOTFOUND);
	ward_error_freep(&err);
	expect_error(ward_store_untag(s, "latest", &err), &err, "not found");

	/* Refusals: bad names, unknown types, blobs not in the store. */
	static const char *bad[] = {"", "a b", "-x", "x-", "a..b", "a/../b", "x\ny", "tag\t"};
	for (size_t i = 0; i < WARD_ARRAY_SIZE(bad); i++)
		expect_error(ward_store_tag(s, bad[i], WARD_MT_OCI_MANIFEST, &m1, &err), &err,
			     "invalid image name");
	expect_error(ward_store_tag(s, "ok", "text/plain", &m1, &err), &err,
		     "not a manifest or index type");
	ward_digest_of("not stored", 10, &missing);
	expect_error(ward_store_tag(s, "ok", WARD_MT_OCI_MANIFEST, &missing, &err), &err,
		     "not in store");
	ward_store_free(s);
}

static void
test_concurrent_taggers_lose_nothing(void **state)
{
	struct fixture *f = *state;
	struct ward_store *s = open_store(f->root, true);
	struct ward_error *err = NULL;
	struct ward_digest m;
	char **names = NULL;
	pid_t pids[8];

	put_manifest(s, "{\"c\":1}", NULL, NULL, &m);
	for (int i = 0; i < 8; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct ward_store *cs = NULL;
			int rc = 0;
			if (ward_store_open(f->root, false, &cs, NULL) < 0)
				_exit(1);
			for (int j = 0; j < 10; j++) {
				char name[32];
				snprintf(name, sizeof(name), "p%d-t%d", i, j);
				if (ward_store_tag(cs, name, WARD_MT_OCI_MANIFEST, &m, NULL) < 0)
					rc = 1;
			}
			ward_store_free(cs);
			_exit(rc);
		}
	}
	for (int i = 0; i < 8; i++) {
		int st;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(ward_store_list(s, &names, &err), 80);
	ward_strv_free(names);
	ward_store_free(s);
}

static void
write_index(const struct fixture *f, const char *content)
{
	struct ward_error *err = NULL;
	int dfd = open(f->root, O_RDONLY | O_DIRECTORY);

	assert_true(dfd >= 0);
	assert_int_equal(
		ward_fs_write_atomic(dfd, "index.json", content, strlen(content), 0644, &err), 0);
	close(dfd);
}

static void
test_garbage_index_json_is_refused(void **state)
{
	static const struct {
		const char *json, *error;
	} cases[] = {
		{"garbage", "index.json: line 1"},
		{"[]", "index.json: expected an object, got array"},
		{"{\"schemaVersion\":1,\"manifests\":[]}", "index.json.schemaVersion: must be 2"},
		{"{\"schemaVersion\":2,\"manifests\":{}}",
		 "index.json.manifests: expected an array, got object"},
		{"{\"schemaVersion\":2,\"mediaType\":\"x/y\",\"manifests\":[]}",
		 "index.json.mediaType: 'x/y'"},
		{"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"a/"
		 "b\",\"digest\":\"sha256:zz\","
		 "\"size\":1}]}",
		 "index.json.manifests[0].digest: invalid digest"},
		{"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"a/"
		 "b\",\"digest\":\"" ZERO_DIGEST
		 "\",\"size\":1,\"annotations\":{\"org.opencontainers.image.ref.name\":5}}]}",
		 "index.json.manifests[0].annotations.org.opencontainers.image.ref.name: expected "
		 "a "
		 "string"},
	};
	struct fixture *f = *state;
	struct ward_error *err = NULL;
	struct ward_store *s = open_store(f->root, true);

	ward_store_free(s);
	for (size_t i = 0; i < WARD_ARRAY_SIZE(cases); i++) {
		write_index(f, cases[i].json);
		s = NULL;
		expect_error(ward_store_open(f->root, false, &s, &err), &err, cases[i].error);
		assert_null(s);
	}
	/* Even with create, an existing broken index.json is not overwritten. */
	expect_error(ward_store_open(f->root, true, &s, &err), &err, "index.json");
	char *still = read_file(f->root, "index.json");
	assert_string_equal(still, cases[WARD_ARRAY_SIZE(cases) - 1].json);
	free(still);
}

static void
test_unknown_layout_version_is_refused(void **state)
{
	struct fixture *f = *state;
	struct ward_error *err = NULL;
	struct ward_store *s = open_store(f->root, true);
	int dfd = open(f->root, O_RDONLY | O_DIRECTORY);
	const char *v2 = "{\"imageLayoutVersion\":\"2.0.0\"}";

	ward_store_free(s);
	assert_true(dfd >= 0);
	assert_int_equal(ward_fs_write_atomic(dfd, "oci-layout", v2, strlen(v2), 0644, &err), 0);
	expect_error(ward_store_open(f->root, false, &s, &err), &err,
		     "oci-layout.imageLayoutVersion: '2.0.0' is not supported");
	assert_int_equal(unlinkat(dfd, "oci-layout", 0), 0);
	expect_error(ward_store_open(f->root, false, &s, &err), &err, "open 'oci-layout'");
	close(dfd);
}

static void
test_foreign_index_entries_survive_tagging(void **state)
{
	struct fixture *f = *state;
	struct ward_store *s = open_store(f->root, true);
	struct ward_error *err = NULL;
	struct ward_digest m;
	char idx[1024], *after;

	put_manifest(s, "{\"c\":1}", NULL, NULL, &m);
	ward_store_free(s);
	snprintf(idx, sizeof(idx),
		 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"%s\","
		 "\"size\":1,\"annotations\":{\"io.containerd.image.name\":\"x\"}}],"
		 "\"annotations\":{\"keep\":\"me\"}}",
		 WARD_MT_OCI_MANIFEST, m.s);
	write_index(f, idx);
	s = open_store(f->root, false);
	assert_int_equal(ward_store_tag(s, "v1", WARD_MT_OCI_MANIFEST, &m, &err), 0);
	after = read_file(f->root, "index.json");
	assert_non_null(strstr(after, "io.containerd.image.name"));
	assert_non_null(strstr(after, "\"keep\":\"me\""));
	assert_non_null(strstr(after, "\"org.opencontainers.image.ref.name\":\"v1\""));
	free(after);
	ward_store_free(s);
}

/* ---- gc ----------------------------------------------------------------- */

static void
test_gc_removes_only_unreachable_blobs(void **state)
{
	struct fixture *f = *state;
	struct ward_store *s = open_store(f->root, true);
	struct ward_error *err = NULL;
	struct ward_digest c1, l1, m1, c2, l2, m2, orphan;
	size_t removed = 99;

	put_manifest(s, "{\"c\":1}", &c1, &l1, &m1);
	put_manifest(s, "{\"c\":2}", &c2, &l2, &m2);
	assert_int_equal(ward_store_put_blob(s, "orphan", 6, &orphan, &err), 0);
	assert_int_equal(ward_store_tag(s, "one", WARD_MT_OCI_MANIFEST, &m1, &err), 0);
	assert_int_equal(count_blobs(f), 7);

	/* m2 is kept as an extra root: its config and layer stay too. */
	assert_int_equal(ward_store_gc(s, &m2, 1, &removed, &err), 0);
	assert_int_equal(removed, 1);
	assert_false(ward_store_has_blob(s, &orphan));
	assert_true(ward_store_has_blob(s, &c1) && ward_store_has_blob(s, &l1));
	assert_true(ward_store_has_blob(s, &c2) && ward_store_has_blob(s, &l2));

	assert_int_equal(ward_store_gc(s, NULL, 0, &removed, &err), 0);
	assert_int_equal(removed, 3);
	assert_true(ward_store_has_blob(s, &m1) && ward_store_has_blob(s, &l1));
	assert_false(ward_store_has_blob(s, &m2));

	assert_int_equal(ward_store_untag(s, "one", &err), 0);
	assert_int_equal(ward_store_gc(s, NULL, 0, &removed, &err), 0);
	assert_int_equal(removed, 3);
	assert_int_equal(count_blobs(f), 0);
	ward_store_free(s);
}

static void
test_gc_removes_stale_ingest_files_only(void **state)
{
	struct fixture *f = *state;
	struct ward_store *s = open_store(f->root, true);
	struct ward_blob_writer *live = NULL;
	struct ward_error *err = NULL;
	struct timespec old[2] = {{.tv_sec = 1000}, {.tv_sec = 1000}};
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/ingest/blob-1-dead", f->root);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(futimens(fd, old), 0);
	close(fd);
	assert_int_equal(ward_store_blob_begin(s, NULL, -1, 10, &live, &err), 0);
	assert_int_equal(count_ingest(f), 2);
	assert_int_equal(ward_store_gc(s, NULL, 0, NULL, &err), 0);
	assert_int_equal(count_ingest(f), 1); /* the live writer's file stays */
	assert_int_equal(ward_blob_write(live, "x", 1, &err), 0);
	assert_int_equal(ward_blob_commit(live, NULL, &err), 0);
	assert_int_equal(count_ingest(f), 0);
	ward_store_free(s);
}

static void
test_gc_follows_indexes_and_fails_safe(void **state)
{
	struct fixture *f = *state;
	struct ward_store *s = open_store(f->root, true);
	struct ward_error *err = NULL;
	struct ward_digest c, l, m, idx, bad, orphan;
	char index[512];
	size_t removed = 0;

	put_manifest(s, "{\"c\":1}", &c, &l, &m);
	snprintf(index, sizeof(index),
		 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[{\"mediaType\":\"%s\","
		 "\"digest\":\"%s\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":"
		 "\"amd64\"}}]}",
		 WARD_MT_OCI_INDEX, WARD_MT_OCI_MANIFEST, m.s);
	assert_int_equal(ward_store_put_blob(s, index, strlen(index), &idx, &err), 0);
	assert_int_equal(ward_store_tag(s, "multi", WARD_MT_OCI_INDEX, &idx, &err), 0);
	assert_int_equal(ward_store_put_blob(s, "orphan", 6, &orphan, &err), 0);
	assert_int_equal(ward_store_gc(s, NULL, 0, &removed, &err), 0);
	assert_int_equal(removed, 1);
	assert_true(ward_store_has_blob(s, &c) && ward_store_has_blob(s, &l));

	/* A tagged manifest that does not parse: nothing is removed. */
	assert_int_equal(ward_store_put_blob(s, "{\"schemaVersion\":2}", 19, &bad, &err), 0);
	assert_int_equal(ward_store_tag(s, "broken", WARD_MT_OCI_MANIFEST, &bad, &err), 0);
	assert_int_equal(ward_store_put_blob(s, "orphan", 6, &orphan, &err), 0);
	expect_error(ward_store_gc(s, NULL, 0, &removed, &err), &err, "manifest.config: required");
	assert_true(ward_store_has_blob(s, &orphan));
	ward_store_free(s);
}

/* ---- interop ------------------------------------------------------------ */

static bool
have_tool(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fail_msg("'%s' exited %d", cmd, rc);
}

static void
check_image(struct ward_store *s, const char *name, size_t min_layers)
{
	_cleanup_(ward_manifest_freep) struct ward_manifest *m = NULL;
	_cleanup_(ward_image_config_freep) struct ward_image_config *c = NULL;
	_cleanup_free_ char *buf = NULL, *cbuf = NULL;
	struct ward_error *err = NULL;
	struct ward_descriptor desc;
	size_t len = 0, clen = 0;

	if (ward_store_resolve(s, name, &desc, &err) < 0)
		fail_msg("%s", err->msg);
	assert_true(ward_media_type_is_manifest(desc.media_type));
	if (ward_store_read_blob(s, &desc.digest, WARD_MANIFEST_MAX, &buf, &len, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(len, desc.size);
	if (ward_manifest_parse(buf, len, desc.media_type, &m, &err) < 0)
		fail_msg("%s", err->msg);
	assert_true(m->n_layers >= min_layers);
	if (ward_store_read_blob(s, &m->config.digest, WARD_MANIFEST_MAX, &cbuf, &clen, &err) < 0)
		fail_msg("%s", err->msg);
	if (ward_image_config_parse(cbuf, clen, &c, &err) < 0)
		fail_msg("%s", err->msg);
	assert_string_equal(c->os, "linux");
	assert_int_equal(c->n_diff_ids, m->n_layers);
	for (size_t i = 0; i < m->n_layers; i++)
		assert_true(ward_store_has_blob(s, &m->layers[i].digest));
}

static void
test_reads_layout_made_by_umoci(void **state)
{
	struct fixture *f = *state;
	struct ward_store *s;

	if (geteuid() != 0)
		skip();
	if (!have_tool("umoci"))
		skip();
	run("umoci init --layout %s && umoci new --image %s:base && "
	    "umoci unpack --image %s:base %s/bundle >/dev/null && "
	    "echo hello >%s/bundle/rootfs/hello && "
	    "umoci repack --image %s:v1 %s/bundle >/dev/null",
	    f->root, f->root, f->root, f->dir, f->dir, f->root, f->dir);
	s = open_store(f->root, false);
	check_image(s, "v1", 1);
	char **names = NULL;
	struct ward_error *err = NULL;
	assert_int_equal(ward_store_list(s, &names, &err), 2);
	ward_strv_free(names);
	/* Nothing of a umoci image is garbage. */
	size_t before = count_blobs(f), removed = 9;
	assert_int_equal(ward_store_gc(s, NULL, 0, &removed, &err), 0);
	assert_int_equal(removed, 0);
	assert_int_equal(count_blobs(f), before);
	ward_store_free(s);
}

static void
test_reads_busybox_copied_by_skopeo(void **state)
{
	struct fixture *f = *state;
	struct ward_store *s;
	char mk[512];

	if (geteuid() != 0)
		skip();
	if (!have_tool("skopeo") || access("/bin/busybox", X_OK) != 0)
		skip();
	snprintf(mk, sizeof(mk), "scripts/mkimage.sh");
	if (access(mk, X_OK) != 0)
		skip(); /* run from the repository root */
	run("%s %s/busybox.tar >/dev/null && skopeo copy -q oci-archive:%s/busybox.tar "
	    "oci:%s:busybox >/dev/null",
	    mk, f->dir, f->dir, f->root);
	s = open_store(f->root, false);
	check_image(s, "busybox", 1);
	ward_store_free(s);
}

static void
hash_file(const char *cmd, struct ward_digest *ret)
{
	FILE *p = popen(cmd, "r");
	struct ward_hasher *h = ward_hasher_new();
	char buf[8192];
	size_t n;

	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		ward_hasher_update(h, buf, n);
	assert_int_equal(pclose(p), 0);
	ward_hasher_final(h, ret);
	ward_hasher_free(h);
}

static void
stream_file(struct ward_store *s, const char *path, struct ward_digest *ret, size_t *ret_size)
{
	struct ward_blob_writer *w = NULL;
	struct ward_error *err = NULL;
	struct ward_digest expect;
	char cmd[640], buf[8192];
	struct stat st;
	FILE *fp;
	size_t n;

	snprintf(cmd, sizeof(cmd), "cat %s", path);
	hash_file(cmd, &expect);
	assert_int_equal(stat(path, &st), 0);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_int_equal(ward_store_blob_begin(s, &expect, st.st_size, WARD_BLOB_MAX, &w, &err), 0);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		assert_int_equal(ward_blob_write(w, buf, n, &err), 0);
	fclose(fp);
	if (ward_blob_commit(w, ret, &err) < 0)
		fail_msg("%s", err->msg);
	*ret_size = (size_t)st.st_size;
}

static void
test_layout_written_by_ward_reads_in_skopeo_and_umoci(void **state)
{
	struct fixture *f = *state;
	struct ward_store *s = open_store(f->root, true);
	struct ward_error *err = NULL;
	struct ward_digest diff_id, layer, cfg, man;
	struct ward_platform host;
	char cmd[256], config[1024], manifest[1024];
	size_t layer_size;

	if (geteuid() != 0 || !have_tool("skopeo") || !have_tool("umoci")) {
		ward_store_free(s);
		skip();
	}
	run("mkdir -p %s/src/etc && echo ward >%s/src/etc/hello && "
	    "tar czf %s/layer.tar.gz -C %s/src .",
	    f->dir, f->dir, f->dir, f->dir);
	snprintf(cmd, sizeof(cmd), "gzip -dc %s/layer.tar.gz", f->dir);
	hash_file(cmd, &diff_id);
	snprintf(cmd, sizeof(cmd), "%s/layer.tar.gz", f->dir);
	stream_file(s, cmd, &layer, &layer_size);

	ward_platform_host(&host);
	snprintf(config, sizeof(config),
		 "{\"architecture\":\"%s\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"],"
		 "\"Env\":[\"PATH=/bin\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]},"
		 "\"history\":[{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"ward "
		 "test\"}]}",
		 host.architecture, diff_id.s);
	assert_int_equal(ward_store_put_blob(s, config, strlen(config), &cfg, &err), 0);
	snprintf(
		manifest, sizeof(manifest),
		"{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\","
		"\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":"
		"\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\",\"size\":%zu}]}",
		WARD_MT_OCI_MANIFEST, WARD_MT_OCI_CONFIG, cfg.s, strlen(config), layer.s,
		layer_size);
	assert_int_equal(ward_store_put_blob(s, manifest, strlen(manifest), &man, &err), 0);
	assert_int_equal(ward_store_tag(s, "ward-test", WARD_MT_OCI_MANIFEST, &man, &err), 0);
	check_image(s, "ward-test", 1);
	ward_store_free(s);

	run("skopeo inspect oci:%s:ward-test | grep -q '%s'", f->root, man.s);
	run("skopeo copy -q oci:%s:ward-test dir:%s/copy >/dev/null && test -s %s/copy/%s", f->root,
	    f->dir, f->dir, ward_digest_hex(&layer));
	run("umoci stat --image %s:ward-test | grep -q 'ward test'", f->root);
	run("umoci unpack --image %s:ward-test %s/unpacked >/dev/null && "
	    "grep -q ward %s/unpacked/rootfs/etc/hello",
	    f->root, f->dir, f->dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_oci_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_and_read_blob_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_streamed_blob_verifies_digest_and_size, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_commit_with_wrong_digest_leaves_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_oversize_and_truncated_blobs_are_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_blob_is_detected_on_read, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlinked_blob_is_not_followed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tag_resolve_list_untag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_taggers_lose_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_garbage_index_json_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_layout_version_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_foreign_index_entries_survive_tagging, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gc_removes_only_unreachable_blobs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gc_removes_stale_ingest_files_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gc_follows_indexes_and_fails_safe, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reads_layout_made_by_umoci, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reads_busybox_copied_by_skopeo, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_layout_written_by_ward_reads_in_skopeo_and_umoci, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
