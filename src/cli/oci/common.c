/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <strings.h>

#include "cli.h"

int
oci_fail(const struct ward_runtime *rt, struct ward_error *err)
{
	const char *msg = err && err->msg ? err->msg : "unknown error";

	ward_log_write(&rt->log, WARD_LOG_ERROR, "%s", msg);
	fprintf(stderr, "ward-oci: %s\n", msg);
	ward_error_free(err);
	return 1;
}

int
oci_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ward-oci %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'ward-oci %s --help'.\n", cmd);
	return 1;
}

int
oci_parse_signal(const char *s, int *ret)
{
	uint64_t n;

	if (ward_parse_u64(s, &n) == 0) {
		if (n == 0 || n >= (uint64_t)NSIG)
			return -EINVAL;
		*ret = (int)n;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && strcasecmp(abbrev, s) == 0) {
			*ret = sig;
			return 0;
		}
	}
	if (strncasecmp(s, "RTMIN+", 6) == 0 && ward_parse_u64(s + 6, &n) == 0 &&
	    SIGRTMIN + (int)n <= SIGRTMAX) {
		*ret = SIGRTMIN + (int)n;
		return 0;
	}
	return -EINVAL;
}

int
oci_print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (!s)
		return 1;
	puts(s);
	free(s);
	return 0;
}

int
oci_need_id(const char *cmd, int argc, char **argv, const char **ret)
{
	if (argc - optind < 1)
		return oci_usage_error(cmd, "requires a container id");
	if (argc - optind > 1)
		return oci_usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
	*ret = argv[optind];
	return 0;
}
