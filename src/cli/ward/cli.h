/* SPDX-License-Identifier: Apache-2.0 */
/* ward: the engine's command line (podman/docker verbs and flags). */
#ifndef WARD_CLI_WARD_H
#define WARD_CLI_WARD_H

#include <getopt.h>

#include <ward/runtime.h>

/* Exit statuses as podman's: the engine failed, the command could not be
 * invoked, the command was not found; otherwise the container's status. */
#define WARD_EXIT_ENGINE 125
#define WARD_EXIT_CANNOT_INVOKE 126
#define WARD_EXIT_NOT_FOUND 127

struct ward_cli {
	const char *root;       /* --root: images, layers, containers */
	const char *run_root;   /* --runroot: state of live containers */
	struct ward_log log;
};

struct ward_cmd {
	const char *name;
	const char *summary;
	int (*run)(struct ward_cli *cli, int argc, char **argv);
};

/* Print the error once and return WARD_EXIT_ENGINE. */
int ward_cli_fail(struct ward_cli *cli, struct ward_error *err);
int ward_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int ward_cmd_run(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_version(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_import(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_images(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_pull(struct ward_cli *cli, int argc, char **argv);

#endif
