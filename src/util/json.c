/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include <ward/util.h>

const char *
ward_json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

/* Walk the whole document once: bound the depth, and refuse strings with an
 * embedded NUL (they would be silently cut short as C strings), naming the
 * member so the user can find it. */
static int
json_check_tree(const json_t *j, int depth, char *path, size_t len, size_t cap,
		const char *name, struct ward_error **err)
{
	const char *key;
	json_t *v;
	size_t i;
	int r;

	if (depth > WARD_JSON_MAX_DEPTH)
		return ward_error_set(err, EINVAL, "%s: nested deeper than %d levels", name,
				      WARD_JSON_MAX_DEPTH);
	if (json_is_string(j)) {
		if (strlen(json_string_value(j)) != json_string_length(j))
			return ward_error_set(err, EINVAL, "%s: %s: contains a NUL byte", name,
					      len ? path : "(top level)");
		return 0;
	}
	if (json_is_object(j)) {
		json_object_foreach((json_t *)j, key, v)
		{
			int n = snprintf(path + len, cap - len, "%s%s", len ? "." : "", key);
			size_t nl = n > 0 && (size_t)n < cap - len ? len + (size_t)n : len;
			r = json_check_tree(v, depth + 1, path, nl, cap, name, err);
			path[len] = '\0';
			if (r < 0)
				return r;
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
		{
			int n = snprintf(path + len, cap - len, "[%zu]", i);
			size_t nl = n > 0 && (size_t)n < cap - len ? len + (size_t)n : len;
			r = json_check_tree(v, depth + 1, path, nl, cap, name, err);
			path[len] = '\0';
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int
ward_json_parse(const char *buf, size_t len, const char *name, json_t **ret,
		struct ward_error **err)
{
	json_error_t jerr;
	char path[512] = "";
	json_t *j;

	/* Jansson itself limits nesting (2048), but we keep our own lower cap so
	 * every recursive walker downstream has a known bound. JSON_REJECT_DUPLICATES
	 * stops "first key wins / last key wins" confusion between parsers.
	 * Escaped NULs are let through the parser only so the check below can
	 * name the member that holds one. */
	if (memchr(buf, '\0', len))
		return ward_error_set(err, EINVAL, "%s: contains a NUL byte", name);
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!j)
		return ward_error_set(err, EINVAL, "%s: line %d column %d: %s", name, jerr.line,
				      jerr.column, jerr.text);
	if (json_check_tree(j, 0, path, 0, sizeof(path), name, err) < 0) {
		json_decref(j);
		return -EINVAL;
	}
	*ret = j;
	return 0;
}

int
ward_json_load_file(int dirfd, const char *path, size_t max, json_t **ret, struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	r = ward_fs_read_all(dirfd, path, max, &buf, &len, err);
	if (r < 0)
		return r;
	return ward_json_parse(buf, len, path, ret, err);
}

static int
wrong_type(struct ward_error **err, const char *where, const char *key, const char *want,
	   const json_t *got)
{
	return ward_error_set(err, EINVAL, "%s%s%s: expected %s, got %s", where ? where : "",
			      where && *where ? "." : "", key, want, ward_json_type_name(got));
}

static json_t *
lookup(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	/* A JSON null reads as absent, as Go's encoding/json does for runc. */
	return json_is_null(v) ? NULL : v;
}

int
ward_json_get_string(json_t *obj, const char *where, const char *key, const char **ret,
		     struct ward_error **err)
{
	json_t *v = lookup(obj, key);

	if (!v)
		return 0;
	if (!json_is_string(v))
		return wrong_type(err, where, key, "a string", v);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return ward_error_set(err, EINVAL, "%s.%s: contains a NUL byte", where, key);
	*ret = json_string_value(v);
	return 1;
}

int
ward_json_dup_string(json_t *obj, const char *where, const char *key, char **ret,
		     struct ward_error **err)
{
	const char *s = NULL;
	char *d;
	int r;

	r = ward_json_get_string(obj, where, key, &s, err);
	if (r <= 0)
		return r;
	d = strdup(s);
	if (!d)
		return ward_error_set(err, ENOMEM, "%s.%s", where, key);
	free(*ret);
	*ret = d;
	return 1;
}

int
ward_json_get_bool(json_t *obj, const char *where, const char *key, bool *ret,
		   struct ward_error **err)
{
	json_t *v = lookup(obj, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return wrong_type(err, where, key, "a boolean", v);
	*ret = json_is_true(v);
	return 1;
}

int
ward_json_get_int64(json_t *obj, const char *where, const char *key, int64_t *ret,
		    struct ward_error **err)
{
	json_t *v = lookup(obj, key);

	if (!v)
		return 0;
	if (!json_is_integer(v))
		return wrong_type(err, where, key, "an integer", v);
	*ret = json_integer_value(v);
	return 1;
}

int
ward_json_get_range(json_t *obj, const char *where, const char *key, int64_t min, int64_t max,
		    int64_t *ret, struct ward_error **err)
{
	int64_t v = 0;
	int r;

	r = ward_json_get_int64(obj, where, key, &v, err);
	if (r <= 0)
		return r;
	if (v < min || v > max)
		return ward_error_set(err, ERANGE, "%s.%s: %lld is outside [%lld, %lld]", where, key,
				      (long long)v, (long long)min, (long long)max);
	*ret = v;
	return 1;
}

int
ward_json_get_uint64(json_t *obj, const char *where, const char *key, uint64_t *ret,
		     struct ward_error **err)
{
	json_t *v = lookup(obj, key);

	if (!v)
		return 0;
	/* Jansson stores integers as json_int_t (long long); values above
	 * INT64_MAX fail to parse as integers, which is the bound we accept. */
	if (!json_is_integer(v))
		return wrong_type(err, where, key, "an integer", v);
	if (json_integer_value(v) < 0)
		return ward_error_set(err, ERANGE, "%s.%s: must not be negative", where, key);
	*ret = (uint64_t)json_integer_value(v);
	return 1;
}

int
ward_json_get_object(json_t *obj, const char *where, const char *key, json_t **ret,
		     struct ward_error **err)
{
	json_t *v = lookup(obj, key);

	if (!v)
		return 0;
	if (!json_is_object(v))
		return wrong_type(err, where, key, "an object", v);
	*ret = v;
	return 1;
}

int
ward_json_get_array(json_t *obj, const char *where, const char *key, size_t max, json_t **ret,
		    struct ward_error **err)
{
	json_t *v = lookup(obj, key);

	if (!v)
		return 0;
	if (!json_is_array(v))
		return wrong_type(err, where, key, "an array", v);
	if (json_array_size(v) > max)
		return ward_error_set(err, E2BIG, "%s.%s: %zu entries, at most %zu allowed", where,
				      key, json_array_size(v), max);
	*ret = v;
	return 1;
}

int
ward_json_get_strv(json_t *obj, const char *where, const char *key, size_t max, char ***ret,
		   struct ward_error **err)
{
	json_t *arr = NULL, *v;
	char **strv;
	size_t i;
	int r;

	r = ward_json_get_array(obj, where, key, max, &arr, err);
	if (r <= 0)
		return r;
	strv = calloc(json_array_size(arr) + 1, sizeof(char *));
	if (!strv)
		return ward_error_set(err, ENOMEM, "%s.%s", where, key);
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
			ward_strv_free(strv);
			if (!json_is_string(v))
				return ward_error_set(err, EINVAL, "%s.%s[%zu]: expected a string, got %s",
						      where, key, i, ward_json_type_name(v));
			return ward_error_set(err, EINVAL, "%s.%s[%zu]: contains a NUL byte", where,
					      key, i);
		}
		strv[i] = strdup(json_string_value(v));
		if (!strv[i]) {
			ward_strv_free(strv);
			return ward_error_set(err, ENOMEM, "%s.%s", where, key);
		}
	}
	ward_strv_free(*ret);
	*ret = strv;
	return 1;
}
