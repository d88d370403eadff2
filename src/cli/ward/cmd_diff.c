/* SPDX-License-Identifier: Apache-2.0 */
/* ward diff: what a container changed in its image ("C /etc", "A /etc/new",
 * "D /removed", podman's output), from its overlay upper dir against the
 * image's layers (src/image/diff.c). Works on running and exited ones. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include <ward/containers.h>
#include <ward/image.h>

#include "cli.h"

struct layer_fds {
	int *v;
	size_t n;
};

static void
layer_fds_close(struct layer_fds *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] >= 0)
			(void)close(l->v[i]);
	free(l->v);
}

static int
open_dir(const char *path, const char *what, struct ward_error **err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return ward_error_set(err, errno, "%s '%s'", what, path);
	return fd;
}

static int
open_layers(struct ward_cli *cli, const char *digest, struct layer_fds *l, struct ward_error **err)
{
	_cleanup_strv_ char **dirs = NULL;
	int n = ward_image_lower_dirs(cli->root, digest, &dirs, err);

	if (n < 0)
		return n;
	l->v = calloc((size_t)n + 1, sizeof(int));
	if (!l->v)
		return ward_error_set(err, ENOMEM, "diff");
	for (int i = 0; i < n; i++) {
		l->v[l->n] = open_dir(dirs[i], "image layer", err);
		if (l->v[l->n] < 0)
			return ward_error_wrap(err, "the image's layers (was it removed? ward pull "
						    "it again)");
		l->n++;
	}
	return 0;
}

static int
print_json(const struct ward_change *v, size_t n)
{
	static const char *const keys[] = {"changed", "added", "deleted"};
	json_t *o = json_object();
	char *text;

	for (size_t k = 0; o && k < WARD_ARRAY_SIZE(keys); k++) {
		json_t *a = json_array();
		for (size_t i = 0; a && i < n; i++)
			if ((size_t)v[i].kind == k)
				json_array_append_new(a, json_string(v[i].path));
		json_object_set_new(o, keys[k], a);
	}
	text = o ? json_dumps(o, JSON_INDENT(4)) : NULL;
	json_decref(o);
	if (!text)
		return -ENOMEM;
	printf("%s\n", text);
	free(text);
	return 0;
}

/* A hostile container can name files with terminal escapes: one line per
 * change, control characters shown as '?'. */
static void
print_table(const struct ward_change *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		putchar(ward_change_kind_letter(v[i].kind));
		putchar(' ');
		for (const char *p = v[i].path; *p; p++)
			putchar((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
		putchar('\n');
	}
}

static int
diff(struct ward_cli *cli, const char *name, bool json, struct ward_error **err)
{
	struct ward_ctr_record *rec = NULL;
	struct layer_fds layers = {0};
	struct ward_change *v = NULL;
	_cleanup_free_ char *upper = NULL;
	_cleanup_close_ int upper_fd = -1;
	size_t n = 0;
	int r;

	if ((r = ward_cli_container(cli, name, false, &rec, NULL, err)) < 0)
		return r;
	if (!rec->image_digest || !*rec->image_digest) {
		r = ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
				    "container \"%s\" runs on a --rootfs directory, not an image: "
				    "there are no layers to compare with",
				    name);
		goto out;
	}
	if (!(upper = ward_strdup_printf("%s/upper", rec->bundle))) {
		r = ward_error_set(err, ENOMEM, "diff");
		goto out;
	}
	if ((upper_fd = open_dir(upper, "the container's upper dir", err)) < 0 ||
	    (r = open_layers(cli, rec->image_digest, &layers, err)) < 0 ||
	    (r = ward_diff_overlay(upper_fd, layers.v, layers.n, NULL, &v, &n, err)) < 0) {
		r = ward_error_wrap(err, "diff \"%s\"", name);
		goto out;
	}
	if (json)
		r = print_json(v, n) < 0 ? ward_error_set(err, ENOMEM, "diff") : 0;
	else
		print_table(v, n);
out:
	ward_changes_free(v, n);
	layer_fds_close(&layers);
	ward_ctr_record_free(rec);
	return r;
}

int
ward_cmd_diff(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct ward_error *err = NULL;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (ward_cli_parse_format("diff", optarg, &json) != 0)
				return WARD_EXIT_ENGINE;
			break;
		case 'h':
			printf("usage: ward diff [--format json] CONTAINER\n"
			       "  C a path the image has was changed, A added, D deleted\n");
			return 0;
		default:
			return ward_cli_usage("diff", "invalid option");
		}
	}
	if (argc - optind != 1)
		return ward_cli_usage("diff", "give one CONTAINER");
	if (diff(cli, argv[optind], json, &err) < 0)
		return ward_cli_fail(cli, err);
	return 0;
}
