/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The layer cache: <root>/layers/<diff id hex>, one read-only directory per
 * unpacked layer, shared by every image and container that uses it. A layer
 * is unpacked into a temporary directory and renamed into place only once
 * its diff id matched the image config, so a half-unpacked or forged layer
 * is never used.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <ward/image.h>
#include <ward/registry.h>


static int
tmp_name(char *buf, size_t size)
{
	unsigned char r[8];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -errno;
	snprintf(buf, size, ".tmp-%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4],
		 r[5], r[6], r[7]);
	return 0;
}

static enum ward_layer_compression
compression_of(const char *media_type)
{
	if (strstr(media_type, "zstd"))
		return WARD_LAYER_COMPRESSION_ZSTD;
	if (strstr(media_type, "gzip"))
		return WARD_LAYER_COMPRESSION_GZIP;
	return WARD_LAYER_COMPRESSION_AUTO; /* plain tar, or a type we detect by magic */
}

int
ward_layers_open(const char *root, struct ward_error **err)
{
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/layers", root) >= sizeof(path))
		return ward_error_set(err, ENAMETOOLONG, "layers under '%s'", root);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return ward_error_set(err, errno, "mkdir '%s'", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return ward_error_set(err, errno, "open '%s'", path);
	return fd;
}

int
ward_layers_unpack_blob(struct ward_store *s, int layers_fd, const struct ward_descriptor *layer,
			const struct ward_digest *want_diff_id, struct ward_digest *ret_diff_id,
			struct ward_error **err)
{
	struct ward_unpack_opts o = {.compression = compression_of(layer->media_type)};
	struct ward_unpack_result res;
	struct ward_digest got;
	_cleanup_close_ int blob = -1, dir = -1;
	char tmp[64];
	uint64_t size = 0;
	int r;

	if (want_diff_id && faccessat(layers_fd, ward_digest_hex(want_diff_id), F_OK,
				      AT_SYMLINK_NOFOLLOW) == 0) {
		if (ret_diff_id)
			*ret_diff_id = *want_diff_id;
		return 0; /* already unpacked and verified */
	}
	blob = ward_store_blob_open(s, &layer->digest, &size, err);
	if (blob < 0)
		return ward_error_wrap(err, "layer %s", layer->digest.s);
	if ((r = tmp_name(tmp, sizeof(tmp))) < 0)
		return ward_error_set(err, -r, "layer %s", layer->digest.s);
	if (mkdirat(layers_fd, tmp, 0755) < 0)
		return ward_error_set(err, errno, "layer %s: mkdir", layer->digest.s);
	dir = openat(layers_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dir < 0) {
		r = ward_error_set(err, errno, "layer %s", layer->digest.s);
		goto fail;
	}
	r = ward_layer_unpack(blob, dir, &o, &res, err);
	if (r < 0) {
		ward_error_wrap(err, "layer %s", layer->digest.s);
		goto fail;
	}
	r = ward_digest_parse(res.diff_id, &got, err);
	if (r < 0)
		goto fail;
	/* The config's diff id is what the image was signed and scanned as:
	 * a layer that unpacks to anything else is not that image. */
	if (want_diff_id && strcmp(got.s, want_diff_id->s) != 0) {
		r = ward_error_setk(err, WARD_E_DENIED, EBADMSG,
				    "layer %s: unpacks to %s, the image config says %s",
				    layer->digest.s, got.s, want_diff_id->s);
		goto fail;
	}
	if (renameat(layers_fd, tmp, layers_fd, ward_digest_hex(&got)) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY) {
			r = ward_error_set(err, errno, "layer %s: rename", layer->digest.s);
			goto fail;
		}
		/* Someone else finished the same layer first: theirs is as good. */
		(void)ward_fs_remove_tree(layers_fd, tmp, NULL);
	}
	if (ret_diff_id)
		*ret_diff_id = got;
	return 0;
fail:
	(void)ward_fs_remove_tree(layers_fd, tmp, NULL);
	return r;
}

bool
ward_layers_have(int layers_fd, const struct ward_digest *diff_id)
{
	return faccessat(layers_fd, ward_digest_hex(diff_id), F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int
ward_layers_sync(int layers_fd, struct ward_error **err)
{
	if (syncfs(layers_fd) < 0)
		return ward_error_set(err, errno, "layers: syncfs");
	return 0;
}

/* ---- streamed unpack ------------------------------------------------------- */

/*
 * The compressed bytes reach the unpacker through a ring buffer in memory
 * (no socket, no system call per chunk): write blocks while it is full,
 * the unpacker's read while it is empty. When the unpacker gives up (a
 * hostile entry) it marks the feed gone and write fails at once instead
 * of waiting for a reader that will never come.
 */
#define FEED_SIZE (4u << 20)
/* The unpacker wakes up for this much (or the end), not for every
 * 16 KiB piece curl hands over: fewer context switches. */
#define FEED_WAKE (256u << 10)

struct feed {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned char *ring;
	size_t head, len; /* next write position; bytes in the ring */
	bool eof;	  /* the writer ended the input */
	bool gone;	  /* the unpacker returned: nobody reads any more */
	bool reader_waits, writer_waits;
};

static ssize_t
feed_read(void *opaque, void *buf, size_t n)
{
	struct feed *f = opaque;
	size_t tail, k, first;

	pthread_mutex_lock(&f->lock);
	while (f->len < (n < FEED_WAKE ? n : FEED_WAKE) && !f->eof) {
		f->reader_waits = true;
		pthread_cond_wait(&f->cond, &f->lock);
		f->reader_waits = false;
	}
	k = f->len < n ? f->len : n;
	tail = (f->head + FEED_SIZE - f->len) % FEED_SIZE;
	first = FEED_SIZE - tail < k ? FEED_SIZE - tail : k;
	memcpy(buf, f->ring + tail, first);
	memcpy((unsigned char *)buf + first, f->ring, k - first);
	f->len -= k;
	if (f->writer_waits)
		pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	return (ssize_t)k;
}

/* 0, or -EPIPE once the unpacker is gone. */
static int
feed_write(struct feed *f, const unsigned char *p, size_t n)
{
	pthread_mutex_lock(&f->lock);
	while (n > 0) {
		size_t room, k, first;

		while (f->len == FEED_SIZE && !f->gone) {
			f->writer_waits = true;
			if (f->reader_waits)
				pthread_cond_broadcast(&f->cond);
			pthread_cond_wait(&f->cond, &f->lock);
			f->writer_waits = false;
		}
		if (f->gone) {
			pthread_mutex_unlock(&f->lock);
			return -EPIPE;
		}
		room = FEED_SIZE - f->len;
		k = n < room ? n : room;
		first = FEED_SIZE - f->head < k ? FEED_SIZE - f->head : k;
		memcpy(f->ring + f->head, p, first);
		memcpy(f->ring, p + first, k - first);
		f->head = (f->head + k) % FEED_SIZE;
		f->len += k;
		p += k;
		n -= k;
		if (f->reader_waits && f->len >= FEED_WAKE)
			pthread_cond_broadcast(&f->cond);
	}
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static void
feed_set(struct feed *f, bool *flag)
{
	pthread_mutex_lock(&f->lock);
	*flag = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

struct ward_layer_stream {
	int layers_fd;	/* borrowed */
	char tmp[64];	/* temporary directory under layers_fd; "" once gone */
	int dir;	/* the temporary directory */
	struct feed feed;
	bool ended; /* the end of input was signalled */
	struct ward_digest layer, want;
	bool has_want;
	struct ward_unpack_opts o;
	pthread_t thread;
	bool started, joined, finished;
	int rc;		  /* the unpacker's result, once joined */
	struct ward_error *e; /* ...and its error */
	struct ward_unpack_result res;
};

static void *
stream_worker(void *data)
{
	struct ward_layer_stream *ls = data;

	ls->rc = ward_layer_unpack_from(feed_read, &ls->feed, ls->dir, &ls->o, &ls->res, &ls->e);
	/* Bytes after the end of the compressed stream (the blob digest
	 * covers them) are dropped: the feeder never blocks on them. */
	feed_set(&ls->feed, &ls->feed.gone);
	return NULL;
}

static void
stream_join(struct ward_layer_stream *ls)
{
	if (ls->started && !ls->joined) {
		pthread_join(ls->thread, NULL);
		ls->joined = true;
	}
}

static void
stream_end_input(struct ward_layer_stream *ls)
{
	if (!ls->ended) {
		ls->ended = true;
		feed_set(&ls->feed, &ls->feed.eof);
	}
}

/* Take the unpacker's error (it has returned): the one the user needs. */
static int
stream_take_error(struct ward_layer_stream *ls, struct ward_error **err)
{
	int rc = ls->rc < 0 ? ls->rc : -EIO;

	if (err && !*err) {
		*err = ls->e;
		ls->e = NULL;
	}
	if (err && !*err)
		ward_error_set(err, EIO, "layer %s: unpacker stopped", ls->layer.s);
	ward_error_wrap(err, "layer %s", ls->layer.s);
	return rc;
}

void
ward_layer_stream_abort(struct ward_layer_stream *ls)
{
	if (!ls)
		return;
	stream_end_input(ls); /* the unpacker sees a truncated stream and returns */
	stream_join(ls);
	if (ls->dir >= 0)
		(void)close(ls->dir);
	if (ls->tmp[0])
		(void)ward_fs_remove_tree(ls->layers_fd, ls->tmp, NULL);
	ward_error_free(ls->e);
	free(ls->feed.ring);
	free(ls);
}

int
ward_layer_stream_begin(int layers_fd, const struct ward_descriptor *layer,
			const struct ward_digest *want_diff_id, struct ward_layer_stream **ret,
			struct ward_error **err)
{
	struct ward_layer_stream *ls;
	sigset_t all, old;
	int r;

	ls = calloc(1, sizeof(*ls));
	if (!ls)
		return ward_error_set(err, ENOMEM, "layer %s", layer->digest.s);
	ls->layers_fd = layers_fd;
	ls->dir = -1;
	pthread_mutex_init(&ls->feed.lock, NULL);
	pthread_cond_init(&ls->feed.cond, NULL);
	ls->layer = layer->digest;
	ls->o.compression = compression_of(layer->media_type);
	if (want_diff_id) {
		ls->want = *want_diff_id;
		ls->has_want = true;
	}
	if ((r = tmp_name(ls->tmp, sizeof(ls->tmp))) < 0) {
		ls->tmp[0] = '\0';
		r = ward_error_set(err, -r, "layer %s", layer->digest.s);
		goto fail;
	}
	if (mkdirat(layers_fd, ls->tmp, 0755) < 0) {
		r = ward_error_set(err, errno, "layer %s: mkdir", layer->digest.s);
		ls->tmp[0] = '\0';
		goto fail;
	}
	ls->dir = openat(layers_fd, ls->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (ls->dir < 0) {
		r = ward_error_set(err, errno, "layer %s", layer->digest.s);
		goto fail;
	}
	ls->feed.ring = malloc(FEED_SIZE);
	if (!ls->feed.ring) {
		r = ward_error_set(err, ENOMEM, "layer %s", layer->digest.s);
		goto fail;
	}
	/* Signals belong to the caller's thread, not the unpacker. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&ls->thread, NULL, stream_worker, ls);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		r = ward_error_set(err, r, "layer %s: start unpacker thread", layer->digest.s);
		goto fail;
	}
	ls->started = true;
	*ret = ls;
	return 0;
fail:
	ward_layer_stream_abort(ls);
	return r;
}

int
ward_layer_stream_write(struct ward_layer_stream *ls, const void *buf, size_t len,
			struct ward_error **err)
{
	if (ls->joined && ls->rc == 0)
		return 0; /* the unpacker finished early: trailing bytes */
	if (ls->ended)
		return ward_error_setk(err, WARD_E_STATE, EINVAL, "layer %s: write after the end",
				       ls->layer.s);
	if (feed_write(&ls->feed, buf, len) < 0) {
		/* The unpacker refused the layer (or ended early). */
		stream_end_input(ls);
		stream_join(ls);
		/* It finished: what still arrives lies after the end of the
		 * compressed stream (the blob digest covers it); drop it. */
		if (ls->rc == 0)
			return 0;
		return stream_take_error(ls, err);
	}
	return 0;
}

int
ward_layer_stream_finish(struct ward_layer_stream *ls, struct ward_error **err)
{
	struct ward_digest got;
	int r;

	stream_end_input(ls);
	stream_join(ls);
	if (ls->rc < 0) {
		r = stream_take_error(ls, err);
		goto fail;
	}
	r = ward_digest_parse(ls->res.diff_id, &got, err);
	if (r < 0)
		goto fail;
	/* The config's diff id is what the image was signed and scanned as:
	 * a layer that unpacks to anything else is not that image. */
	if (ls->has_want && strcmp(got.s, ls->want.s) != 0) {
		r = ward_error_setk(err, WARD_E_DENIED, EBADMSG,
				    "layer %s: unpacks to %s, the image config says %s", ls->layer.s,
				    got.s, ls->want.s);
		goto fail;
	}
	ls->want = got;
	ls->has_want = true;
	ls->finished = true;
	return 0;
fail:
	/* Nothing of a refused layer stays on disk. */
	if (ls->tmp[0]) {
		(void)ward_fs_remove_tree(ls->layers_fd, ls->tmp, NULL);
		ls->tmp[0] = '\0';
	}
	return r;
}

int
ward_layer_stream_commit(struct ward_layer_stream *ls, struct ward_error **err)
{
	int r = 0;

	if (!ls->finished || !ls->tmp[0]) {
		r = ward_error_setk(err, WARD_E_STATE, EINVAL,
				    "layer %s: commit before a successful finish", ls->layer.s);
		goto out;
	}
	if (renameat(ls->layers_fd, ls->tmp, ls->layers_fd, ward_digest_hex(&ls->want)) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY) {
			r = ward_error_set(err, errno, "layer %s: rename", ls->layer.s);
			goto out;
		}
		/* Someone else finished the same layer first: theirs is as good
		 * (ours is removed below). */
	} else {
		ls->tmp[0] = '\0';
	}
out:
	ward_layer_stream_abort(ls); /* frees; removes the temp dir if still there */
	return r;
}

/* ---- the registry's layer sink ---------------------------------------------- */

static bool
sink_has(void *opaque, const struct ward_digest *diff_id)
{
	return ward_layers_have(*(const int *)opaque, diff_id);
}

static int
sink_begin(void *opaque, const struct ward_descriptor *layer, const struct ward_digest *diff_id,
	   void **ret_stream, struct ward_error **err)
{
	struct ward_layer_stream *ls = NULL;
	int r = ward_layer_stream_begin(*(const int *)opaque, layer, diff_id, &ls, err);

	if (r == 0)
		*ret_stream = ls;
	return r;
}

static int
sink_write(void *stream, const void *buf, size_t len, struct ward_error **err)
{
	return ward_layer_stream_write(stream, buf, len, err);
}

static int
sink_finish(void *stream, struct ward_error **err)
{
	return ward_layer_stream_finish(stream, err);
}

static int
sink_sync(void *opaque, struct ward_error **err)
{
	return ward_layers_sync(*(const int *)opaque, err);
}

static int
sink_commit(void *stream, struct ward_error **err)
{
	return ward_layer_stream_commit(stream, err);
}

static void
sink_abort(void *stream)
{
	ward_layer_stream_abort(stream);
}

void
ward_layers_sink(const int *layers_fd, struct ward_registry_layer_sink *ret)
{
	*ret = (struct ward_registry_layer_sink){
		.opaque = (void *)layers_fd,
		.has = sink_has,
		.begin = sink_begin,
		.write = sink_write,
		.finish = sink_finish,
		.sync = sink_sync,
		.commit = sink_commit,
		.abort = sink_abort,
	};
}
