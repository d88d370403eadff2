/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process attributes of config.json's `process` object: user and groups,
 * umask, capabilities, rlimits, no_new_privs, oomScoreAdj, scheduler and
 * ioPriority. Parsed and cross-checked up front; applied in three steps by
 * the process code (oom from the runtime, privileged attributes in the
 * container, identity last before seccomp and execve).
 *
 * The identity step follows runc's finalizeNamespace/setupUser order:
 * drop the bounding set while still privileged, keep capabilities across the
 * uid switch, setgroups, setresgid, setresuid, then set the capability sets
 * and raise ambient capabilities.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ward/runtime.h>

#include "caps.h"

/* The kernel's NGROUPS_MAX: setgroups(2) refuses more. */
#define WARD_PROCATTR_MAX_GROUPS 65536
/* Longest untrusted name we echo back in an error. */
#define NAME_ECHO_MAX 64

#define IOPRIO_WHO_PROCESS_ 1
#define IOPRIO_CLASS_SHIFT_ 13

static const struct {
	const char *name;
	int resource;
} rlimit_table[] = {
	{"RLIMIT_AS", RLIMIT_AS},
	{"RLIMIT_CORE", RLIMIT_CORE},
	{"RLIMIT_CPU", RLIMIT_CPU},
	{"RLIMIT_DATA", RLIMIT_DATA},
	{"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
	{"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_NPROC", RLIMIT_NPROC},
	{"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
	{"RLIMIT_RTTIME", RLIMIT_RTTIME},
	{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_STACK", RLIMIT_STACK},
};

/* Policy numbers of include/uapi/linux/sched.h. */
enum {
	POLICY_OTHER = 0,
	POLICY_FIFO = 1,
	POLICY_RR = 2,
	POLICY_BATCH = 3,
	POLICY_ISO = 4,
	POLICY_IDLE = 5,
	POLICY_DEADLINE = 6,
};

static const struct {
	const char *name;
	uint32_t policy;
} sched_policy_table[] = {
	{"SCHED_OTHER", POLICY_OTHER},
	{"SCHED_FIFO", POLICY_FIFO},
	{"SCHED_RR", POLICY_RR},
	{"SCHED_BATCH", POLICY_BATCH},
	{"SCHED_ISO", POLICY_ISO},
	{"SCHED_IDLE", POLICY_IDLE},
	{"SCHED_DEADLINE", POLICY_DEADLINE},
};

static const struct {
	const char *name;
	uint64_t flag;
} sched_flag_table[] = {
	{"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
	{"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
	{"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
	{"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};
#define SCHED_FLAG_UTIL_CLAMP_ (0x20 | 0x40)

static const struct {
	const char *name;
	int class;
} ioprio_class_table[] = {
	{"IOPRIO_CLASS_RT", 1},
	{"IOPRIO_CLASS_BE", 2},
	{"IOPRIO_CLASS_IDLE", 3},
};

/* struct sched_attr, SCHED_ATTR_SIZE_VER1 (glibc 2.36 has no wrapper). */
struct sched_attr_v1 {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

struct procattr_rlimit {
	unsigned idx; /* into rlimit_table */
	uint64_t soft, hard;
};

struct ward_procattr {
	char *where; /* "process", for errors at apply time */

	uid_t uid;
	gid_t gid;
	gid_t *gids;
	size_t n_gids;
	mode_t umask;

	bool no_new_privs;

	bool has_oom;
	int oom_score_adj;

	bool has_caps;
	uint64_t caps[WARD_CAP_SET_COUNT];
	unsigned last_cap;
	unsigned skipped_caps;
	unsigned dropped_ambient; /* ambient caps not in permitted and inheritable */

	struct procattr_rlimit rlimits[WARD_ARRAY_SIZE(rlimit_table)];
	size_t n_rlimits;

	bool has_sched;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;

	bool has_ioprio;
	unsigned ioprio_idx; /* into ioprio_class_table */
	int ioprio_level;
};

void
ward_procattr_free(struct ward_procattr *p)
{
	if (!p)
		return;
	free(p->where);
	free(p->gids);
	free(p);
}

static void
procattr_freep(struct ward_procattr **p)
{
	ward_procattr_free(*p);
}

/* ---- small parsing helpers ---------------------------------------------- */

/* An untrusted name goes into an error message only if it is short printable
 * ASCII: a config could otherwise smuggle terminal escape sequences into the
 * operator's terminal or forge lines in a log. */
static const char *
echo_name(const char *s)
{
	size_t n = 0;

	for (const char *c = s; *c; c++, n++)
		if (*c < 0x20 || *c > 0x7e || n >= NAME_ECHO_MAX)
			return "<unprintable or too long>";
	return s;
}

static int
required(json_t *obj, const char *where, const char *key, struct ward_error **err)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return ward_error_set(err, EINVAL, "%s.%s: required", where, key);
	return 0;
}

/* A uid or gid: uint32 per the spec, but never (uid_t)-1, which setresuid and
 * setresgid read as "leave unchanged": a config asking for 4294967295 would
 * otherwise keep the process running as root. */
static int
check_id(int64_t v, const char *field, struct ward_error **err)
{
	if (v < 0 || v > (int64_t)UINT32_MAX)
		return ward_error_setk(err, WARD_E_INVALID, ERANGE,
				       "%s: %lld is not a valid id (0 to %u)", field, (long long)v,
				       UINT32_MAX - 1);
	if (v == (int64_t)UINT32_MAX)
		return ward_error_set(err, EINVAL,
				      "%s: 4294967295 is the id -1, which the kernel reads as "
				      "'unchanged'",
				      field);
	return 0;
}

static int
get_id(json_t *obj, const char *where, const char *key, uint32_t *ret, struct ward_error **err)
{
	_cleanup_free_ char *field = NULL;
	int64_t v = 0;
	int r;

	r = ward_json_get_int64(obj, where, key, &v, err);
	if (r <= 0)
		return r;
	field = ward_strdup_printf("%s.%s", where, key);
	if (!field)
		return ward_error_set(err, ENOMEM, "%s.%s", where, key);
	r = check_id(v, field, err);
	if (r < 0)
		return r;
	*ret = (uint32_t)v;
	return 1;
}

/* ---- user --------------------------------------------------------------- */

static int
parse_gids(json_t *user, const char *where, struct ward_procattr *p, struct ward_error **err)
{
	json_t *arr = NULL, *v;
	size_t i;
	int r;

	r = ward_json_get_array(user, where, "additionalGids", WARD_PROCATTR_MAX_GROUPS, &arr, err);
	if (r <= 0)
		return r;
	if (json_array_size(arr) == 0)
		return 0;
	p->gids = calloc(json_array_size(arr), sizeof(gid_t));
	if (!p->gids)
		return ward_error_set(err, ENOMEM, "%s.additionalGids", where);
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v))
			return ward_error_set(err, EINVAL,
					      "%s.additionalGids[%zu]: expected an integer, got %s",
					      where, i, ward_json_type_name(v));
		if (json_integer_value(v) < 0 || json_integer_value(v) >= (json_int_t)UINT32_MAX) {
			_cleanup_free_ char *f =
				ward_strdup_printf("%s.additionalGids[%zu]", where, i);

			if (!f)
				return ward_error_set(err, ENOMEM, "%s.additionalGids", where);
			return check_id(json_integer_value(v), f, err);
		}
		p->gids[i] = (gid_t)json_integer_value(v);
	}
	p->n_gids = json_array_size(arr);
	return 1;
}

static int
parse_user(json_t *process, const char *where, struct ward_procattr *p, struct ward_error **err)
{
	_cleanup_free_ char *w = NULL;
	json_t *user = NULL;
	int64_t umask_v = 0;
	uint32_t id = 0;
	int r;

	r = ward_json_get_object(process, where, "user", &user, err);
	if (r <= 0)
		return r;
	w = ward_strdup_printf("%s.user", where);
	if (!w)
		return ward_error_set(err, ENOMEM, "%s.user", where);
	if (required(user, w, "uid", err) < 0 || required(user, w, "gid", err) < 0)
		return -EINVAL;
	r = get_id(user, w, "uid", &id, err);
	if (r < 0)
		return r;
	p->uid = id;
	r = get_id(user, w, "gid", &id, err);
	if (r < 0)
		return r;
	p->gid = id;
	r = ward_json_get_range(user, w, "umask", 0, 0777, &umask_v, err);
	if (r < 0)
		return r;
	if (r > 0)
		p->umask = (mode_t)umask_v;
	return parse_gids(user, w, p, err);
}

/* ---- capabilities ------------------------------------------------------- */

static int
parse_cap_set(json_t *caps, const char *where, enum ward_cap_set s, struct ward_procattr *p,
	      struct ward_error **err)
{
	const char *key = ward_cap_set_name(s);
	json_t *arr = NULL, *v;
	size_t i;
	int r;

	/* Absent means empty, as in runc: a capabilities object without
	 * "bounding" drops the whole bounding set. */
	r = ward_json_get_array(caps, where, key, WARD_SPEC_MAX_LIST, &arr, err);
	if (r <= 0)
		return r;
	json_array_foreach(arr, i, v) {
		const char *name;
		int c;

		if (!json_is_string(v))
			return ward_error_set(err, EINVAL, "%s.%s[%zu]: expected a string, got %s",
					      where, key, i, ward_json_type_name(v));
		name = json_string_value(v);
		if (strlen(name) != json_string_length(v))
			return ward_error_set(err, EINVAL, "%s.%s[%zu]: contains a NUL byte", where,
					      key, i);
		c = ward_cap_from_name(name);
		if (c < 0)
			return ward_error_set(err, EINVAL, "%s.%s[%zu]: unknown capability '%s'",
					      where, key, i, echo_name(name));
		/* Known to us but not to the running kernel: skipped, as runc
		 * does, so one config.json runs on older kernels too. */
		if ((unsigned)c > p->last_cap) {
			p->skipped_caps++;
			continue;
		}
		p->caps[s] |= WARD_CAP_BIT(c);
	}
	return 1;
}

static const char *
first_cap_name(uint64_t mask)
{
	for (unsigned c = 0; c <= WARD_CAP_MAX_BIT; c++)
		if (mask & WARD_CAP_BIT(c))
			return ward_cap_name(c) ? ward_cap_name(c) : "an unnamed capability";
	return "none";
}

static int
parse_caps(json_t *process, const char *where, struct ward_procattr *p, struct ward_error **err)
{
	_cleanup_free_ char *w = NULL;
	json_t *caps = NULL;
	uint64_t bad;
	int r;

	r = ward_json_get_object(process, where, "capabilities", &caps, err);
	if (r <= 0)
		return r;
	w = ward_strdup_printf("%s.capabilities", where);
	if (!w)
		return ward_error_set(err, ENOMEM, "%s.capabilities", where);
	for (int s = 0; s < WARD_CAP_SET_COUNT; s++) {
		r = parse_cap_set(caps, w, (enum ward_cap_set)s, p, err);
		if (r < 0)
			return r;
	}
	p->has_caps = true;

	/* capset(2) refuses an effective capability outside permitted; say so
	 * now, naming the capability, instead of EPERM inside the container. */
	bad = p->caps[WARD_CAP_EFFECTIVE] & ~p->caps[WARD_CAP_PERMITTED];
	if (bad)
		return ward_error_set(err, EINVAL, "%s.effective: %s is not in permitted", w,
				      first_cap_name(bad));
	/* PR_CAP_AMBIENT_RAISE refuses a capability not both permitted and
	 * inheritable. `runc spec` itself writes ambient caps without
	 * inheritable ones, so such configs are common: like runc, the cap is
	 * left out of the ambient set (counted, so the caller can warn) rather
	 * than failing the container. */
	bad = p->caps[WARD_CAP_AMBIENT] &
	      ~(p->caps[WARD_CAP_PERMITTED] & p->caps[WARD_CAP_INHERITABLE]);
	if (bad) {
		p->caps[WARD_CAP_AMBIENT] &= ~bad;
		p->dropped_ambient = (unsigned)__builtin_popcountll(bad);
	}
	return 1;
}

/* ---- rlimits ------------------------------------------------------------ */

static int
rlimit_from_name(const char *name)
{
	for (unsigned i = 0; i < WARD_ARRAY_SIZE(rlimit_table); i++)
		if (strcmp(rlimit_table[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
parse_rlimits(json_t *process, const char *where, struct ward_procattr *p, struct ward_error **err)
{
	size_t first[WARD_ARRAY_SIZE(rlimit_table)];
	bool seen[WARD_ARRAY_SIZE(rlimit_table)] = {false};
	json_t *arr = NULL, *v;
	size_t i;
	int r;

	r = ward_json_get_array(process, where, "rlimits", WARD_SPEC_MAX_LIST, &arr, err);
	if (r <= 0)
		return r;
	json_array_foreach(arr, i, v) {
		_cleanup_free_ char *w = NULL;
		const char *type = NULL;
		uint64_t soft = 0, hard = 0;
		int idx;

		w = ward_strdup_printf("%s.rlimits[%zu]", where, i);
		if (!w)
			return ward_error_set(err, ENOMEM, "%s.rlimits", where);
		if (!json_is_object(v))
			return ward_error_set(err, EINVAL, "%s: expected an object, got %s", w,
					      ward_json_type_name(v));
		if (required(v, w, "type", err) < 0 || required(v, w, "soft", err) < 0 ||
		    required(v, w, "hard", err) < 0)
			return -EINVAL;
		if (ward_json_get_string(v, w, "type", &type, err) < 0 ||
		    ward_json_get_uint64(v, w, "soft", &soft, err) < 0 ||
		    ward_json_get_uint64(v, w, "hard", &hard, err) < 0)
			return ward_error_code(err ? *err : NULL);
		idx = rlimit_from_name(type);
		if (idx < 0)
			return ward_error_set(err, EINVAL, "%s.type: unknown rlimit '%s'", w,
					      echo_name(type));
		/* Two entries for one limit: which wins would depend on the
		 * order we apply them, and a reviewer reading the first entry
		 * would be misled. */
		if (seen[idx])
			return ward_error_set(err, EINVAL,
					      "%s.type: %s is already set by %s.rlimits[%zu]", w,
					      type, where, first[idx]);
		if (soft > hard)
			return ward_error_set(err, EINVAL,
					      "%s: soft limit %llu is above the hard limit %llu", w,
					      (unsigned long long)soft, (unsigned long long)hard);
		seen[idx] = true;
		first[idx] = i;
		p->rlimits[p->n_rlimits++] = (struct procattr_rlimit){(unsigned)idx, soft, hard};
	}
	return 1;
}

/* ---- scheduler ---------------------------------------------------------- */

static int
parse_sched_flags(json_t *sched, const char *where, struct ward_procattr *p,
		  struct ward_error **err)
{
	json_t *arr = NULL, *v;
	size_t i;
	int r;

	r = ward_json_get_array(sched, where, "flags", WARD_SPEC_MAX_LIST, &arr, err);
	if (r <= 0)
		return r;
	json_array_foreach(arr, i, v) {
		const char *name;
		bool found = false;

		if (!json_is_string(v))
			return ward_error_set(err, EINVAL,
					      "%s.flags[%zu]: expected a string, got %s", where, i,
					      ward_json_type_name(v));
		name = json_string_value(v);
		if (strlen(name) != json_string_length(v))
			return ward_error_set(err, EINVAL, "%s.flags[%zu]: contains a NUL byte",
					      where, i);
		for (size_t k = 0; k < WARD_ARRAY_SIZE(sched_flag_table); k++)
			if (strcmp(sched_flag_table[k].name, name) == 0) {
				p->sched_flags |= sched_flag_table[k].flag;
				found = true;
			}
		if (!found)
			return ward_error_set(err, EINVAL, "%s.flags[%zu]: unknown flag '%s'",
					      where, i, echo_name(name));
	}
	return 1;
}

static int
parse_scheduler(json_t *process, const char *where, struct ward_procattr *p,
		struct ward_error **err)
{
	_cleanup_free_ char *w = NULL;
	json_t *sched = NULL;
	const char *policy = NULL;
	int64_t nice = 0, prio = 0;
	bool found = false;
	bool rt;
	int r;

	r = ward_json_get_object(process, where, "scheduler", &sched, err);
	if (r <= 0)
		return r;
	w = ward_strdup_printf("%s.scheduler", where);
	if (!w)
		return ward_error_set(err, ENOMEM, "%s.scheduler", where);
	if (required(sched, w, "policy", err) < 0)
		return -EINVAL;
	if (ward_json_get_string(sched, w, "policy", &policy, err) < 0 ||
	    ward_json_get_range(sched, w, "nice", -20, 19, &nice, err) < 0 ||
	    ward_json_get_range(sched, w, "priority", INT32_MIN, INT32_MAX, &prio, err) < 0 ||
	    ward_json_get_uint64(sched, w, "runtime", &p->sched_runtime, err) < 0 ||
	    ward_json_get_uint64(sched, w, "deadline", &p->sched_deadline, err) < 0 ||
	    ward_json_get_uint64(sched, w, "period", &p->sched_period, err) < 0 ||
	    parse_sched_flags(sched, w, p, err) < 0)
		return ward_error_code(err ? *err : NULL);
	for (size_t i = 0; i < WARD_ARRAY_SIZE(sched_policy_table); i++)
		if (strcmp(sched_policy_table[i].name, policy) == 0) {
			p->sched_policy = sched_policy_table[i].policy;
			found = true;
		}
	if (!found)
		return ward_error_set(err, EINVAL, "%s.policy: unknown policy '%s'", w,
				      echo_name(policy));
	/* The spec lists SCHED_ISO but Linux never merged it: sched_setattr
	 * would fail with EINVAL inside the container. */
	if (p->sched_policy == POLICY_ISO)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
				       "%s.policy: SCHED_ISO is not implemented by Linux", w);
	rt = p->sched_policy == POLICY_FIFO || p->sched_policy == POLICY_RR;
	if (rt && (prio < 1 || prio > 99))
		return ward_error_setk(err, WARD_E_INVALID, ERANGE,
				       "%s.priority: %s needs a priority in [1, 99]", w, policy);
	if (!rt && prio != 0)
		return ward_error_set(err, EINVAL,
				      "%s.priority: only SCHED_FIFO and SCHED_RR take a priority",
				      w);
	if (p->sched_policy != POLICY_DEADLINE &&
	    (p->sched_runtime || p->sched_deadline || p->sched_period))
		return ward_error_set(
			err, EINVAL, "%s: runtime, deadline and period are only for SCHED_DEADLINE",
			w);
	if (p->sched_policy == POLICY_DEADLINE) {
		/* The kernel's own rule (sched_dl_overflow aside): runtime <=
		 * deadline <= period, period 0 meaning "equal to deadline". */
		if (p->sched_deadline == 0)
			return ward_error_set(err, EINVAL,
					      "%s.deadline: SCHED_DEADLINE needs a deadline", w);
		if (p->sched_runtime > p->sched_deadline)
			return ward_error_set(err, EINVAL,
					      "%s.runtime: %llu is above the deadline %llu", w,
					      (unsigned long long)p->sched_runtime,
					      (unsigned long long)p->sched_deadline);
		if (p->sched_period && p->sched_deadline > p->sched_period)
			return ward_error_set(err, EINVAL,
					      "%s.deadline: %llu is above the period %llu", w,
					      (unsigned long long)p->sched_deadline,
					      (unsigned long long)p->sched_period);
	}
	p->sched_nice = (int32_t)nice;
	p->sched_priority = (uint32_t)prio;
	p->has_sched = true;
	return 1;
}

/* ---- ioPriority --------------------------------------------------------- */

static int
parse_ioprio(json_t *process, const char *where, struct ward_procattr *p, struct ward_error **err)
{
	_cleanup_free_ char *w = NULL;
	json_t *io = NULL;
	const char *class = NULL;
	int64_t level = 0;
	bool found = false;
	int r;

	r = ward_json_get_object(process, where, "ioPriority", &io, err);
	if (r <= 0)
		return r;
	w = ward_strdup_printf("%s.ioPriority", where);
	if (!w)
		return ward_error_set(err, ENOMEM, "%s.ioPriority", where);
	if (required(io, w, "class", err) < 0)
		return -EINVAL;
	if (ward_json_get_string(io, w, "class", &class, err) < 0 ||
	    ward_json_get_range(io, w, "priority", 0, 7, &level, err) < 0)
		return ward_error_code(err ? *err : NULL);
	for (size_t i = 0; i < WARD_ARRAY_SIZE(ioprio_class_table); i++)
		if (strcmp(ioprio_class_table[i].name, class) == 0) {
			p->ioprio_idx = (unsigned)i;
			found = true;
		}
	if (!found)
		return ward_error_set(err, EINVAL, "%s.class: unknown class '%s'", w,
				      echo_name(class));
	p->ioprio_level = (int)level;
	p->has_ioprio = true;
	return 1;
}

/* ---- parse -------------------------------------------------------------- */

int
ward_procattr_parse_last_cap(json_t *process, const char *where, unsigned last_cap,
			     struct ward_procattr **ret, struct ward_error **err)
{
	_cleanup_(procattr_freep) struct ward_procattr *p = NULL;
	int64_t oom = 0;
	int r;

	if (!where)
		where = "process";
	if (!json_is_object(process))
		return ward_error_set(err, EINVAL, "%s: expected an object, got %s", where,
				      process ? ward_json_type_name(process) : "nothing");
	p = calloc(1, sizeof(*p));
	if (!p)
		return ward_error_set(err, ENOMEM, "%s", where);
	p->where = strdup(where);
	if (!p->where)
		return ward_error_set(err, ENOMEM, "%s", where);
	/* runc's default when the config has none. */
	p->umask = 0022;
	p->last_cap = last_cap > WARD_CAP_MAX_BIT ? WARD_CAP_MAX_BIT : last_cap;

	r = parse_user(process, where, p, err);
	if (r < 0)
		return r;
	r = ward_json_get_bool(process, where, "noNewPrivileges", &p->no_new_privs, err);
	if (r < 0)
		return r;
	r = ward_json_get_range(process, where, "oomScoreAdj", -1000, 1000, &oom, err);
	if (r < 0)
		return r;
	p->has_oom = r > 0;
	p->oom_score_adj = (int)oom;
	r = parse_caps(process, where, p, err);
	if (r < 0)
		return r;
	r = parse_rlimits(process, where, p, err);
	if (r < 0)
		return r;
	r = parse_scheduler(process, where, p, err);
	if (r < 0)
		return r;
	r = parse_ioprio(process, where, p, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}

int
ward_procattr_parse(json_t *process, const char *where, struct ward_procattr **ret,
		    struct ward_error **err)
{
	return ward_procattr_parse_last_cap(process, where, ward_cap_last_cap(), ret, err);
}

unsigned
ward_procattr_skipped_caps(const struct ward_procattr *p)
{
	return p->skipped_caps;
}

uint64_t
ward_procattr_cap_mask(const struct ward_procattr *p, enum ward_cap_set s)
{
	return (unsigned)s < WARD_CAP_SET_COUNT ? p->caps[s] : 0;
}

bool
ward_procattr_has_caps(const struct ward_procattr *p)
{
	return p->has_caps;
}

/* ---- overrides from exec flags ------------------------------------------ */

static int
parse_id_string(const char *s, const char *what, const char *user, uint32_t *ret,
		struct ward_error **err)
{
	uint64_t v = 0;

	if (ward_parse_u64(s, &v) < 0)
		return ward_error_set(err, EINVAL,
				      "user '%s': %s must be a number (names are resolved by the "
				      "caller)",
				      echo_name(user), what);
	if (v >= UINT32_MAX)
		return ward_error_setk(err, WARD_E_INVALID, ERANGE,
				       "user '%s': %s %llu is out of range", echo_name(user), what,
				       (unsigned long long)v);
	*ret = (uint32_t)v;
	return 0;
}

int
ward_procattr_set_user(struct ward_procattr *p, const char *user, struct ward_error **err)
{
	_cleanup_free_ char *copy = NULL;
	uint32_t uid = 0, gid = p->gid;
	char *colon;
	int r;

	if (!user)
		return ward_error_set(err, EINVAL, "user: missing");
	copy = strdup(user);
	if (!copy)
		return ward_error_set(err, ENOMEM, "user");
	/* As runc exec --user: "uid" keeps the config's gid, "uid:gid" sets
	 * both; additionalGids stay. */
	colon = strchr(copy, ':');
	if (colon) {
		*colon = '\0';
		r = parse_id_string(colon + 1, "gid", user, &gid, err);
		if (r < 0)
			return r;
	}
	r = parse_id_string(copy, "uid", user, &uid, err);
	if (r < 0)
		return r;
	p->uid = uid;
	p->gid = gid;
	return 0;
}

int
ward_procattr_add_cap(struct ward_procattr *p, const char *cap, struct ward_error **err)
{
	uint64_t bit;
	int c;

	if (!cap)
		return ward_error_set(err, EINVAL, "capability: missing");
	c = ward_cap_from_name(cap);
	if (c < 0)
		return ward_error_set(err, EINVAL, "unknown capability '%s'", echo_name(cap));
	if ((unsigned)c > p->last_cap) {
		p->skipped_caps++;
		return 0;
	}
	bit = WARD_CAP_BIT(c);
	/* Like runc exec --cap: bounding, effective and permitted. Ambient
	 * only when inheritable already holds the capability (runc: when the
	 * config has an inheritable list), since the kernel refuses to raise
	 * an ambient capability that is not inheritable; runc never adds to
	 * inheritable (CVE-2022-29162).
	 * Without a capabilities object in the config the process would have
	 * kept whatever the runtime had; we then start from empty sets, so the
	 * exec'd process gets exactly the capabilities asked for: the safe
	 * reading of "add". */
	p->has_caps = true;
	p->caps[WARD_CAP_BOUNDING] |= bit;
	p->caps[WARD_CAP_EFFECTIVE] |= bit;
	p->caps[WARD_CAP_PERMITTED] |= bit;
	if (p->caps[WARD_CAP_INHERITABLE] & bit)
		p->caps[WARD_CAP_AMBIENT] |= bit;
	return 0;
}

void
ward_procattr_set_no_new_privs(struct ward_procattr *p, bool on)
{
	p->no_new_privs = on;
}

bool
ward_procattr_no_new_privs(const struct ward_procattr *p)
{
	return p->no_new_privs;
}

json_t *
ward_procattr_known_caps(void)
{
	json_t *a = json_array();

	if (!a)
		return NULL;
	for (unsigned c = 0; c < ward_cap_table_size(); c++)
		if (json_array_append_new(a, json_string(ward_cap_name(c))) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* ---- apply: oom_score_adj ----------------------------------------------- */

int
ward_procattr_apply_oom_score_adj(const struct ward_procattr *p, pid_t pid, struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	char path[64], buf[16];
	int n;

	if (!p->has_oom)
		return 0;
	if (pid <= 0)
		return ward_error_set(err, EINVAL, "%s.oomScoreAdj: invalid pid %d", p->where,
				      (int)pid);
	(void)snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	n = snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return ward_error_set(err, errno, "%s.oomScoreAdj: open %s", p->where, path);
	errno = 0;
	if (write(fd, buf, (size_t)n) != n) {
		int e = errno ? errno : EIO;

		/* The kernel refuses to go below the process's recorded minimum
		 * without CAP_SYS_RESOURCE: name that rather than a bare EACCES. */
		if (e == EACCES && !ward_cap_is_effective(CAP_SYS_RESOURCE))
			return ward_error_set(err, e,
					      "%s.oomScoreAdj: write %d to %s (lowering it needs "
					      "CAP_SYS_RESOURCE, which the runtime lacks)",
					      p->where, p->oom_score_adj, path);
		return ward_error_set(err, e, "%s.oomScoreAdj: write %d to %s", p->where,
				      p->oom_score_adj, path);
	}
	return 0;
}

/* ---- apply: rlimits, scheduler, ioPriority ------------------------------ */

static int
rlimit_error(const struct ward_procattr *p, const struct procattr_rlimit *l, int e,
	     struct ward_error **err)
{
	const char *name = rlimit_table[l->idx].name;
	int res = rlimit_table[l->idx].resource;
	struct rlimit cur;

	if (e == EPERM && getrlimit(res, &cur) == 0) {
		if (l->hard > cur.rlim_max && !ward_cap_is_effective(CAP_SYS_RESOURCE))
			return ward_error_set(
				err, e,
				"%s.rlimits: %s hard limit %llu exceeds the current "
				"hard limit %llu and the runtime lacks CAP_SYS_RESOURCE",
				p->where, name, (unsigned long long)l->hard,
				(unsigned long long)cur.rlim_max);
		if (res == RLIMIT_NOFILE) {
			_cleanup_free_ char *s = NULL;
			uint64_t nr_open = 0;

			/* Even with CAP_SYS_RESOURCE, fs.nr_open caps NOFILE. */
			if (ward_fs_read_all(AT_FDCWD, "/proc/sys/fs/nr_open", 64, &s, NULL,
					     NULL) == 0) {
				s[strcspn(s, "\n")] = '\0';
				if (ward_parse_u64(s, &nr_open) == 0 && l->hard > nr_open)
					return ward_error_set(err, e,
							      "%s.rlimits: %s hard limit %llu "
							      "exceeds fs.nr_open (%llu)",
							      p->where, name,
							      (unsigned long long)l->hard,
							      (unsigned long long)nr_open);
			}
		}
	}
	return ward_error_set(err, e, "%s.rlimits: set %s to soft %llu hard %llu", p->where, name,
			      (unsigned long long)l->soft, (unsigned long long)l->hard);
}

static int
apply_rlimits(const struct ward_procattr *p, struct ward_error **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct procattr_rlimit *l = &p->rlimits[i];
		struct rlimit rl = {.rlim_cur = l->soft, .rlim_max = l->hard};

		if (setrlimit(rlimit_table[l->idx].resource, &rl) < 0)
			return rlimit_error(p, l, errno, err);
	}
	return 0;
}

static const char *
policy_name(uint32_t policy)
{
	for (size_t i = 0; i < WARD_ARRAY_SIZE(sched_policy_table); i++)
		if (sched_policy_table[i].policy == policy)
			return sched_policy_table[i].name;
	return "unknown";
}

static int
apply_scheduler(const struct ward_procattr *p, struct ward_error **err)
{
	struct sched_attr_v1 attr = {
		.size = sizeof(attr),
		.sched_policy = p->sched_policy,
		.sched_flags = p->sched_flags,
		.sched_nice = p->sched_nice,
		.sched_priority = p->sched_priority,
		.sched_runtime = p->sched_runtime,
		.sched_deadline = p->sched_deadline,
		.sched_period = p->sched_period,
		/* The spec has the clamp flags but no values; -1 asks the
		 * kernel for its defaults rather than clamping to 0. */
		.sched_util_min = UINT32_MAX,
		.sched_util_max = UINT32_MAX,
	};

	if (!p->has_sched)
		return 0;
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0) {
		int e = errno;

		if (e == EPERM && !ward_cap_is_effective(CAP_SYS_NICE))
			return ward_error_set(err, e,
					      "%s.scheduler: sched_setattr %s (needs CAP_SYS_NICE)",
					      p->where, policy_name(p->sched_policy));
		return ward_error_set(err, e, "%s.scheduler: sched_setattr %s", p->where,
				      policy_name(p->sched_policy));
	}
	return 0;
}

static int
apply_ioprio(const struct ward_procattr *p, struct ward_error **err)
{
	int prio;

	if (!p->has_ioprio)
		return 0;
	prio = ioprio_class_table[p->ioprio_idx].class << IOPRIO_CLASS_SHIFT_ | p->ioprio_level;
	/* The calling process only (runc uses the process group, which in a
	 * container is the same process, but here the caller may share its
	 * group with the runtime). Children inherit it across fork. */
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS_, 0, prio) < 0)
		return ward_error_set(err, errno, "%s.ioPriority: ioprio_set %s level %d", p->where,
				      ioprio_class_table[p->ioprio_idx].name, p->ioprio_level);
	return 0;
}

int
ward_procattr_apply_privileged(const struct ward_procattr *p, struct ward_error **err)
{
	int r;

	r = apply_rlimits(p, err);
	if (r < 0)
		return r;
	r = apply_scheduler(p, err);
	if (r < 0)
		return r;
	return apply_ioprio(p, err);
}

/* ---- apply: identity ---------------------------------------------------- */

static uint64_t
read_bounding(unsigned last_cap)
{
	uint64_t b = 0;

	for (unsigned c = 0; c <= last_cap; c++)
		if (prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) == 1)
			b |= WARD_CAP_BIT(c);
	return b;
}

/* Before any side effect: everything capset would refuse, named. */
int
ward_procattr_check_caps(const struct ward_procattr *p, struct ward_error **err)
{
	uint64_t eff = 0, perm = 0, inh = 0, bnd, bad;
	int r;

	r = ward_caps_get(&eff, &perm, &inh);
	if (r < 0)
		return ward_error_set(err, -r, "%s.capabilities: capget", p->where);
	/* No process can gain a permitted capability it does not hold. */
	bad = p->caps[WARD_CAP_PERMITTED] & ~perm;
	if (bad)
		return ward_error_setk(err, WARD_E_DENIED, 0,
				       "%s.capabilities.permitted: the runtime does not hold %s, "
				       "so it cannot grant it",
				       p->where, first_cap_name(bad));
	/* A new inheritable capability must be in the bounding set left after
	 * the drop (or already inheritable). */
	bnd = read_bounding(p->last_cap) & p->caps[WARD_CAP_BOUNDING];
	bad = p->caps[WARD_CAP_INHERITABLE] & ~(inh | bnd);
	if (bad)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "%s.capabilities.inheritable: %s is not in the bounding set",
				       p->where, first_cap_name(bad));
	return 0;
}

static int
drop_bounding(const struct ward_procattr *p, struct ward_error **err)
{
	for (unsigned c = 0; c <= p->last_cap; c++) {
		int r;

		if (p->caps[WARD_CAP_BOUNDING] & WARD_CAP_BIT(c))
			continue;
		r = prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0);
		if (r < 0 && errno == EINVAL)
			break; /* past the kernel's last capability */
		if (r <= 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0) {
			if (ward_cap_name(c))
				return ward_error_set(err, errno,
						      "%s.capabilities.bounding: drop %s", p->where,
						      ward_cap_name(c));
			return ward_error_set(err, errno,
					      "%s.capabilities.bounding: drop capability %u",
					      p->where, c);
		}
	}
	return 0;
}

/* 1 when this user namespace allows setgroups(2). */
static bool
setgroups_allowed(void)
{
	_cleanup_close_ int fd = -1;
	char buf[16];
	ssize_t n;

	/* "deny" is written by whoever set up an unprivileged user namespace
	 * (since Linux 3.19); setgroups then fails with EPERM. runc skips the
	 * call there; so do we: it can only drop groups, not add. Without /proc
	 * the call goes ahead and reports its own error. */
	fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	return !ward_str_has_prefix(buf, "deny");
}

static int
set_ids(const struct ward_procattr *p, struct ward_error **err)
{
	/* Always called, with an empty list too: the runtime's own
	 * supplementary groups (root's, the caller's) must not leak in. */
	if (setgroups_allowed() && setgroups(p->n_gids, p->gids) < 0)
		return ward_error_set(err, errno, "%s.user.additionalGids: setgroups (%zu groups)",
				      p->where, p->n_gids);
	if (setresgid(p->gid, p->gid, p->gid) < 0) {
		if (errno == EINVAL)
			return ward_error_set(err, errno,
					      "%s.user.gid: setresgid %u: gid not mapped in the "
					      "user namespace",
					      p->where, (unsigned)p->gid);
		return ward_error_set(err, errno, "%s.user.gid: setresgid %u", p->where,
				      (unsigned)p->gid);
	}
	if (setresuid(p->uid, p->uid, p->uid) < 0) {
		if (errno == EINVAL)
			return ward_error_set(err, errno,
					      "%s.user.uid: setresuid %u: uid not mapped in the "
					      "user namespace",
					      p->where, (unsigned)p->uid);
		return ward_error_set(err, errno, "%s.user.uid: setresuid %u", p->where,
				      (unsigned)p->uid);
	}
	return 0;
}

static int
set_caps(const struct ward_procattr *p, struct ward_error **err)
{
	uint64_t amb = p->caps[WARD_CAP_AMBIENT];
	int r;

	r = ward_caps_set(p->caps[WARD_CAP_EFFECTIVE], p->caps[WARD_CAP_PERMITTED],
			  p->caps[WARD_CAP_INHERITABLE]);
	if (r < 0)
		return ward_error_set(err, -r, "%s.capabilities: capset", p->where);
	/* Clear first: ambient capabilities inherited from the runtime's
	 * caller would otherwise survive into the container. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    !(errno == EINVAL && !amb))
		return ward_error_set(err, errno, "%s.capabilities.ambient: clear", p->where);
	for (unsigned c = 0; c <= WARD_CAP_MAX_BIT; c++) {
		if (!(amb & WARD_CAP_BIT(c)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)c, 0, 0) < 0)
			return ward_error_set(err, errno, "%s.capabilities.ambient: raise %s",
					      p->where, ward_cap_name(c));
	}
	return 0;
}

int
ward_procattr_apply_identity(const struct ward_procattr *p, struct ward_error **err)
{
	int r;

	if (p->has_caps) {
		r = ward_procattr_check_caps(p, err);
		if (r < 0)
			return r;
		/* Dropping from the bounding set needs CAP_SETPCAP in the
		 * effective set, which the uid switch below clears: first. */
		r = drop_bounding(p, err);
		if (r < 0)
			return r;
	}
	/* Without keepcaps, setresuid from 0 to non-zero empties permitted and
	 * we could not set the configured sets afterwards. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return ward_error_set(err, errno, "%s.user: keep capabilities across setuid",
				      p->where);
	r = set_ids(p, err);
	if (r < 0)
		return r;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return ward_error_set(err, errno, "%s.user: clear keep-capabilities", p->where);
	(void)umask(p->umask);
	if (p->has_caps) {
		r = set_caps(p, err);
		if (r < 0)
			return r;
	}
	/* Last: set before seccomp so an unprivileged filter can load, and so
	 * that execve of a setuid binary cannot gain privileges. */
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return ward_error_set(err, errno, "%s.noNewPrivileges: prctl(PR_SET_NO_NEW_PRIVS)",
				      p->where);
	return 0;
}
