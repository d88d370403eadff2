/* SPDX-License-Identifier: Apache-2.0 */
/* update: new resources for a live container, from -r FILE or flags. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include "cli.h"

#define RESOURCES_MAX (1u << 20)

/* "512m", "1G", "100000" -> bytes; "-1" means unlimited. */
static int
parse_size(const char *s, int64_t *ret)
{
	char *end;
	long long v;
	int64_t mult = 1;

	if (strcmp(s, "-1") == 0) {
		*ret = -1;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0)
		return -EINVAL;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1LL << 10;
		break;
	case 'm': case 'M':
		mult = 1LL << 20;
		break;
	case 'g': case 'G':
		mult = 1LL << 30;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1] && !(end[1] == 'b' || end[1] == 'B'))
		return -EINVAL;
	if (__builtin_mul_overflow((int64_t)v, mult, ret))
		return -ERANGE;
	return 0;
}

struct flag_target {
	const char *flag;
	const char *section;
	const char *key;
	bool size;   /* accepts 512m etc. */
	bool string; /* cpuset lists */
};

static const struct flag_target targets[] = {
	{"memory", "memory", "limit", true, false},
	{"memory-reservation", "memory", "reservation", true, false},
	{"memory-swap", "memory", "swap", true, false},
	{"kernel-memory", "memory", "kernel", true, false},
	{"cpu-shares", "cpu", "shares", false, false},
	{"cpu-quota", "cpu", "quota", false, false},
	{"cpu-period", "cpu", "period", false, false},
	{"cpu-rt-period", "cpu", "realtimePeriod", false, false},
	{"cpu-rt-runtime", "cpu", "realtimeRuntime", false, false},
	{"cpuset-cpus", "cpu", "cpus", false, true},
	{"cpuset-mems", "cpu", "mems", false, true},
	{"pids-limit", "pids", "limit", false, false},
	{"blkio-weight", "blockIO", "weight", false, false},
};

static int
set_flag(json_t *res, const struct flag_target *t, const char *value)
{
	json_t *sec = json_object_get(res, t->section);
	int64_t v;
	char *end;

	if (!sec) {
		sec = json_object();
		json_object_set_new(res, t->section, sec);
	}
	if (t->string)
		return json_object_set_new(sec, t->key, json_string(value));
	if (t->size) {
		if (parse_size(value, &v) < 0)
			return -EINVAL;
	} else {
		errno = 0;
		v = strtoll(value, &end, 10);
		if (errno || end == value || *end)
			return -EINVAL;
	}
	return json_object_set_new(sec, t->key, json_integer(v));
}

int
oci_cmd_update(const struct ward_runtime *rt, int argc, char **argv)
{
	struct option opts[WARD_ARRAY_SIZE(targets) + 2];
	struct ward_error *err = NULL;
	const char *file = NULL, *id;
	json_t *res = json_object();
	int c, idx, r;

	for (size_t i = 0; i < WARD_ARRAY_SIZE(targets); i++)
		opts[i] = (struct option){targets[i].flag, required_argument, NULL, 1000 + (int)i};
	opts[WARD_ARRAY_SIZE(targets)] = (struct option){"resources", required_argument, NULL, 'r'};
	opts[WARD_ARRAY_SIZE(targets) + 1] = (struct option){0};
	while ((c = getopt_long_only(argc, argv, "+r:", opts, &idx)) != -1) {
		if (c == 'r')
			file = optarg;
		else if (c >= 1000 && c < 1000 + (int)WARD_ARRAY_SIZE(targets)) {
			if (set_flag(res, &targets[c - 1000], optarg) < 0) {
				json_decref(res);
				return oci_usage_error("update", "--%s: invalid value '%s'",
						       targets[c - 1000].flag, optarg);
			}
		} else {
			json_decref(res);
			return oci_usage_error("update", "invalid option");
		}
	}
	if (oci_need_id("update", argc, argv, &id)) {
		json_decref(res);
		return 1;
	}
	if (file) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		json_decref(res);
		res = NULL;
		r = strcmp(file, "-") == 0
			    ? ward_fs_read_fd(0, RESOURCES_MAX, "stdin", &buf, &len, &err)
			    : ward_fs_read_all(AT_FDCWD, file, RESOURCES_MAX, &buf, &len, &err);
		if (r < 0 || ward_json_parse(buf, len, file, &res, &err) < 0)
			return oci_fail(rt, err);
		if (!json_is_object(res)) {
			json_decref(res);
			ward_error_set(&err, EINVAL, "update: %s: expected a resources object", file);
			return oci_fail(rt, err);
		}
	}
	r = ward_container_update(rt, id, res, &err);
	json_decref(res);
	return r < 0 ? oci_fail(rt, err) : 0;
}
