/* SPDX-License-Identifier: Apache-2.0 */
/* ward-oci: an OCI runtime with runc's command line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include "cli.h"

#define DEFAULT_STATE_ROOT "/run/ward-oci"

static const struct oci_cmd commands[] = {
	{"create", "create a container from a bundle, ready to start", oci_cmd_create, true},
	{"start", "start the process of a created container", oci_cmd_start, false},
	{"run", "create and start a container", oci_cmd_run, true},
	{"state", "print the state of a container as JSON", oci_cmd_state, false},
	{"kill", "send a signal to the container's init (or --all processes)", oci_cmd_kill, false},
	{"delete", "delete a container and its resources", oci_cmd_delete, false},
	{"exec", "run another process in a container", oci_cmd_exec, true},
	{"ps", "list the processes of a container", oci_cmd_ps, false},
	{"list", "list containers", oci_cmd_list, false},
	{"pause", "freeze every process of a container", oci_cmd_pause, false},
	{"resume", "thaw a paused container", oci_cmd_resume, false},
	{"update", "change the resources of a running container", oci_cmd_update, false},
	{"events", "print resource statistics (--stats)", oci_cmd_events, false},
	{"features", "print the OCI features document", oci_cmd_features, false},
	{"spec", "write a default config.json", oci_cmd_spec, false},
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: ward-oci [global options] COMMAND [options] [ID]\n\n"
		   "global options:\n"
		   "  --root DIR          state directory (default " DEFAULT_STATE_ROOT ")\n"
		   "  --log FILE          append log lines to FILE\n"
		   "  --log-format FMT    text (default) or json\n"
		   "  --debug             log debug messages\n"
		   "  --systemd-cgroup    use the systemd cgroup driver (not supported)\n"
		   "  --version           print the version\n\ncommands:\n");
	for (size_t i = 0; i < WARD_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

/* Global flags take "--flag value", "--flag=value" and runc's "-flag value". */
static const char *
global_value(int argc, char **argv, int *i, const char *name)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	a += (a[1] == '-') ? 2 : 1;
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static bool
global_flag(const char *arg, const char *name)
{
	const char *a = arg + ((arg[1] == '-') ? 2 : 1);
	return strcmp(a, name) == 0;
}

static int
open_log(struct ward_runtime *rt, const char *path)
{
	rt->log.fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (rt->log.fd < 0) {
		fprintf(stderr, "ward-oci: --log '%s': %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct ward_runtime rt = {.state_root = DEFAULT_STATE_ROOT,
				  .log = {.fd = -1, .format = WARD_LOG_TEXT, .level = WARD_LOG_INFO}};
	const char *log_path = NULL, *v;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if ((v = global_value(argc, argv, &i, "root")))
			rt.state_root = v;
		else if ((v = global_value(argc, argv, &i, "log-format"))) {
			if (strcmp(v, "json") == 0)
				rt.log.format = WARD_LOG_JSON;
			else if (strcmp(v, "text") != 0) {
				fprintf(stderr, "ward-oci: --log-format: '%s' is not text or json\n", v);
				return 1;
			}
		} else if ((v = global_value(argc, argv, &i, "log")))
			log_path = v;
		else if ((v = global_value(argc, argv, &i, "criu")))
			continue; /* accepted for runc compatibility; checkpoint comes later */
		else if (global_flag(argv[i], "debug"))
			rt.log.level = WARD_LOG_DEBUG;
		else if (global_flag(argv[i], "systemd-cgroup"))
			rt.systemd_cgroup = true;
		else if (global_flag(argv[i], "rootless"))
			continue;
		else if (global_flag(argv[i], "version") || strcmp(argv[i], "-v") == 0) {
			printf("ward-oci version 0.1.0\nspec: %s\n", WARD_OCI_VERSION);
			return 0;
		} else if (global_flag(argv[i], "help") || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "ward-oci: unknown global option '%s'\n", argv[i]);
			usage(stderr);
			return 1;
		}
	}
	if (log_path && open_log(&rt, log_path) < 0)
		return 1;
	if (i >= argc) {
		usage(stderr);
		return 1;
	}
	if (rt.systemd_cgroup) {
		struct ward_error *err = NULL;
		ward_error_setk(&err, WARD_E_UNSUPPORTED, 0,
				"--systemd-cgroup: the systemd cgroup driver is not supported; use "
				"cgroupfs paths in linux.cgroupsPath");
		return oci_fail(&rt, err);
	}
	for (size_t c = 0; c < WARD_ARRAY_SIZE(commands); c++) {
		if (strcmp(argv[i], commands[c].name) != 0)
			continue;
		if (commands[c].enters_container) {
			struct ward_error *err = NULL;
			if (ward_runtime_ensure_cloned_binary(argv, &err) < 0)
				return oci_fail(&rt, err);
		}
		optind = 1;
		return commands[c].run(&rt, argc - i, argv + i);
	}
	fprintf(stderr, "ward-oci: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return 1;
}
