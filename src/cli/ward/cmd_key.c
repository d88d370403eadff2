/* SPDX-License-Identifier: Apache-2.0 */
/* ward key generate [--output-key-prefix P]: an ECDSA P-256 pair as cosign
 * writes it, P.key (encrypted cosign PEM, 0600) and P.pub. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include <ward/sign.h>

#include "cli.h"

/* Create path exclusively (never through a symlink, never over an existing
 * key: overwriting cosign.key loses the only copy of a private key). */
static int
write_new(const char *path, const char *buf, size_t len, mode_t mode, struct ward_error **err)
{
	_cleanup_close_ int fd =
		open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	int r;

	if (fd < 0)
		return ward_error_set(err, errno, "key generate: create '%s'%s", path,
				      errno == EEXIST ? " (remove it or choose another "
							"--output-key-prefix)"
						      : "");
	r = ward_fs_write_all(fd, buf, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(path);
		return ward_error_set(err, -r, "key generate: write '%s'", path);
	}
	return 0;
}

static int
key_generate(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"output-key-prefix", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	_cleanup_(ward_sign_key_freep) struct ward_sign_key *k = NULL;
	_cleanup_free_ char *keyf = NULL, *pubf = NULL, *pub = NULL;
	char *pem = NULL, *pw = NULL;
	size_t pem_len = 0, pw_len = 0, pub_len = 0;
	const char *prefix = "cosign";
	struct ward_error *err = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			prefix = optarg;
			break;
		case 'h':
			printf("usage: ward key generate [--output-key-prefix P]\n\n"
			       "Writes P.key (ECDSA P-256, encrypted cosign PEM, mode 0600; the\n"
			       "password from WARD_PASSWORD, COSIGN_PASSWORD or a prompt) and "
			       "P.pub\n"
			       "(PEM public key). P defaults to 'cosign'.\n");
			return 0;
		default:
			return ward_cli_usage("key generate", "invalid option");
		}
	}
	if (optind != argc || !*prefix)
		return ward_cli_usage("key generate", "usage: ward key generate "
						      "[--output-key-prefix P]");
	keyf = ward_strdup_printf("%s.key", prefix);
	pubf = ward_strdup_printf("%s.pub", prefix);
	if (!keyf || !pubf)
		return ward_cli_usage("key generate", "out of memory");
	if (access(keyf, F_OK) == 0 || access(pubf, F_OK) == 0) {
		ward_error_setk(&err, WARD_E_EXISTS, EEXIST,
				"key generate: '%s' or '%s' exists; remove it or choose another "
				"--output-key-prefix",
				keyf, pubf);
		return ward_cli_fail(cli, err);
	}
	if (ward_cli_read_password("key generate", true, &pw, &pw_len, &err) < 0)
		return ward_cli_fail(cli, err);
	r = ward_sign_key_generate(&k, &err);
	if (r == 0)
		r = ward_sign_key_write_cosign(k, pw, pw_len, &pem, &pem_len, &err);
	explicit_bzero(pw, pw_len);
	free(pw);
	if (r == 0)
		r = ward_sign_key_write_public(k, &pub, &pub_len, &err);
	if (r == 0)
		r = write_new(keyf, pem, pem_len, 0600, &err);
	if (r == 0 && (r = write_new(pubf, pub, pub_len, 0644, &err)) < 0)
		(void)unlink(keyf);
	if (pem) {
		explicit_bzero(pem, pem_len);
		free(pem);
	}
	if (r < 0)
		return ward_cli_fail(cli, err);
	fprintf(stderr, "Private key written to %s\nPublic key written to %s\n", keyf, pubf);
	return 0;
}

int
ward_cmd_key(struct ward_cli *cli, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf("usage: ward key generate [--output-key-prefix P]\n");
		return argc < 2 ? WARD_EXIT_ENGINE : 0;
	}
	if (strcmp(argv[1], "generate") == 0 || strcmp(argv[1], "generate-key-pair") == 0)
		return key_generate(cli, argc - 1, argv + 1);
	return ward_cli_usage("key", "unknown subcommand '%s' (generate)", argv[1]);
}
