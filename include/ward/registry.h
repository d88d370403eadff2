/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward registry client: image references and the OCI distribution API v2
 * (pull and push of manifests and blobs) over libcurl, with anonymous,
 * basic (containers auth.json) and bearer-token auth. Everything a
 * registry sends is hostile: sizes are bounded, digests verified, and
 * credentials only go to the host they were stored for.
 */
#ifndef WARD_REGISTRY_H
#define WARD_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <ward/util.h>

/* ==== references (src/registry/reference.c) ============================= */

#define WARD_REF_MAX 4096     /* whole reference string */
#define WARD_REF_NAME_MAX 255 /* registry + "/" + repository (distribution spec) */
#define WARD_REF_TAG_MAX 128  /* [\w][\w.-]{0,127} */

struct ward_ref {
	char *registry;	  /* "host[:port]", e.g. "docker.io", "127.0.0.1:5000" */
	char *repository; /* "library/busybox" */
	char *tag;    /* "latest" when neither tag nor digest was given; NULL with digest only */
	char *digest; /* "sha256:<64 hex>" or NULL */
};

/*
 * Parse a fully qualified reference "host[:port]/repo[:tag][@sha256:...]".
 * The first component is a registry when it contains '.' or ':' or is
 * "localhost"; a short name ("busybox", "library/busybox") is refused with
 * WARD_E_INVALID (use ward_ref_resolve). For docker.io a one-component
 * repository gets "library/". Errors name the input. *ret is owned by the
 * caller (ward_ref_free).
 */
WARD_PUBLIC int ward_ref_parse(const char *s, struct ward_ref **ret, struct ward_error **err);
/*
 * Like ward_ref_parse, but a short name is qualified with the first entry of
 * search_registries (NULL-terminated, may be NULL). With no list, a short
 * name is an error: ward never guesses docker.io.
 */
WARD_PUBLIC int ward_ref_resolve(const char *s, const char *const *search_registries,
				 struct ward_ref **ret, struct ward_error **err);
/* "registry/repository[:tag][@digest]"; malloc'd, NULL on ENOMEM. */
WARD_PUBLIC char *ward_ref_format(const struct ward_ref *r);
/* The tag or digest to ask the registry for (the digest wins). */
WARD_PUBLIC const char *ward_ref_reference(const struct ward_ref *r);
WARD_PUBLIC void ward_ref_free(struct ward_ref *r);
static inline void
ward_ref_freep(struct ward_ref **r)
{
	ward_ref_free(*r);
	*r = NULL;
}
/* Grammar checks from the distribution spec, usable on their own. */
WARD_PUBLIC bool ward_ref_valid_repository(const char *s);
WARD_PUBLIC bool ward_ref_valid_tag(const char *s);
WARD_PUBLIC bool ward_ref_valid_digest(const char *s); /* "sha256:" + 64 lowercase hex only */

/* ==== auth.json (src/registry/authfile.c) =============================== */

#define WARD_AUTHFILE_MAX (1u << 20)

/* The containers auth.json (podman, skopeo, docker config.json):
 * {"auths":{"host[:port]":{"auth":"base64(user:pass)"}}}. Other members are
 * kept untouched when the file is written back. */
struct ward_authfile;

/* Load path; a missing file gives an empty set. */
WARD_PUBLIC int ward_authfile_load(const char *path, struct ward_authfile **ret,
				   struct ward_error **err);
WARD_PUBLIC struct ward_authfile *ward_authfile_new(void);
/* Credentials for host ("host[:port]"; "docker.io" also matches the
 * legacy "https://index.docker.io/v1/" key). -ENOENT when none. Both
 * strings are malloc'd; the caller wipes and frees them. */
WARD_PUBLIC int ward_authfile_get(const struct ward_authfile *a, const char *host, char **ret_user,
				  char **ret_pass, struct ward_error **err);
WARD_PUBLIC int ward_authfile_set(struct ward_authfile *a, const char *host, const char *user,
				  const char *pass, struct ward_error **err);
/* -ENOENT when host had no entry. */
WARD_PUBLIC int ward_authfile_remove(struct ward_authfile *a, const char *host,
				     struct ward_error **err);
/* Write atomically with mode 0600 (temp file, fsync, rename). */
WARD_PUBLIC int ward_authfile_save(const struct ward_authfile *a, const char *path,
				   struct ward_error **err);
WARD_PUBLIC void ward_authfile_free(struct ward_authfile *a);
static inline void
ward_authfile_freep(struct ward_authfile **a)
{
	ward_authfile_free(*a);
	*a = NULL;
}

/* ==== client (src/registry/client.c, auth.c) ============================= */

#define WARD_REGISTRY_MANIFEST_MAX (4u << 20) /* = WARD_MANIFEST_MAX */
#define WARD_REGISTRY_TOKEN_MAX (1u << 20)    /* token endpoint response */

/* Accept header for manifests: OCI manifest, OCI index, Docker schema2
 * manifest and manifest list. */
#define WARD_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define WARD_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define WARD_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define WARD_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

struct ward_registry_progress;
struct ward_registry_layer_sink;

/* Zero-initialise; every 0 means the default in brackets. */
struct ward_registry_opts {
	const char *auth_file; /* containers auth.json; NULL: anonymous */
	const char *cert_dir;  /* dir holding ca.crt (certs.d/<host>/); NULL: system CAs only */
	/* The tls_verify=false switch: speak plain http:// with no TLS at all.
	 * Only when the caller asks; never a fallback. */
	bool plain_http;
	long connect_timeout_ms;    /* [10000] */
	long low_speed_limit;	    /* bytes/s under which the transfer is too slow [1] */
	long low_speed_time_s;	    /* ...for this long [30] */
	long timeout_ms;	    /* whole request, manifests and tokens only [0 = none] */
	unsigned max_tries;	    /* per request, on 5xx/429 and dropped connections [3] */
	long retry_delay_ms;	    /* first backoff, then x4 [200] */
	unsigned max_redirects;	    /* [5] */
	const struct ward_log *log; /* optional debug sink */
	/* Pull: blobs downloaded at once (the layers, biggest first) [6]; at
	 * most WARD_REGISTRY_PARALLEL_MAX. */
	unsigned max_parallel;
	/* Pull: per-blob progress (see struct ward_registry_progress), NULL:
	 * none. Called from the downloading threads, possibly at once: the
	 * callback serialises itself. It must not call back into the pull. */
	void (*progress)(void *opaque, const struct ward_registry_progress *p);
	void *progress_opaque;
	/* Pull: unpack each layer while it downloads (NULL: blobs only). */
	const struct ward_registry_layer_sink *layer_sink;
};

#define WARD_REGISTRY_PARALLEL_MAX 16

enum ward_registry_progress_event {
	WARD_PROGRESS_START, /* about to download (done is 0) */
	WARD_PROGRESS_BYTES, /* done grew (each 256 KiB or more, and at the last byte) */
	WARD_PROGRESS_DONE,  /* verified and stored (done == total) */
	WARD_PROGRESS_SKIP,  /* the store had it already */
	WARD_PROGRESS_FAIL,
};

struct ward_registry_progress {
	enum ward_registry_progress_event event;
	const char *digest; /* "sha256:..." of the blob */
	bool is_layer;	    /* false for the config */
	size_t index;	    /* layer index in the manifest (0 for the config) */
	size_t n_layers;
	uint64_t done;	    /* bytes received so far (resumed transfers count once) */
	int64_t total;	    /* from the manifest's descriptor, -1 when unknown */
};

/*
 * Where a pull streams each layer while it downloads, so `ward pull` leaves
 * the layers unpacked (the CLI wires it to src/image/layers.h). The
 * registry calls, per layer: has (skip the layer when its blob is stored
 * and it is in place), begin, write (each byte once, in order), then
 * finish once the blob digest verified (0: the diff id verified too); and
 * after every layer finished, sync once, then commit each. Any failure:
 * abort for every stream not committed. Streams are used from one thread
 * at a time, but different streams from different threads.
 */
struct ward_descriptor;
struct ward_digest;
struct ward_registry_layer_sink {
	void *opaque;
	bool (*has)(void *opaque, const struct ward_digest *diff_id);
	int (*begin)(void *opaque, const struct ward_descriptor *layer,
		     const struct ward_digest *diff_id, void **ret_stream, struct ward_error **err);
	int (*write)(void *stream, const void *buf, size_t len, struct ward_error **err);
	int (*finish)(void *stream, struct ward_error **err);
	int (*sync)(void *opaque, struct ward_error **err);
	int (*commit)(void *stream, struct ward_error **err); /* consumes the stream */
	void (*abort)(void *stream);			      /* consumes the stream */
};

struct ward_registry;

/* curl_global_init exactly once (pthread_once). Called by
 * ward_registry_new; callers with other curl users may call it first. */
WARD_PUBLIC int ward_registry_init(struct ward_error **err);

/* A client for one registry "host[:port]" ("docker.io" talks to
 * registry-1.docker.io). Holds one curl handle (connection reuse) and the
 * token cache: use it from one thread at a time. */
WARD_PUBLIC int ward_registry_new(const char *registry, const struct ward_registry_opts *opts,
				  struct ward_registry **ret, struct ward_error **err);
WARD_PUBLIC void ward_registry_free(struct ward_registry *r);
/* A second client for the same registry, for another thread: the same
 * options and credentials, a copy of the token cache (no new token
 * round trip), its own curl handle. It borrows r's auth file: free it
 * before r. */
WARD_PUBLIC int ward_registry_clone(const struct ward_registry *r, struct ward_registry **ret,
				    struct ward_error **err);
static inline void
ward_registry_freep(struct ward_registry **r)
{
	ward_registry_free(*r);
	*r = NULL;
}

/* GET /v2/: 0 when the registry answers (after auth), else an error
 * (HTTP 401 -> WARD_E_DENIED, TLS failures name the host). */
WARD_PUBLIC int ward_registry_ping(struct ward_registry *r, struct ward_error **err);

struct ward_manifest_blob {
	char *body; /* NUL-terminated for convenience; len excludes it */
	size_t len;
	char *media_type; /* Content-Type, or NULL */
	char digest[80];  /* sha256 of body, verified against the reference/Docker-Content-Digest */
};
/* Free body and media_type and zero m (the caller owns what get_manifest
 * filled in). */
WARD_PUBLIC void ward_manifest_blob_clear(struct ward_manifest_blob *m);

/* GET a manifest by tag or digest. Refuses more than
 * WARD_REGISTRY_MANIFEST_MAX bytes; when reference is a digest the body must
 * hash to it; a Docker-Content-Digest header must match the body (both
 * WARD_E_DENIED). -ENOENT (WARD_E_NOTFOUND) on 404. *ret is written only on
 * success; release it with ward_manifest_blob_clear. */
WARD_PUBLIC int ward_registry_get_manifest(struct ward_registry *r, const char *repo,
					   const char *reference, struct ward_manifest_blob *ret,
					   struct ward_error **err);
/* HEAD a manifest: 0 and its digest (from Docker-Content-Digest, "" when the
 * registry sends none: unverified, a hint only), media type (malloc'd or
 * NULL) and size; -ENOENT on 404 with err untouched. Each out-param may be
 * NULL. */
WARD_PUBLIC int ward_registry_head_manifest(struct ward_registry *r, const char *repo,
					    const char *reference, char ret_digest[80],
					    char **ret_media_type, int64_t *ret_size,
					    struct ward_error **err);
/* PUT a manifest under reference (tag or digest). ret_digest may be NULL. */
WARD_PUBLIC int ward_registry_put_manifest(struct ward_registry *r, const char *repo,
					   const char *reference, const char *media_type,
					   const void *body, size_t len, char ret_digest[80],
					   struct ward_error **err);

/* Receives blob bytes in order, each byte exactly once (resumed transfers
 * are stitched before the callback). Return < 0 (with err set) to abort. */
typedef int (*ward_registry_write_fn)(void *opaque, const void *buf, size_t len,
				      struct ward_error **err);

/* GET a blob, streaming into write. expected_size -1 when unknown; more than
 * max bytes is refused. A dropped connection resumes with Range. The
 * sha256 is verified here too (the store verifies again on commit), so a
 * wrong digest fails with WARD_E_DENIED after the last byte. */
WARD_PUBLIC int ward_registry_get_blob(struct ward_registry *r, const char *repo,
				       const char *digest, int64_t expected_size, uint64_t max,
				       ward_registry_write_fn write, void *opaque,
				       struct ward_error **err);
/* The same without the sha256 here, for a write callback that verifies the
 * digest itself before anything is used (the store's blob writer does on
 * commit): one hash pass less over every layer a pull downloads. */
WARD_PUBLIC int ward_registry_get_blob_unhashed(struct ward_registry *r, const char *repo,
						const char *digest, int64_t expected_size,
						uint64_t max, ward_registry_write_fn write,
						void *opaque, struct ward_error **err);
/* HEAD a blob: 0 (and its size when ret_size) when present, -ENOENT (err
 * untouched) when not. */
WARD_PUBLIC int ward_registry_head_blob(struct ward_registry *r, const char *repo,
					const char *digest, int64_t *ret_size,
					struct ward_error **err);
/* Push a blob monolithically (POST uploads/, PUT ?digest=); skipped when
 * HEAD says the registry has it. The digest is computed here and compared
 * with digest when given. ret_digest may be NULL. */
WARD_PUBLIC int ward_registry_push_blob(struct ward_registry *r, const char *repo, const void *buf,
					size_t len, const char *digest, char ret_digest[80],
					struct ward_error **err);
/* Same from a file: the first size bytes of fd, read with pread (the file
 * offset is not used or moved). */
WARD_PUBLIC int ward_registry_push_blob_fd(struct ward_registry *r, const char *repo, int fd,
					   uint64_t size, const char *digest, char ret_digest[80],
					   struct ward_error **err);

/* ==== store glue (src/registry/pull.c) ================================== */

struct ward_store;
/* GET a blob into the image store (ward/image.h) through its verifying blob
 * writer; nothing when the store has it already. size from the descriptor
 * (-1 unknown), at most max bytes. */
WARD_PUBLIC int ward_registry_fetch_blob(struct ward_registry *r, const char *repo,
					 const char *digest, int64_t size, uint64_t max,
					 struct ward_store *store, struct ward_error **err);

/*
 * Pull reference (fully qualified, "host[:port]/repo[:tag|@digest]") into
 * the store: the manifest (an index resolves to platform's, NULL: the host),
 * its config and layers, every blob verified against its digest before it
 * is visible; then tag it by the full reference. *ret the manifest digest,
 * *ret_name (may be NULL; caller frees) the name it is tagged under.
 * Layers download opts->max_parallel at a time (biggest first), each on a
 * clone of the client; with opts->layer_sink each is unpacked while it
 * arrives and published only when every layer verified (blob digest and
 * diff id). The first failure stops the others; nothing is tagged then.
 */
struct ward_platform;
struct ward_digest;
WARD_PUBLIC int ward_image_pull(const char *reference, const struct ward_registry_opts *opts,
				const struct ward_platform *platform, struct ward_store *store,
				struct ward_digest *ret, char **ret_name,
				struct ward_error **err);

/* ==== push (src/registry/push.c) ========================================= */

struct ward_push_result {
	char digest[80];	/* what the registry now serves under the tag: the local
				 * manifest's (or index's) digest, same bytes */
	unsigned blobs_pushed;	/* configs and layers uploaded */
	unsigned blobs_present; /* skipped: a HEAD found them in the registry */
	unsigned manifests;	/* manifests PUT (an index's children, then the top) */
	uint64_t bytes_pushed;	/* blob bytes uploaded */
};

/*
 * Push the image the store names `name` (an index.json ref name) to
 * destination ("host[:port]/repo[:tag]", fully qualified; a digest-only
 * destination must equal the local digest). Config and layers go first,
 * streamed from the store's files as stored (compressed, never read whole
 * into memory) after a HEAD shows the registry lacks them; then the
 * manifest's exact bytes, so the registry's digest is the local one. An
 * index pushes each child manifest (which must all be in the store) by
 * digest, then itself under the tag. Auth asks for "pull,push". *ret is
 * written on success only.
 */
WARD_PUBLIC int ward_image_push(struct ward_store *store, const char *name,
				const char *destination, const struct ward_registry_opts *opts,
				struct ward_push_result *ret, struct ward_error **err);

/* ==== registries.conf (src/registry/registries.c) ======================== */

#define WARD_REGISTRIES_CONF_DEFAULT "/etc/containers/registries.conf"
#define WARD_REGISTRIES_CONF_MAX (1u << 20)
#define WARD_REGISTRIES_MAX 64 /* search registries, [[registry]] tables */
#define WARD_REGISTRIES_ALIASES_MAX 1024

enum ward_short_name_mode {
	WARD_SHORT_NAME_ENFORCING = 0, /* the default: several search registries is an error */
	WARD_SHORT_NAME_PERMISSIVE,    /* several: try them in order */
	WARD_SHORT_NAME_DISABLED,      /* several: try them in order; [aliases] unused */
};
WARD_PUBLIC const char *ward_short_name_mode_name(enum ward_short_name_mode m);

struct ward_registry_alias {
	char *name, *value; /* "busybox" = "docker.io/library/busybox" */
	unsigned line;
};

struct ward_registry_entry {
	char *prefix, *location; /* either may be NULL */
	bool insecure, blocked;
	unsigned line;
};

/* The subset of containers-registries.conf(5) ward reads. */
struct ward_registries_conf {
	char *path;   /* where it came from, for messages */
	char **search; /* unqualified-search-registries, NULL-terminated; NULL when unset */
	size_t n_search;
	unsigned search_line;
	enum ward_short_name_mode mode;
	struct ward_registry_alias *aliases;
	size_t n_aliases;
	struct ward_registry_entry *registries;
	size_t n_registries;
};

/* Parse (buf, len) of TOML, at most WARD_REGISTRIES_CONF_MAX bytes; name is
 * used in messages ("FILE:LINE: ..."). Unsupported constructs are errors
 * (WARD_E_UNSUPPORTED), never ignored. The caller owns *ret. */
WARD_PUBLIC int ward_registries_conf_parse(const char *buf, size_t len, const char *name,
					   struct ward_registries_conf **ret,
					   struct ward_error **err);
/* Load path; NULL means $WARD_REGISTRIES_CONF, else
 * WARD_REGISTRIES_CONF_DEFAULT, whose absence gives an empty config. */
WARD_PUBLIC int ward_registries_conf_load(const char *path, struct ward_registries_conf **ret,
					  struct ward_error **err);
WARD_PUBLIC void ward_registries_conf_free(struct ward_registries_conf *c);
static inline void
ward_registries_conf_freep(struct ward_registries_conf **c)
{
	ward_registries_conf_free(*c);
	*c = NULL;
}
/*
 * The fully qualified references to try for name, in order, as a
 * NULL-terminated vector (caller frees, ward_strv_free); returns the count.
 * A qualified name gives itself. A short name gives its [aliases] entry,
 * else the one search registry, else (several) all of them in order unless
 * short-name-mode is enforcing, which is an error on that ambiguity (ward
 * never prompts). No search registries: an error telling to qualify the
 * name or configure unqualified-search-registries. A blocked [[registry]]
 * is WARD_E_DENIED; one remapping location or setting insecure is
 * WARD_E_UNSUPPORTED. *ret_short (may be NULL) says whether name was short.
 */
WARD_PUBLIC int ward_registries_resolve(const struct ward_registries_conf *c, const char *name,
					char ***ret, bool *ret_short, struct ward_error **err);

#endif
