/* SPDX-License-Identifier: Apache-2.0 */
/* ward-oci: runc's command line over libward's runtime. */
#ifndef WARD_CLI_OCI_H
#define WARD_CLI_OCI_H

#include <getopt.h>

#include <ward/runtime.h>

struct oci_cmd {
	const char *name;
	const char *summary;
	int (*run)(const struct ward_runtime *rt, int argc, char **argv);
	bool enters_container; /* re-exec from a sealed copy first (CVE-2019-5736) */
};

/* Print the error once (stderr and the --log file) and return exit status 1. */
int oci_fail(const struct ward_runtime *rt, struct ward_error *err);
int oci_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "KILL", "SIGKILL", "9" -> 9. */
int oci_parse_signal(const char *s, int *ret);
/* Print JSON (indented) to stdout. */
int oci_print_json(json_t *j);
/* Exactly one container id left in argv after options. */
int oci_need_id(const char *cmd, int argc, char **argv, const char **ret);

int oci_cmd_create(const struct ward_runtime *rt, int argc, char **argv);
int oci_cmd_start(const struct ward_runtime *rt, int argc, char **argv);
int oci_cmd_run(const struct ward_runtime *rt, int argc, char **argv);
int oci_cmd_state(const struct ward_runtime *rt, int argc, char **argv);
int oci_cmd_kill(const struct ward_runtime *rt, int argc, char **argv);
int oci_cmd_delete(const struct ward_runtime *rt, int argc, char **argv);
int oci_cmd_exec(const struct ward_runtime *rt, int argc, char **argv);
int oci_cmd_ps(const struct ward_runtime *rt, int argc, char **argv);
int oci_cmd_list(const struct ward_runtime *rt, int argc, char **argv);
int oci_cmd_pause(const struct ward_runtime *rt, int argc, char **argv);
int oci_cmd_resume(const struct ward_runtime *rt, int argc, char **argv);
int oci_cmd_update(const struct ward_runtime *rt, int argc, char **argv);
int oci_cmd_features(const struct ward_runtime *rt, int argc, char **argv);
int oci_cmd_spec(const struct ward_runtime *rt, int argc, char **argv);
int oci_cmd_events(const struct ward_runtime *rt, int argc, char **argv);

#endif
