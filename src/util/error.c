/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>

#include <ward/util.h>

static int __attribute__((format(printf, 4, 0)))
error_vset(struct ward_error **err, enum ward_error_kind kind, int errnum, const char *fmt,
	   va_list ap)
{
	char *msg = NULL;
	int code = errnum > 0 ? -errnum : -EINVAL;

	if (!err)
		return code;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	/* Validation errnos add nothing a user can act on ("Invalid
	 * argument"); the message already says what is wrong. */
	if (msg && errnum > 0 && errnum != EINVAL && errnum != E2BIG && errnum != ERANGE &&
	    errnum != EFBIG) {
		char *full = NULL;
		if (asprintf(&full, "%s: %s", msg, strerror(errnum)) >= 0) {
			free(msg);
			msg = full;
		}
	}
	ward_error_free(*err);
	*err = calloc(1, sizeof(**err));
	if (!*err) {
		free(msg);
		return code;
	}
	(*err)->errnum = errnum > 0 ? errnum : 0;
	(*err)->kind = kind;
	(*err)->msg = msg ? msg : strdup("out of memory while reporting an error");
	return code;
}

static enum ward_error_kind
kind_from_errno(int errnum)
{
	switch (errnum) {
	case 0:
	case EINVAL:
	case E2BIG:
	case ERANGE:
	case EFBIG:
		return WARD_E_INVALID;
	case ENOENT:
		return WARD_E_NOTFOUND;
	case EEXIST:
		return WARD_E_EXISTS;
	case EPERM:
	case EACCES:
		return WARD_E_DENIED;
	case ENOTSUP:
	case ENOSYS:
		return WARD_E_UNSUPPORTED;
	default:
		return WARD_E_SYSTEM;
	}
}

int
ward_error_set(struct ward_error **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_vset(err, kind_from_errno(errnum), errnum, fmt, ap);
	va_end(ap);
	return r;
}

int
ward_error_setk(struct ward_error **err, enum ward_error_kind kind, int errnum, const char *fmt,
		...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_vset(err, kind, errnum, fmt, ap);
	va_end(ap);
	return r;
}

int
ward_error_wrap(struct ward_error **err, const char *fmt, ...)
{
	_cleanup_free_ char *prefix = NULL;
	char *full = NULL;
	va_list ap;

	if (!err || !*err)
		return -EINVAL;
	va_start(ap, fmt);
	if (vasprintf(&prefix, fmt, ap) < 0)
		prefix = NULL;
	va_end(ap);
	if (prefix && asprintf(&full, "%s: %s", prefix, (*err)->msg) >= 0) {
		free((*err)->msg);
		(*err)->msg = full;
	}
	return ward_error_code(*err);
}

int
ward_error_code(const struct ward_error *e)
{
	if (!e || e->errnum <= 0)
		return -EINVAL;
	return -e->errnum;
}

void
ward_error_free(struct ward_error *e)
{
	if (!e)
		return;
	free(e->msg);
	free(e);
}
