/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /proc/PID/stat, /proc/PID/status and /etc/passwd text for `ward top`.
 * The container controls its processes' comm and its own /etc/passwd: every
 * parser works on (buf, len) without trusting a NUL, bounds what it copies,
 * and replaces control characters so a process named "\e]0;..." cannot
 * drive the user's terminal.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ward/runtime.h>

#define LINE_MAX_LEN 4096 /* a longer /proc or passwd line is not parsed */

void
ward_terminal_sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* Parse a decimal at *p (after one space), advancing *p. A negative value
 * (tpgid, priority, nice) is read and sets *ret_neg. */
static int
next_field(const char **p, const char *end, bool *ret_neg, unsigned long long *ret)
{
	const char *s = *p;
	unsigned long long v = 0;
	bool neg = false, any = false;

	if (s >= end || *s != ' ')
		return -EINVAL;
	s++;
	if (s < end && *s == '-') {
		neg = true;
		s++;
	}
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *s - '0', &v))
			return -EINVAL;
		any = true;
	}
	if (!any)
		return -EINVAL;
	*p = s;
	*ret = v;
	*ret_neg = neg;
	return 0;
}

int
ward_proc_parse_stat(const char *buf, size_t len, struct ward_proc_stat *ret)
{
	const char *end = buf + len, *open = memchr(buf, '(', len), *close = NULL, *p;
	struct ward_proc_stat st = {0};
	unsigned long long f[19];
	bool neg[19];
	size_t n;

	/* The LAST ')': comm may itself contain ") ". */
	for (p = buf; p < end; p++)
		if (*p == ')')
			close = p;
	if (!open || !close || close < open || close + 2 >= end || close[1] != ' ')
		return -EINVAL;
	n = (size_t)(close - open - 1);
	if (n >= sizeof(st.comm))
		n = sizeof(st.comm) - 1;
	memcpy(st.comm, open + 1, n);
	st.comm[n] = '\0';
	ward_terminal_sanitize(st.comm); /* an embedded NUL ends the name */
	/* " S": the state, one character. */
	p = close + 2;
	if (p >= end || *p == ' ')
		return -EINVAL;
	p++;
	/* ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
	 * utime stime cutime cstime priority nice threads itrealvalue starttime */
	for (size_t i = 0; i < 19; i++)
		if (next_field(&p, end, &neg[i], &f[i]) < 0)
			return -EINVAL;
	/* The fields used here are never negative in a real stat line. */
	if (neg[0] || neg[3] || neg[10] || neg[11] || neg[18] || f[0] > INT32_MAX ||
	    f[3] > INT32_MAX)
		return -EINVAL;
	st.ppid = (pid_t)f[0];
	st.tty_nr = (int)f[3];
	st.utime = f[10];
	st.stime = f[11];
	st.start = f[18];
	*ret = st;
	return 0;
}

/* The line [line, eol) starts with `key`: the rest after it. */
static const char *
after_key(const char *line, const char *eol, const char *key)
{
	size_t k = strlen(key);
	return (size_t)(eol - line) >= k && memcmp(line, key, k) == 0 ? line + k : NULL;
}

static bool
parse_uint(const char *s, const char *end, unsigned long long max, unsigned long long *ret)
{
	unsigned long long v = 0;
	if (s >= end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || __builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, *s - '0', &v) || v > max)
			return false;
	}
	*ret = v;
	return true;
}

/* The whitespace-separated fields of [s, end): the idx-th (0-based) one,
 * or with idx < 0 the last. */
static bool
field(const char *s, const char *end, int idx, const char **ret_s, const char **ret_e)
{
	const char *fs = NULL, *fe = NULL;
	int i = -1;

	while (s < end) {
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (s >= end)
			break;
		fs = s;
		while (s < end && *s != ' ' && *s != '\t')
			s++;
		fe = s;
		if (++i == idx)
			break;
	}
	if (!fs || (idx >= 0 && i != idx))
		return false;
	*ret_s = fs;
	*ret_e = fe;
	return true;
}

void
ward_proc_parse_status(const char *buf, size_t len, struct ward_proc_status *ret)
{
	const char *end = buf + len, *line = buf;
	struct ward_proc_status st = {0};

	while (line < end) {
		const char *eol = memchr(line, '\n', (size_t)(end - line)), *v, *fs, *fe;
		unsigned long long x;
		if (!eol)
			eol = end;
		if (eol - line <= LINE_MAX_LEN) {
			if ((v = after_key(line, eol, "Uid:")) && field(v, eol, 1, &fs, &fe) &&
			    parse_uint(fs, fe, UINT32_MAX - 1, &x)) {
				st.has_euid = true;
				st.euid = (uid_t)x;
			} else if ((v = after_key(line, eol, "NSpid:")) &&
				   field(v, eol, -1, &fs, &fe) && parse_uint(fs, fe, INT32_MAX, &x)) {
				st.ns_pid = (pid_t)x;
			}
		}
		line = eol + 1;
	}
	*ret = st;
}

bool
ward_passwd_name(const char *buf, size_t len, uid_t uid, char *name, size_t size)
{
	const char *end = buf + len, *line = buf;

	while (line < end) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			eol = end;
		/* name:password:uid:... */
		const char *c1 = memchr(line, ':', (size_t)(eol - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
		const char *c3 = c2 ? memchr(c2 + 1, ':', (size_t)(eol - c2 - 1)) : NULL;
		unsigned long long id;
		if (c1 && c2 && c1 > line && (size_t)(c1 - line) < size &&
		    parse_uint(c2 + 1, c3 ? c3 : eol, UINT32_MAX - 1, &id) && id == uid &&
		    !memchr(line, '\0', (size_t)(c1 - line))) {
			memcpy(name, line, (size_t)(c1 - line));
			name[c1 - line] = '\0';
			ward_terminal_sanitize(name);
			return true;
		}
		line = eol + 1;
	}
	return false;
}
