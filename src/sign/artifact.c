/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cosign's signature artifact: the OCI image manifest tagged
 * "sha256-<hex>.sig" next to the image, one layer per signature (the
 * simple-signing payload as the blob, the base64 signature as the
 * dev.cosignproject.cosign/signature annotation). Parsing is bounded: the
 * manifest by WARD_MANIFEST_MAX, the layers by WARD_SIGN_ARTIFACT_SIGS_MAX
 * (checked before any layer is looked at), each payload size by
 * WARD_SIGN_PAYLOAD_MAX and each annotation by WARD_SIGN_SIG_B64_MAX, so a
 * registry cannot make ward fetch a 100 MB "payload" or walk a million
 * layers.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <ward/image.h>
#include <ward/sign.h>

#include "internal.h"

#define BAD "signature artifact"
#define ZERO_TIME "0001-01-01T00:00:00Z"

void
ward_sign_artifact_tag(const struct ward_digest *d, char ret[WARD_SIGN_ARTIFACT_TAG_MAX])
{
	snprintf(ret, WARD_SIGN_ARTIFACT_TAG_MAX, "sha256-%s.sig", ward_digest_hex(d));
}

void
ward_sign_artifact_free(struct ward_sign_artifact *a)
{
	if (!a)
		return;
	free(a->layers);
	json_decref(a->doc);
	free(a);
}

int
ward_sign_artifact_new(struct ward_sign_artifact **ret, struct ward_error **err)
{
	struct ward_sign_artifact *a = calloc(1, sizeof(*a));

	if (!a)
		return ward_error_set(err, ENOMEM, BAD);
	a->doc = json_pack("{s:i, s:s, s:{s:s, s:i, s:s}, s:[]}", "schemaVersion", 2, "mediaType",
			   WARD_MT_OCI_MANIFEST, "config", "mediaType", WARD_MT_OCI_CONFIG, "size",
			   0, "digest", "", "layers");
	if (!a->doc) {
		free(a);
		return ward_error_set(err, ENOMEM, BAD);
	}
	*ret = a;
	return 0;
}

static int
parse_descriptor(json_t *o, const char *where, struct ward_digest *ret_digest, int64_t *ret_size,
		 const char **ret_mt, struct ward_error **err)
{
	const char *mt = NULL, *dg = NULL;
	int64_t size = -1;

	if (!json_is_object(o))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "%s: %s: expected an object",
				       BAD, where);
	if (ward_json_get_string(o, where, "mediaType", &mt, err) <= 0 ||
	    ward_json_get_string(o, where, "digest", &dg, err) <= 0 ||
	    ward_json_get_int64(o, where, "size", &size, err) <= 0) {
		if (err && *err)
			return ward_error_wrap(err, BAD);
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s: %s: mediaType, digest and size are required", BAD,
				       where);
	}
	if (ward_digest_parse(dg, ret_digest, err) < 0)
		return ward_error_wrap(err, "%s: %s.digest", BAD, where);
	if (size < 0)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "%s: %s.size: negative", BAD,
				       where);
	*ret_size = size;
	*ret_mt = mt;
	return 0;
}

static int
parse_layer(json_t *l, size_t i, struct ward_sign_artifact_layer *ret, struct ward_error **err)
{
	char where[48];
	const char *mt = NULL;
	json_t *ann, *sig;
	int r;

	snprintf(where, sizeof(where), "layers[%zu]", i);
	r = parse_descriptor(l, where, &ret->digest, &ret->size, &mt, err);
	if (r < 0)
		return r;
	ret->simplesigning = strcmp(mt, WARD_SIGN_MT_SIMPLESIGNING) == 0;
	/* The payload is fetched whole into memory later: its declared size
	 * is the first bound (the fetch enforces it again on the bytes). */
	if (ret->simplesigning && ret->size > (int64_t)WARD_SIGN_PAYLOAD_MAX)
		return ward_error_setk(err, WARD_E_INVALID, EFBIG,
				       "%s: %s: payload of %" PRId64
				       " bytes, more than the %u allowed",
				       BAD, where, ret->size, WARD_SIGN_PAYLOAD_MAX);
	ann = json_object_get(l, "annotations");
	if (!ann)
		return 0;
	if (!json_is_object(ann))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s: %s.annotations: expected an object", BAD, where);
	sig = json_object_get(ann, WARD_SIGN_ANNOTATION_SIG);
	if (!sig)
		return 0;
	if (!json_is_string(sig))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s: %s: annotation " WARD_SIGN_ANNOTATION_SIG
				       " is not a string",
				       BAD, where);
	if (json_string_length(sig) > WARD_SIGN_SIG_B64_MAX)
		return ward_error_setk(
			err, WARD_E_INVALID, EFBIG,
			"%s: %s: signature annotation of %zu bytes, more than the %u "
			"allowed",
			BAD, where, json_string_length(sig), WARD_SIGN_SIG_B64_MAX);
	ret->sig_b64 = json_string_value(sig);
	return 0;
}

/* Rebuild a->layers from a->doc (after a parse or an add). */
static int
index_layers(struct ward_sign_artifact *a, struct ward_error **err)
{
	json_t *layers = json_object_get(a->doc, "layers");
	struct ward_sign_artifact_layer *v = NULL;
	size_t n;
	int r;

	if (!json_is_array(layers))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "%s: layers: expected an array",
				       BAD);
	n = json_array_size(layers);
	/* Before looking at any layer: 10,000 signatures are refused here, at
	 * once, instead of being fetched and checked one by one. */
	if (n > WARD_SIGN_ARTIFACT_SIGS_MAX)
		return ward_error_setk(err, WARD_E_INVALID, E2BIG,
				       "%s: %zu signatures, more than the %u ward reads", BAD, n,
				       WARD_SIGN_ARTIFACT_SIGS_MAX);
	if (n && !(v = calloc(n, sizeof(*v))))
		return ward_error_set(err, ENOMEM, BAD);
	for (size_t i = 0; i < n; i++) {
		r = parse_layer(json_array_get(layers, i), i, &v[i], err);
		if (r < 0) {
			free(v);
			return r;
		}
	}
	free(a->layers);
	a->layers = v;
	a->n_layers = n;
	return 0;
}

int
ward_sign_artifact_parse(const char *buf, size_t len, struct ward_sign_artifact **ret,
			 struct ward_error **err)
{
	_cleanup_(ward_sign_artifact_freep) struct ward_sign_artifact *a = NULL;
	const char *mt = NULL;
	struct ward_digest cd;
	int64_t sv = 0, cs = 0;
	json_t *cfg;
	int r;

	if (len > WARD_MANIFEST_MAX)
		return ward_error_setk(err, WARD_E_INVALID, EFBIG,
				       "%s: %zu bytes, more than the %u allowed", BAD, len,
				       WARD_MANIFEST_MAX);
	if (!(a = calloc(1, sizeof(*a))))
		return ward_error_set(err, ENOMEM, BAD);
	if ((r = ward_json_parse(buf, len, BAD, &a->doc, err)) < 0)
		return r;
	if (!json_is_object(a->doc))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "%s: expected an object", BAD);
	if (ward_json_get_int64(a->doc, "manifest", "schemaVersion", &sv, err) < 0 ||
	    ward_json_get_string(a->doc, "manifest", "mediaType", &mt, err) < 0)
		return ward_error_wrap(err, BAD);
	if (sv != 2)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "%s: schemaVersion: expected 2",
				       BAD);
	/* An index or a Docker manifest under the .sig tag is not what cosign
	 * writes; accepting it would let one tag mean two documents. */
	if (mt && strcmp(mt, WARD_MT_OCI_MANIFEST) != 0)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s: mediaType '%.80s': expected " WARD_MT_OCI_MANIFEST, BAD,
				       mt);
	if (json_object_get(a->doc, "manifests"))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s: has 'manifests': an index, not a manifest", BAD);
	cfg = json_object_get(a->doc, "config");
	if (!cfg)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "%s: config: missing", BAD);
	if ((r = parse_descriptor(cfg, "config", &cd, &cs, &mt, err)) < 0)
		return r;
	if ((r = index_layers(a, err)) < 0)
		return r;
	*ret = TAKE_PTR(a);
	return 0;
}

int
ward_sign_artifact_add(struct ward_sign_artifact *a, const void *payload, size_t len,
		       const char *sig_b64, bool *ret_added, struct ward_error **err)
{
	struct ward_digest d;
	json_t *layer, *layers = json_object_get(a->doc, "layers");
	size_t sl = strlen(sig_b64);

	if (len > WARD_SIGN_PAYLOAD_MAX)
		return ward_error_setk(err, WARD_E_INVALID, EFBIG, "%s: payload over %u bytes", BAD,
				       WARD_SIGN_PAYLOAD_MAX);
	if (sl == 0 || sl > WARD_SIGN_SIG_B64_MAX)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s: signature of %zu bytes (1..%u)", BAD, sl,
				       WARD_SIGN_SIG_B64_MAX);
	ward_digest_of(payload, len, &d);
	for (size_t i = 0; i < a->n_layers; i++)
		if (a->layers[i].sig_b64 && strcmp(a->layers[i].digest.s, d.s) == 0 &&
		    strcmp(a->layers[i].sig_b64, sig_b64) == 0) {
			if (ret_added)
				*ret_added = false;
			return 0;
		}
	if (a->n_layers >= WARD_SIGN_ARTIFACT_SIGS_MAX)
		return ward_error_setk(err, WARD_E_INVALID, E2BIG,
				       "%s: already %zu signatures, the most ward writes", BAD,
				       a->n_layers);
	layer = json_pack("{s:s, s:I, s:s, s:{s:s}}", "mediaType", WARD_SIGN_MT_SIMPLESIGNING,
			  "size", (json_int_t)len, "digest", d.s, "annotations",
			  WARD_SIGN_ANNOTATION_SIG, sig_b64);
	if (!layer || json_array_append_new(layers, layer) < 0)
		return ward_error_set(err, ENOMEM, BAD);
	if (index_layers(a, err) < 0)
		return -EINVAL;
	if (ret_added)
		*ret_added = true;
	return 0;
}

int
ward_sign_artifact_serialize(const struct ward_sign_artifact *a, char **ret_manifest,
			     size_t *ret_manifest_len, char **ret_config, size_t *ret_config_len,
			     struct ward_error **err)
{
	json_t *cfg = NULL, *diff_ids = json_array(), *history = json_array(), *desc;
	_cleanup_free_ char *cbuf = NULL, *mbuf = NULL;
	struct ward_digest cd;
	int r = -ENOMEM;

	if (!diff_ids || !history)
		goto out;
	for (size_t i = 0; i < a->n_layers; i++)
		if (json_array_append_new(diff_ids, json_string(a->layers[i].digest.s)) < 0 ||
		    json_array_append_new(history, json_pack("{s:s}", "created", ZERO_TIME)) < 0)
			goto out;
	cfg = json_pack("{s:s, s:{}, s:s, s:O, s:s, s:{s:O, s:s}}", "architecture", "", "config",
			"created", ZERO_TIME, "history", history, "os", "", "rootfs", "diff_ids",
			diff_ids, "type", "layers");
	if (!cfg || !(cbuf = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS)))
		goto out;
	ward_digest_of(cbuf, strlen(cbuf), &cd);
	desc = json_object_get(a->doc, "config");
	if (!json_is_object(desc) ||
	    json_object_set_new(desc, "mediaType", json_string(WARD_MT_OCI_CONFIG)) < 0 ||
	    json_object_set_new(desc, "size", json_integer((json_int_t)strlen(cbuf))) < 0 ||
	    json_object_set_new(desc, "digest", json_string(cd.s)) < 0)
		goto out;
	/* Member order kept as parsed (or as built): a foreign artifact keeps
	 * its layers, annotations and layout, only with layers appended. */
	if (!(mbuf = json_dumps(a->doc, JSON_COMPACT)))
		goto out;
	*ret_manifest_len = strlen(mbuf);
	*ret_config_len = strlen(cbuf);
	*ret_manifest = TAKE_PTR(mbuf);
	*ret_config = TAKE_PTR(cbuf);
	r = 0;
out:
	json_decref(cfg);
	json_decref(diff_ids);
	json_decref(history);
	if (r < 0)
		return ward_error_set(err, -r, BAD);
	return 0;
}
