/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the container verbs (cmd_run.c, cmd_containers.c). */
#ifndef WARD_CLI_CTR_H
#define WARD_CLI_CTR_H

#include <ward/containers.h>

#include "cli.h"

#define WARD_CTR_SPEC_OPTS_MAX (1u << 20)

/* The run flags start needs again, kept as the record's spec_opts JSON:
 * {"tty":b, "interactive":b, "lowers":[top..bottom] (image rootfs) }. The
 * generated config itself stays in the bundle (config.json). */
struct ward_ctr_opts {
	bool tty, interactive;
	char **lowers; /* NULL for --rootfs */
};
char *ward_ctr_opts_format(const struct ward_ctr_opts *o);
int ward_ctr_opts_parse(const char *json, struct ward_ctr_opts *ret, struct ward_error **err);
void ward_ctr_opts_clear(struct ward_ctr_opts *o);

int ward_cli_ctr_db(struct ward_cli *cli, bool create, struct ward_ctr_db **ret,
		    struct ward_error **err);
/* Mount the container's overlay (lowers + its own upper) at <bundle>/rootfs. */
int ward_cli_ctr_mount(const char *bundle, const struct ward_ctr_opts *o, struct ward_error **err);
/* Start the monitor for r (a created or exited record): clear stale
 * runtime state, mount the overlay again, spawn. */
int ward_cli_ctr_start(struct ward_cli *cli, const struct ward_ctr_record *r, bool attach,
		       bool interactive, struct ward_monitor *ret, struct ward_error **err);
/* Remove everything of an exited container: runtime state, overlay, its
 * directory (bundle, upper, log) and its record. */
int ward_cli_ctr_remove(struct ward_cli *cli, struct ward_ctr_db *db,
			const struct ward_ctr_record *r, struct ward_error **err);
/* *abs: cli with --root and --runroot made absolute (the monitor runs in
 * "/", so relative paths would change meaning); bufs hold the strings. */
int ward_cli_ctr_abs(const struct ward_cli *cli, struct ward_cli *abs, char *root_buf,
		     char *run_buf, size_t size, struct ward_error **err);
/* Look up id_or_name and reconcile it with its processes. */
int ward_cli_ctr_get(struct ward_ctr_db *db, const char *id_or_name, struct ward_ctr_record **ret,
		     struct ward_error **err);
bool ward_cli_ctr_live(const struct ward_ctr_record *r);
/* <root>/containers/<id>[/sub], from --root and the id checked to be 64
 * hex, never from the record's text. */
int ward_cli_ctr_dir(struct ward_cli *cli, const char *id, const char *sub, char *buf, size_t size,
		     struct ward_error **err);
/* "Error: ward CMD: invalid option" and the usage line; returns -1. */
int ward_cli_bad_usage(const char *cmd, const char *usage);
/* RFC 3339 with nanoseconds in UTC; Go's zero time for ms <= 0. */
void ward_cli_rfc3339(int64_t ms, char *buf, size_t size);
/* The exit status podman uses for an engine error. */
int ward_cli_ctr_fail(struct ward_error *err);

#endif
