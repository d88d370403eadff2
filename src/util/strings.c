/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include <ward/util.h>

void
ward_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t
ward_strv_length(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

char *
ward_strdup_printf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

int
ward_parse_u64(const char *s, uint64_t *ret)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v))
			return -ERANGE;
	}
	*ret = v;
	return 0;
}

bool
ward_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

long
ward_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int
ward_parse_size(const char *s, int64_t *ret)
{
	uint64_t v = 0;
	int64_t mult = 1;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v))
			return -ERANGE;
	if (p == s)
		return -EINVAL;
	switch (*p) {
	case '\0':
		break;
	case 'b': case 'B':
		p++;
		break;
	case 'k': case 'K':
		mult = 1LL << 10;
		p++;
		break;
	case 'm': case 'M':
		mult = 1LL << 20;
		p++;
		break;
	case 'g': case 'G':
		mult = 1LL << 30;
		p++;
		break;
	case 't': case 'T':
		mult = 1LL << 40;
		p++;
		break;
	default:
		return -EINVAL;
	}
	if (mult > 1 && (*p == 'b' || *p == 'B'))
		p++;
	if (*p)
		return -EINVAL;
	if (v > INT64_MAX || __builtin_mul_overflow((int64_t)v, mult, ret))
		return -ERANGE;
	return 0;
}
