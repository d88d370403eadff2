/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Manifests, indexes and image configs. Every byte comes from a registry or
 * an archive: sizes and counts are bounded, types are checked, and errors
 * name the field ("manifest.layers[2].digest: ...").
 */
#include <errno.h>
#include <stdio.h>
#include <sys/utsname.h>

#include <ward/image.h>

#include "internal.h"

/* jansson's own json_decrefp accepts NULL. */
#define _cleanup_json_ _cleanup_(json_decrefp)

static int
required(struct ward_error **err, const char *where, const char *key)
{
	return ward_error_set(err, EINVAL, "%s%s%s: required", where, *where ? "." : "", key);
}

/* Copy a bounded string field into a fixed buffer. */
static int
get_fixed(json_t *obj, const char *where, const char *key, bool req, char *buf, size_t cap,
	  struct ward_error **err)
{
	const char *v = NULL;
	int r = ward_json_get_string(obj, where, key, &v, err);

	if (r < 0)
		return r;
	if (r == 0) {
		if (req)
			return required(err, where, key);
		buf[0] = '\0';
		return 0;
	}
	if (strlen(v) >= cap)
		return ward_error_set(err, EINVAL, "%s%s%s: longer than %zu bytes", where,
				      *where ? "." : "", key, cap - 1);
	memcpy(buf, v, strlen(v) + 1);
	return 1;
}

static bool
media_type_chars_ok(const char *mt)
{
	/* RFC 6838 restricted names: a control character or space in a media
	 * type would end up in HTTP Accept headers (header injection). */
	if (!*mt)
		return false;
	for (const char *p = mt; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f || c == ',' || c == ';' || c == '"')
			return false;
	}
	return true;
}

int
image_descriptor_parse(json_t *obj, const char *where, struct ward_descriptor *ret,
		       struct ward_error **err)
{
	struct ward_descriptor d = {0};
	const char *digest = NULL;
	int r;

	if (!json_is_object(obj))
		return ward_error_set(err, EINVAL, "%s: expected an object, got %s", where,
				      ward_json_type_name(obj));
	r = get_fixed(obj, where, "mediaType", true, d.media_type, sizeof(d.media_type), err);
	if (r < 0)
		return r;
	if (!media_type_chars_ok(d.media_type))
		return ward_error_set(err, EINVAL, "%s.mediaType: invalid media type '%s'", where,
				      d.media_type);
	r = ward_json_get_string(obj, where, "digest", &digest, err);
	if (r < 0)
		return r;
	if (r == 0)
		return required(err, where, "digest");
	if (ward_digest_parse(digest, &d.digest, err) < 0)
		return ward_error_wrap(err, "%s.digest", where);
	/* Sizes bound every later download and allocation: a negative or
	 * absurd size must not reach an int64 -> size_t conversion. */
	if (!json_object_get(obj, "size") || json_is_null(json_object_get(obj, "size")))
		return required(err, where, "size");
	r = ward_json_get_range(obj, where, "size", 0, (int64_t)WARD_BLOB_MAX, &d.size, err);
	if (r < 0)
		return r;
	*ret = d;
	return 0;
}

bool
ward_media_type_is_manifest(const char *mt)
{
	return mt &&
	       (strcmp(mt, WARD_MT_OCI_MANIFEST) == 0 || strcmp(mt, WARD_MT_DOCKER_MANIFEST) == 0);
}

bool
ward_media_type_is_index(const char *mt)
{
	return mt && (strcmp(mt, WARD_MT_OCI_INDEX) == 0 || strcmp(mt, WARD_MT_DOCKER_LIST) == 0);
}

/* Common prologue: size bound, JSON, top-level object, schemaVersion 2, and
 * the document's mediaType reconciled with the hint. */
static int
parse_document(const char *buf, size_t len, const char *doc, const char *hint,
	       bool (*accept)(const char *), const char *default_mt, json_t **ret_root,
	       char *ret_mt, struct ward_error **err)
{
	_cleanup_json_ json_t *root = NULL;
	char mt[WARD_MEDIA_TYPE_MAX];
	int64_t version = 0;
	int r;

	/* Stops memory exhaustion from a registry that streams a huge body. */
	if (len > WARD_MANIFEST_MAX)
		return ward_error_set(err, EFBIG, "%s: %zu bytes, more than the %u allowed", doc,
				      len, WARD_MANIFEST_MAX);
	r = ward_json_parse(buf, len, doc, &root, err);
	if (r < 0)
		return r;
	if (!json_is_object(root))
		return ward_error_set(err, EINVAL, "%s: expected an object, got %s", doc,
				      ward_json_type_name(root));
	r = ward_json_get_int64(root, doc, "schemaVersion", &version, err);
	if (r < 0)
		return r;
	if (r == 0)
		return required(err, doc, "schemaVersion");
	if (version != 2)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
				       "%s.schemaVersion: %lld is not supported (only 2)", doc,
				       (long long)version);
	r = get_fixed(root, doc, "mediaType", false, mt, sizeof(mt), err);
	if (r < 0)
		return r;
	if (r == 0) {
		if (hint && *hint)
			snprintf(mt, sizeof(mt), "%s", hint);
		else
			snprintf(mt, sizeof(mt), "%s", default_mt);
	} else if (hint && *hint && strcmp(hint, mt) != 0) {
		/* A document that claims another type than the descriptor or
		 * Content-Type that led here is a confusion attempt. */
		return ward_error_set(err, EINVAL, "%s.mediaType: '%s' does not match '%s'", doc,
				      mt, hint);
	}
	if (!accept(mt))
		return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
				       "%s.mediaType: unsupported media type '%.*s'", doc, 200, mt);
	memcpy(ret_mt, mt, sizeof(mt));
	*ret_root = TAKE_PTR(root);
	return 0;
}

void
ward_manifest_free(struct ward_manifest *m)
{
	if (!m)
		return;
	free(m->layers);
	free(m);
}

int
ward_manifest_parse(const char *buf, size_t len, const char *hint, struct ward_manifest **ret,
		    struct ward_error **err)
{
	_cleanup_json_ json_t *root = NULL;
	_cleanup_(ward_manifest_freep) struct ward_manifest *m = NULL;
	json_t *config = NULL, *layers = NULL, *v;
	size_t i;
	int r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return ward_error_set(err, ENOMEM, "manifest");
	r = parse_document(buf, len, "manifest", hint, ward_media_type_is_manifest,
			   WARD_MT_OCI_MANIFEST, &root, m->media_type, err);
	if (r < 0)
		return r;
	if (json_object_get(root, "manifests"))
		return ward_error_set(err, EINVAL,
				      "manifest.manifests: an image manifest must not carry "
				      "index entries (ambiguous document)");
	r = ward_json_get_object(root, "manifest", "config", &config, err);
	if (r < 0)
		return r;
	if (r == 0)
		return required(err, "manifest", "config");
	r = image_descriptor_parse(config, "manifest.config", &m->config, err);
	if (r < 0)
		return r;
	r = ward_json_get_array(root, "manifest", "layers", WARD_MANIFEST_MAX_LAYERS, &layers, err);
	if (r < 0)
		return r;
	if (r == 0)
		return required(err, "manifest", "layers");
	m->n_layers = json_array_size(layers);
	if (m->n_layers) {
		m->layers = calloc(m->n_layers, sizeof(*m->layers));
		if (!m->layers)
			return ward_error_set(err, ENOMEM, "manifest.layers");
	}
	json_array_foreach(layers, i, v) {
		char where[64];
		snprintf(where, sizeof(where), "manifest.layers[%zu]", i);
		r = image_descriptor_parse(v, where, &m->layers[i], err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(m);
	return 0;
}

void
ward_index_free(struct ward_index *idx)
{
	if (!idx)
		return;
	for (size_t i = 0; i < idx->n_manifests; i++)
		free(idx->manifests[i].ref_name);
	free(idx->manifests);
	free(idx);
}

static int
parse_platform(json_t *obj, const char *where, struct ward_platform *p, struct ward_error **err)
{
	int r;

	r = get_fixed(obj, where, "os", true, p->os, sizeof(p->os), err);
	if (r >= 0)
		r = get_fixed(obj, where, "architecture", true, p->architecture,
			      sizeof(p->architecture), err);
	if (r >= 0)
		r = get_fixed(obj, where, "variant", false, p->variant, sizeof(p->variant), err);
	return r < 0 ? r : 0;
}

static int
parse_index_entry(json_t *v, const char *where, struct ward_index_entry *e, struct ward_error **err)
{
	json_t *platform = NULL, *ann = NULL;
	char sub[160];
	int r;

	r = image_descriptor_parse(v, where, &e->desc, err);
	if (r < 0)
		return r;
	r = ward_json_get_object(v, where, "platform", &platform, err);
	if (r < 0)
		return r;
	if (r > 0) {
		snprintf(sub, sizeof(sub), "%s.platform", where);
		r = parse_platform(platform, sub, &e->platform, err);
		if (r < 0)
			return r;
		e->has_platform = true;
	}
	r = ward_json_get_object(v, where, "annotations", &ann, err);
	if (r < 0)
		return r;
	if (r > 0) {
		snprintf(sub, sizeof(sub), "%s.annotations", where);
		r = ward_json_dup_string(ann, sub, WARD_REF_NAME_ANNOTATION, &e->ref_name, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int
image_index_from_json(json_t *root, const char *doc, struct ward_index **ret,
		      struct ward_error **err)
{
	_cleanup_(ward_index_freep) struct ward_index *idx = NULL;
	json_t *manifests = NULL, *v;
	size_t i;
	int r;

	idx = calloc(1, sizeof(*idx));
	if (!idx)
		return ward_error_set(err, ENOMEM, "%s", doc);
	if (json_object_get(root, "layers") || json_object_get(root, "config"))
		return ward_error_set(err, EINVAL,
				      "%s: an index must not carry config or layers "
				      "(ambiguous document)",
				      doc);
	r = ward_json_get_array(root, doc, "manifests", WARD_INDEX_MAX_MANIFESTS, &manifests, err);
	if (r < 0)
		return r;
	if (r == 0)
		return required(err, doc, "manifests");
	if (json_array_size(manifests)) {
		idx->manifests = calloc(json_array_size(manifests), sizeof(*idx->manifests));
		if (!idx->manifests)
			return ward_error_set(err, ENOMEM, "%s.manifests", doc);
	}
	json_array_foreach(manifests, i, v) {
		char where[96];
		snprintf(where, sizeof(where), "%s.manifests[%zu]", doc, i);
		idx->n_manifests = i + 1; /* so _free releases what parse set */
		r = parse_index_entry(v, where, &idx->manifests[i], err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(idx);
	return 0;
}

int
ward_index_parse(const char *buf, size_t len, const char *hint, struct ward_index **ret,
		 struct ward_error **err)
{
	_cleanup_json_ json_t *root = NULL;
	char mt[WARD_MEDIA_TYPE_MAX];
	struct ward_index *idx = NULL;
	int r;

	r = parse_document(buf, len, "index", hint, ward_media_type_is_index, WARD_MT_OCI_INDEX,
			   &root, mt, err);
	if (r < 0)
		return r;
	r = image_index_from_json(root, "index", &idx, err);
	if (r < 0)
		return r;
	memcpy(idx->media_type, mt, sizeof(mt));
	*ret = idx;
	return 0;
}

/* ---- image config ------------------------------------------------------- */

void
ward_image_config_free(struct ward_image_config *c)
{
	if (!c)
		return;
	free(c->os);
	free(c->architecture);
	free(c->variant);
	ward_strv_free(c->env);
	ward_strv_free(c->entrypoint);
	ward_strv_free(c->cmd);
	free(c->working_dir);
	free(c->user);
	free(c->stop_signal);
	ward_strv_free(c->exposed_ports);
	ward_strv_free(c->volumes);
	ward_strv_free(c->label_keys);
	ward_strv_free(c->label_values);
	free(c->diff_ids);
	free(c);
}

/* Keys of an object (whose values must be objects, as Docker writes
 * {"80/tcp": {}}) into a vector. */
static int
object_keys(json_t *obj, const char *where, const char *key, char ***ret, struct ward_error **err)
{
	_cleanup_strv_ char **v = NULL;
	json_t *o = NULL, *val;
	const char *k;
	size_t n = 0;
	int r;

	r = ward_json_get_object(obj, where, key, &o, err);
	if (r <= 0)
		return r;
	if (json_object_size(o) > WARD_CONFIG_MAX_ENTRIES)
		return ward_error_set(err, E2BIG, "%s.%s: %zu entries, more than %d", where, key,
				      json_object_size(o), WARD_CONFIG_MAX_ENTRIES);
	v = calloc(json_object_size(o) + 1, sizeof(*v));
	if (!v)
		return ward_error_set(err, ENOMEM, "%s.%s", where, key);
	json_object_foreach(o, k, val) {
		if (!json_is_object(val) && !json_is_null(val))
			return ward_error_set(err, EINVAL, "%s.%s.%s: expected an object, got %s",
					      where, key, k, ward_json_type_name(val));
		if (strlen(k) == 0)
			return ward_error_set(err, EINVAL, "%s.%s: empty key", where, key);
		v[n] = strdup(k);
		if (!v[n])
			return ward_error_set(err, ENOMEM, "%s.%s", where, key);
		n++;
	}
	*ret = TAKE_PTR(v);
	return 1;
}

static int
parse_labels(json_t *obj, const char *where, struct ward_image_config *c, struct ward_error **err)
{
	json_t *o = NULL, *val;
	const char *k;
	size_t n = 0, cnt;
	int r;

	r = ward_json_get_object(obj, where, "Labels", &o, err);
	if (r <= 0)
		return r;
	cnt = json_object_size(o);
	if (cnt > WARD_CONFIG_MAX_ENTRIES)
		return ward_error_set(err, E2BIG, "%s.Labels: %zu entries, more than %d", where,
				      cnt, WARD_CONFIG_MAX_ENTRIES);
	c->label_keys = calloc(cnt + 1, sizeof(char *));
	c->label_values = calloc(cnt + 1, sizeof(char *));
	if (!c->label_keys || !c->label_values)
		return ward_error_set(err, ENOMEM, "%s.Labels", where);
	json_object_foreach(o, k, val) {
		if (!json_is_string(val))
			return ward_error_set(err, EINVAL,
					      "%s.Labels.%s: expected a string, got %s", where, k,
					      ward_json_type_name(val));
		c->label_keys[n] = strdup(k);
		c->label_values[n] = strdup(json_string_value(val));
		if (!c->label_keys[n] || !c->label_values[n]) {
			free(c->label_keys[n]);
			free(c->label_values[n]);
			c->label_keys[n] = c->label_values[n] = NULL;
			return ward_error_set(err, ENOMEM, "%s.Labels", where);
		}
		n++;
		c->n_labels = n;
	}
	return 1;
}

static int
parse_exec_config(json_t *root, struct ward_image_config *c, struct ward_error **err)
{
	const char *w = "config";
	json_t *cfg = NULL, *hc = NULL;
	int r;

	r = ward_json_get_object(root, "", "config", &cfg, err);
	if (r <= 0)
		return r;
	if ((r = ward_json_get_strv(cfg, w, "Env", WARD_CONFIG_MAX_ENTRIES, &c->env, err)) < 0)
		return r;
	for (size_t i = 0; c->env && c->env[i]; i++)
		if (!strchr(c->env[i], '=') || c->env[i][0] == '=')
			return ward_error_set(err, EINVAL,
					      "config.Env[%zu]: '%.*s' is not KEY=VALUE", i, 100,
					      c->env[i]);
	if ((r = ward_json_get_strv(cfg, w, "Entrypoint", WARD_CONFIG_MAX_ENTRIES, &c->entrypoint,
				    err)) < 0)
		return r;
	if ((r = ward_json_get_strv(cfg, w, "Cmd", WARD_CONFIG_MAX_ENTRIES, &c->cmd, err)) < 0)
		return r;
	if ((r = ward_json_dup_string(cfg, w, "WorkingDir", &c->working_dir, err)) < 0)
		return r;
	if ((r = ward_json_dup_string(cfg, w, "User", &c->user, err)) < 0)
		return r;
	if ((r = ward_json_dup_string(cfg, w, "StopSignal", &c->stop_signal, err)) < 0)
		return r;
	if ((r = object_keys(cfg, w, "ExposedPorts", &c->exposed_ports, err)) < 0)
		return r;
	if ((r = object_keys(cfg, w, "Volumes", &c->volumes, err)) < 0)
		return r;
	if ((r = parse_labels(cfg, w, c, err)) < 0)
		return r;
	r = ward_json_get_object(cfg, w, "Healthcheck", &hc, err);
	if (r < 0)
		return r;
	c->has_healthcheck = r > 0;
	return 0;
}

static int
parse_rootfs(json_t *root, struct ward_image_config *c, struct ward_error **err)
{
	json_t *rootfs = NULL, *ids = NULL, *v;
	const char *type = NULL;
	size_t i;
	int r;

	r = ward_json_get_object(root, "", "rootfs", &rootfs, err);
	if (r < 0)
		return r;
	if (r == 0)
		return required(err, "", "rootfs");
	r = ward_json_get_string(rootfs, "rootfs", "type", &type, err);
	if (r < 0)
		return r;
	if (r == 0)
		return required(err, "rootfs", "type");
	if (strcmp(type, "layers") != 0)
		return ward_error_set(err, EINVAL, "rootfs.type: '%.*s' is not 'layers'", 64, type);
	r = ward_json_get_array(rootfs, "rootfs", "diff_ids", WARD_MANIFEST_MAX_LAYERS, &ids, err);
	if (r < 0)
		return r;
	if (r == 0)
		return required(err, "rootfs", "diff_ids");
	if (json_array_size(ids)) {
		c->diff_ids = calloc(json_array_size(ids), sizeof(*c->diff_ids));
		if (!c->diff_ids)
			return ward_error_set(err, ENOMEM, "rootfs.diff_ids");
	}
	json_array_foreach(ids, i, v) {
		if (!json_is_string(v))
			return ward_error_set(err, EINVAL,
					      "rootfs.diff_ids[%zu]: expected a string, got %s", i,
					      ward_json_type_name(v));
		if (ward_digest_parse(json_string_value(v), &c->diff_ids[i], err) < 0)
			return ward_error_wrap(err, "rootfs.diff_ids[%zu]", i);
	}
	c->n_diff_ids = json_array_size(ids);
	return 0;
}

static int
parse_history(json_t *root, struct ward_image_config *c, struct ward_error **err)
{
	json_t *hist = NULL, *v;
	size_t i;
	int r;

	r = ward_json_get_array(root, "", "history", WARD_CONFIG_MAX_HISTORY, &hist, err);
	if (r <= 0)
		return r;
	json_array_foreach(hist, i, v) {
		char where[48];
		bool empty = false;
		if (!json_is_object(v))
			return ward_error_set(err, EINVAL,
					      "history[%zu]: expected an object, got %s", i,
					      ward_json_type_name(v));
		snprintf(where, sizeof(where), "history[%zu]", i);
		r = ward_json_get_bool(v, where, "empty_layer", &empty, err);
		if (r < 0)
			return r;
		if (!empty)
			c->n_history_layers++;
	}
	c->n_history = json_array_size(hist);
	return 0;
}

int
ward_image_config_parse(const char *buf, size_t len, struct ward_image_config **ret,
			struct ward_error **err)
{
	_cleanup_json_ json_t *root = NULL;
	_cleanup_(ward_image_config_freep) struct ward_image_config *c = NULL;
	int r;

	if (len > WARD_MANIFEST_MAX)
		return ward_error_set(err, EFBIG,
				      "image config: %zu bytes, more than the %u allowed", len,
				      WARD_MANIFEST_MAX);
	r = ward_json_parse(buf, len, "image config", &root, err);
	if (r < 0)
		return r;
	if (!json_is_object(root))
		return ward_error_set(err, EINVAL, "image config: expected an object, got %s",
				      ward_json_type_name(root));
	c = calloc(1, sizeof(*c));
	if (!c)
		return ward_error_set(err, ENOMEM, "image config");
	if ((r = ward_json_dup_string(root, "", "os", &c->os, err)) < 0)
		goto fail;
	if (r == 0) {
		r = required(err, "", "os");
		goto fail;
	}
	if ((r = ward_json_dup_string(root, "", "architecture", &c->architecture, err)) < 0)
		goto fail;
	if (r == 0) {
		r = required(err, "", "architecture");
		goto fail;
	}
	if ((r = ward_json_dup_string(root, "", "variant", &c->variant, err)) < 0)
		goto fail;
	if ((r = parse_exec_config(root, c, err)) < 0)
		goto fail;
	if ((r = parse_rootfs(root, c, err)) < 0)
		goto fail;
	if ((r = parse_history(root, c, err)) < 0)
		goto fail;
	*ret = TAKE_PTR(c);
	return 0;
fail:
	return ward_error_wrap(err, "image config");
}

/* ---- platforms ---------------------------------------------------------- */

static bool
platform_field_ok(const char *s, size_t n)
{
	if (n == 0 || n >= WARD_PLATFORM_FIELD_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int
ward_platform_parse(const char *s, struct ward_platform *ret, struct ward_error **err)
{
	struct ward_platform p = {0};
	const char *parts[3] = {0};
	size_t lens[3] = {0}, n = 0;
	const char *q = s;

	if (!s)
		return ward_error_set(err, EINVAL, "platform: missing");
	for (;;) {
		const char *slash = strchr(q, '/');
		if (n == 3)
			goto bad;
		parts[n] = q;
		lens[n] = slash ? (size_t)(slash - q) : strlen(q);
		if (!platform_field_ok(q, lens[n]))
			goto bad;
		n++;
		if (!slash)
			break;
		q = slash + 1;
	}
	if (n < 2)
		goto bad;
	memcpy(p.os, parts[0], lens[0]);
	memcpy(p.architecture, parts[1], lens[1]);
	if (n == 3)
		memcpy(p.variant, parts[2], lens[2]);
	*ret = p;
	return 0;
bad:
	return ward_error_set(err, EINVAL, "invalid platform '%.*s': expected os/arch[/variant]",
			      100, s);
}

void
ward_platform_host(struct ward_platform *ret)
{
	static const struct {
		const char *machine, *arch, *variant;
	} map[] = {
		{"x86_64", "amd64", ""},    {"aarch64", "arm64", "v8"},
		{"arm64", "arm64", "v8"},   {"armv7l", "arm", "v7"},
		{"armv6l", "arm", "v6"},    {"armv5tel", "arm", "v5"},
		{"i386", "386", ""},	    {"i486", "386", ""},
		{"i586", "386", ""},	    {"i686", "386", ""},
		{"ppc64le", "ppc64le", ""}, {"ppc64", "ppc64", ""},
		{"s390x", "s390x", ""},	    {"riscv64", "riscv64", ""},
		{"mips64", "mips64", ""},   {"loongarch64", "loong64", ""},
	};
	struct ward_platform p = {0};
	struct utsname u;

	snprintf(p.os, sizeof(p.os), "linux");
	if (uname(&u) == 0) {
		snprintf(p.architecture, sizeof(p.architecture), "%.31s", u.machine);
		for (size_t i = 0; i < WARD_ARRAY_SIZE(map); i++)
			if (strcmp(u.machine, map[i].machine) == 0) {
				snprintf(p.architecture, sizeof(p.architecture), "%s", map[i].arch);
				snprintf(p.variant, sizeof(p.variant), "%s", map[i].variant);
				break;
			}
	}
	*ret = p;
}

static bool
variant_equal(const char *arch, const char *a, const char *b)
{
	/* arm64 images rarely carry "v8"; it is the only arm64 variant in use. */
	if (strcmp(arch, "arm64") == 0) {
		if (!*a)
			a = "v8";
		if (!*b)
			b = "v8";
	}
	return strcmp(a, b) == 0;
}

int
ward_index_pick(const struct ward_index *idx, const struct ward_platform *want,
		const struct ward_index_entry **ret, struct ward_error **err)
{
	const struct ward_index_entry *loose = NULL;
	struct ward_platform host;
	char have[512] = "";
	size_t hl = 0;

	if (!want) {
		ward_platform_host(&host);
		want = &host;
	}
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const struct ward_index_entry *e = &idx->manifests[i];
		const struct ward_platform *p = &e->platform;
		int n;

		if (!e->has_platform)
			continue;
		if (hl < sizeof(have)) {
			n = snprintf(have + hl, sizeof(have) - hl, "%s%s/%s%s%s", hl ? ", " : "",
				     p->os, p->architecture, *p->variant ? "/" : "", p->variant);
			if (n > 0)
				hl += (size_t)n;
		}
		if (strcmp(p->os, want->os) != 0 ||
		    strcmp(p->architecture, want->architecture) != 0)
			continue;
		if (!*want->variant || variant_equal(p->architecture, p->variant, want->variant)) {
			*ret = e;
			return 0;
		}
		if (!*p->variant && !loose)
			loose = e;
	}
	if (loose) {
		*ret = loose;
		return 0;
	}
	return ward_error_setk(err, WARD_E_NOTFOUND, ENOENT, "no manifest for %s/%s%s%s (have: %s)",
			       want->os, want->architecture, *want->variant ? "/" : "",
			       want->variant, hl ? have : "none");
}
