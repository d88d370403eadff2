/* SPDX-License-Identifier: Apache-2.0 */
/* ward save, ward load (podman's flags). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/stat.h>

#include <ward/image.h>
#include <ward/registry.h>

#include "cli.h"

/* A temp file beside path, so the rename into place is atomic: a reader
 * of path never sees half an archive. */
static int
open_temp_beside(const char *path, char *tmp, size_t size, struct ward_error **err)
{
	_cleanup_free_ char *d = strdup(path), *b = strdup(path);
	int fd;

	if (!d || !b)
		return ward_error_set(err, ENOMEM, "save '%s'", path);
	if ((size_t)snprintf(tmp, size, "%s/.%s.ward-XXXXXX", dirname(d), basename(b)) >= size)
		return ward_error_set(err, ENAMETOOLONG, "save '%s'", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return ward_error_set(err, errno, "save '%s': create a temp file beside it", path);
	if (fchmod(fd, 0644) < 0) {
		int e = errno;
		(void)unlink(tmp);
		(void)close(fd);
		return ward_error_set(err, e, "save '%s'", path);
	}
	return fd;
}

/* The rename is durable once the directory is synced too. */
static void
sync_parent(const char *path)
{
	_cleanup_free_ char *d = strdup(path);
	_cleanup_close_ int fd = -1;

	if (!d)
		return;
	fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		(void)fsync(fd);
}

static int
save_to_file(struct ward_store *s, char *const *names, enum ward_archive_format fmt,
	     const char *path, struct ward_error **err)
{
	char tmp[4096];
	int fd, r;

	fd = open_temp_beside(path, tmp, sizeof(tmp), err);
	if (fd < 0)
		return fd;
	r = ward_archive_save(s, names, fmt, fd, err);
	if (r >= 0 && fsync(fd) < 0)
		r = ward_error_set(err, errno, "save '%s': fsync", path);
	if (close(fd) < 0 && r >= 0)
		r = ward_error_set(err, errno, "save '%s': close", path);
	if (r >= 0 && rename(tmp, path) < 0)
		r = ward_error_set(err, errno, "save '%s': rename", path);
	if (r < 0) {
		(void)unlink(tmp);
		return r;
	}
	sync_parent(path);
	return 0;
}

/* As `ward run`: "host/repo" names the image pulled as "host/repo:latest". */
static char **
full_names(struct ward_store *s, char *const *args, struct ward_error **err)
{
	size_t n = ward_strv_length(args);
	char **v = calloc(n + 1, sizeof(*v));

	if (!v) {
		ward_error_set(err, ENOMEM, "save");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_(ward_ref_freep) struct ward_ref *ref = NULL;
		if (ward_store_resolve(s, args[i], &(struct ward_descriptor){0}, NULL) < 0 &&
		    ward_ref_parse(args[i], &ref, NULL) == 0)
			v[i] = ward_ref_format(ref);
		else
			v[i] = strdup(args[i]);
		if (!v[i]) {
			ward_strv_free(v);
			ward_error_set(err, ENOMEM, "save");
			return NULL;
		}
	}
	return v;
}

int
ward_cmd_save(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'F'},
		{"quiet", no_argument, NULL, 'q'},
		{0},
	};
	enum ward_archive_format fmt = WARD_ARCHIVE_DOCKER;
	struct ward_error *err = NULL;
	struct ward_store *s = NULL;
	const char *out = NULL;
	char **names = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "+o:q", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'F':
			if (ward_archive_format_parse(optarg, &fmt, &err) < 0)
				return ward_cli_fail(cli, err);
			break;
		case 'q':
			break; /* ward save prints nothing anyway */
		default:
			return ward_cli_usage("save", "invalid option");
		}
	}
	if (optind >= argc)
		return ward_cli_usage("save", "usage: ward save [-o FILE] [--format "
					      "docker-archive|oci-archive] IMAGE...");
	if (!out && isatty(STDOUT_FILENO))
		return ward_cli_usage("save", "refusing to write an archive to a terminal; use -o "
					      "FILE or redirect stdout");
	if ((r = ward_store_open(cli->root, false, &s, &err)) < 0) {
		ward_error_wrap(&err, "save");
		return ward_cli_fail(cli, err);
	}
	names = full_names(s, argv + optind, &err);
	if (!names)
		r = -ENOMEM;
	else if (out)
		r = save_to_file(s, names, fmt, out, &err);
	else
		r = ward_archive_save(s, names, fmt, STDOUT_FILENO, &err);
	ward_strv_free(names);
	ward_store_free(s);
	if (r < 0)
		return ward_cli_fail(cli, err);
	return 0;
}

int
ward_cmd_load(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"input", required_argument, NULL, 'i'},
		{"quiet", no_argument, NULL, 'q'},
		{0},
	};
	struct ward_error *err = NULL;
	struct ward_store *s = NULL;
	_cleanup_close_ int fd = -1;
	const char *in = NULL;
	char **names = NULL;
	bool quiet = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "+i:q", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			in = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			return ward_cli_usage("load", "invalid option");
		}
	}
	if (optind != argc)
		return ward_cli_usage("load", "usage: ward load [-i FILE] (default: stdin)");
	if (!in && isatty(STDIN_FILENO))
		return ward_cli_usage("load", "refusing to read an archive from a terminal; use -i "
					      "FILE or redirect stdin");
	fd = in ? open(in, O_RDONLY | O_CLOEXEC | O_NOCTTY) : dup(STDIN_FILENO);
	if (fd < 0) {
		ward_error_set(&err, errno, "load '%s'", in ? in : "stdin");
		return ward_cli_fail(cli, err);
	}
	if ((r = ward_store_open(cli->root, true, &s, &err)) < 0 ||
	    (r = ward_archive_load(s, fd, &names, &err)) < 0) {
		ward_store_free(s);
		if (in)
			ward_error_wrap(&err, "'%s'", in);
		return ward_cli_fail(cli, err);
	}
	ward_store_free(s);
	for (char **n = names; !quiet && n && *n; n++)
		printf("Loaded image: %s\n", *n);
	ward_strv_free(names);
	return 0;
}
