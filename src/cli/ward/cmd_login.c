/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward login [-u USER] [-p PASS | --password-stdin] [--authfile F]
 *            [--tls-verify=false] [--cert-dir D] REGISTRY
 * ward logout [--authfile F] (--all | REGISTRY)
 *
 * Credentials are checked against the registry (GET /v2/ through its auth
 * flow) before anything is saved; the auth file is the containers
 * auth.json pull and push read, replaced atomically with mode 0600. The
 * password is never printed, and is wiped from memory after use.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>

#include <ward/registry.h>

#include "cli.h"

#define SECRET_MAX 4096

static void
wipe(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void
wipep(char **s)
{
	wipe(*s);
	*s = NULL;
}

/* "https://host:port/" or "host:port/ns" -> "host:port": auth.json keys by
 * host (podman accepts the URL forms too). */
static char *
registry_key(const char *arg)
{
	const char *p = arg;

	if (ward_str_has_prefix(p, "https://"))
		p += 8;
	else if (ward_str_has_prefix(p, "http://"))
		p += 7;
	else if (ward_str_has_prefix(p, "docker://"))
		p += 9;
	return strndup(p, strcspn(p, "/"));
}

/* One line from fd, at most SECRET_MAX bytes, without its newline. */
static int
read_line(int fd, char **ret, struct ward_error **err)
{
	char *buf = calloc(1, SECRET_MAX + 1);
	size_t n = 0;

	if (!buf)
		return ward_error_set(err, ENOMEM, "read password");
	while (n < SECRET_MAX) {
		ssize_t k = read(fd, buf + n, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			wipe(buf);
			return ward_error_set(err, errno, "read password");
		}
		if (k == 0 || buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	*ret = buf;
	return 0;
}

/* Prompt on the terminal; echo off for the password. */
static int
prompt(const char *what, bool secret, char **ret, struct ward_error **err)
{
	struct termios old, quiet;
	bool restore = false;
	int rc;

	if (!isatty(0))
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "no %s given and stdin is not a terminal; pass %s", what,
				       secret ? "-p or --password-stdin" : "-u USER");
	fprintf(stderr, "%s: ", what);
	fflush(stderr);
	if (secret && tcgetattr(0, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(0, TCSAFLUSH, &quiet) == 0;
	}
	rc = read_line(0, ret, err);
	if (restore) {
		(void)tcsetattr(0, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return rc;
}

/* A one-entry auth.json in a memfd: the registry client reads credentials
 * from an auth file only, and the candidate ones must not touch the disk
 * before the registry accepted them. */
static int
memfd_authfile(const char *host, const char *user, const char *pass, struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	size_t ulen = strlen(user), plen = strlen(pass), n = ulen + 1 + plen;
	char *pair = malloc(n + 1), *b64 = malloc(4 * ((n + 2) / 3) + 1), *text = NULL;
	json_t *j;
	int rc = 0;

	if (!pair || !b64) {
		rc = ward_error_set(err, ENOMEM, "login");
		goto out;
	}
	memcpy(pair, user, ulen);
	pair[ulen] = ':';
	memcpy(pair + ulen + 1, pass, plen);
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)pair, (int)n);
	j = json_pack("{s:{s:{s:s}}}", "auths", host, "auth", b64);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	fd = memfd_create("ward-login", MFD_CLOEXEC);
	if (!text || fd < 0 || ward_fs_write_all(fd, text, strlen(text)) < 0) {
		rc = ward_error_set(err, fd < 0 ? errno : ENOMEM, "login: credentials");
		goto out;
	}
	rc = TAKE_FD(fd);
out:
	if (pair)
		explicit_bzero(pair, n);
	free(pair);
	wipe(b64);
	wipe(text);
	return rc;
}

static int
verify(struct ward_cli *cli, const char *host, const char *user, const char *pass,
       const struct ward_registry_opts *base, struct ward_error **err)
{
	_cleanup_(ward_registry_freep) struct ward_registry *r = NULL;
	_cleanup_close_ int fd = memfd_authfile(host, user, pass, err);
	struct ward_registry_opts ro = *base;
	char path[64];
	int rc;

	(void)cli;
	if (fd < 0)
		return fd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro.auth_file = path;
	if ((rc = ward_registry_new(host, &ro, &r, err)) < 0 ||
	    (rc = ward_registry_ping(r, err)) < 0)
		return ward_error_wrap(err, "login to %s as '%s'", host, user);
	return 0;
}

static int
ensure_parent(const char *path, struct ward_error **err)
{
	_cleanup_free_ char *d = strdup(path);

	if (!d)
		return ward_error_set(err, ENOMEM, "auth file '%s'", path);
	return ward_fs_mkdir_p(dirname(d), 0700, err);
}

static int
save(const char *path, const char *host, const char *user, const char *pass,
     struct ward_error **err)
{
	_cleanup_(ward_authfile_freep) struct ward_authfile *a = NULL;
	int rc;

	if ((rc = ensure_parent(path, err)) < 0 || (rc = ward_authfile_load(path, &a, err)) < 0 ||
	    (rc = ward_authfile_set(a, host, user, pass, err)) < 0 ||
	    (rc = ward_authfile_save(a, path, err)) < 0)
		return rc;
	return 0;
}

int
ward_cmd_login(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"username", required_argument, NULL, 'u'},
		{"password", required_argument, NULL, 'p'},
		{"password-stdin", no_argument, NULL, 's'},
		{"authfile", required_argument, NULL, 'a'},
		{"tls-verify", required_argument, NULL, 't'},
		{"cert-dir", required_argument, NULL, 'c'},
		{0},
	};
	struct ward_registry_opts ro = {.log = &cli->log};
	_cleanup_free_ char *authfile = NULL, *host = NULL, *user = NULL;
	_cleanup_(wipep) char *pass = NULL;
	const char *auth_flag = NULL;
	struct ward_error *err = NULL;
	bool from_stdin = false;
	int c;

	while ((c = getopt_long(argc, argv, "+u:p:", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			free(user);
			user = strdup(optarg);
			break;
		case 'p':
			wipe(pass);
			pass = strdup(optarg);
			/* Hide it from later reads of /proc/PID/cmdline. */
			explicit_bzero(optarg, strlen(optarg));
			fprintf(stderr, "WARNING! Using --password via the CLI is insecure (other "
					"users see it in ps). Use --password-stdin.\n");
			break;
		case 's':
			from_stdin = true;
			break;
		case 'a':
			auth_flag = optarg;
			break;
		case 't':
			if (ward_cli_tls_verify(cli, "login", optarg, &ro) != 0)
				return WARD_EXIT_ENGINE;
			break;
		case 'c':
			ro.cert_dir = optarg;
			break;
		default:
			return ward_cli_usage("login", "invalid option");
		}
	}
	if (argc - optind != 1)
		return ward_cli_usage("login", "usage: ward login [options] REGISTRY");
	if (pass && from_stdin)
		return ward_cli_usage("login", "-p and --password-stdin are mutually exclusive");
	host = registry_key(argv[optind]);
	authfile = ward_cli_authfile(auth_flag);
	if (!host || !authfile) {
		ward_error_set(&err, ENOMEM, "login");
		return ward_cli_fail(cli, err);
	}
	if (!user && prompt("Username", false, &user, &err) < 0)
		return ward_cli_fail(cli, err);
	if (from_stdin ? read_line(0, &pass, &err) < 0
		       : !pass && prompt("Password", true, &pass, &err) < 0)
		return ward_cli_fail(cli, err);
	if (!user[0] || !pass[0] || strchr(user, ':')) {
		ward_error_setk(&err, WARD_E_INVALID, 0,
				"login: the user name must be non-empty without ':', the password "
				"non-empty");
		return ward_cli_fail(cli, err);
	}
	if (verify(cli, host, user, pass, &ro, &err) < 0 ||
	    save(authfile, host, user, pass, &err) < 0)
		return ward_cli_fail(cli, err);
	printf("Login Succeeded!\n");
	return 0;
}

/* Empty "auths", other members kept, same atomic 0600 write. */
static int
logout_all(const char *path, struct ward_error **err)
{
	_cleanup_free_ char *d1 = strdup(path), *d2 = strdup(path), *text = NULL;
	_cleanup_close_ int dfd = -1;
	json_t *j = NULL;
	int rc;

	if (!d1 || !d2)
		return ward_error_set(err, ENOMEM, "logout");
	rc = ward_json_load_file(AT_FDCWD, path, WARD_AUTHFILE_MAX, &j, err);
	if (rc == -ENOENT) {
		if (err)
			ward_error_freep(err);
		return 0;
	}
	if (rc < 0)
		return ward_error_wrap(err, "logout --all");
	if (!json_is_object(j)) {
		json_decref(j);
		return ward_error_setk(err, WARD_E_INVALID, 0, "auth file '%s' is not an object",
				       path);
	}
	json_object_set_new(j, "auths", json_object());
	text = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(j);
	dfd = open(dirname(d1), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!text || dfd < 0)
		return ward_error_set(err, text ? errno : ENOMEM, "logout: '%s'", path);
	return ward_fs_write_atomic(dfd, basename(d2), text, strlen(text), 0600, err);
}

int
ward_cmd_logout(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"authfile", required_argument, NULL, 'a'},
		{"all", no_argument, NULL, 'A'},
		{0},
	};
	_cleanup_(ward_authfile_freep) struct ward_authfile *a = NULL;
	_cleanup_free_ char *authfile = NULL, *host = NULL;
	const char *auth_flag = NULL;
	struct ward_error *err = NULL;
	bool all = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'a')
			auth_flag = optarg;
		else if (c == 'A')
			all = true;
		else
			return ward_cli_usage("logout", "invalid option");
	}
	if (argc - optind != (all ? 0 : 1))
		return ward_cli_usage("logout", "usage: ward logout [--authfile F] --all|REGISTRY");
	authfile = ward_cli_authfile(auth_flag);
	if (!authfile) {
		ward_error_set(&err, ENOMEM, "logout");
		return ward_cli_fail(cli, err);
	}
	if (all) {
		if (logout_all(authfile, &err) < 0)
			return ward_cli_fail(cli, err);
		printf("Removed login credentials for all registries\n");
		return 0;
	}
	host = registry_key(argv[optind]);
	if (!host || ward_authfile_load(authfile, &a, &err) < 0)
		return ward_cli_fail(cli, err);
	rc = ward_authfile_remove(a, host, &err);
	if (rc == -ENOENT) {
		ward_error_free(err);
		err = NULL;
		ward_error_setk(&err, WARD_E_NOTFOUND, ENOENT, "not logged into %s (auth file %s)",
				host, authfile);
		return ward_cli_fail(cli, err);
	}
	if (rc < 0 || ward_authfile_save(a, authfile, &err) < 0)
		return ward_cli_fail(cli, err);
	printf("Removed login credentials for %s\n", host);
	return 0;
}
