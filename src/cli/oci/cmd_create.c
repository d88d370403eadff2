/* SPDX-License-Identifier: Apache-2.0 */
/* create, start, run */
#include <errno.h>
#include <stdio.h>

#include "cli.h"

enum { OPT_PID_FILE = 256, OPT_CONSOLE, OPT_NO_PIVOT, OPT_NO_KEYRING, OPT_PRESERVE, OPT_HELP };

static const struct option create_opts[] = {
	{"bundle", required_argument, NULL, 'b'},
	{"pid-file", required_argument, NULL, OPT_PID_FILE},
	{"console-socket", required_argument, NULL, OPT_CONSOLE},
	{"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
	{"no-new-keyring", no_argument, NULL, OPT_NO_KEYRING},
	{"preserve-fds", required_argument, NULL, OPT_PRESERVE},
	{"detach", no_argument, NULL, 'd'},
	{"keep", no_argument, NULL, 'k'},
	{"help", no_argument, NULL, OPT_HELP},
	{0},
};

static void
create_usage(const char *cmd)
{
	printf("usage: ward-oci %s [options] ID\n"
	       "  -b, --bundle DIR          bundle with config.json (default: .)\n"
	       "      --pid-file FILE       write the container's pid to FILE\n"
	       "      --console-socket SOCK send the pty master to the unix socket SOCK\n"
	       "      --no-pivot            move the root instead of pivot_root (ramfs)\n"
	       "      --no-new-keyring      keep the caller's session keyring\n"
	       "      --preserve-fds N      pass fds 3..3+N-1 to the container\n%s",
	       cmd, strcmp(cmd, "run") == 0 ? "  -d, --detach              do not wait for the container\n" : "");
}

/* Shared by create and run; *detach only for run. */
static int
parse_create(const char *cmd, int argc, char **argv, struct ward_create_opts *o, bool *detach)
{
	int c;

	while ((c = getopt_long_only(argc, argv, "+b:dk", create_opts, NULL)) != -1) {
		uint64_t n;
		switch (c) {
		case 'b':
			o->bundle = optarg;
			break;
		case OPT_PID_FILE:
			o->pid_file = optarg;
			break;
		case OPT_CONSOLE:
			o->console_socket = optarg;
			break;
		case OPT_NO_PIVOT:
			o->no_pivot = true;
			break;
		case OPT_NO_KEYRING:
			o->no_new_keyring = true;
			break;
		case OPT_PRESERVE:
			if (ward_parse_u64(optarg, &n) < 0 || n > 65536)
				return oci_usage_error(cmd, "--preserve-fds: '%s' is not a count",
						       optarg);
			o->preserve_fds = (unsigned)n;
			break;
		case 'd':
			if (!detach)
				return oci_usage_error(cmd, "unknown option --detach");
			*detach = true;
			break;
		case 'k':
			break;
		case OPT_HELP:
			create_usage(cmd);
			exit(0);
		default:
			return oci_usage_error(cmd, "invalid option");
		}
	}
	return oci_need_id(cmd, argc, argv, &o->id);
}

int
oci_cmd_create(const struct ward_runtime *rt, int argc, char **argv)
{
	struct ward_create_opts o = {0};
	struct ward_error *err = NULL;

	if (parse_create("create", argc, argv, &o, NULL))
		return 1;
	if (ward_container_create(rt, &o, NULL, &err) < 0)
		return oci_fail(rt, err);
	return 0;
}

int
oci_cmd_run(const struct ward_runtime *rt, int argc, char **argv)
{
	struct ward_create_opts o = {0};
	struct ward_error *err = NULL;
	bool detach = false;
	int status = 0;

	if (parse_create("run", argc, argv, &o, &detach))
		return 1;
	if (ward_container_run(rt, &o, detach, &status, &err) < 0)
		return oci_fail(rt, err);
	return status;
}

int
oci_cmd_start(const struct ward_runtime *rt, int argc, char **argv)
{
	struct ward_error *err = NULL;
	const char *id;

	if (oci_need_id("start", argc, argv, &id))
		return 1;
	if (ward_container_start(rt, id, &err) < 0)
		return oci_fail(rt, err);
	return 0;
}
