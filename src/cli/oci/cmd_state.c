/* SPDX-License-Identifier: Apache-2.0 */
/* state, list, features, spec, events */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include "cli.h"

int
oci_cmd_state(const struct ward_runtime *rt, int argc, char **argv)
{
	struct ward_error *err = NULL;
	const char *id;
	json_t *j = NULL;
	int r;

	if (oci_need_id("state", argc, argv, &id))
		return 1;
	if (ward_container_state(rt, id, &j, &err) < 0)
		return oci_fail(rt, err);
	r = oci_print_json(j);
	json_decref(j);
	return r;
}

static void
print_table(json_t *arr, bool quiet)
{
	size_t i;
	json_t *c;

	if (quiet) {
		json_array_foreach(arr, i, c) puts(json_string_value(json_object_get(c, "id")));
		return;
	}
	printf("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
	       "OWNER");
	json_array_foreach(arr, i, c)
	{
		printf("%-20s %-8lld %-10s %-40s %-32s %s\n",
		       json_string_value(json_object_get(c, "id")),
		       (long long)json_integer_value(json_object_get(c, "pid")),
		       json_string_value(json_object_get(c, "status")),
		       json_string_value(json_object_get(c, "bundle")),
		       json_string_value(json_object_get(c, "created")),
		       json_string_value(json_object_get(c, "owner")));
	}
}

int
oci_cmd_list(const struct ward_runtime *rt, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'}, {"quiet", no_argument, NULL, 'q'}, {0}};
	struct ward_error *err = NULL;
	bool json = false, quiet = false;
	json_t *arr = NULL;
	int c;

	while ((c = getopt_long_only(argc, argv, "+f:q", opts, NULL)) != -1) {
		if (c == 'f') {
			if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "table") != 0)
				return oci_usage_error("list", "--format: '%s' is not table or json",
						       optarg);
		} else if (c == 'q')
			quiet = true;
		else
			return oci_usage_error("list", "invalid option");
	}
	if (ward_container_list(rt, &arr, &err) < 0)
		return oci_fail(rt, err);
	if (json)
		oci_print_json(arr);
	else
		print_table(arr, quiet);
	json_decref(arr);
	return 0;
}

int
oci_cmd_features(const struct ward_runtime *rt, int argc, char **argv)
{
	json_t *f = ward_runtime_features();
	int r;

	(void)rt;
	(void)argc;
	(void)argv;
	if (!f) {
		fprintf(stderr, "ward-oci: features: out of memory\n");
		return 1;
	}
	r = oci_print_json(f);
	json_decref(f);
	return r;
}

int
oci_cmd_spec(const struct ward_runtime *rt, int argc, char **argv)
{
	static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
					     {"rootless", no_argument, NULL, 'r'},
					     {0}};
	struct ward_error *err = NULL;
	const char *bundle = ".";
	bool rootless = false;
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *text = NULL;
	json_t *spec;
	int c;

	while ((c = getopt_long_only(argc, argv, "+b:", opts, NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == 'r')
			rootless = true;
		else
			return oci_usage_error("spec", "invalid option");
	}
	dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		ward_error_set(&err, errno, "spec: bundle '%s'", bundle);
		return oci_fail(rt, err);
	}
	if (faccessat(dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		ward_error_setk(&err, WARD_E_EXISTS, EEXIST,
				"spec: %s/config.json exists; remove it first", bundle);
		return oci_fail(rt, err);
	}
	spec = ward_spec_default(rootless);
	text = spec ? json_dumps(spec, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(spec);
	if (!text) {
		ward_error_set(&err, ENOMEM, "spec");
		return oci_fail(rt, err);
	}
	if (ward_fs_write_atomic(dfd, "config.json", text, strlen(text), 0644, &err) < 0)
		return oci_fail(rt, err);
	return 0;
}

int
oci_cmd_events(const struct ward_runtime *rt, int argc, char **argv)
{
	static const struct option opts[] = {{"stats", no_argument, NULL, 's'},
					     {"interval", required_argument, NULL, 'i'},
					     {0}};
	struct ward_error *err = NULL;
	const char *id;
	bool stats = false;
	json_t *j = NULL;
	int c;

	while ((c = getopt_long_only(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 's')
			stats = true;
		else if (c != 'i')
			return oci_usage_error("events", "invalid option");
	}
	if (oci_need_id("events", argc, argv, &id))
		return 1;
	if (!stats)
		return oci_usage_error("events", "only --stats is supported");
	if (ward_container_stats(rt, id, &j, &err) < 0)
		return oci_fail(rt, err);
	{
		json_t *ev = json_pack("{s:s, s:s, s:o}", "type", "stats", "id", id, "data", j);
		char *s = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
		if (s)
			puts(s);
		free(s);
		json_decref(ev);
	}
	return 0;
}
