/* SPDX-License-Identifier: Apache-2.0 */
/* ward: a daemonless container engine with security built in. */
#include <errno.h>
#include <stdio.h>

#include <ward/policy.h>

#include "cli.h"

#define DEFAULT_ROOT "/var/lib/ward"
#define DEFAULT_RUN_ROOT "/run/ward"

static const struct ward_cmd commands[] = {
	{"run", "run a command in a new container", ward_cmd_run},
	{"ps", "list containers", ward_cmd_ps},
	{"logs", "show a container's output", ward_cmd_logs},
	{"stop", "stop containers (SIGTERM, then SIGKILL)", ward_cmd_stop},
	{"kill", "send a signal to containers", ward_cmd_kill},
	{"rm", "remove containers", ward_cmd_rm},
	{"start", "start created or exited containers", ward_cmd_start},
	{"restart", "stop and start containers", ward_cmd_restart},
	{"wait", "wait for containers to exit, print their exit codes", ward_cmd_wait},
	{"inspect", "show containers (or images) as JSON", ward_cmd_inspect},
	{"container", "container VERB: run, ls, logs, stop, kill, rm, start, ...", ward_cmd_container},
	{"exec", "run a command in a running container", ward_cmd_exec},
	{"top", "show the processes of a container", ward_cmd_top},
	{"diff", "show a container's changes to its image", ward_cmd_diff},
	{"import", "make an image from a root filesystem tarball", ward_cmd_import},
	{"images", "list images", ward_cmd_images},
	{"pull", "pull an image from a registry", ward_cmd_pull},
	{"save", "write images to an oci-archive or docker-archive", ward_cmd_save},
	{"load", "load images from an oci-archive or docker-archive", ward_cmd_load},
	{"system", "system df (disk use), system prune (remove unused data)", ward_cmd_system},
	{"push", "push an image to a registry", ward_cmd_push},
	{"login", "log in to a registry", ward_cmd_login},
	{"logout", "remove a registry's saved credentials", ward_cmd_logout},
	{"tag", "add names to an image", ward_cmd_tag},
	{"rmi", "remove images", ward_cmd_rmi},
	{"image", "manage images: ls, pull, push, tag, rm, inspect", ward_cmd_image},
	{"audit", "CIS Benchmark audit: images, containers, bundles, host", ward_cmd_audit},
	{"scan", "scan an image, rootfs or SBOM for vulnerabilities (CI gate)", ward_cmd_scan},
	{"db", "vulnerability database: import OSV data, status", ward_cmd_db},
	{"key", "key generate: make a cosign key pair", ward_cmd_key},
	{"sign", "sign an image (cosign key or GPG)", ward_cmd_sign},
	{"verify", "verify an image's signatures (key or trust policy)", ward_cmd_verify},
	{"version", "print the version", ward_cmd_version},
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: ward [--root DIR] [--runroot DIR] [--log-level LEVEL] COMMAND ...\n\n"
		   "  --root DIR       images, layers and containers (default " DEFAULT_ROOT ")\n"
		   "  --runroot DIR    state of running containers (default " DEFAULT_RUN_ROOT ")\n"
		   "  --log-level L    error, warning (default), info or debug, to stderr\n"
		   "  --policy FILE    trust policy (default $WARD_POLICY, " WARD_POLICY_PATH ",\n"
		   "                   " WARD_POLICY_CONTAINERS_PATH ", else reject everything)\n"
		   "  --insecure-policy  accept every image (logged)\n"
		   "  --registries-d DIR  GPG lookaside configuration (default $WARD_REGISTRIES_D,\n"
		   "                   " WARD_REGISTRIES_D_PATH ",\n"
		   "                   " WARD_REGISTRIES_D_CONTAINERS_PATH ")\n\ncommands:\n");
	for (size_t i = 0; i < WARD_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int
ward_cli_fail(struct ward_cli *cli, struct ward_error *err)
{
	(void)cli;
	fprintf(stderr, "Error: %s\n", err && err->msg ? err->msg : "unknown error");
	ward_error_free(err);
	return WARD_EXIT_ENGINE;
}

int
ward_cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "Error: ward %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nSee 'ward %s --help'.\n", cmd);
	return WARD_EXIT_ENGINE;
}

int
ward_cli_parse_format(const char *cmd, const char *arg, bool *ret_json)
{
	if (strcmp(arg, "json") == 0)
		*ret_json = true;
	else if (strcmp(arg, "table") == 0)
		*ret_json = false;
	else
		return ward_cli_usage(cmd, "--format '%s': json or table", arg);
	return 0;
}

int
ward_cmd_version(struct ward_cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	printf("ward version 0.1.0 (OCI runtime spec %s)\n", WARD_OCI_VERSION);
	return 0;
}

static int
parse_level(const char *s, enum ward_log_level *ret)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};

	for (size_t i = 0; i < WARD_ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*ret = (enum ward_log_level)i;
			return 0;
		}
	return -EINVAL;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'},
		{"runroot", required_argument, NULL, 'R'},
		{"log-level", required_argument, NULL, 'l'},
		{"policy", required_argument, NULL, 'P'},
		{"insecure-policy", no_argument, NULL, 'I'},
		{"registries-d", required_argument, NULL, 'D'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},
		{0},
	};
	struct ward_cli cli = {.root = DEFAULT_ROOT, .run_root = DEFAULT_RUN_ROOT,
			       .log = {.fd = 2, .format = WARD_LOG_TEXT, .level = WARD_LOG_WARNING}};
	int c;

	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			cli.root = optarg;
			break;
		case 'R':
			cli.run_root = optarg;
			break;
		case 'l':
			if (parse_level(optarg, &cli.log.level) < 0) {
				fprintf(stderr, "Error: --log-level: '%s' is not error, warning, info "
						"or debug\n",
					optarg);
				return WARD_EXIT_ENGINE;
			}
			break;
		case 'P':
			cli.policy_path = optarg;
			break;
		case 'I':
			cli.insecure_policy = true;
			break;
		case 'D':
			cli.registries_d = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			return ward_cmd_version(&cli, 0, NULL);
		default:
			usage(stderr);
			return WARD_EXIT_ENGINE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return WARD_EXIT_ENGINE;
	}
	for (size_t i = 0; i < WARD_ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[optind], commands[i].name) != 0)
			continue;
		argv += optind;
		argc -= optind;
		optind = 1;
		return commands[i].run(&cli, argc, argv);
	}
	fprintf(stderr, "Error: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return WARD_EXIT_ENGINE;
}
