/* SPDX-License-Identifier: Apache-2.0 */
/* Images in the store: import a rootfs tarball, open an image by name (one
 * verified digest from index.json to config), prepare its layers. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include <ward/image.h>

#define COPY_CHUNK (1u << 20)
#define IMPORT_MAX (WARD_BLOB_MAX)

void
ward_image_free(struct ward_image *img)
{
	if (!img)
		return;
	ward_manifest_free(img->manifest);
	ward_image_config_free(img->config);
	free(img);
}

static int
read_json_blob(struct ward_store *s, const struct ward_descriptor *d, char **ret, size_t *ret_len,
	       struct ward_error **err)
{
	if (d->size < 0 || (uint64_t)d->size > WARD_MANIFEST_MAX)
		return ward_error_setk(err, WARD_E_DENIED, EFBIG, "%s: %lld bytes, at most %u",
				       d->digest.s, (long long)d->size, WARD_MANIFEST_MAX);
	return ward_store_read_blob(s, &d->digest, WARD_MANIFEST_MAX, ret, ret_len, err);
}

int
ward_image_open(struct ward_store *s, const char *name, const struct ward_platform *platform,
		struct ward_image **ret, struct ward_error **err)
{
	struct ward_descriptor d;
	_cleanup_free_ char *buf = NULL, *cbuf = NULL;
	size_t len = 0, clen = 0;
	struct ward_image *img;
	int r;

	r = ward_store_resolve(s, name, &d, err);
	if (r < 0)
		return ward_error_wrap(err, "image '%s'", name);
	r = read_json_blob(s, &d, &buf, &len, err);
	if (r < 0)
		return ward_error_wrap(err, "image '%s'", name);
	if (ward_media_type_is_index(d.media_type)) {
		_cleanup_(ward_index_freep) struct ward_index *idx = NULL;
		const struct ward_index_entry *e = NULL;
		if ((r = ward_index_parse(buf, len, d.media_type, &idx, err)) < 0 ||
		    (r = ward_index_pick(idx, platform, &e, err)) < 0)
			return ward_error_wrap(err, "image '%s'", name);
		d = e->desc;
		free(buf);
		buf = NULL;
		if ((r = read_json_blob(s, &d, &buf, &len, err)) < 0)
			return ward_error_wrap(err, "image '%s'", name);
	}
	img = calloc(1, sizeof(*img));
	if (!img)
		return ward_error_set(err, ENOMEM, "image '%s'", name);
	img->manifest_digest = d.digest;
	if ((r = ward_manifest_parse(buf, len, d.media_type, &img->manifest, err)) < 0 ||
	    (r = read_json_blob(s, &img->manifest->config, &cbuf, &clen, err)) < 0 ||
	    (r = ward_image_config_parse(cbuf, clen, &img->config, err)) < 0) {
		ward_image_free(img);
		return ward_error_wrap(err, "image '%s'", name);
	}
	if (img->config->n_diff_ids != img->manifest->n_layers) {
		r = ward_error_set(err, EINVAL, "image '%s': %zu layers but %zu diff ids", name,
				   img->manifest->n_layers, img->config->n_diff_ids);
		ward_image_free(img);
		return r;
	}
	*ret = img;
	return 0;
}

/* Layers are independent directories: unpack them on every core at once
 * (gzip inflate is the cost of a pull). Each worker takes the next layer. */
struct unpack_job {
	struct ward_store *s;
	int layers_fd;
	const struct ward_image *img;
	size_t next;              /* next layer index, taken under lock */
	pthread_mutex_t lock;
	struct ward_error *first; /* the first failure wins */
};

static void *
unpack_worker(void *data)
{
	struct unpack_job *j = data;

	for (;;) {
		struct ward_error *e = NULL;
		size_t i;

		pthread_mutex_lock(&j->lock);
		i = j->first ? j->img->manifest->n_layers : j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->img->manifest->n_layers)
			return NULL;
		if (ward_layers_unpack_blob(j->s, j->layers_fd, &j->img->manifest->layers[i],
					    &j->img->config->diff_ids[i], NULL, &e) < 0) {
			pthread_mutex_lock(&j->lock);
			if (!j->first)
				j->first = e;
			else
				ward_error_free(e);
			pthread_mutex_unlock(&j->lock);
		}
	}
}

static int
unpack_all(struct ward_store *s, int layers_fd, const struct ward_image *img,
	   struct ward_error **err)
{
	struct unpack_job j = {.s = s, .layers_fd = layers_fd, .img = img,
			       .lock = PTHREAD_MUTEX_INITIALIZER};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = img->manifest->n_layers;
	size_t workers = cpus > 1 ? (size_t)cpus : 1;
	pthread_t tids[16];
	size_t started = 0;

	if (workers > n)
		workers = n;
	if (workers > WARD_ARRAY_SIZE(tids))
		workers = WARD_ARRAY_SIZE(tids);
	for (; started + 1 < workers; started++)
		if (pthread_create(&tids[started], NULL, unpack_worker, &j) != 0)
			break;
	unpack_worker(&j); /* this thread works too */
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	if (j.first) {
		if (err) {
			ward_error_free(*err);
			*err = j.first;
		} else {
			ward_error_free(j.first);
		}
		return -EIO;
	}
	return 0;
}

int
ward_image_prepare_layers(struct ward_store *s, int layers_fd, const char *root,
			  const struct ward_image *img, char ***ret, struct ward_error **err)
{
	size_t n = img->manifest->n_layers;
	char **dirs;
	int r;

	r = unpack_all(s, layers_fd, img, err);
	if (r < 0)
		return r;
	dirs = calloc(n + 1, sizeof(char *));
	if (!dirs)
		return ward_error_set(err, ENOMEM, "layers");
	for (size_t i = 0; i < n; i++) {
		/* overlayfs lists the top layer first. */
		dirs[n - 1 - i] = ward_strdup_printf("%s/layers/%s", root,
						     ward_digest_hex(&img->config->diff_ids[i]));
		if (!dirs[n - 1 - i]) {
			ward_strv_free(dirs);
			return ward_error_set(err, ENOMEM, "layers");
		}
	}
	*ret = dirs;
	return (int)n;
}

/* ---- import --------------------------------------------------------------- */

static int
copy_into_blob(struct ward_store *s, int fd, struct ward_digest *ret, int64_t *ret_size,
	       unsigned char *magic, struct ward_error **err)
{
	struct ward_blob_writer *w = NULL;
	_cleanup_free_ char *buf = malloc(COPY_CHUNK);
	int64_t total = 0;
	int r;

	if (!buf)
		return ward_error_set(err, ENOMEM, "import");
	r = ward_store_blob_begin(s, NULL, -1, IMPORT_MAX, &w, err);
	if (r < 0)
		return r;
	for (;;) {
		ssize_t n = read(fd, buf, COPY_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ward_blob_abort(w);
			return ward_error_set(err, errno, "import: read");
		}
		if (n == 0)
			break;
		if (total == 0)
			memcpy(magic, buf, n >= 4 ? 4 : (size_t)n);
		total += n;
		if ((r = ward_blob_write(w, buf, (size_t)n, err)) < 0) {
			ward_blob_abort(w);
			return r;
		}
	}
	*ret_size = total;
	return ward_blob_commit(w, ret, err);
}

static const char *
layer_media_type(const unsigned char *m)
{
	if (m[0] == 0x1f && m[1] == 0x8b)
		return "application/vnd.oci.image.layer.v1.tar+gzip";
	if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return "application/vnd.oci.image.layer.v1.tar+zstd";
	return "application/vnd.oci.image.layer.v1.tar";
}

static int
put_json(struct ward_store *s, json_t *j, struct ward_digest *ret, int64_t *ret_size,
	 struct ward_error **err)
{
	_cleanup_free_ char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	if (!text)
		return ward_error_set(err, ENOMEM, "import");
	*ret_size = (int64_t)strlen(text);
	return ward_store_put_blob(s, text, strlen(text), ret, err);
}

int
ward_image_import(struct ward_store *s, int layers_fd, int tar_fd, const char *name,
		  char *const *cmd, struct ward_digest *ret, struct ward_error **err)
{
	struct ward_descriptor layer = {0};
	struct ward_digest diff_id, config_digest, manifest_digest;
	struct ward_platform host;
	unsigned char magic[4] = {0};
	int64_t config_size = 0, manifest_size = 0;
	json_t *config, *manifest, *cmdv = json_array();
	char created[32];
	time_t now = time(NULL);
	struct tm tm;
	int r;

	if ((r = copy_into_blob(s, tar_fd, &layer.digest, &layer.size, magic, err)) < 0)
		return ward_error_wrap(err, "import");
	snprintf(layer.media_type, sizeof(layer.media_type), "%s", layer_media_type(magic));
	if ((r = ward_layers_unpack_blob(s, layers_fd, &layer, NULL, &diff_id, err)) < 0)
		return ward_error_wrap(err, "import");
	for (char *const *c = cmd; c && *c; c++)
		json_array_append_new(cmdv, json_string(*c));
	if (json_array_size(cmdv) == 0)
		json_array_append_new(cmdv, json_string("/bin/sh"));
	gmtime_r(&now, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ward_platform_host(&host);
	config = json_pack("{s:s, s:s, s:s, s:{s:[s], s:o}, s:{s:s, s:[s]}, s:[{s:s, s:s}]}",
			   "created", created, "architecture", host.architecture, "os", host.os,
			   "config", "Env",
			   "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "Cmd",
			   cmdv, "rootfs", "type", "layers", "diff_ids", diff_id.s, "history",
			   "created", created, "created_by", "ward import");
	if (!config)
		return ward_error_set(err, ENOMEM, "import");
	r = put_json(s, config, &config_digest, &config_size, err);
	json_decref(config);
	if (r < 0)
		return ward_error_wrap(err, "import: config");
	manifest = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I}]}", "schemaVersion",
			     2, "mediaType", WARD_MT_OCI_MANIFEST, "config", "mediaType",
			     WARD_MT_OCI_CONFIG, "digest", config_digest.s, "size",
			     (json_int_t)config_size, "layers", "mediaType", layer.media_type,
			     "digest", layer.digest.s, "size", (json_int_t)layer.size);
	if (!manifest)
		return ward_error_set(err, ENOMEM, "import");
	r = put_json(s, manifest, &manifest_digest, &manifest_size, err);
	json_decref(manifest);
	if (r < 0)
		return ward_error_wrap(err, "import: manifest");
	if (name && (r = ward_store_tag(s, name, WARD_MT_OCI_MANIFEST, &manifest_digest, err)) < 0)
		return ward_error_wrap(err, "import: tag '%s'", name);
	*ret = manifest_digest;
	return 0;
}
