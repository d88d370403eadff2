/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simple-signing payload that cosign signs and containers/image verifies
 * (containers-signature(5)):
 *   {"critical":{"identity":{"docker-reference":R},
 *                "image":{"docker-manifest-digest":D},"type":T},
 *    "optional":O}
 * Parsing follows containers/image's paranoid rules: exactly the defined
 * fields, no duplicates, strict types. A lenient parser here would let a
 * signature say one thing to ward and another to the next verifier.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include <ward/sign.h>

#include "internal.h"

#define TYPE_COSIGN "cosign container image signature"
#define TYPE_ATOMIC "atomic container signature"
#define BAD "invalid signature payload"

const char *
ward_sign_payload_type_name(enum ward_sign_payload_type t)
{
	return t == WARD_SIGN_PAYLOAD_ATOMIC ? TYPE_ATOMIC : TYPE_COSIGN;
}

void
ward_sign_payload_free(struct ward_sign_payload *p)
{
	if (!p)
		return;
	free(p->docker_reference);
	free(p->creator);
	json_decref(p->optional);
	free(p);
}

/* Printable ASCII only: the reference is shown to users and matched by the
 * trust policy, where control characters or look-alike bytes deceive. */
static int
check_reference(const char *ref, size_t len, struct ward_error **err)
{
	if (len == 0)
		return ward_error_set(err, EINVAL, "docker-reference: empty");
	if (len > WARD_SIGN_REFERENCE_MAX)
		return ward_error_set(err, EINVAL, "docker-reference: longer than %u bytes",
				      WARD_SIGN_REFERENCE_MAX);
	for (size_t i = 0; i < len; i++)
		if (ref[i] <= ' ' || ref[i] > '~')
			return ward_error_set(
				err, EINVAL,
				"docker-reference: byte 0x%02x at %zu is not printable "
				"ASCII",
				(unsigned char)ref[i], i);
	return 0;
}

/* ---- make ---------------------------------------------------------------- */

static int
add_annotations(json_t *opt, char *const *ann, struct ward_error **err)
{
	size_t n = ward_strv_length(ann);

	if (n > WARD_SIGN_ANNOTATIONS_MAX)
		return ward_error_set(err, E2BIG, "%zu annotations, more than %u", n,
				      WARD_SIGN_ANNOTATIONS_MAX);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(ann[i], '=');
		_cleanup_free_ char *key = NULL;

		if (!eq || eq == ann[i])
			return ward_error_set(err, EINVAL,
					      "annotation '%.64s': expected key=value with a "
					      "non-empty key",
					      ann[i]);
		key = strndup(ann[i], (size_t)(eq - ann[i]));
		if (!key)
			return ward_error_set(err, ENOMEM, "annotations");
		/* containers/image reads optional.timestamp as an integer; a
		 * string there would make the signature unreadable to it. */
		if (!strcmp(key, "timestamp"))
			return ward_error_set(err, EINVAL,
					      "annotation 'timestamp' is reserved for the signing "
					      "time");
		if (json_object_get(opt, key))
			return ward_error_set(err, EINVAL, "annotation '%.64s' given twice", key);
		if (json_object_set_new(opt, key, json_string(eq + 1)) < 0)
			return ward_error_set(err, EINVAL,
					      "annotation '%.64s': value is not valid UTF-8", key);
	}
	return 0;
}

static int
make_optional(const struct ward_sign_payload_spec *spec, json_t **ret, struct ward_error **err)
{
	_cleanup_(json_decrefp) json_t *opt = NULL;
	bool empty =
		ward_strv_length(spec->annotations) == 0 && !spec->creator && spec->timestamp < 0;
	int r;

	/* cosign writes "optional": null when there is nothing to say; the
	 * atomic format requires an object. */
	if (empty && spec->type == WARD_SIGN_PAYLOAD_COSIGN) {
		*ret = json_null();
		return 0;
	}
	opt = json_object();
	if (!opt)
		return ward_error_set(err, ENOMEM, "signature payload");
	if (spec->creator && json_object_set_new(opt, "creator", json_string(spec->creator)) < 0)
		return ward_error_set(err, EINVAL, "creator: not valid UTF-8");
	if (spec->timestamp >= 0 &&
	    json_object_set_new(opt, "timestamp", json_integer(spec->timestamp)) < 0)
		return ward_error_set(err, ENOMEM, "signature payload");
	r = add_annotations(opt, spec->annotations, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(opt);
	return 0;
}

int
ward_sign_payload_make(const struct ward_sign_payload_spec *spec, char **ret, size_t *ret_len,
		       struct ward_error **err)
{
	_cleanup_(json_decrefp) json_t *j = NULL;
	json_t *optional = NULL;
	char *out;
	size_t len;
	int r;

	if (!spec->manifest_digest || !spec->docker_reference)
		return ward_error_set(err, EINVAL,
				      "signature payload: a manifest digest and a docker reference "
				      "are required");
	r = check_reference(spec->docker_reference, strlen(spec->docker_reference), err);
	if (r >= 0)
		r = make_optional(spec, &optional, err);
	if (r < 0)
		return ward_error_wrap(err, "signature payload");
	j = json_pack("{s:{s:{s:s},s:{s:s},s:s},s:o}", "critical", "identity", "docker-reference",
		      spec->docker_reference, "image", "docker-manifest-digest",
		      spec->manifest_digest->s, "type", ward_sign_payload_type_name(spec->type),
		      "optional", optional);
	if (!j)
		return ward_error_set(err, ENOMEM, "signature payload");
	/* Sorted keys reproduce the order Go's encoding/json gives cosign's
	 * structs (critical < optional; identity < image < type). */
	out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	if (!out)
		return ward_error_set(err, ENOMEM, "signature payload");
	len = strlen(out);
	if (len > WARD_SIGN_PAYLOAD_MAX) {
		free(out);
		return ward_error_set(err, EFBIG, "signature payload: %zu bytes, more than %u", len,
				      WARD_SIGN_PAYLOAD_MAX);
	}
	*ret = out;
	*ret_len = len;
	return 0;
}

/* ---- parse --------------------------------------------------------------- */

static int
want_object(json_t *v, const char *where, struct ward_error **err)
{
	if (!json_is_object(v))
		return ward_error_set(err, EINVAL, "%s: expected an object, got %s", where,
				      ward_json_type_name(v));
	return 0;
}

static int
get_string(json_t *obj, const char *where, const char *key, json_t **ret, struct ward_error **err)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		return ward_error_set(err, EINVAL, "%s.%s: expected a string, got %s", where, key,
				      ward_json_type_name(v));
	*ret = v;
	return 0;
}

static int
parse_type(json_t *critical, enum ward_sign_payload_type type, struct ward_error **err)
{
	const char *want = ward_sign_payload_type_name(type);
	json_t *t = NULL;
	int r;

	r = get_string(critical, "critical", "type", &t, err);
	if (r < 0)
		return r;
	if (!strcmp(json_string_value(t), want))
		return 0;
	return ward_error_set(err, EINVAL, "critical.type: '%.64s' where '%s' is expected",
			      json_string_value(t), want);
}

static int
parse_critical(json_t *critical, enum ward_sign_payload_type type, struct ward_sign_payload *p,
	       struct ward_error **err)
{
	static const char *const critical_keys[] = {"type", "image", "identity", NULL};
	static const char *const image_keys[] = {"docker-manifest-digest", NULL};
	static const char *const identity_keys[] = {"docker-reference", NULL};
	json_t *image, *identity, *v = NULL;
	int r;

	r = want_object(critical, "critical", err);
	if (r >= 0)
		r = sign_json_exact(critical, "critical", critical_keys, err);
	if (r >= 0)
		r = parse_type(critical, type, err);
	image = json_object_get(critical, "image");
	identity = json_object_get(critical, "identity");
	if (r >= 0)
		r = want_object(image, "critical.image", err);
	if (r >= 0)
		r = sign_json_exact(image, "critical.image", image_keys, err);
	if (r >= 0)
		r = get_string(image, "critical.image", "docker-manifest-digest", &v, err);
	if (r >= 0)
		r = ward_digest_parse(json_string_value(v), &p->manifest_digest, err);
	if (r >= 0)
		r = want_object(identity, "critical.identity", err);
	if (r >= 0)
		r = sign_json_exact(identity, "critical.identity", identity_keys, err);
	if (r >= 0)
		r = get_string(identity, "critical.identity", "docker-reference", &v, err);
	if (r >= 0)
		r = check_reference(json_string_value(v), json_string_length(v), err);
	if (r < 0)
		return r;
	p->docker_reference = strdup(json_string_value(v));
	return p->docker_reference ? 0 : ward_error_set(err, ENOMEM, "docker-reference");
}

/* optional.timestamp: an integer (Go reads a float64 and requires it to be
 * integral, so 1.7e9 is accepted and 1.5 is not). */
static int
parse_timestamp(json_t *v, int64_t *ret, struct ward_error **err)
{
	double d;

	if (json_is_integer(v)) {
		*ret = json_integer_value(v);
		return 0;
	}
	if (!json_is_real(v))
		return ward_error_set(err, EINVAL,
				      "optional.timestamp: expected an integer, got %s",
				      ward_json_type_name(v));
	d = json_real_value(v);
	if (d != floor(d) || d < -9.2e18 || d > 9.2e18)
		return ward_error_set(err, EINVAL, "optional.timestamp: %g is not an integer", d);
	*ret = (int64_t)d;
	return 0;
}

static int
parse_optional(json_t *opt, enum ward_sign_payload_type type, struct ward_sign_payload *p,
	       struct ward_error **err)
{
	json_t *v;
	int r;

	if (!opt)
		return ward_error_set(err, EINVAL, "missing field 'optional'");
	/* cosign writes null when there are no annotations; containers/image
	 * requires an object in atomic signatures. */
	if (json_is_null(opt) && type == WARD_SIGN_PAYLOAD_COSIGN)
		return 0;
	r = want_object(opt, "optional", err);
	if (r < 0)
		return r;
	v = json_object_get(opt, "creator");
	if (v) {
		if (!json_is_string(v))
			return ward_error_set(err, EINVAL,
					      "optional.creator: expected a string, got %s",
					      ward_json_type_name(v));
		p->creator = strdup(json_string_value(v));
		if (!p->creator)
			return ward_error_set(err, ENOMEM, "optional.creator");
	}
	v = json_object_get(opt, "timestamp");
	if (v) {
		r = parse_timestamp(v, &p->timestamp, err);
		if (r < 0)
			return r;
		p->has_timestamp = true;
	}
	p->optional = json_incref(opt);
	return 0;
}

static int
parse_doc(const char *buf, size_t len, enum ward_sign_payload_type type,
	  struct ward_sign_payload *p, struct ward_error **err)
{
	static const char *const top_keys[] = {"critical", "optional", NULL};
	_cleanup_(json_decrefp) json_t *j = NULL;
	int r;

	if (len > WARD_SIGN_PAYLOAD_MAX)
		return ward_error_set(err, EFBIG, "%zu bytes, more than the limit %u", len,
				      WARD_SIGN_PAYLOAD_MAX);
	/* Duplicate keys, NULs, trailing data and deep nesting are refused by
	 * ward_json_parse. */
	r = ward_json_parse(buf, len, "JSON", &j, err);
	if (r < 0)
		return r;
	r = want_object(j, "top level", err);
	if (r >= 0)
		r = sign_json_exact(j, "top level", top_keys, err);
	if (r >= 0)
		r = parse_critical(json_object_get(j, "critical"), type, p, err);
	if (r >= 0)
		r = parse_optional(json_object_get(j, "optional"), type, p, err);
	return r;
}

int
ward_sign_payload_parse(const char *buf, size_t len, enum ward_sign_payload_type type,
			struct ward_sign_payload **ret, struct ward_error **err)
{
	_cleanup_(ward_sign_payload_freep) struct ward_sign_payload *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return ward_error_set(err, ENOMEM, BAD);
	p->type = type;
	r = parse_doc(buf, len, type, p, err);
	if (r < 0) {
		ward_error_wrap(err, BAD);
		if (err && *err)
			(*err)->kind = WARD_E_INVALID;
		return r;
	}
	*ret = TAKE_PTR(p);
	return 0;
}
