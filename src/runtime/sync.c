/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

#include "internal.h"

int
ward_sync_send(int fd, uint32_t type, int32_t pid, int pass_fd)
{
	struct ward_sync_msg m = {.type = type, .pid = pid};
	ssize_t n = ward_unix_send_fd(fd, pass_fd, &m, offsetof(struct ward_sync_msg, msg));

	return n < 0 ? (int)n : 0;
}

int
ward_sync_send_error(int fd, const struct ward_error *e)
{
	struct ward_sync_msg m = {.type = WARD_SYNC_ERROR};
	ssize_t n;

	m.errnum = e ? e->errnum : EINVAL;
	m.kind = e ? (int32_t)e->kind : WARD_E_SYSTEM;
	snprintf(m.msg, sizeof(m.msg), "%s", e && e->msg ? e->msg : "unknown error");
	do
		n = send(fd, &m, offsetof(struct ward_sync_msg, msg) + strlen(m.msg) + 1,
			 MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

static int
recv_msg(int fd, struct ward_sync_msg *m, int *ret_fd)
{
	int got = -1;
	ssize_t n;

	memset(m, 0, sizeof(*m));
	n = ward_unix_recv_fd(fd, m, sizeof(*m), &got);
	if (got >= 0) {
		if (ret_fd)
			*ret_fd = got;
		else
			(void)close(got);
	}
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -EPIPE;
	if ((size_t)n < offsetof(struct ward_sync_msg, msg))
		return -EBADMSG;
	m->msg[WARD_SYNC_MSG_MAX - 1] = '\0';
	return 0;
}

int
ward_sync_expect(int fd, uint32_t type, struct ward_sync_msg *m, int *ret_fd, const char *who,
		 struct ward_error **err)
{
	int r = recv_msg(fd, m, ret_fd);

	if (r == -EPIPE)
		return ward_error_set(err, ECHILD, "%s exited before finishing its setup", who);
	if (r < 0)
		return ward_error_set(err, -r, "read from %s", who);
	if (m->type == WARD_SYNC_ERROR) {
		ward_error_setk(err, (enum ward_error_kind)m->kind, 0, "%s", m->msg);
		if (err && *err)
			(*err)->errnum = m->errnum;
		return m->errnum > 0 ? -m->errnum : -EINVAL;
	}
	if (m->type != type)
		return ward_error_set(err, EPROTO, "%s: unexpected message %u (wanted %u)", who,
				      m->type, type);
	return 0;
}
