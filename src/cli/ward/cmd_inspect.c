/* SPDX-License-Identifier: Apache-2.0 */
/* ward inspect: containers as podman-like JSON (images through cmd_image.c). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ctr_cli.h"

/* ---- inspect ------------------------------------------------------------ */

static json_t *
load_config(struct ward_cli *cli, const struct ward_ctr_record *r)
{
	_cleanup_close_ int dfd = -1;
	char dir[4096];
	json_t *j = NULL;

	if (ward_cli_ctr_dir(cli, r->id, NULL, dir, sizeof(dir), NULL) == 0)
		dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || ward_json_load_file(dfd, "config.json", WARD_SPEC_MAX_SIZE, &j, NULL) < 0)
		return json_object();
	return j;
}

/* Bind mounts of config.json (the -v volumes), podman's Mounts entries. */
static json_t *
inspect_mounts(json_t *cfg)
{
	json_t *out = json_array(), *m;
	size_t i;

	json_array_foreach(json_object_get(cfg, "mounts"), i, m) {
		const char *type = json_string_value(json_object_get(m, "type"));
		json_t *opts = json_object_get(m, "options"), *o;
		bool bind = type && strcmp(type, "bind") == 0, rw = true;
		size_t k;

		json_array_foreach(opts, k, o) {
			const char *s = json_string_value(o);
			if (s && (strcmp(s, "bind") == 0 || strcmp(s, "rbind") == 0))
				bind = true;
			if (s && strcmp(s, "ro") == 0)
				rw = false;
		}
		if (!bind)
			continue;
		json_array_append_new(out,
				      json_pack("{s:s, s:O?, s:O?, s:b, s:O}", "Type", "bind",
						"Source", json_object_get(m, "source"),
						"Destination", json_object_get(m, "destination"),
						"RW", rw, "Options", opts ? opts : json_array()));
	}
	return out;
}

static json_t *
inspect_one(struct ward_cli *cli, const struct ward_ctr_record *r)
{
	json_t *cfg = load_config(cli, r), *proc = json_object_get(cfg, "process");
	json_t *args = json_object_get(proc, "args"), *path, *rest = json_array(), *ns, *n;
	json_t *res = json_object_get(json_object_get(cfg, "linux"), "resources");
	char created[64], started[64], finished[64];
	bool net_host = true;
	size_t i;

	ward_cli_rfc3339(r->created_ms, created, sizeof(created));
	ward_cli_rfc3339(r->started_ms, started, sizeof(started));
	ward_cli_rfc3339(r->finished_ms, finished, sizeof(finished));
	path = json_array_get(args, 0);
	json_array_foreach(args, i, n)
		if (i > 0)
			json_array_append(rest, n);
	ns = json_object_get(json_object_get(cfg, "linux"), "namespaces");
	json_array_foreach(ns, i, n) {
		const char *t = json_string_value(json_object_get(n, "type"));
		if (t && strcmp(t, "network") == 0)
			net_host = false;
	}
	json_t *j = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:O?, s:o, s:s?, s:s?, "
		"s:{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:i, s:s, s:s, s:s}, "
		"s:{s:O?, s:O?, s:O?, s:O?, s:s?, s:b, s:b, s:O?}, s:o, s:s, s:s, "
		"s:{s:b, s:s, s:b, s:I, s:I}}",
		"Id", r->id, "Name", r->name, "Created", created, "Image",
		r->image_digest ? r->image_digest + 7 : "", "ImageDigest",
		r->image_digest ? r->image_digest : "", "Path", path, "Args", rest, "ImageName",
		r->image, "Rootfs",
		r->image ? NULL
			 : json_string_value(json_object_get(json_object_get(cfg, "root"), "path")),
		"State", "Status", ward_ctr_status_name(r->status), "Running",
		r->status == WARD_CTR_RUNNING, "Paused", r->status == WARD_CTR_PAUSED, "Restarting",
		false, "OOMKilled", false, "Dead", false, "Pid", (int)r->pid, "ConmonPid",
		(int)r->monitor_pid, "ExitCode", r->exit_code, "Error", r->note ? r->note : "",
		"StartedAt", started, "FinishedAt", finished, "Config", "Hostname",
		json_object_get(cfg, "hostname"), "Env", json_object_get(proc, "env"), "Cmd", args,
		"WorkingDir", json_object_get(proc, "cwd"), "Image", r->image, "Tty",
		json_is_true(json_object_get(proc, "terminal")), "OpenStdin",
		r->spec_opts && strstr(r->spec_opts, "\"interactive\":true"), "User",
		json_object_get(proc, "user"), "Mounts", inspect_mounts(cfg), "LogPath",
		r->log_path ? r->log_path : "", "Driver", r->image ? "overlay" : "", "HostConfig",
		"AutoRemove", r->auto_remove, "NetworkMode", net_host ? "host" : "none",
		"ReadonlyRootfs",
		json_is_true(json_object_get(json_object_get(cfg, "root"), "readonly")), "Memory",
		(json_int_t)json_integer_value(
			json_object_get(json_object_get(res, "memory"), "limit")),
		"PidsLimit",
		(json_int_t)json_integer_value(
			json_object_get(json_object_get(res, "pids"), "limit")));
	json_decref(cfg);
	if (!j)
		json_decref(rest);
	return j;
}

static int
inspect_fn(struct ward_cli *cli, struct ward_ctr_db **dbp, struct ward_ctr_record *r, void *data,
	   struct ward_error **err)
{
	struct ward_ctr_db *db = *dbp;
	json_t *one = inspect_one(cli, r);

	(void)db;
	if (!one)
		return ward_error_set(err, ENOMEM, "inspect %s", r->name);
	json_array_append_new((json_t *)data, one);
	return 0;
}

/* One name: a container, else (unless --type container) an image, as
 * podman's generic inspect does. */
static int
inspect_name(struct ward_cli *cli, const char *name, const char *type, json_t *out,
	     struct ward_error **err)
{
	struct ward_ctr_db *db = NULL;
	struct ward_ctr_record *r = NULL;
	json_t *one = NULL;
	int rc = 0;

	if (!type || strcmp(type, "container") == 0) {
		if ((rc = ward_cli_ctr_db(cli, true, &db, err)) == 0 &&
		    (rc = ward_cli_ctr_get(db, name, &r, err)) == 0)
			rc = inspect_fn(cli, &db, r, out, err);
		ward_ctr_record_free(r);
		ward_ctr_db_close(db);
		if (rc == 0 || type || !*err || (*err)->kind != WARD_E_NOTFOUND)
			return rc;
	}
	{
		struct ward_error *ie = NULL;
		if (ward_cli_image_inspect(cli, name, &one, &ie) == 0) {
			ward_error_freep(err);
			json_array_append_new(out, one);
			return 0;
		}
		if (type) {
			ward_error_free(*err);
			*err = ie;
			return ward_error_code(ie);
		}
		ward_error_free(ie);
	}
	return rc;
}

int
ward_cmd_inspect(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"type", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static const char usage[] = "ward inspect [--type container|image] NAME...";
	const char *type = NULL;
	json_t *out;
	char *s;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'T' && strcmp(optarg, "container") != 0 && strcmp(optarg, "image") != 0)
			return ward_cli_usage("inspect", "--type '%s': container or image", optarg);
		if (c == 'T')
			type = optarg;
		else if (c == 'h') {
			printf("usage: %s\n", usage);
			return 0;
		} else
			return ward_cli_bad_usage("inspect", usage) < 0 ? WARD_EXIT_ENGINE : 0;
	}
	if (optind >= argc)
		return ward_cli_usage("inspect", "give at least one container or image");
	out = json_array();
	if (!out)
		return ward_cli_ctr_fail(NULL);
	for (int i = optind; i < argc; i++) {
		struct ward_error *err = NULL;
		if (inspect_name(cli, argv[i], type, out, &err) < 0) {
			fprintf(stderr, "Error: %s\n",
				err && err->msg ? err->msg : "inspect failed");
			ward_error_free(err);
			rc = WARD_EXIT_ENGINE;
		}
	}
	s = json_dumps(out, JSON_INDENT(4));
	printf("%s\n", s ? s : "[]");
	free(s);
	json_decref(out);
	return rc;
}
