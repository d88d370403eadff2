/* SPDX-License-Identifier: Apache-2.0 */
/* ward import, ward images */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include <ward/image.h>
#include <ward/registry.h>

#include "cli.h"
#include "progress.h"

int
ward_cmd_import(struct ward_cli *cli, int argc, char **argv)
{
	struct ward_error *err = NULL;
	struct ward_store *s = NULL;
	struct ward_digest d;
	_cleanup_close_ int fd = -1, layers = -1;
	const char *file, *name;
	int r;

	if (argc - optind < 1 || argc - optind > 2)
		return ward_cli_usage("import", "usage: ward import FILE|- [NAME]");
	file = argv[optind];
	name = argc - optind == 2 ? argv[optind + 1] : NULL;
	fd = strcmp(file, "-") == 0 ? dup(0) : open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ward_error_set(&err, errno, "import '%s'", file);
		return ward_cli_fail(cli, err);
	}
	if ((r = ward_store_open(cli->root, true, &s, &err)) < 0 ||
	    (layers = ward_layers_open(cli->root, &err)) < 0 ||
	    (r = ward_image_import(s, layers, fd, name, NULL, &d, &err)) < 0) {
		ward_store_free(s);
		return ward_cli_fail(cli, err);
	}
	ward_store_free(s);
	printf("%s\n", d.s);
	return 0;
}

/* One row of `ward images`: the image ID is the config digest (podman's),
 * the size the config plus the layers as stored. An entry whose manifest
 * cannot be read is still listed, by its manifest digest. */
static void
list_one_image(struct ward_store *s, const char *name, json_t *arr)
{
	struct ward_image *img = NULL;
	struct ward_descriptor d;
	const struct ward_digest *id;
	uint64_t size;
	char hsize[32];

	if (ward_store_resolve(s, name, &d, NULL) < 0)
		return;
	(void)ward_image_open(s, name, NULL, &img, NULL);
	id = img ? &img->manifest->config.digest : &d.digest;
	size = img ? (uint64_t)img->manifest->config.size : (uint64_t)d.size;
	for (size_t i = 0; img && i < img->manifest->n_layers; i++)
		size += (uint64_t)img->manifest->layers[i].size;
	if (arr)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:I}", "name", name,
						     "id", id->s, "digest", d.digest.s,
						     "mediaType", d.media_type, "size",
						     (json_int_t)size));
	else {
		ward_cli_human_size(size, hsize, sizeof(hsize));
		printf("%-50s %-14.12s %s\n", name, ward_digest_hex(id), hsize);
	}
	ward_image_free(img);
}

int
ward_cmd_images(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {0}};
	struct ward_error *err = NULL;
	struct ward_store *s = NULL;
	char **names = NULL;
	bool json = false;
	json_t *arr;
	int c, r;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 'f')
			return ward_cli_usage("images", "invalid option");
		if (ward_cli_parse_format("images", optarg, &json) != 0)
			return WARD_EXIT_ENGINE;
	}
	if ((r = ward_store_open(cli->root, true, &s, &err)) < 0 ||
	    (r = ward_store_list(s, &names, &err)) < 0) {
		ward_store_free(s);
		return ward_cli_fail(cli, err);
	}
	arr = json_array();
	if (!json)
		printf("%-50s %-14s %s\n", "NAME", "IMAGE ID", "SIZE");
	for (char **n = names; n && *n; n++)
		list_one_image(s, *n, json ? arr : NULL);
	if (json) {
		char *t = json_dumps(arr, JSON_INDENT(2));
		if (t)
			puts(t);
		free(t);
	}
	json_decref(arr);
	ward_strv_free(names);
	ward_store_free(s);
	return 0;
}

int
ward_cmd_pull(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"tls-verify", required_argument, NULL, 't'},
		{"cert-dir", required_argument, NULL, 'c'},
		{"authfile", required_argument, NULL, 'a'},
		{"platform", required_argument, NULL, 'p'},
		{"quiet", no_argument, NULL, 'q'},
		{"registries-conf", required_argument, NULL, 'R'},
		{"policy", required_argument, NULL, 'P'},
		{"insecure-policy", no_argument, NULL, 'I'},
		{"registries-d", required_argument, NULL, 'D'},
		{0},
	};
	struct ward_registry_opts ro = {.log = &cli->log};
	struct ward_registry_layer_sink sink;
	struct ward_progress *pg = NULL;
	_cleanup_close_ int layers = -1;
	_cleanup_free_ char *authfile = NULL;
	const char *registries_conf = NULL;
	struct ward_platform plat, *platform = NULL;
	struct ward_error *err = NULL;
	struct ward_store *s = NULL;
	struct ward_digest d;
	char *name = NULL;
	bool quiet = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (strcmp(optarg, "false") == 0) {
				ro.plain_http = true;
				ward_log_write(&cli->log, WARD_LOG_WARNING,
					       "--tls-verify=false: plain HTTP, nothing authenticates "
					       "the registry");
			} else if (strcmp(optarg, "true") != 0) {
				return ward_cli_usage("pull", "--tls-verify: true or false");
			}
			break;
		case 'c':
			ro.cert_dir = optarg;
			break;
		case 'a':
			ro.auth_file = optarg;
			break;
		case 'p':
			if (ward_platform_parse(optarg, &plat, &err) < 0)
				return ward_cli_fail(cli, err);
			platform = &plat;
			break;
		case 'q':
			quiet = true;
			break;
		case 'R':
			registries_conf = optarg;
			break;
		case 'P': /* the trust policy, as the global --policy */
			cli->policy_path = optarg;
			break;
		case 'I':
			cli->insecure_policy = true;
			break;
		case 'D':
			cli->registries_d = optarg;
			break;
		default:
			return ward_cli_usage("pull", "invalid option");
		}
	}
	if (argc - optind != 1)
		return ward_cli_usage("pull", "usage: ward pull [options] REGISTRY/REPO[:TAG|@DIGEST]");
	/* The auth file login writes and push reads (podman's default). */
	if (!(authfile = ward_cli_authfile(ro.auth_file)))
		return ward_cli_usage("pull", "out of memory");
	ro.auth_file = authfile;
	/* Layers unpack while they download, so `ward run` finds them ready;
	 * one progress bar per layer on a terminal. */
	if (!(pg = ward_progress_new(ward_progress_pick_mode(quiet, 2), 2, &cli->log)))
		return ward_cli_usage("pull", "out of memory");
	ro.progress = ward_progress_cb;
	ro.progress_opaque = pg;
	ro.layer_sink = &sink;
	ward_layers_sink(&layers, &sink);
	if ((r = ward_store_open(cli->root, true, &s, &err)) < 0 ||
	    (r = layers = ward_layers_open(cli->root, &err)) < 0 ||
	    (r = ward_cli_pull(cli, registries_conf, argv[optind], &ro, platform, s, &d, &name,
			       &err)) < 0) {
		ward_progress_free(pg);
		ward_store_free(s);
		return ward_cli_fail(cli, err);
	}
	ward_progress_free(pg);
	ward_store_free(s);
	if (!quiet)
		printf("%s %s\n", name, d.s);
	else
		printf("%s\n", d.s);
	free(name);
	return 0;
}
