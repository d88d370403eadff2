/* SPDX-License-Identifier: Apache-2.0 */
/* ward system df, ward system prune (podman's output and prompts). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include <ward/containers.h>
#include <ward/image.h>

#include "cli.h"

/* Manifest digests containers were made from. No ward.db yet means no
 * container was ever made; any other failure stops the caller, since
 * pruning without knowing what containers use could delete their layers. */
static int
images_in_use(struct ward_cli *cli, char ***ret, struct ward_error **err)
{
	struct ward_ctr_db *db = NULL;
	char path[4096];
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/ward.db", cli->root) >= sizeof(path))
		return ward_error_set(err, ENAMETOOLONG, "containers under '%s'", cli->root);
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		*ret = calloc(1, sizeof(char *));
		return *ret ? 0 : ward_error_set(err, ENOMEM, "containers");
	}
	if ((r = ward_ctr_db_open(cli->root, false, &db, err)) < 0)
		return ward_error_wrap(err, "containers");
	r = ward_ctr_db_images_in_use(db, ret, err);
	ward_ctr_db_close(db);
	return r < 0 ? ward_error_wrap(err, "containers") : 0;
}

struct ctr_usage {
	size_t total, active;
	uint64_t bytes, reclaimable;
};

static int
containers_usage(struct ward_cli *cli, struct ctr_usage *ret, struct ward_error **err)
{
	struct ward_ctr_db *db = NULL;
	struct ward_ctr_record **v = NULL;
	_cleanup_close_ int cfd = -1;
	struct ctr_usage u = {0};
	char path[4096];
	int r;

	snprintf(path, sizeof(path), "%s/ward.db", cli->root);
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		*ret = u;
		return 0;
	}
	if ((r = ward_ctr_db_open(cli->root, false, &db, err)) < 0 ||
	    (r = ward_ctr_db_list(db, &v, err)) < 0) {
		ward_ctr_db_close(db);
		return ward_error_wrap(err, "containers");
	}
	ward_ctr_db_close(db);
	snprintf(path, sizeof(path), "%s/containers", cli->root);
	cfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	for (struct ward_ctr_record **c = v; c && *c; c++) {
		bool live = (*c)->status == WARD_CTR_RUNNING || (*c)->status == WARD_CTR_PAUSED;
		char upper[200];
		uint64_t bytes = 0;

		u.total++;
		u.active += live;
		/* The id is 64 hex from our own records; the upper dir is where
		 * `ward run` writes the container's changes. */
		if (cfd >= 0 && strlen((*c)->id) < 100 && !strchr((*c)->id, '/')) {
			snprintf(upper, sizeof(upper), "%s/upper", (*c)->id);
			(void)ward_dir_usage(cfd, upper, &bytes, NULL);
		}
		u.bytes += bytes;
		if (!live)
			u.reclaimable += bytes;
	}
	ward_ctr_record_list_free(v);
	*ret = u;
	return 0;
}

/* podman's units: 1000-based, three significant digits. */
void
ward_cli_human_size(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
	double v = (double)n;
	size_t i = 0;

	while (v >= 1000 && i + 1 < WARD_ARRAY_SIZE(units)) {
		v /= 1000;
		i++;
	}
	if (i == 0)
		snprintf(buf, size, "%lluB", (unsigned long long)n);
	else
		snprintf(buf, size, "%.3g%s", v, units[i]);
}

static void
percent(uint64_t part, uint64_t whole, char *buf, size_t size)
{
	snprintf(buf, size, "(%.0f%%)", whole ? 100.0 * (double)part / (double)whole : 0.0);
}

static void
df_row(const char *type, size_t total, size_t active, uint64_t bytes, uint64_t reclaim)
{
	char s[32], rc[32], pc[16];

	ward_cli_human_size(bytes, s, sizeof(s));
	ward_cli_human_size(reclaim, rc, sizeof(rc));
	percent(reclaim, bytes, pc, sizeof(pc));
	printf("%-14s %-10zu %-10zu %-12s %s %s\n", type, total, active, s, rc, pc);
}

static json_t *
df_json_row(const char *type, size_t total, size_t active, uint64_t bytes, uint64_t reclaim)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I}", "Type", type, "Total", (json_int_t)total,
			 "Active", (json_int_t)active, "Size", (json_int_t)bytes, "Reclaimable",
			 (json_int_t)reclaim);
}

static int
system_df(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {0}};
	struct ward_error *err = NULL;
	struct ward_store *s = NULL;
	struct ward_store_usage u = {0};
	struct ctr_usage cu = {0};
	_cleanup_strv_ char **in_use = NULL;
	_cleanup_close_ int layers = -1;
	bool json = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 'f')
			return ward_cli_usage("system df", "invalid option");
		if (ward_cli_parse_format("system df", optarg, &json) != 0)
			return WARD_EXIT_ENGINE;
	}
	if (optind != argc)
		return ward_cli_usage("system df", "usage: ward system df [--format json]");
	if ((r = images_in_use(cli, &in_use, &err)) < 0 ||
	    (r = containers_usage(cli, &cu, &err)) < 0 ||
	    (r = ward_store_open(cli->root, true, &s, &err)) < 0 ||
	    (layers = ward_layers_open(cli->root, &err)) < 0 ||
	    (r = ward_store_usage(s, layers, in_use, &u, &err)) < 0) {
		ward_store_free(s);
		return ward_cli_fail(cli, err);
	}
	ward_store_free(s);
	if (json) {
		json_t *arr = json_pack(
			"[o, o, o]",
			df_json_row("Images", u.images, u.images_active, u.images_bytes,
				    u.images_reclaimable),
			df_json_row("Containers", cu.total, cu.active, cu.bytes, cu.reclaimable),
			df_json_row("Layers", u.layers, u.layers_active, u.layers_bytes,
				    u.layers_reclaimable));
		char *t = arr ? json_dumps(arr, JSON_INDENT(2)) : NULL;

		json_decref(arr);
		if (!t) {
			ward_error_set(&err, ENOMEM, "system df");
			return ward_cli_fail(cli, err);
		}
		puts(t);
		free(t);
		return 0;
	}
	printf("%-14s %-10s %-10s %-12s %s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
	df_row("Images", u.images, u.images_active, u.images_bytes, u.images_reclaimable);
	df_row("Containers", cu.total, cu.active, cu.bytes, cu.reclaimable);
	df_row("Layers", u.layers, u.layers_active, u.layers_bytes, u.layers_reclaimable);
	return 0;
}

/* podman: ask on a terminal; elsewhere only -f proceeds. */
static int
confirm_prune(bool all)
{
	char line[16];

	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "Error: ward system prune: stdin is not a terminal, so nobody can "
				"confirm; pass -f (--force) to prune anyway\n");
		return WARD_EXIT_ENGINE;
	}
	fprintf(stderr,
		"WARNING! This command removes:\n"
		"\t- all blobs no tagged image or container uses\n"
		"\t- all unpacked layers no image or container uses\n%s\n"
		"Are you sure you want to continue? [y/N] ",
		all ? "\t- all images without at least one container associated with them\n" : "");
	if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y'))
		return 1;
	return 0;
}

static int
system_prune(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"force", no_argument, NULL, 'f'},
		{0},
	};
	struct ward_error *err = NULL;
	struct ward_store *s = NULL;
	struct ward_prune_result res = {0};
	size_t sigs = 0;
	_cleanup_strv_ char **in_use = NULL;
	_cleanup_close_ int layers = -1;
	bool all = false, force = false;
	char freed[32];
	int c, r;

	while ((c = getopt_long(argc, argv, "+af", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'f':
			force = true;
			break;
		default:
			return ward_cli_usage("system prune", "invalid option");
		}
	}
	if (optind != argc)
		return ward_cli_usage("system prune", "usage: ward system prune [-a] [-f]");
	if (!force && (r = confirm_prune(all)) != 0)
		return r == 1 ? 0 : r;
	if ((r = images_in_use(cli, &in_use, &err)) < 0 ||
	    (r = ward_store_open(cli->root, true, &s, &err)) < 0 ||
	    (layers = ward_layers_open(cli->root, &err)) < 0 ||
	    (r = ward_store_prune(s, layers, in_use, all, &res, &err)) < 0 ||
	    (r = ward_sigstore_prune(cli->root, s, &sigs, &err)) < 0) {
		ward_store_free(s);
		return ward_cli_fail(cli, err);
	}
	ward_store_free(s);
	ward_cli_human_size(res.bytes, freed, sizeof(freed));
	if (all)
		printf("Deleted images: %zu\n", res.images);
	printf("Deleted blobs: %zu\nDeleted layers: %zu\nDeleted signatures of: %zu images\n"
	       "Total reclaimed space: %s\n",
	       res.blobs, res.layers, sigs, freed);
	return 0;
}

int
ward_cmd_system(struct ward_cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(struct ward_cli *cli, int argc, char **argv);
	} subs[] = {{"df", system_df}, {"prune", system_prune}};

	if (argc < 2)
		return ward_cli_usage("system", "usage: ward system df|prune ...");
	for (size_t i = 0; i < WARD_ARRAY_SIZE(subs); i++)
		if (strcmp(argv[1], subs[i].name) == 0) {
			optind = 1;
			return subs[i].run(cli, argc - 1, argv + 1);
		}
	return ward_cli_usage("system", "unknown subcommand '%s' (df, prune)", argv[1]);
}
