/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup v2: the unified hierarchy. Limits are files of one directory,
 * controllers are enabled from the parents' cgroup.subtree_control, and
 * device access is an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) attached
 * to the directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <ward/runtime.h>
#include <ward/util.h>

#include "cgroup_internal.h"

#define FREEZE_TIMEOUT_MS 10000
#define FREEZE_POLL_MS 100
#define BPF_LOG_SIZE (64u << 10)
#define BPF_OLD_PROGS_MAX 64
#define CONTROLLERS_LINE_MAX 512

/* ---- conversions (the ones runc uses, so both runtimes agree) ---------------- */

uint64_t
cgroup_v2_cpu_weight(uint64_t shares)
{
	/* cpu.shares [2, 262144] maps linearly onto cpu.weight [1, 10000]. */
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t
cgroup_v2_io_weight(uint64_t blkio_weight)
{
	/* blkio.weight [10, 1000] maps onto io.weight [1, 10000]. */
	if (blkio_weight == 0)
		return 0;
	if (blkio_weight < 10)
		blkio_weight = 10;
	if (blkio_weight > 1000)
		blkio_weight = 1000;
	return 1 + (blkio_weight - 10) * 9999 / 990;
}

int
cgroup_v2_swap_max(int64_t swap, int64_t limit, int64_t *ret)
{
	/* OCI swap is memory+swap (v1's memsw); v2 limits swap alone. */
	if (swap == -1) {
		*ret = -1;
		return 0;
	}
	if (limit <= 0)
		return -EINVAL; /* a swap limit needs a memory limit to subtract */
	if (swap < limit)
		return -ERANGE;
	*ret = swap - limit;
	return 0;
}

/* ---- what v2 cannot do -------------------------------------------------------- */

static int
unsupported(struct ward_error **err, const char *where, const char *field, const char *why)
{
	return ward_error_setk(err, WARD_E_UNSUPPORTED, EOPNOTSUPP, "%s.%s: %s", where, field, why);
}

int
cgroup_v2_check(const struct ward_cgroup *cg, const struct ward_cgroup_resources *res,
		struct ward_error **err)
{
	const char *w = res->where;
	int64_t sw;

	(void)cg;
	if (res->memory.swappiness.set)
		return unsupported(err, w, "memory.swappiness",
				   "cgroup v2 has no per-cgroup swappiness");
	if (res->memory.disable_oom_killer.set && res->memory.disable_oom_killer.v)
		return unsupported(err, w, "memory.disableOOMKiller",
				   "cgroup v2 cannot disable the OOM killer");
	if (res->memory.use_hierarchy.set && !res->memory.use_hierarchy.v)
		return unsupported(err, w, "memory.useHierarchy",
				   "cgroup v2 is always hierarchical");
	if (res->memory.kernel_tcp.set)
		return unsupported(err, w, "memory.kernelTCP",
				   "cgroup v2 has no separate TCP buffer limit");
	if (res->memory.swap.set &&
	    cgroup_v2_swap_max(res->memory.swap.v, res->memory.limit.set ? res->memory.limit.v : 0,
			       &sw) < 0)
		return ward_error_set(err, EINVAL,
				      "%s.memory.swap: on cgroup v2 a swap limit needs a memory "
				      "limit at or below it",
				      w);
	if (res->cpu.realtime_period.set || res->cpu.realtime_runtime.set)
		return unsupported(err, w,
				   res->cpu.realtime_period.set ? "cpu.realtimePeriod"
								: "cpu.realtimeRuntime",
				   "cgroup v2 has no realtime group scheduling");
	if (res->blkio.leaf_weight.set)
		return unsupported(err, w, "blockIO.leafWeight", "cgroup v2 has no leaf weights");
	for (size_t i = 0; i < res->blkio.n_weight_device; i++)
		if (res->blkio.weight_device[i].leaf_weight.set)
			return unsupported(err, w, "blockIO.weightDevice.leafWeight",
					   "cgroup v2 has no leaf weights");
	if (res->network.class_id.set)
		return unsupported(err, w, "network.classID",
				   "net_cls is a cgroup v1 controller only");
	if (res->network.n_priorities)
		return unsupported(err, w, "network.priorities",
				   "net_prio is a cgroup v1 controller only");
	return 0;
}

/* ---- controllers ---------------------------------------------------------------- */

static void
enable_in(const char *dir)
{
	_cleanup_free_ char *avail = NULL;
	char line[CONTROLLERS_LINE_MAX];
	char *tok, *save = NULL;
	size_t n = 0;

	if (cgroup_read(dir, "cgroup.controllers", &avail, NULL) < 0)
		return;
	line[0] = '\0';
	for (tok = strtok_r(avail, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		int k = snprintf(line + n, sizeof(line) - n, "%s+%s", n ? " " : "", tok);
		if (k < 0 || (size_t)k >= sizeof(line) - n)
			break;
		n += (size_t)k;
	}
	if (n == 0)
		return;
	if (cgroup_write(dir, "cgroup.subtree_control", line, NULL) == 0)
		return;
	/* One refused (e.g. cpu with realtime tasks in the cgroup) refuses
	 * the whole write: enable the others one by one. */
	save = NULL;
	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		(void)cgroup_write(dir, "cgroup.subtree_control", tok, NULL);
}

void
cgroup_v2_enable_controllers(const struct cgroup_hier *h)
{
	char buf[CGROUP_PATH_MAX];
	size_t mlen = strcmp(h->mount, "/") == 0 ? 0 : strlen(h->mount);
	char *p, *last;

	if (strlen(h->path) >= sizeof(buf) || strncmp(h->path, h->mount, mlen) != 0)
		return;
	strcpy(buf, h->path);
	last = strrchr(buf, '/'); /* the slash before the leaf */
	if (!last || last < buf + mlen)
		return;
	/* Every ancestor of the leaf, from the mount itself down. */
	enable_in(mlen ? h->mount : "/");
	for (p = strchr(buf + mlen + 1, '/'); p && p <= last; p = strchr(p + 1, '/')) {
		*p = '\0';
		enable_in(buf);
		*p = '/';
	}
}

/* ---- apply ---------------------------------------------------------------------- */

static int
write_max(const char *dir, const char *file, int64_t v, struct ward_error **err)
{
	if (v < 0)
		return cgroup_write(dir, file, "max", err);
	return cgroup_writef(dir, file, err, "%lld", (long long)v);
}

static int
memory_apply(const char *dir, const struct ward_cgroup_resources *res, bool update,
	     struct ward_error **err)
{
	const char *w = res->where;
	int r;

	if (update && res->memory.check_before_update.set && res->memory.check_before_update.v &&
	    res->memory.limit.set && res->memory.limit.v > 0) {
		uint64_t cur = 0;
		/* v2 accepts a limit below usage and reclaims (or OOM-kills);
		 * checkBeforeUpdate asks to refuse instead. */
		if (cgroup_read_u64(dir, "memory.current", false, &cur, err) < 0)
			return cgroup_field_error(err, w, "memory.checkBeforeUpdate");
		if ((uint64_t)res->memory.limit.v < cur)
			return ward_error_set(
				err, EBUSY,
				"%s.memory.limit: %lld is below the current usage %llu "
				"(memory.checkBeforeUpdate is set)",
				w, (long long)res->memory.limit.v, (unsigned long long)cur);
	}
	if (res->memory.swap.set) {
		int64_t sw = 0;
		if (cgroup_v2_swap_max(res->memory.swap.v,
				       res->memory.limit.set ? res->memory.limit.v : 0, &sw) < 0)
			return ward_error_set(err, EINVAL,
					      "%s.memory.swap: needs a memory limit "
					      "at or below it",
					      w);
		r = write_max(dir, "memory.swap.max", sw, err);
		/* No swap on this kernel: "unlimited" or "none" hold anyway. */
		if (r == -ENOENT && (sw == -1 || sw == 0)) {
			ward_error_freep(err);
			r = 0;
		}
		if (r < 0)
			return cgroup_field_error(err, w, "memory.swap");
	} else if (res->memory.limit.set && res->memory.limit.v == -1 &&
		   cgroup_file_exists(dir, "memory.swap.max")) {
		/* Unlimited memory and no word on swap: unlimited swap (runc). */
		if ((r = cgroup_write(dir, "memory.swap.max", "max", err)) < 0)
			return cgroup_field_error(err, w, "memory.swap");
	}
	if (res->memory.limit.set &&
	    (r = write_max(dir, "memory.max", res->memory.limit.v, err)) < 0)
		return cgroup_field_error(err, w, "memory.limit");
	if (res->memory.reservation.set &&
	    (r = write_max(dir, "memory.low", res->memory.reservation.v, err)) < 0)
		return cgroup_field_error(err, w, "memory.reservation");
	/* memory.kernel: ignored, as runc 1.1 does (no v2 equivalent). */
	return 0;
}

static int
cpu_apply(const char *dir, const struct ward_cgroup_resources *res, struct ward_error **err)
{
	const char *w = res->where;
	int r;

	if (res->cpu.shares.set &&
	    (r = cgroup_writef(dir, "cpu.weight", err, "%llu",
			       (unsigned long long)cgroup_v2_cpu_weight(res->cpu.shares.v))) < 0)
		return cgroup_field_error(err, w, "cpu.shares");
	if (res->cpu.quota.set || res->cpu.period.set) {
		_cleanup_free_ char *cur = NULL;
		char quota[32] = "max";
		unsigned long long period = 100000;

		/* cpu.max holds both: keep the half that was not given. */
		if (cgroup_read(dir, "cpu.max", &cur, NULL) == 0) {
			char q[32];
			unsigned long long p;
			if (sscanf(cur, "%31s %llu", q, &p) == 2) {
				snprintf(quota, sizeof(quota), "%s", q);
				period = p;
			}
		}
		if (res->cpu.quota.set) {
			if (res->cpu.quota.v < 0)
				snprintf(quota, sizeof(quota), "max");
			else
				snprintf(quota, sizeof(quota), "%lld", (long long)res->cpu.quota.v);
		}
		if (res->cpu.period.set)
			period = res->cpu.period.v;
		if ((r = cgroup_writef(dir, "cpu.max", err, "%s %llu", quota, period)) < 0)
			return cgroup_field_error(err, w,
						  res->cpu.quota.set ? "cpu.quota" : "cpu.period");
	}
	if (res->cpu.burst.set && (r = cgroup_writef(dir, "cpu.max.burst", err, "%llu",
						     (unsigned long long)res->cpu.burst.v)) < 0)
		return cgroup_field_error(err, w, "cpu.burst");
	if (res->cpu.idle.set &&
	    (r = cgroup_writef(dir, "cpu.idle", err, "%lld", (long long)res->cpu.idle.v)) < 0)
		return cgroup_field_error(err, w, "cpu.idle");
	return 0;
}

static const char *const io_max_keys[CGROUP_THROTTLE_COUNT] = {
	[CGROUP_THROTTLE_READ_BPS] = "rbps",
	[CGROUP_THROTTLE_WRITE_BPS] = "wbps",
	[CGROUP_THROTTLE_READ_IOPS] = "riops",
	[CGROUP_THROTTLE_WRITE_IOPS] = "wiops",
};
static const char *const io_max_fields[CGROUP_THROTTLE_COUNT] = {
	[CGROUP_THROTTLE_READ_BPS] = "throttleReadBpsDevice",
	[CGROUP_THROTTLE_WRITE_BPS] = "throttleWriteBpsDevice",
	[CGROUP_THROTTLE_READ_IOPS] = "throttleReadIOPSDevice",
	[CGROUP_THROTTLE_WRITE_IOPS] = "throttleWriteIOPSDevice",
};

static int
io_apply(const char *dir, const struct ward_cgroup_resources *res, struct ward_error **err)
{
	const char *w = res->where;
	bool bfq = cgroup_file_exists(dir, "io.bfq.weight");
	char field[96];
	int r;

	/* BFQ takes the v1 scale as is; io.weight needs the conversion. */
	if (res->blkio.weight.set) {
		if (bfq)
			r = cgroup_writef(dir, "io.bfq.weight", err, "%llu",
					  (unsigned long long)res->blkio.weight.v);
		else
			r = cgroup_writef(
				dir, "io.weight", err, "default %llu",
				(unsigned long long)cgroup_v2_io_weight(res->blkio.weight.v));
		if (r < 0)
			return cgroup_field_error(err, w, "blockIO.weight");
	}
	for (size_t i = 0; i < res->blkio.n_weight_device; i++) {
		const struct cgroup_weight_device *d = &res->blkio.weight_device[i];

		if (!d->weight.set)
			continue;
		snprintf(field, sizeof(field), "blockIO.weightDevice[%zu]", i);
		if (bfq)
			r = cgroup_writef(dir, "io.bfq.weight", err, "%lld:%lld %llu",
					  (long long)d->major, (long long)d->minor,
					  (unsigned long long)d->weight.v);
		else
			r = cgroup_writef(dir, "io.weight", err, "%lld:%lld %llu",
					  (long long)d->major, (long long)d->minor,
					  (unsigned long long)cgroup_v2_io_weight(d->weight.v));
		if (r < 0)
			return cgroup_field_error(err, w, field);
	}
	for (int t = 0; t < CGROUP_THROTTLE_COUNT; t++)
		for (size_t i = 0; i < res->blkio.n_throttle[t]; i++) {
			const struct cgroup_throttle_device *d = &res->blkio.throttle[t][i];

			snprintf(field, sizeof(field), "blockIO.%s[%zu]", io_max_fields[t], i);
			if ((r = cgroup_writef(dir, "io.max", err, "%lld:%lld %s=%llu",
					       (long long)d->major, (long long)d->minor,
					       io_max_keys[t], (unsigned long long)d->rate)) < 0)
				return cgroup_field_error(err, w, field);
		}
	return 0;
}

static int
hugetlb_apply(const char *dir, const struct ward_cgroup_resources *res, struct ward_error **err)
{
	for (size_t i = 0; i < res->n_hugepages; i++) {
		const struct cgroup_hugepage *hp = &res->hugepages[i];
		char file[64], field[64];
		int r;

		snprintf(field, sizeof(field), "hugepageLimits[%zu]", i);
		snprintf(file, sizeof(file), "hugetlb.%s.max", hp->page_size);
		if (!cgroup_file_exists(dir, file)) {
			if (!cgroup_file_exists(dir, "hugetlb.2MB.max") &&
			    !cgroup_file_exists(dir, "hugetlb.1GB.max") &&
			    !cgroup_file_exists(dir, "hugetlb.64KB.max"))
				return unsupported(err, res->where, field,
						   "the hugetlb controller is not available in "
						   "this cgroup");
			return ward_error_setk(err, WARD_E_UNSUPPORTED, EOPNOTSUPP,
					       "%s.%s.pageSize: huge pages of %s are not supported "
					       "by this host",
					       res->where, field, hp->page_size);
		}
		if ((r = cgroup_writef(dir, file, err, "%llu", (unsigned long long)hp->limit)) < 0)
			return cgroup_field_error(err, res->where, field);
		snprintf(file, sizeof(file), "hugetlb.%s.rsvd.max", hp->page_size);
		if (cgroup_file_exists(dir, file) &&
		    (r = cgroup_writef(dir, file, err, "%llu", (unsigned long long)hp->limit)) < 0)
			return cgroup_field_error(err, res->where, field);
	}
	return 0;
}

/* The controller a unified key belongs to ("memory.high" -> "memory"). */
static bool
controller_available(const char *dir, const char *key)
{
	_cleanup_free_ char *avail = NULL;
	const char *dot = strchr(key, '.');
	size_t n = dot ? (size_t)(dot - key) : strlen(key);
	char *tok, *save = NULL;

	if (cgroup_read(dir, "cgroup.controllers", &avail, NULL) < 0)
		return false;
	for (tok = strtok_r(avail, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (strlen(tok) == n && strncmp(tok, key, n) == 0)
			return true;
	return false;
}

static int
unified_apply(const char *dir, const struct ward_cgroup_resources *res, struct ward_error **err)
{
	for (size_t i = 0; i < res->n_unified; i++) {
		const struct cgroup_unified *u = &res->unified[i];
		int r;

		/* The key was checked to be a plain name at parse time; here it is
		 * joined to the container's own directory only. */
		r = cgroup_write(dir, u->key, u->value, err);
		if (r == -ENOENT && strncmp(u->key, "cgroup.", 7) != 0 &&
		    !controller_available(dir, u->key))
			return ward_error_setk(err, WARD_E_UNSUPPORTED, EOPNOTSUPP,
					       "%s.unified.%s: the controller of this file is not "
					       "available in the container's cgroup",
					       res->where, u->key);
		if (r < 0)
			return ward_error_wrap(err, "%s.unified.%s", res->where, u->key);
	}
	return 0;
}

int
cgroup_v2_apply(const struct cgroup_hier *h, const struct ward_cgroup_resources *res, bool update,
		struct ward_error **err)
{
	const char *dir = h->path, *w = res->where;
	int r;

	if (res->cpu.cpus && (r = cgroup_write(dir, "cpuset.cpus", res->cpu.cpus, err)) < 0)
		return cgroup_field_error(err, w, "cpu.cpus");
	if (res->cpu.mems && (r = cgroup_write(dir, "cpuset.mems", res->cpu.mems, err)) < 0)
		return cgroup_field_error(err, w, "cpu.mems");
	if (res->has_devices) {
		struct cgroup_devices_state st = {0};
		_cleanup_free_ char *wd = ward_strdup_printf("%s.devices", w);
		_cleanup_close_ int dfd = -1;

		if (!wd)
			return ward_error_set(err, ENOMEM, "devices");
		r = cgroup_devices_emulate(res->devices, res->n_devices, wd, &st, err);
		if (r < 0)
			return r;
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			r = ward_error_set(err, errno, "%s: open %s", wd, dir);
		else
			r = cgroup_v2_devices_apply(dfd, &st, wd, err);
		cgroup_devices_state_clear(&st);
		if (r < 0)
			return r;
	}
	if ((r = memory_apply(dir, res, update, err)) < 0)
		return r;
	if ((r = cpu_apply(dir, res, err)) < 0)
		return r;
	if (res->pids_limit.set && (r = write_max(dir, "pids.max", res->pids_limit.v, err)) < 0)
		return cgroup_field_error(err, w, "pids.limit");
	if ((r = io_apply(dir, res, err)) < 0)
		return r;
	if ((r = hugetlb_apply(dir, res, err)) < 0)
		return r;
	if ((r = cgroup_rdma_apply(dir, res, err)) < 0)
		return r;
	/* Last, so an explicit unified value wins over a converted one. */
	return unified_apply(dir, res, err);
}

/* ---- the device program --------------------------------------------------------------- */

static struct bpf_insn
insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};

	return i;
}

#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define MOV32_REG(dst, src) insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define AND32_IMM(dst, imm) insn(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH32_IMM(dst, imm) insn(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define MOV64_IMM(dst, imm) insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
/* 32-bit compares: device numbers are u32 and must not be sign-extended. */
#define JNE32_IMM(dst, imm, off) insn(BPF_JMP32 | BPF_JNE | BPF_K, dst, 0, off, imm)
#define JEQ32_IMM(dst, imm, off) insn(BPF_JMP32 | BPF_JEQ | BPF_K, dst, 0, off, imm)
#define EXIT() insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

enum { R0, R1, R2, R3, R4, R5, R6, R7 };

int
cgroup_devices_bpf_build(const struct cgroup_devices_state *s, struct bpf_insn **ret, size_t *ret_n,
			 struct ward_error **err)
{
	_cleanup_free_ struct bpf_insn *p = NULL;
	size_t cap, n = 0;

	/* 7 prologue + at most 8 per exception + 2 epilogue. */
	if (s->n_exc > (CGROUP_BPF_MAX_INSNS - 9) / 8)
		return ward_error_set(err, E2BIG, "device program: %zu rules, at most %d", s->n_exc,
				      (CGROUP_BPF_MAX_INSNS - 9) / 8);
	cap = 9 + 8 * s->n_exc;
	p = calloc(cap, sizeof(*p));
	if (!p)
		return ward_error_set(err, ENOMEM, "device program");

	/* struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
	 * access_type = (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*. */
	p[n++] = LDX_W(R2, R1, 0);
	p[n++] = MOV32_REG(R3, R2);
	p[n++] = AND32_IMM(R3, 0xffff); /* R3: device type */
	p[n++] = MOV32_REG(R4, R2);
	p[n++] = RSH32_IMM(R4, 16); /* R4: access requested */
	p[n++] = LDX_W(R5, R1, 4);  /* R5: major */
	p[n++] = LDX_W(R6, R1, 8);  /* R6: minor */

	for (size_t i = 0; i < s->n_exc; i++) {
		const struct cgroup_device_rule *e = &s->exc[i];
		bool check_major = e->major != CGROUP_DEV_WILDCARD;
		bool check_minor = e->minor != CGROUP_DEV_WILDCARD;
		bool check_access = (e->access & CGROUP_DEV_ALL) != CGROUP_DEV_ALL;
		size_t len = 1 + check_major + check_minor + (check_access ? 3 : 0) + 2;
		size_t end = n + len; /* first instruction after this block */
#define OFF() ((int16_t)(end - (n + 1)))

		p[n] = JNE32_IMM(R3, e->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
				 OFF());
		n++;
		if (check_major) {
			p[n] = JNE32_IMM(R5, (int32_t)(uint32_t)e->major, OFF());
			n++;
		}
		if (check_minor) {
			p[n] = JNE32_IMM(R6, (int32_t)(uint32_t)e->minor, OFF());
			n++;
		}
		if (check_access) {
			p[n++] = MOV32_REG(R7, R4);
			if (s->default_allow) {
				/* Deny exception: stops any request it overlaps,
				 * as v1 does for a deny-list entry. */
				p[n++] = AND32_IMM(R7, (int32_t)e->access);
				p[n] = JEQ32_IMM(R7, 0, OFF());
			} else {
				/* Allow exception: must cover every bit asked for. */
				p[n++] = AND32_IMM(R7, (int32_t)(~e->access & CGROUP_DEV_ALL));
				p[n] = JNE32_IMM(R7, 0, OFF());
			}
			n++;
		}
		p[n++] = MOV64_IMM(R0, s->default_allow ? 0 : 1);
		p[n++] = EXIT();
#undef OFF
	}
	p[n++] = MOV64_IMM(R0, s->default_allow ? 1 : 0);
	p[n++] = EXIT();
	*ret = TAKE_PTR(p);
	*ret_n = n;
	return 0;
}

static long
sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int
prog_load(const struct bpf_insn *insns, size_t n, const char *where, struct ward_error **err)
{
	_cleanup_free_ char *log = NULL;
	union bpf_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uint64_t)(uintptr_t) "Apache-2.0";
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return (int)fd;
	if (errno == EPERM || errno == ENOSYS)
		return ward_error_set(
			err, errno,
			"%s: load the eBPF device filter (needs CAP_BPF or "
			"CAP_SYS_ADMIN and a kernel with BPF_PROG_TYPE_CGROUP_DEVICE)",
			where);
	/* Again with the verifier's log, to say why. */
	log = calloc(1, BPF_LOG_SIZE);
	if (log) {
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = BPF_LOG_SIZE;
		attr.log_level = 1;
		fd = sys_bpf(BPF_PROG_LOAD, &attr);
		if (fd >= 0)
			return (int)fd;
		log[BPF_LOG_SIZE - 1] = '\0';
		for (size_t len = strlen(log); len > 0 && log[len - 1] == '\n';)
			log[--len] = '\0';
	}
	return ward_error_set(err, errno, "%s: the kernel refused the eBPF device filter%s%.512s",
			      where, log && *log ? ": " : "", log ? log : "");
}

int
cgroup_v2_devices_apply(int dirfd, const struct cgroup_devices_state *s, const char *where,
			struct ward_error **err)
{
	_cleanup_free_ struct bpf_insn *insns = NULL;
	_cleanup_close_ int prog = -1;
	uint32_t old[BPF_OLD_PROGS_MAX];
	uint32_t n_old = 0;
	union bpf_attr attr;
	size_t n = 0;
	int r;

	r = cgroup_devices_bpf_build(s, &insns, &n, err);
	if (r < 0)
		return r;
	/* The programs attached now (an earlier create or update): detached
	 * only after the new one is in, so there is never a gap. */
	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)dirfd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (uint64_t)(uintptr_t)old;
	attr.query.prog_cnt = BPF_OLD_PROGS_MAX;
	if (sys_bpf(BPF_PROG_QUERY, &attr) == 0)
		n_old = attr.query.prog_cnt;
	else if (errno == ENOSPC)
		return ward_error_set(err, ENOSPC, "%s: more than %d device programs attached",
				      where, BPF_OLD_PROGS_MAX);
	if (n_old > BPF_OLD_PROGS_MAX)
		n_old = BPF_OLD_PROGS_MAX;

	prog = prog_load(insns, n, where, err);
	if (prog < 0)
		return prog;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)dirfd;
	attr.attach_bpf_fd = (uint32_t)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return ward_error_set(err, errno, "%s: attach the eBPF device filter", where);

	for (uint32_t i = 0; i < n_old; i++) {
		_cleanup_close_ int ofd = -1;

		memset(&attr, 0, sizeof(attr));
		attr.prog_id = old[i];
		ofd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
		if (ofd < 0) {
			if (errno == ENOENT)
				continue;
			return ward_error_set(err, errno, "%s: find the old device filter %u",
					      where, old[i]);
		}
		memset(&attr, 0, sizeof(attr));
		attr.target_fd = (uint32_t)dirfd;
		attr.attach_bpf_fd = (uint32_t)ofd;
		attr.attach_type = BPF_CGROUP_DEVICE;
		/* Left attached, the old program would still deny what the
		 * new rules allow (all programs must agree): an error. */
		if (sys_bpf(BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
			return ward_error_set(err, errno, "%s: detach the old device filter %u",
					      where, old[i]);
	}
	return 0;
}

/* ---- freeze ------------------------------------------------------------------------ */

static int
events_value(int fd, const char *key, uint64_t *ret)
{
	char buf[512];
	size_t klen = strlen(key);
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			return ward_parse_u64(line + klen + 1, ret);
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

int
cgroup_v2_freeze(const struct cgroup_hier *h, bool frozen, struct ward_error **err)
{
	char path[CGROUP_PATH_MAX + 16];
	_cleanup_close_ int fd = -1;
	long deadline;
	int r;

	r = cgroup_write(h->path, "cgroup.freeze", frozen ? "1" : "0", err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/cgroup.events", h->path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return ward_error_set(err, errno, "open %s", path);
	/* The kernel reports the state reached in cgroup.events ("frozen 1")
	 * and wakes pollers on every change; poll with a short cap anyway. */
	deadline = ward_now_ms() + FREEZE_TIMEOUT_MS;
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLPRI};
		uint64_t v = 0;
		long left;

		r = events_value(fd, "frozen", &v);
		if (r < 0)
			return ward_error_set(err, -r, "read %s", path);
		if ((v == 1) == frozen)
			return 0;
		left = deadline - ward_now_ms();
		if (left <= 0)
			break;
		(void)poll(&pfd, 1, (int)(left < FREEZE_POLL_MS ? left : FREEZE_POLL_MS));
	}
	if (frozen)
		(void)cgroup_write(h->path, "cgroup.freeze", "0", NULL);
	return ward_error_set(err, ETIMEDOUT, "%s %s: not %s after %d ms",
			      frozen ? "freeze" : "thaw", h->path, frozen ? "frozen" : "thawed",
			      FREEZE_TIMEOUT_MS);
}

int
cgroup_v2_is_frozen(const struct cgroup_hier *h, struct ward_error **err)
{
	uint64_t v = 0;
	int r = cgroup_read_key_u64(h->path, "cgroup.events", "frozen", &v, err);

	if (r < 0)
		return r;
	return v == 1;
}

/* ---- stats ------------------------------------------------------------------------- */

static json_t *
jint(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

void
cgroup_v2_stats(const struct cgroup_hier *h, json_t *out)
{
	json_t *cpu = json_object(), *mem = json_object(), *pids = json_object();
	uint64_t v;

	if (cpu) {
		/* cpu.stat is there even without the cpu controller. */
		if (cgroup_read_key_u64(h->path, "cpu.stat", "usage_usec", &v, NULL) == 0)
			json_object_set_new(cpu, "total", jint(v * 1000));
		if (cgroup_read_key_u64(h->path, "cpu.stat", "user_usec", &v, NULL) == 0)
			json_object_set_new(cpu, "user", jint(v * 1000));
		if (cgroup_read_key_u64(h->path, "cpu.stat", "system_usec", &v, NULL) == 0)
			json_object_set_new(cpu, "kernel", jint(v * 1000));
		json_object_set_new(out, "cpu", json_pack("{s:o}", "usage", cpu));
	}
	if (mem) {
		if (cgroup_read_u64(h->path, "memory.current", false, &v, NULL) == 0) {
			json_object_set_new(mem, "usage", jint(v));
			if (cgroup_read_u64(h->path, "memory.peak", false, &v, NULL) == 0)
				json_object_set_new(mem, "max", jint(v));
			/* "limit" is left out when there is none ("max"). */
			if (cgroup_read_u64(h->path, "memory.max", true, &v, NULL) == 0 &&
			    v != UINT64_MAX)
				json_object_set_new(mem, "limit", jint(v));
			if (cgroup_read_key_u64(h->path, "memory.events", "max", &v, NULL) == 0)
				json_object_set_new(mem, "failcnt", jint(v));
			json_object_set_new(out, "memory", json_pack("{s:o}", "usage", mem));
		} else {
			json_decref(mem);
		}
	}
	if (pids) {
		if (cgroup_read_u64(h->path, "pids.current", false, &v, NULL) == 0) {
			json_object_set_new(pids, "current", jint(v));
			if (cgroup_read_u64(h->path, "pids.max", true, &v, NULL) == 0)
				json_object_set_new(pids, "limit", jint(v == UINT64_MAX ? 0 : v));
			json_object_set_new(out, "pids", pids);
		} else {
			json_decref(pids);
		}
	}
}
