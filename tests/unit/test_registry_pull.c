/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward_image_pull against Debian's docker-registry on 127.0.0.1: layers
 * download in parallel (several in flight at once), unpack while they
 * arrive (the layer sink of src/image/layers.c), report progress whose
 * totals are the blob sizes, are skipped when present; and a layer whose
 * diff id is not the config's leaves neither its blob nor any layer
 * directory behind. Skips when docker-registry is missing.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <archive.h>
#include <archive_entry.h>

#include <ward/image.h>
#include <ward/registry.h>


#define N_LAYERS 5
#define MT_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"

struct reg {
	char dir[64];
	char host[32];
	pid_t pid;
};

static struct reg cur = {.pid = -1};

static bool
have(const char *tool)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static int
free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), p;

	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
	p = ntohs(a.sin_port);
	close(s);
	return p;
}

static bool
port_open(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				.sin_port = htons((uint16_t)port)};
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = connect(s, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(s);
	return ok;
}

static void
start(struct reg *g)
{
	char cfg[512];
	FILE *f;
	int port = free_port();

	snprintf(g->dir, sizeof(g->dir), "/tmp/ward-regpull.XXXXXX");
	assert_non_null(mkdtemp(g->dir));
	snprintf(g->host, sizeof(g->host), "127.0.0.1:%d", port);
	snprintf(cfg, sizeof(cfg), "%s/config.yml", g->dir);
	f = fopen(cfg, "w");
	assert_non_null(f);
	fprintf(f,
		"version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
		"storage:\n  filesystem:\n    rootdirectory: %s/data\n"
		"http:\n  addr: %s\n",
		g->dir, g->host);
	fclose(f);
	g->pid = fork();
	assert_true(g->pid >= 0);
	if (g->pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execlp("docker-registry", "docker-registry", "serve", cfg, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && !port_open(port); i++) {
		struct timespec ts = {0, 50000000};
		nanosleep(&ts, NULL);
	}
	if (!port_open(port))
		fail_msg("docker-registry did not listen on %s", g->host);
}

static int
teardown(void **state)
{
	(void)state;
	if (cur.pid > 0) {
		kill(cur.pid, SIGTERM);
		waitpid(cur.pid, NULL, 0);
		cur.pid = -1;
	}
	if (cur.dir[0])
		(void)ward_fs_remove_tree(AT_FDCWD, cur.dir, NULL);
	cur.dir[0] = '\0';
	return 0;
}

/* ---- an image of N_LAYERS gzip layers -------------------------------------- */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static la_ssize_t
buf_write_cb(struct archive *a, void *data, const void *d, size_t n)
{
	struct buf *b = data;

	(void)a;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
	return (la_ssize_t)n;
}

/* One file of `size` bytes of text-like data (compressible, not trivial). */
static void
make_layer(int i, size_t size, bool gzip, struct buf *out)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	char name[64], *data = malloc(size);
	uint32_t x = 2166136261u ^ (uint32_t)i;

	assert_non_null(data);
	for (size_t k = 0; k < size; k++) {
		x = x * 1103515245u + 12345u;
		data[k] = (x >> 16) % 7 == 0 ? '\n' : (char)('a' + (x >> 20) % 16);
	}
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	if (gzip)
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	/* the same tar bytes with and without gzip (libarchive pads plain
	 * output to 10 KiB by default) */
	assert_int_equal(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK);
	assert_int_equal(archive_write_open(a, out, NULL, buf_write_cb, NULL), ARCHIVE_OK);
	snprintf(name, sizeof(name), "data/layer%d.txt", i);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_mtime(e, 1700000000, 0);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, data, size), (la_ssize_t)size);
	archive_entry_free(e);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	free(data);
}

struct image {
	struct ward_digest layer[N_LAYERS], diff_id[N_LAYERS];
	size_t size[N_LAYERS];
};

/* Push the layers, a config (with diff id `bad` replaced by a wrong one
 * when bad >= 0) and a manifest tagged `tag`. */
static void
push_image(struct ward_registry *r, const char *tag, int bad, struct image *img)
{
	struct ward_error *err = NULL;
	char json[4096], man[8192], dc[80];
	size_t off = 0, moff = 0;

	for (int i = 0; i < N_LAYERS; i++) {
		struct buf tar = {0}, gz = {0};
		char d[80];

		/* sizes 1.5 MiB down to 0.3 MiB: the biggest goes first */
		make_layer(i, (size_t)(N_LAYERS - i) * 300 * 1024, false, &tar);
		make_layer(i, (size_t)(N_LAYERS - i) * 300 * 1024, true, &gz);
		ward_digest_of(tar.p, tar.len, &img->diff_id[i]);
		if (ward_registry_push_blob(r, "ward/multi", gz.p, gz.len, NULL, d, &err) < 0)
			fail_msg("push layer: %s", err->msg);
		assert_int_equal(ward_digest_parse(d, &img->layer[i], NULL), 0);
		img->size[i] = gz.len;
		free(tar.p);
		free(gz.p);
	}
	off += (size_t)snprintf(json + off, sizeof(json) - off,
				"{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
				"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[");
	for (int i = 0; i < N_LAYERS; i++)
		off += (size_t)snprintf(json + off, sizeof(json) - off, "%s\"%s\"", i ? "," : "",
					i == bad ? "sha256:00000000000000000000000000000000"
						   "00000000000000000000000000000000"
						 : img->diff_id[i].s);
	off += (size_t)snprintf(json + off, sizeof(json) - off, "]}}");
	if (ward_registry_push_blob(r, "ward/multi", json, off, NULL, dc, &err) < 0)
		fail_msg("push config: %s", err->msg);
	moff += (size_t)snprintf(man, sizeof(man),
				 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
				 "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\","
				 "\"size\":%zu},\"layers\":[",
				 WARD_MT_OCI_MANIFEST, dc, off);
	for (int i = 0; i < N_LAYERS; i++)
		moff += (size_t)snprintf(man + moff, sizeof(man) - moff,
					 "%s{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}",
					 i ? "," : "", MT_GZIP, img->layer[i].s, img->size[i]);
	moff += (size_t)snprintf(man + moff, sizeof(man) - moff, "]}");
	if (ward_registry_put_manifest(r, "ward/multi", tag, WARD_MT_OCI_MANIFEST, man, moff, NULL,
				       &err) < 0)
		fail_msg("put manifest: %s", err->msg);
}

/* ---- progress ------------------------------------------------------------- */

struct seen {
	pthread_mutex_t lock;
	int starts[N_LAYERS], dones[N_LAYERS], skips[N_LAYERS], fails;
	uint64_t done[N_LAYERS];
	int64_t total[N_LAYERS];
	bool backwards; /* done went down: a byte counted twice or lost */
	int inflight, max_inflight;
	bool held;
};

static void
on_progress(void *opaque, const struct ward_registry_progress *p)
{
	struct seen *s = opaque;
	bool hold = false;

	assert_true(p->is_layer);
	assert_int_equal(p->n_layers, N_LAYERS);
	assert_true(p->index < N_LAYERS);
	pthread_mutex_lock(&s->lock);
	if (p->done < s->done[p->index] && p->event != WARD_PROGRESS_SKIP)
		s->backwards = true;
	s->done[p->index] = p->done;
	s->total[p->index] = p->total;
	switch (p->event) {
	case WARD_PROGRESS_START:
		s->starts[p->index]++;
		if (++s->inflight > s->max_inflight)
			s->max_inflight = s->inflight;
		/* Hold the first download a moment: the other workers must
		 * start theirs meanwhile, or the pull is not parallel. */
		hold = !s->held;
		s->held = true;
		break;
	case WARD_PROGRESS_DONE:
		s->dones[p->index]++;
		s->inflight--;
		break;
	case WARD_PROGRESS_SKIP:
		s->skips[p->index]++;
		break;
	case WARD_PROGRESS_FAIL:
		s->fails++;
		s->inflight--;
		break;
	case WARD_PROGRESS_BYTES:
		break;
	}
	pthread_mutex_unlock(&s->lock);
	if (hold) {
		struct timespec ts = {0, 300000000};
		nanosleep(&ts, NULL);
	}
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

static void
test_pull_downloads_layers_in_parallel_and_unpacks_them(void **state)
{
	struct ward_registry_opts o = {.plain_http = true};
	struct seen s = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct ward_registry_layer_sink sink;
	struct ward_registry *r = NULL;
	struct ward_store *store = NULL;
	struct ward_error *err = NULL;
	struct ward_digest md;
	struct image img;
	char root[128], ref[128];
	int layers;

	(void)state;
	if (!have("docker-registry"))
		skip();
	start(&cur);
	assert_int_equal(ward_registry_new(cur.host, &o, &r, &err), 0);
	push_image(r, "v1", -1, &img);
	ward_registry_free(r);

	snprintf(root, sizeof(root), "%s/store", cur.dir);
	assert_int_equal(ward_store_open(root, true, &store, &err), 0);
	layers = ward_layers_open(root, &err);
	assert_true(layers >= 0);
	ward_layers_sink(&layers, &sink);
	o.max_parallel = 3;
	o.progress = on_progress;
	o.progress_opaque = &s;
	o.layer_sink = &sink;
	snprintf(ref, sizeof(ref), "%s/ward/multi:v1", cur.host);
	if (ward_image_pull(ref, &o, NULL, store, &md, NULL, &err) < 0)
		fail_msg("pull: %s", err->msg);

	assert_true(s.max_inflight >= 2);
	assert_false(s.backwards);
	assert_int_equal(s.fails, 0);
	for (int i = 0; i < N_LAYERS; i++) {
		assert_int_equal(s.starts[i], 1);
		assert_int_equal(s.dones[i], 1);
		/* the totals are the blob sizes, and every byte was counted once */
		assert_int_equal(s.total[i], (int64_t)img.size[i]);
		assert_int_equal(s.done[i], img.size[i]);
		assert_true(ward_store_has_blob(store, &img.layer[i]));
		assert_true(ward_layers_have(layers, &img.diff_id[i]));
	}
	assert_int_equal(count_entries(layers), N_LAYERS); /* no temporary dirs left */

	/* Again: everything is there, nothing is downloaded. */
	memset(s.starts, 0, sizeof(s.starts));
	if (ward_image_pull(ref, &o, NULL, store, &md, NULL, &err) < 0)
		fail_msg("second pull: %s", err->msg);
	for (int i = 0; i < N_LAYERS; i++) {
		assert_int_equal(s.starts[i], 0);
		assert_int_equal(s.skips[i], 1);
	}
	close(layers);
	ward_store_free(store);
}

static void
test_pull_refuses_layer_whose_diff_id_mismatches(void **state)
{
	struct ward_registry_opts o = {.plain_http = true, .max_parallel = 4};
	struct ward_registry_layer_sink sink;
	struct ward_registry *r = NULL;
	struct ward_store *store = NULL;
	struct ward_error *err = NULL;
	struct ward_digest md;
	struct image img;
	char root[128], ref[128];
	int layers;

	(void)state;
	if (!have("docker-registry"))
		skip();
	start(&cur);
	assert_int_equal(ward_registry_new(cur.host, &o, &r, &err), 0);
	push_image(r, "bad", 2, &img);
	ward_registry_free(r);

	snprintf(root, sizeof(root), "%s/store", cur.dir);
	assert_int_equal(ward_store_open(root, true, &store, &err), 0);
	layers = ward_layers_open(root, &err);
	assert_true(layers >= 0);
	ward_layers_sink(&layers, &sink);
	o.layer_sink = &sink;
	snprintf(ref, sizeof(ref), "%s/ward/multi:bad", cur.host);
	assert_true(ward_image_pull(ref, &o, NULL, store, &md, NULL, &err) < 0);
	assert_non_null(err);
	assert_int_equal(err->kind, WARD_E_DENIED);
	assert_non_null(strstr(err->msg, "the image config says"));
	ward_error_free(err);
	/* No layer is published (not even the good ones: the pull failed),
	 * no temporary directory stays, the refused blob is not stored, and
	 * the name is not tagged. */
	assert_int_equal(count_entries(layers), 0);
	assert_false(ward_store_has_blob(store, &img.layer[2]));
	assert_true(ward_store_resolve(store, ref, &(struct ward_descriptor){0}, NULL) < 0);
	close(layers);
	ward_store_free(store);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_pull_downloads_layers_in_parallel_and_unpacks_them,
					  teardown),
		cmocka_unit_test_teardown(test_pull_refuses_layer_whose_diff_id_mismatches,
					  teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
