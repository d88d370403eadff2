/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp: parse and validate the OCI profile, compile it with
 * libseccomp, load it, and hand a SCMP_ACT_NOTIFY listener to its agent.
 *
 * The filter is compiled once, at parse time, so that everything libseccomp
 * or the kernel could refuse (an action or flag this host lacks, a rule
 * libseccomp rejects, a program longer than the kernel accepts) fails while
 * the runtime has had no side effect yet. The parsed struct owns that
 * libseccomp context and ward_seccomp_free() releases it; ward_seccomp_load()
 * only loads it, typically in the container's init after fork, where the
 * context is the child's copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ward/runtime.h>
#include <ward/util.h>

#include "seccomp_internal.h"

#define SECCOMP_MAX_ARG_INDEX 5	 /* syscalls take at most six arguments */
#define SECCOMP_MAX_ERRNO 0xffff /* SECCOMP_RET_DATA: 16 bits for errno / trace data */

/*
 * seccomp_api_get() levels (libseccomp): 2 TSYNC, 3 LOG flag + LOG and
 * KILL_PROCESS actions, 4 SPEC_ALLOW, 5 NOTIFY, 6 TSYNC with NOTIFY,
 * 7 WAIT_KILLABLE_RECV (libseccomp 2.6).
 */
#define API_TSYNC 2
#define API_LOG 3
#define API_SSB 4
#define API_NOTIFY 5
#define API_TSYNC_NOTIFY 6
#define API_WAITKILL 7

#define LIBSECCOMP_HAS_WAITKILL (SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6))

struct ward_seccomp {
	scmp_filter_ctx ctx; /* the compiled profile, owned */
	char *listener_path;
	char *listener_metadata;
	bool notify;	/* the filter holds a SCMP_ACT_NOTIFY rule */
	bool tsync;	/* SECCOMP_FILTER_FLAG_TSYNC requested */
	size_t n_rules; /* rules added to ctx, bounded by WARD_SECCOMP_MAX_RULES */
	int *notified;	/* native syscall numbers some NOTIFY rule answers */
	size_t n_notified;
	char **unknown; /* first WARD_SECCOMP_MAX_UNKNOWN_KEPT unknown names */
	size_t n_unknown_kept, n_unknown;
	unsigned kflags;	  /* SECCOMP_FILTER_FLAG_* the profile asked for */
	struct sock_filter *bpf; /* the program compiled once at parse */
	size_t n_bpf;
};

/* ---- tables ------------------------------------------------------------- */

struct action_def {
	const char *name;
	uint32_t action; /* for ERRNO and TRACE, the errno is or'ed in */
	bool takes_errno;
	unsigned api; /* seccomp_api_get() level the kernel needs */
};

static const struct action_def actions[] = {
	{"SCMP_ACT_KILL", SCMP_ACT_KILL, false, 1},
	{"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false, API_LOG},
	{"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false, 1},
	{"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false, 1},
	{"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true, 1},
	{"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true, 1},
	{"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false, 1},
	{"SCMP_ACT_LOG", SCMP_ACT_LOG, false, API_LOG},
	{"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false, API_NOTIFY},
};

static const struct {
	const char *name;
	enum scmp_compare op;
} operators[] = {
	{"SCMP_CMP_NE", SCMP_CMP_NE},
	{"SCMP_CMP_LT", SCMP_CMP_LT},
	{"SCMP_CMP_LE", SCMP_CMP_LE},
	{"SCMP_CMP_EQ", SCMP_CMP_EQ},
	{"SCMP_CMP_GE", SCMP_CMP_GE},
	{"SCMP_CMP_GT", SCMP_CMP_GT},
	{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* The architectures this libseccomp knows (the spec's list, plus newer
 * ones when the headers define them). */
static const struct {
	const char *name;
	uint32_t token;
} arches[] = {
	{"SCMP_ARCH_X86", SCMP_ARCH_X86},
	{"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
	{"SCMP_ARCH_X32", SCMP_ARCH_X32},
	{"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
	{"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
	{"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
	{"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
	{"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
	{"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
	{"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
	{"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
	{"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
	{"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
	{"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
	{"SCMP_ARCH_S390", SCMP_ARCH_S390},
	{"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
	{"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
	{"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
	{"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
	{"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#endif
#ifdef SCMP_ARCH_M68K
	{"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#endif
#ifdef SCMP_ARCH_SH
	{"SCMP_ARCH_SH", SCMP_ARCH_SH},
#endif
#ifdef SCMP_ARCH_SHEB
	{"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB},
#endif
};

struct flag_def {
	const char *name;
	int attr;     /* filter attribute, -1 when this libseccomp has none */
	unsigned api; /* seccomp_api_get() level needed */
};

static const struct flag_def flags[] = {
	{"SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC, API_TSYNC},
	{"SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG, API_LOG},
	{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB, API_SSB},
#if LIBSECCOMP_HAS_WAITKILL
	{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SCMP_FLTATR_CTL_WAITKILL, API_WAITKILL},
#else
	{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", -1, API_WAITKILL},
#endif
};

static bool
flag_supported(const struct flag_def *f)
{
	return f->attr >= 0 && seccomp_api_get() >= f->api;
}

/* ---- helpers ------------------------------------------------------------ */

/*
 * Names from config.json are echoed in errors that reach terminals and
 * logs: keep printable ASCII and bound the length, so a profile cannot
 * inject terminal escape sequences or flood a log line with a 4 MiB name.
 */
#define QUOTE_MAX 64
struct quoted {
	char s[QUOTE_MAX + 4];
};

static struct quoted
quote(const char *in)
{
	struct quoted q;
	size_t i;

	for (i = 0; in[i] && i < QUOTE_MAX; i++)
		q.s[i] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
	if (in[i]) {
		memcpy(q.s + i, "...", 3);
		i += 3;
	}
	q.s[i] = '\0';
	return q;
}

#define invalid(err, ...) ward_error_setk((err), WARD_E_INVALID, 0, __VA_ARGS__)
#define unsupported(err, ...) ward_error_setk((err), WARD_E_UNSUPPORTED, EOPNOTSUPP, __VA_ARGS__)

static int
get_required_string(json_t *obj, const char *where, const char *key, const char **ret,
		    struct ward_error **err)
{
	int r = ward_json_get_string(obj, where, key, ret, err);

	if (r < 0)
		return r;
	if (r == 0)
		return invalid(err, "%s.%s: missing (required)", where, key);
	return 0;
}

static const struct action_def *
find_action(const char *name)
{
	for (size_t i = 0; i < WARD_ARRAY_SIZE(actions); i++)
		if (strcmp(actions[i].name, name) == 0)
			return &actions[i];
	return NULL;
}

static int
find_operator(const char *name, enum scmp_compare *ret)
{
	for (size_t i = 0; i < WARD_ARRAY_SIZE(operators); i++)
		if (strcmp(operators[i].name, name) == 0) {
			*ret = operators[i].op;
			return 0;
		}
	return -ENOENT;
}

static int
find_arch(const char *name, uint32_t *ret)
{
	for (size_t i = 0; i < WARD_ARRAY_SIZE(arches); i++)
		if (strcmp(arches[i].name, name) == 0) {
			*ret = arches[i].token;
			return 0;
		}
	return -ENOENT;
}

static const struct flag_def *
find_flag(const char *name)
{
	for (size_t i = 0; i < WARD_ARRAY_SIZE(flags); i++)
		if (strcmp(flags[i].name, name) == 0)
			return &flags[i];
	return NULL;
}

/*
 * Read `action_key` (required) and `errno_key` (optional) of obj into a
 * libseccomp action. The spec: errnoRet defaults to EPERM, and an errno on
 * an action that takes none MUST fail.
 */
static int
parse_action(json_t *obj, const char *where, const char *action_key, const char *errno_key,
	     uint32_t *ret, bool *ret_notify, struct ward_error **err)
{
	const struct action_def *a;
	const char *name = NULL;
	int64_t errno_ret = EPERM;
	int r;

	r = get_required_string(obj, where, action_key, &name, err);
	if (r < 0)
		return r;
	a = find_action(name);
	if (!a)
		return invalid(err, "%s.%s: unknown action '%s'", where, action_key, quote(name).s);
	r = ward_json_get_range(obj, where, errno_key, 0, SECCOMP_MAX_ERRNO, &errno_ret, err);
	if (r < 0)
		return r;
	if (r > 0 && !a->takes_errno)
		return invalid(
			err, "%s.%s: %s takes no errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)",
			where, errno_key, a->name);
	if (seccomp_api_get() < a->api)
		return unsupported(err, "%s.%s: %s is not supported by this kernel", where,
				   action_key, a->name);
	*ret = a->takes_errno ? a->action | (uint32_t)errno_ret : a->action;
	*ret_notify = a->action == SCMP_ACT_NOTIFY;
	return 0;
}

static int
parse_arg(json_t *arg, const char *where, struct scmp_arg_cmp *ret, struct ward_error **err)
{
	uint64_t value = 0, value_two = 0;
	enum scmp_compare op;
	const char *op_name = NULL;
	int64_t index = 0;
	int r;

	if (!json_is_object(arg))
		return invalid(err, "%s: expected an object, got %s", where,
			       ward_json_type_name(arg));
	r = ward_json_get_range(arg, where, "index", 0, SECCOMP_MAX_ARG_INDEX, &index, err);
	if (r < 0)
		return r;
	if (r == 0)
		return invalid(err, "%s.index: missing (required)", where);
	r = ward_json_get_uint64(arg, where, "value", &value, err);
	if (r < 0)
		return r;
	if (r == 0)
		return invalid(err, "%s.value: missing (required)", where);
	r = ward_json_get_uint64(arg, where, "valueTwo", &value_two, err);
	if (r < 0)
		return r;
	r = get_required_string(arg, where, "op", &op_name, err);
	if (r < 0)
		return r;
	if (find_operator(op_name, &op) < 0)
		return invalid(err, "%s.op: unknown operator '%s'", where, quote(op_name).s);
	/* As runc and crun: value is datum_a (the mask for MASKED_EQ) and
	 * valueTwo datum_b (the value the masked argument must equal). */
	*ret = (struct scmp_arg_cmp){
		.arg = (unsigned)index, .op = op, .datum_a = value, .datum_b = value_two};
	return 0;
}

static int
remember_unknown(struct ward_seccomp *s, const char *name, struct ward_error **err)
{
	s->n_unknown++;
	if (s->n_unknown_kept >= WARD_SECCOMP_MAX_UNKNOWN_KEPT)
		return 0;
	if (!s->unknown) {
		s->unknown = calloc(WARD_SECCOMP_MAX_UNKNOWN_KEPT + 1, sizeof(char *));
		if (!s->unknown)
			return ward_error_set(err, ENOMEM, "seccomp: unknown syscall list");
	}
	s->unknown[s->n_unknown_kept] = strdup(name);
	if (!s->unknown[s->n_unknown_kept])
		return ward_error_set(err, ENOMEM, "seccomp: unknown syscall list");
	s->n_unknown_kept++;
	return 0;
}

static int
remember_notified(struct ward_seccomp *s, int nr, struct ward_error **err)
{
	int *v;

	for (size_t i = 0; i < s->n_notified; i++)
		if (s->notified[i] == nr)
			return 0;
	/* n_notified <= n_rules <= WARD_SECCOMP_MAX_RULES: no overflow. */
	v = realloc(s->notified, (s->n_notified + 1) * sizeof(*v));
	if (!v)
		return ward_error_set(err, ENOMEM, "seccomp: notified syscall list");
	v[s->n_notified++] = nr;
	s->notified = v;
	return 0;
}

/*
 * Add the rules of one name. libseccomp ANDs the conditions of a rule and
 * refuses two on the same argument; runc and crun read repeated indexes as
 * alternatives (Docker profiles rely on it), so then each condition becomes
 * a rule of its own.
 */
static int
add_rules(struct ward_seccomp *s, const char *where, size_t name_i, const char *name, int nr,
	  uint32_t action, const struct scmp_arg_cmp *conds, size_t n_conds, bool split,
	  struct ward_error **err)
{
	size_t count = split ? n_conds : 1;
	int r;

	if (s->n_rules + count > WARD_SECCOMP_MAX_RULES)
		return invalid(err, "%s.names[%zu]: the profile needs more than %d filter rules",
			       where, name_i, WARD_SECCOMP_MAX_RULES);
	if (!split) {
		r = seccomp_rule_add_array(s->ctx, action, nr, (unsigned)n_conds, conds);
		if (r < 0)
			return ward_error_set(err, -r, "%s.names[%zu]: add a rule for '%s'", where,
					      name_i, quote(name).s);
	} else {
		for (size_t k = 0; k < n_conds; k++) {
			r = seccomp_rule_add_array(s->ctx, action, nr, 1, &conds[k]);
			if (r < 0)
				return ward_error_set(
					err, -r, "%s.names[%zu]: add a rule for '%s' (args[%zu])",
					where, name_i, quote(name).s, k);
		}
	}
	s->n_rules += count;
	return 0;
}

/*
 * Syscalls the runtime makes after loading the filter and before the
 * listener fd has left the process (init passes it to the runtime with
 * sendmsg, SCM_RIGHTS). Notified, they would wait for an agent that cannot
 * have the listener yet, and the container start hangs; runc refuses NOTIFY
 * on write for the same reason.
 */
static const char *const handoff_syscalls[] = {"sendmsg"};

static bool
is_handoff_syscall(int nr)
{
	for (size_t i = 0; i < WARD_ARRAY_SIZE(handoff_syscalls); i++)
		if (seccomp_syscall_resolve_name(handoff_syscalls[i]) == nr)
			return true;
	return false;
}

static int
parse_syscall(struct ward_seccomp *s, json_t *entry, const char *top, const char *where,
	      uint32_t default_action, struct ward_error **err)
{
	struct scmp_arg_cmp conds[WARD_SECCOMP_MAX_ARGS];
	unsigned per_index[SECCOMP_MAX_ARG_INDEX + 1] = {0};
	json_t *names = NULL, *args = NULL, *v;
	size_t i, n_conds = 0;
	bool notify = false, split = false;
	uint32_t action = 0;
	int r;

	if (!json_is_object(entry))
		return invalid(err, "%s: expected an object, got %s", where,
			       ward_json_type_name(entry));
	r = ward_json_get_array(entry, where, "names", WARD_SECCOMP_MAX_NAMES, &names, err);
	if (r < 0)
		return r;
	if (r == 0)
		return invalid(err, "%s.names: missing (required)", where);
	if (json_array_size(names) == 0)
		return invalid(err, "%s.names: must list at least one syscall", where);
	r = parse_action(entry, where, "action", "errnoRet", &action, &notify, err);
	if (r < 0)
		return r;
	/* The spec: with SCMP_ACT_NOTIFY and no listenerPath the runtime MUST
	 * fail; nobody could answer the notifications. */
	if (notify && !s->listener_path)
		return invalid(err, "%s.action: SCMP_ACT_NOTIFY needs %s.listenerPath", where, top);

	r = ward_json_get_array(entry, where, "args", WARD_SECCOMP_MAX_ARGS, &args, err);
	if (r < 0)
		return r;
	json_array_foreach(args, i, v) {
		_cleanup_free_ char *w = ward_strdup_printf("%s.args[%zu]", where, i);

		if (!w)
			return ward_error_set(err, ENOMEM, "%s.args", where);
		r = parse_arg(v, w, &conds[i], err);
		if (r < 0)
			return r;
		if (++per_index[conds[i].arg] > 1)
			split = true;
		n_conds++;
	}

	json_array_foreach(names, i, v) {
		const char *name;
		int nr;

		if (!json_is_string(v))
			return invalid(err, "%s.names[%zu]: expected a string, got %s", where, i,
				       ward_json_type_name(v));
		name = json_string_value(v);
		if (strlen(name) != json_string_length(v))
			return invalid(err, "%s.names[%zu]: contains a NUL byte", where, i);
		if (!*name)
			return invalid(err, "%s.names[%zu]: empty syscall name", where, i);
		nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR) {
			r = remember_unknown(s, name, err);
			if (r < 0)
				return r;
			continue;
		}
		if (notify && is_handoff_syscall(nr))
			return invalid(
				err,
				"%s.names[%zu]: SCMP_ACT_NOTIFY on '%s' would hang the "
				"container start: the runtime hands the listener out with it",
				where, i, quote(name).s);
		/* Same action as the default: the rule changes nothing (and
		 * libseccomp refuses it with EACCES). */
		if (action == default_action)
			continue;
		r = add_rules(s, where, i, name, nr, action, conds, n_conds, split, err);
		if (r < 0)
			return r;
		if (notify) {
			s->notify = true;
			r = remember_notified(s, nr, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int
parse_listener(struct ward_seccomp *s, json_t *seccomp, const char *where, struct ward_error **err)
{
	size_t len;
	int r;

	r = ward_json_dup_string(seccomp, where, "listenerPath", &s->listener_path, err);
	if (r < 0)
		return r;
	if (s->listener_path) {
		len = strlen(s->listener_path);
		if (len == 0)
			return invalid(err, "%s.listenerPath: empty path", where);
		/* Relative to what? The runtime changes directory on the way;
		 * only an absolute path names one socket. */
		if (s->listener_path[0] != '/')
			return invalid(err, "%s.listenerPath: '%s' is not an absolute path", where,
				       quote(s->listener_path).s);
		if (len >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
			return invalid(err, "%s.listenerPath: longer than %zu bytes (sun_path)",
				       where, sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1);
	}
	r = ward_json_dup_string(seccomp, where, "listenerMetadata", &s->listener_metadata, err);
	if (r < 0)
		return r;
	/* The spec: listenerMetadata MUST NOT be set without listenerPath. */
	if (s->listener_metadata && !s->listener_path)
		return invalid(err, "%s.listenerMetadata: set without listenerPath", where);
	return 0;
}

static int
parse_arches(json_t *seccomp, const char *where, uint32_t *tokens, size_t *ret_n,
	     struct ward_error **err)
{
	_cleanup_strv_ char **names = NULL;
	size_t n = 0;
	int r;

	r = ward_json_get_strv(seccomp, where, "architectures", WARD_SECCOMP_MAX_ARCHES, &names,
			       err);
	if (r < 0)
		return r;
	for (char **p = names; p && *p; p++, n++)
		if (find_arch(*p, &tokens[n]) < 0)
			return invalid(err, "%s.architectures[%zu]: unknown architecture '%s'",
				       where, n, quote(*p).s);
	*ret_n = n;
	return 0;
}

static unsigned
flag_bit(int attr)
{
	switch (attr) {
	case SCMP_FLTATR_CTL_TSYNC:
		return SECCOMP_FILTER_FLAG_TSYNC;
	case SCMP_FLTATR_CTL_LOG:
		return SECCOMP_FILTER_FLAG_LOG;
	case SCMP_FLTATR_CTL_SSB:
		return SECCOMP_FILTER_FLAG_SPEC_ALLOW;
	default:
		return 0;
	}
}

static int
apply_flags(struct ward_seccomp *s, json_t *seccomp, const char *where, struct ward_error **err)
{
	_cleanup_strv_ char **names = NULL;
	size_t i = 0;
	int r;

	r = ward_json_get_strv(seccomp, where, "flags", WARD_SECCOMP_MAX_FLAGS, &names, err);
	if (r < 0)
		return r;
	for (char **p = names; p && *p; p++, i++) {
		const struct flag_def *f = find_flag(*p);

		if (!f)
			return invalid(err, "%s.flags[%zu]: unknown flag '%s'", where, i,
				       quote(*p).s);
		if (f->attr < 0)
			return unsupported(
				err, "%s.flags[%zu]: %s needs libseccomp 2.6 (built with %d.%d.%d)",
				where, i, f->name, SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
		if (seccomp_api_get() < f->api)
			return unsupported(err, "%s.flags[%zu]: %s is not supported by this kernel",
					   where, i, f->name);
		r = seccomp_attr_set(s->ctx, (enum scmp_filter_attr)f->attr, 1);
		if (r < 0)
			return ward_error_setk(err, WARD_E_UNSUPPORTED, -r, "%s.flags[%zu]: set %s",
					       where, i, f->name);
		if (f->attr == SCMP_FLTATR_CTL_TSYNC)
			s->tsync = true;
		s->kflags |= flag_bit(f->attr);
	}
	return 0;
}

/* The kernel refuses a program longer than BPF_MAXINSNS with a bare EINVAL
 * at load time, deep in container setup; say so now, naming the cause. */
static int
check_program_size(struct ward_seccomp *s, const char *where, struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	size_t insns;
	int r;

	fd = memfd_create("ward-seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return ward_error_set(err, errno, "%s: compile the filter: memfd_create", where);
	r = seccomp_export_bpf(s->ctx, fd);
	if (r < 0)
		return ward_error_set(err, -r, "%s: compile the filter", where);
	if (fstat(fd, &st) < 0)
		return ward_error_set(err, errno, "%s: compile the filter: fstat", where);
	insns = (size_t)st.st_size / sizeof(struct sock_filter);
	if (insns > BPF_MAXINSNS)
		return invalid(err,
			       "%s: the filter compiles to %zu BPF instructions, the kernel "
			       "takes at most %d",
			       where, insns, BPF_MAXINSNS);
	/* Keep the program: libseccomp's compile is the costly part (tens of
	 * ms for a Docker-sized profile), and load can reuse it. */
	s->bpf = malloc(insns * sizeof(struct sock_filter) + 1);
	if (!s->bpf)
		return ward_error_set(err, ENOMEM, "%s: compile the filter", where);
	if (pread(fd, s->bpf, insns * sizeof(struct sock_filter), 0) !=
	    (ssize_t)(insns * sizeof(struct sock_filter)))
		return ward_error_set(err, EIO, "%s: compile the filter: read back", where);
	s->n_bpf = insns;
	return 0;
}

static void
seccomp_freep(struct ward_seccomp **s)
{
	ward_seccomp_free(*s);
}

/* ---- public ------------------------------------------------------------- */

int
ward_seccomp_parse(json_t *seccomp, const char *where, struct ward_seccomp **ret,
		   struct ward_error **err)
{
	_cleanup_(seccomp_freep) struct ward_seccomp *s = NULL;
	uint32_t arch_tokens[WARD_SECCOMP_MAX_ARCHES];
	json_t *syscalls = NULL, *v;
	uint32_t default_action = 0;
	bool default_notify = false;
	size_t n_arches = 0, i;
	int r;

	if (!where)
		where = "linux.seccomp";
	if (!seccomp)
		return invalid(err, "%s: missing", where);
	if (!json_is_object(seccomp))
		return invalid(err, "%s: expected an object, got %s", where,
			       ward_json_type_name(seccomp));
	s = calloc(1, sizeof(*s));
	if (!s)
		return ward_error_set(err, ENOMEM, "%s", where);

	/* Everything that needs no filter context is checked first. */
	r = parse_action(seccomp, where, "defaultAction", "defaultErrnoRet", &default_action,
			 &default_notify, err);
	if (r < 0)
		return r;
	/* Every syscall the runtime makes between loading the filter and
	 * handing the listener out would wait for an agent that cannot have
	 * the listener yet: container start would hang. runc refuses it too. */
	if (default_notify)
		return invalid(err,
			       "%s.defaultAction: SCMP_ACT_NOTIFY cannot be the default action",
			       where);
	r = parse_listener(s, seccomp, where, err);
	if (r < 0)
		return r;
	r = parse_arches(seccomp, where, arch_tokens, &n_arches, err);
	if (r < 0)
		return r;
	r = ward_json_get_array(seccomp, where, "syscalls", WARD_SECCOMP_MAX_SYSCALLS, &syscalls,
				err);
	if (r < 0)
		return r;

	s->ctx = seccomp_init(default_action);
	if (!s->ctx)
		return ward_error_set(err, ENOMEM, "%s: create the filter (seccomp_init)", where);
	/* Raw kernel errnos from seccomp_load, not libseccomp's ECANCELED. */
	r = seccomp_attr_set(s->ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (r < 0)
		return ward_error_set(err, -r, "%s: set SCMP_FLTATR_API_SYSRAWRC", where);
	/* no_new_privs is process.noNewPrivileges' business (procattr), not
	 * ours: libseccomp would otherwise set it on every load. */
	r = seccomp_attr_set(s->ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return ward_error_set(err, -r, "%s: clear SCMP_FLTATR_CTL_NNP", where);
	r = apply_flags(s, seccomp, where, err);
	if (r < 0)
		return r;

	/* Architectures go in before any rule: libseccomp does not copy the
	 * rules already added into an architecture added later. */
	for (i = 0; i < n_arches; i++) {
		r = seccomp_arch_add(s->ctx, arch_tokens[i]);
		/* EEXIST: listed twice or the native one. EDOM: the other byte
		 * order than the native arch; this kernel can never report a
		 * syscall of that arch, so leaving it out weakens nothing
		 * (and one profile keeps serving every host, as with archMap). */
		if (r < 0 && r != -EEXIST && r != -EDOM)
			return ward_error_set(err, -r, "%s.architectures[%zu]: add", where, i);
	}

	json_array_foreach(syscalls, i, v) {
		_cleanup_free_ char *w = ward_strdup_printf("%s.syscalls[%zu]", where, i);

		if (!w)
			return ward_error_set(err, ENOMEM, "%s.syscalls", where);
		r = parse_syscall(s, v, where, w, default_action, err);
		if (r < 0)
			return r;
	}

	if (s->notify && s->tsync && seccomp_api_get() < API_TSYNC_NOTIFY)
		return unsupported(
			err,
			"%s.flags: SECCOMP_FILTER_FLAG_TSYNC with SCMP_ACT_NOTIFY is not "
			"supported by this kernel",
			where);
	r = check_program_size(s, where, err);
	if (r < 0)
		return r;

	*ret = TAKE_PTR(s);
	return 0;
}

void
ward_seccomp_free(struct ward_seccomp *s)
{
	if (!s)
		return;
	if (s->ctx)
		seccomp_release(s->ctx);
	free(s->listener_path);
	free(s->listener_metadata);
	free(s->notified);
	ward_strv_free(s->unknown);
	free(s->bpf);
	free(s);
}

bool
ward_seccomp_wants_listener(const struct ward_seccomp *s)
{
	return s && s->notify;
}

const char *
ward_seccomp_listener_path(const struct ward_seccomp *s)
{
	return s ? s->listener_path : NULL;
}

const char *
ward_seccomp_listener_metadata(const struct ward_seccomp *s)
{
	return s ? s->listener_metadata : NULL;
}

size_t
ward_seccomp_unknown_count(const struct ward_seccomp *s)
{
	return s ? s->n_unknown : 0;
}

char *const *
ward_seccomp_unknown_names(const struct ward_seccomp *s)
{
	static char *const none[] = {NULL};

	return s && s->unknown ? s->unknown : none;
}

bool
ward_seccomp_notifies(const struct ward_seccomp *s, const char *syscall_name)
{
	int nr;

	if (!s || !s->notify || !syscall_name)
		return false;
	nr = seccomp_syscall_resolve_name(syscall_name);
	if (nr == __NR_SCMP_ERROR)
		return false;
	for (size_t i = 0; i < s->n_notified; i++)
		if (s->notified[i] == nr)
			return true;
	return false;
}

int
ward_seccomp_load(const struct ward_seccomp *s, int *ret_listener_fd, struct ward_error **err)
{
	int r, fd;

	if (!s || (!s->ctx && !s->bpf))
		return ward_error_set(err, EINVAL, "seccomp: no filter to load");
	/* The listener must go somewhere: dropping it would leave every
	 * notified syscall of the container blocked for good. */
	if (s->notify && !ret_listener_fd)
		return ward_error_set(err, EINVAL,
				      "seccomp: the profile uses SCMP_ACT_NOTIFY but the caller "
				      "takes no listener fd");
	/* The program compiled at parse, loaded as is; TSYNC with a listener
	 * needs libseccomp's extra flag handling, so that case compiles again. */
	if (s->bpf && !(s->notify && s->tsync)) {
		struct sock_fprog prog = {.len = (unsigned short)s->n_bpf, .filter = s->bpf};
		unsigned kf = s->kflags | (s->notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
		long lr = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, kf, &prog);

		if (lr < 0 && errno == EACCES)
			return ward_error_set(
				err, EACCES,
				"seccomp: load the filter (needs no_new_privs or CAP_SYS_ADMIN)");
		if (lr < 0)
			return ward_error_set(err, errno, "seccomp: load the filter");
		if (ret_listener_fd)
			*ret_listener_fd = s->notify ? (int)lr : -1;
		if (s->notify)
			(void)fcntl((int)lr, F_SETFD, FD_CLOEXEC);
		return 0;
	}
	r = seccomp_load(s->ctx);
	if (r == -EACCES)
		return ward_error_set(
			err, EACCES,
			"seccomp: load the filter (needs no_new_privs or CAP_SYS_ADMIN)");
	if (r < 0)
		return ward_error_set(err, -r, "seccomp: load the filter");
	if (!s->notify) {
		if (ret_listener_fd)
			*ret_listener_fd = -1;
		return 0;
	}
	/* The kernel created it O_CLOEXEC: the container's process does not
	 * inherit its own listener across execve. */
	fd = seccomp_notify_fd(s->ctx);
	if (fd < 0)
		return ward_error_set(err, -fd, "seccomp: get the listener fd");
	*ret_listener_fd = fd;
	return 0;
}

int
ward_seccomp_send_listener(const char *listener_path, int listener_fd, const char *state_json,
			   struct ward_error **err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	_cleanup_close_ int sock = -1;
	size_t path_len, len, off;
	ssize_t n;

	if (!listener_path || !*listener_path)
		return invalid(err, "seccomp listener: empty socket path");
	path_len = strlen(listener_path);
	/* sun_path is a fixed 108 bytes: a longer path would be cut and name
	 * some other socket. */
	if (path_len >= sizeof(addr.sun_path))
		return ward_error_setk(err, WARD_E_INVALID, ENAMETOOLONG,
				       "seccomp listener '%s': path longer than %zu bytes",
				       quote(listener_path).s, sizeof(addr.sun_path) - 1);
	if (listener_fd < 0)
		return invalid(err, "seccomp listener '%s': no listener fd to send",
			       quote(listener_path).s);
	/* Ancillary data needs at least one byte of payload to ride on. */
	if (!state_json || !*state_json)
		return invalid(err, "seccomp listener '%s': empty container process state",
			       quote(listener_path).s);
	memcpy(addr.sun_path, listener_path, path_len);

	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return ward_error_set(err, errno, "seccomp listener: socket");
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return ward_error_set(err, errno, "seccomp listener '%s': connect",
				      quote(listener_path).s);

	len = strlen(state_json);
	/* The spec: the fd goes with the first sendmsg only; the rest of a
	 * long state follows as plain data. */
	n = ward_unix_send_fd(sock, listener_fd, state_json, len);
	if (n < 0)
		return ward_error_set(err, (int)-n, "seccomp listener '%s': send the listener fd",
				      quote(listener_path).s);
	for (off = (size_t)n; off < len; off += (size_t)n) {
		n = send(sock, state_json + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n < 0)
			return ward_error_set(err, errno, "seccomp listener '%s': send the state",
					      quote(listener_path).s);
	}
	/* One state per connection, closed once sent (the spec); the cleanup
	 * closes it. */
	return 0;
}

static int
append_string(json_t *arr, const char *s)
{
	return json_array_append_new(arr, json_string(s));
}

json_t *
ward_seccomp_features(void)
{
	json_t *f = NULL, *acts = NULL, *ops = NULL, *archs = NULL, *known = NULL,
	       *supported = NULL;
	size_t i;

	f = json_object();
	acts = json_array();
	ops = json_array();
	archs = json_array();
	known = json_array();
	supported = json_array();
	if (!f || !acts || !ops || !archs || !known || !supported)
		goto fail;
	for (i = 0; i < WARD_ARRAY_SIZE(actions); i++)
		if (append_string(acts, actions[i].name) < 0)
			goto fail;
	for (i = 0; i < WARD_ARRAY_SIZE(operators); i++)
		if (append_string(ops, operators[i].name) < 0)
			goto fail;
	for (i = 0; i < WARD_ARRAY_SIZE(arches); i++)
		if (append_string(archs, arches[i].name) < 0)
			goto fail;
	for (i = 0; i < WARD_ARRAY_SIZE(flags); i++) {
		if (append_string(known, flags[i].name) < 0)
			goto fail;
		if (flag_supported(&flags[i]) && append_string(supported, flags[i].name) < 0)
			goto fail;
	}
	if (json_object_set_new(f, "enabled", json_true()) < 0)
		goto fail;
	/* set_new takes the reference even when it fails. */
	if (json_object_set_new(f, "actions", TAKE_PTR(acts)) < 0 ||
	    json_object_set_new(f, "operators", TAKE_PTR(ops)) < 0 ||
	    json_object_set_new(f, "archs", TAKE_PTR(archs)) < 0 ||
	    json_object_set_new(f, "knownFlags", TAKE_PTR(known)) < 0 ||
	    json_object_set_new(f, "supportedFlags", TAKE_PTR(supported)) < 0)
		goto fail;
	return f;
fail:
	json_decref(f);
	json_decref(acts);
	json_decref(ops);
	json_decref(archs);
	json_decref(known);
	json_decref(supported);
	return NULL;
}

/* ---- the compiled-program cache ------------------------------------------ */

/*
 * libseccomp's compile of a Docker-sized profile (three architectures, some
 * 370 syscalls) takes 20-30 ms, more than all the rest of creating a
 * container. The program depends only on the profile, the libseccomp
 * version, the kernel's seccomp API level and the native architecture, so
 * it is kept in a root-only directory of the runtime's state root. An entry
 * holds the canonical profile text it was compiled from and is used only
 * when that text is byte for byte the profile being parsed: the file name is
 * a hash for lookup, and a collision is a miss, never another filter.
 * Profiles with SCMP_ACT_NOTIFY or a listener are never cached: their load
 * needs libseccomp's context.
 */
#define CACHE_MAGIC "ward-seccomp-bpf-cache 1"
#define CACHE_MAX_ENTRIES 256
#define CACHE_MAX_UNKNOWN_BYTES (WARD_SECCOMP_MAX_UNKNOWN_KEPT * 256)

struct cache_header {
	char magic[32];
	uint32_t lib_major, lib_minor, lib_micro, api, native_arch;
	uint32_t kflags, n_unknown, n_unknown_kept, unknown_len, json_len, n_bpf;
};

static void
cache_identity(struct cache_header *h)
{
	const struct scmp_version *v = seccomp_version();

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, CACHE_MAGIC, sizeof(CACHE_MAGIC));
	h->lib_major = v->major;
	h->lib_minor = v->minor;
	h->lib_micro = v->micro;
	h->api = seccomp_api_get();
	h->native_arch = seccomp_arch_native();
}

/* FNV-1a over the identity and the profile: a file name, not a proof. */
static void
cache_name(const struct cache_header *h, const char *canon, char *buf, size_t size)
{
	uint64_t x = 0xcbf29ce484222325ull;
	const unsigned char *p = (const unsigned char *)h;

	for (size_t i = 0; i < offsetof(struct cache_header, kflags); i++)
		x = (x ^ p[i]) * 0x100000001b3ull;
	for (p = (const unsigned char *)canon; *p; p++)
		x = (x ^ *p) * 0x100000001b3ull;
	snprintf(buf, size, "%016llx", (unsigned long long)x);
}

static bool
cache_same_identity(const struct cache_header *a, const struct cache_header *b)
{
	return memcmp(a, b, offsetof(struct cache_header, kflags)) == 0;
}

/* Rebuild a parsed filter from an entry; false on any mismatch. */
static bool
cache_decode(const char *buf, size_t len, const struct cache_header *want, const char *canon,
	     struct ward_seccomp **ret)
{
	_cleanup_(seccomp_freep) struct ward_seccomp *s = NULL;
	struct cache_header h;
	const char *names, *json, *p;
	size_t need;

	if (len < sizeof(h))
		return false;
	memcpy(&h, buf, sizeof(h));
	if (!cache_same_identity(&h, want) || h.n_bpf == 0 || h.n_bpf > BPF_MAXINSNS ||
	    h.n_unknown_kept > WARD_SECCOMP_MAX_UNKNOWN_KEPT || h.n_unknown < h.n_unknown_kept ||
	    h.unknown_len > CACHE_MAX_UNKNOWN_BYTES || h.json_len != strlen(canon))
		return false;
	need = sizeof(h) + h.unknown_len + h.json_len + (size_t)h.n_bpf * sizeof(struct sock_filter);
	if (need != len)
		return false;
	names = buf + sizeof(h);
	json = names + h.unknown_len;
	if (memcmp(json, canon, h.json_len) != 0)
		return false;
	s = calloc(1, sizeof(*s));
	if (!s)
		return false;
	s->kflags = h.kflags;
	s->n_unknown = h.n_unknown;
	for (p = names; s->n_unknown_kept < h.n_unknown_kept; p += strlen(p) + 1) {
		const char *nul = memchr(p, '\0', (size_t)(json - p));
		if (!nul || remember_unknown(s, p, NULL) < 0)
			return false;
		s->n_unknown--; /* remember_unknown counted it again */
	}
	if (p != json)
		return false;
	s->n_bpf = h.n_bpf;
	s->bpf = malloc(s->n_bpf * sizeof(struct sock_filter));
	if (!s->bpf)
		return false;
	memcpy(s->bpf, json + h.json_len, s->n_bpf * sizeof(struct sock_filter));
	*ret = TAKE_PTR(s);
	return true;
}

static bool
cache_lookup(int dirfd, const char *name, const struct cache_header *want, const char *canon,
	     struct ward_seccomp **ret)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, max = sizeof(struct cache_header) + CACHE_MAX_UNKNOWN_BYTES +
			      WARD_SPEC_MAX_SIZE + BPF_MAXINSNS * sizeof(struct sock_filter);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077))
		return false;
	if (ward_fs_read_fd(fd, max, name, &buf, &len, NULL) < 0)
		return false;
	return cache_decode(buf, len, want, canon, ret);
}

static size_t
cache_count(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	size_t n = 0;

	if (!d) {
		if (fd >= 0)
			(void)close(fd);
		return SIZE_MAX;
	}
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Best effort: a cache that cannot be written only costs the next compile. */
static void
cache_store(int dirfd, const char *name, const struct cache_header *id, const char *canon,
	    const struct ward_seccomp *s)
{
	struct cache_header h = *id;
	size_t ulen = 0, blen = s->n_bpf * sizeof(struct sock_filter), len;
	_cleanup_free_ char *buf = NULL;
	char *p;

	if (cache_count(dirfd) >= CACHE_MAX_ENTRIES)
		return;
	for (size_t i = 0; i < s->n_unknown_kept; i++)
		ulen += strlen(s->unknown[i]) + 1;
	if (ulen > CACHE_MAX_UNKNOWN_BYTES)
		return;
	h.kflags = s->kflags;
	h.n_unknown = (uint32_t)s->n_unknown;
	h.n_unknown_kept = (uint32_t)s->n_unknown_kept;
	h.unknown_len = (uint32_t)ulen;
	h.json_len = (uint32_t)strlen(canon);
	h.n_bpf = (uint32_t)s->n_bpf;
	len = sizeof(h) + ulen + h.json_len + blen;
	buf = malloc(len);
	if (!buf)
		return;
	memcpy(buf, &h, sizeof(h));
	p = buf + sizeof(h);
	for (size_t i = 0; i < s->n_unknown_kept; i++)
		p = stpcpy(p, s->unknown[i]) + 1;
	memcpy(p, canon, h.json_len);
	memcpy(p + h.json_len, s->bpf, blen);
	/* tmpfs state under /run: replaced atomically, no fsync needed. */
	(void)ward_fs_write_replace(dirfd, name, buf, len, 0600, NULL);
}

int
ward_seccomp_parse_cached(json_t *seccomp, const char *where, int cache_dirfd,
			  struct ward_seccomp **ret, bool *ret_hit, struct ward_error **err)
{
	_cleanup_free_ char *canon = NULL;
	struct cache_header id;
	char name[32];
	int r;

	if (ret_hit)
		*ret_hit = false;
	if (cache_dirfd >= 0 && json_is_object(seccomp))
		canon = json_dumps(seccomp, JSON_COMPACT | JSON_SORT_KEYS);
	if (!canon)
		return ward_seccomp_parse(seccomp, where, ret, err);
	cache_identity(&id);
	cache_name(&id, canon, name, sizeof(name));
	if (cache_lookup(cache_dirfd, name, &id, canon, ret)) {
		if (ret_hit)
			*ret_hit = true;
		return 0;
	}
	if ((r = ward_seccomp_parse(seccomp, where, ret, err)) < 0)
		return r;
	if (!(*ret)->notify && !(*ret)->listener_path && !(*ret)->listener_metadata && (*ret)->bpf)
		cache_store(cache_dirfd, name, &id, canon, *ret);
	return 0;
}
