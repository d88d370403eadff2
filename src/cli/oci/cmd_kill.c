/* SPDX-License-Identifier: Apache-2.0 */
/* kill, delete, pause, resume */
#include <signal.h>
#include <stdio.h>

#include "cli.h"

int
oci_cmd_kill(const struct ward_runtime *rt, int argc, char **argv)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {0}};
	struct ward_error *err = NULL;
	bool all = false;
	int sig = SIGTERM, c;
	const char *id;

	while ((c = getopt_long_only(argc, argv, "+a", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else
			return oci_usage_error("kill", "invalid option");
	}
	if (argc - optind < 1 || argc - optind > 2)
		return oci_usage_error("kill", "usage: kill [--all] ID [SIGNAL]");
	id = argv[optind];
	if (argc - optind == 2 && oci_parse_signal(argv[optind + 1], &sig) < 0)
		return oci_usage_error("kill", "unknown signal '%s'", argv[optind + 1]);
	if (ward_container_kill(rt, id, sig, all, &err) < 0)
		return oci_fail(rt, err);
	return 0;
}

int
oci_cmd_delete(const struct ward_runtime *rt, int argc, char **argv)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
	struct ward_error *err = NULL;
	bool force = false;
	const char *id;
	int c;

	while ((c = getopt_long_only(argc, argv, "+f", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else
			return oci_usage_error("delete", "invalid option");
	}
	if (oci_need_id("delete", argc, argv, &id))
		return 1;
	if (ward_container_delete(rt, id, force, &err) < 0)
		return oci_fail(rt, err);
	return 0;
}

int
oci_cmd_pause(const struct ward_runtime *rt, int argc, char **argv)
{
	struct ward_error *err = NULL;
	const char *id;

	if (oci_need_id("pause", argc, argv, &id))
		return 1;
	if (ward_container_pause(rt, id, &err) < 0)
		return oci_fail(rt, err);
	return 0;
}

int
oci_cmd_resume(const struct ward_runtime *rt, int argc, char **argv)
{
	struct ward_error *err = NULL;
	const char *id;

	if (oci_need_id("resume", argc, argv, &id))
		return 1;
	if (ward_container_resume(rt, id, &err) < 0)
		return oci_fail(rt, err);
	return 0;
}
