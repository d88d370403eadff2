/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <time.h>

#include <ward/util.h>

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void
ward_log_write(const struct ward_log *log, enum ward_log_level level, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	_cleanup_free_ char *line = NULL;
	char stamp[64];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (!log || log->fd < 0 || level > log->level)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	if (log->format == WARD_LOG_JSON) {
		/* RFC 3339 with nanoseconds, the form runc's logrus writes. */
		char tbuf[96];
		_cleanup_free_ char *dumped = NULL;
		json_t *o;

		snprintf(tbuf, sizeof(tbuf), "%s.%09ldZ", stamp, ts.tv_nsec);
		o = json_pack("{s:s, s:s, s:s}", "level", level_names[level], "msg", msg, "time",
			      tbuf);
		if (o) {
			dumped = json_dumps(o, JSON_COMPACT);
			json_decref(o);
		}
		if (dumped)
			line = ward_strdup_printf("%s\n", dumped);
	} else {
		line = ward_strdup_printf("%s.%09ldZ %s: %s\n", stamp, ts.tv_nsec, level_names[level],
					  msg);
	}
	if (line)
		(void)ward_fs_write_all(log->fd, line, strlen(line));
}
