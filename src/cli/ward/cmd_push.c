/* SPDX-License-Identifier: Apache-2.0 */
/* ward push [--tls-verify=false] [--cert-dir D] [--authfile F] [--digestfile F]
 *           [--registries-conf F] [-q] IMAGE [DESTINATION] */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>

#include <ward/image.h>
#include <ward/registry.h>

#include "cli.h"

static int
write_digestfile(const char *path, const char *digest, struct ward_error **err)
{
	_cleanup_free_ char *d1 = strdup(path), *d2 = strdup(path);
	_cleanup_close_ int dfd = -1;

	if (!d1 || !d2)
		return ward_error_set(err, ENOMEM, "--digestfile '%s'", path);
	dfd = open(dirname(d1), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return ward_error_set(err, errno, "--digestfile '%s'", path);
	if (ward_fs_write_atomic(dfd, basename(d2), digest, strlen(digest), 0644, err) < 0)
		return ward_error_wrap(err, "--digestfile '%s'", path);
	return 0;
}

/* The destination, fully qualified, through registries.conf's [[registry]]
 * tables (a blocked registry refuses pushes too). A short destination is
 * refused: pushing is never resolved by a search list. */
static int
check_destination(const char *registries_conf, const char *dest, struct ward_error **err)
{
	_cleanup_(ward_registries_conf_freep) struct ward_registries_conf *c = NULL;
	_cleanup_strv_ char **cands = NULL;
	_cleanup_(ward_ref_freep) struct ward_ref *ref = NULL;
	int rc;

	if (ward_ref_parse(dest, &ref, NULL) < 0)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "push: destination '%s' is not a fully qualified reference "
				       "(host[:port]/repo[:tag]); give one as DESTINATION",
				       dest);
	if ((rc = ward_registries_conf_load(registries_conf, &c, err)) < 0 ||
	    (rc = ward_registries_resolve(c, dest, &cands, NULL, err)) < 0)
		return ward_error_wrap(err, "push");
	return 0;
}

int
ward_cmd_push(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"tls-verify", required_argument, NULL, 't'},
		{"cert-dir", required_argument, NULL, 'c'},
		{"authfile", required_argument, NULL, 'a'},
		{"digestfile", required_argument, NULL, 'd'},
		{"quiet", no_argument, NULL, 'q'},
		{"registries-conf", required_argument, NULL, 'R'},
		{0},
	};
	struct ward_registry_opts ro = {.log = &cli->log};
	_cleanup_(ward_store_freep) struct ward_store *s = NULL;
	_cleanup_free_ char *authfile = NULL, *name = NULL;
	const char *auth_flag = NULL, *digestfile = NULL, *registries_conf = NULL, *dest;
	struct ward_push_result res;
	struct ward_error *err = NULL;
	struct ward_descriptor d;
	bool quiet = false;
	int c;

	while ((c = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (ward_cli_tls_verify(cli, "push", optarg, &ro) != 0)
				return WARD_EXIT_ENGINE;
			break;
		case 'c':
			ro.cert_dir = optarg;
			break;
		case 'a':
			auth_flag = optarg;
			break;
		case 'd':
			digestfile = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'R':
			registries_conf = optarg;
			break;
		default:
			return ward_cli_usage("push", "invalid option");
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		return ward_cli_usage("push", "usage: ward push [options] IMAGE [DESTINATION]");
	authfile = ward_cli_authfile(auth_flag);
	if (!authfile) {
		ward_error_set(&err, ENOMEM, "push");
		return ward_cli_fail(cli, err);
	}
	ro.auth_file = authfile;
	if (ward_store_open(cli->root, true, &s, &err) < 0 ||
	    ward_cli_image_lookup(s, argv[optind], &name, &d, &err) < 0)
		return ward_cli_fail(cli, err);
	dest = argc - optind == 2 ? argv[optind + 1] : name;
	if (ward_str_has_prefix(dest, "docker://"))
		dest += 9;
	if (check_destination(registries_conf, dest, &err) < 0)
		return ward_cli_fail(cli, err);
	if (!quiet)
		fprintf(stderr, "Pushing %s to %s\n", name, dest);
	if (ward_image_push(s, name, dest, &ro, &res, &err) < 0)
		return ward_cli_fail(cli, err);
	/* The image's signatures go with it: cosign ones to the .sig tag, GPG
	 * ones to the registries.d lookaside-staging (cmd_sign.c). */
	if (ward_cli_publish_signatures(cli, &ro, dest, &d.digest, &err) < 0)
		return ward_cli_fail(cli, err);
	if (digestfile && write_digestfile(digestfile, res.digest, &err) < 0)
		return ward_cli_fail(cli, err);
	if (quiet) {
		printf("%s\n", res.digest);
		return 0;
	}
	printf("%u blobs pushed (%llu bytes), %u blobs already present\n", res.blobs_pushed,
	       (unsigned long long)res.bytes_pushed, res.blobs_present);
	printf("%s %s\n", dest, res.digest);
	return 0;
}
