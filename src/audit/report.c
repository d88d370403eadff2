/* SPDX-License-Identifier: Apache-2.0 */
/* The audit catalogue (CIS Docker Benchmark v1.6.0 items that apply to ward,
 * and ward's own host checks), reports and their JSON form. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

#include "internal.h"

static const struct ward_audit_check catalogue[] = {
	/* ---- section 4: container images and build files ---- */
	{"4.1", "4.1", "Ensure that a user for the container has been created", WARD_AUDIT_MEDIUM,
	 "add a non-root USER to the image (USER 1000:1000), or run it with `ward run --user "
	 "UID:GID`",
	 "a process running as root in the container is root on the host once it escapes "
	 "(CVE-2019-5736, CVE-2022-0492)"},
	{"4.2", "4.2", "Ensure that containers use only trusted base images", WARD_AUDIT_INFO,
	 "pull from a registry you trust, pin the image by digest (NAME@sha256:...), and verify "
	 "its signature with `ward pull` under a trust policy (/etc/ward/policy.json)",
	 "an image from an unknown or tampered source runs the attacker's code"},
	{"4.6", "4.6", "Ensure that HEALTHCHECK instructions have been added to container images",
	 WARD_AUDIT_LOW, "add a HEALTHCHECK instruction to the image's Dockerfile",
	 "a hung or hijacked service is not noticed and restarted"},
	{"4.8", "4.8", "Ensure setuid and setgid permissions are removed", WARD_AUDIT_LOW,
	 "remove the bits in the image build (RUN chmod a-s FILE), or run with the default "
	 "no-new-privileges (do not pass --security-opt no-new-privileges=false)",
	 "setuid and setgid binaries are the usual privilege escalation inside a container"},
	{"4.10", "4.10", "Ensure secrets are not stored in Dockerfiles", WARD_AUDIT_HIGH,
	 "remove the secret from the image (build secrets: RUN --mount=type=secret; at run time: "
	 "a mounted file, `ward run -v SECRETFILE:/run/secrets/NAME:ro`), rebuild it, and revoke "
	 "the exposed credential: deleting it in a later layer does not remove it from the image",
	 "anyone who can pull the image can read every layer and its config"},
	/* ---- section 5: container runtime ---- */
	{"5.1", "5.1", "Ensure that, if applicable, an AppArmor Profile is enabled",
	 WARD_AUDIT_INFO, "set process.apparmorProfile in config.json on AppArmor hosts",
	 "a mandatory access control profile limits what a compromised process can touch"},
	{"5.3", "5.3", "Ensure that Linux kernel capabilities are restricted within containers",
	 WARD_AUDIT_MEDIUM,
	 "drop the added capabilities; use --cap-drop ALL --cap-add for the one capability "
	 "needed",
	 "capabilities such as CAP_SYS_ADMIN give root-equivalent kernel access and known "
	 "escapes (CVE-2022-0492 release_agent)"},
	{"5.4", "5.4", "Ensure that privileged containers are not used", WARD_AUDIT_CRITICAL,
	 "drop --privileged; use --cap-add for the one capability needed",
	 "a privileged container has every capability, every device and no seccomp filter: it "
	 "can mount the host's disks and load kernel modules"},
	{"5.5", "5.5", "Ensure sensitive host system directories are not mounted on containers",
	 WARD_AUDIT_HIGH,
	 "remove the -v mount of the host directory; mount only the files the container needs, "
	 "read-only (-v SRC:DST:ro)",
	 "a writable /etc, /boot or /usr lets the container change the host; a readable one "
	 "leaks its credentials"},
	{"5.6", "5.6", "Ensure sshd is not run within containers", WARD_AUDIT_MEDIUM,
	 "do not run sshd; use `ward exec` to enter a container",
	 "an extra network service with its own credentials and patch cycle"},
	{"5.9", "5.9", "Ensure that the host's network namespace is not shared", WARD_AUDIT_HIGH,
	 "drop --network host (the default is a private network namespace)",
	 "the container sees and can bind every host interface, including services on "
	 "127.0.0.1 and abstract unix sockets"},
	{"5.10", "5.10", "Ensure that the memory usage for containers is limited",
	 WARD_AUDIT_MEDIUM, "set a limit: --memory 512m",
	 "one container can exhaust the host's memory (denial of service)"},
	{"5.11", "5.11", "Ensure that CPU priority is set appropriately on containers",
	 WARD_AUDIT_LOW, "set a CPU limit: --cpus 1.5", "one container can starve the others"},
	{"5.12", "5.12", "Ensure that the container's root filesystem is mounted as read only",
	 WARD_AUDIT_MEDIUM,
	 "run with --read-only (and --tmpfs DIR for the paths the process writes)",
	 "an attacker can drop tools and persist changes in the container's filesystem"},
	{"5.15", "5.15", "Ensure that the host's process namespace is not shared", WARD_AUDIT_HIGH,
	 "give the container its own PID namespace (the default; remove the shared pid "
	 "namespace from config.json)",
	 "the container sees host processes and can signal or ptrace them"},
	{"5.16", "5.16", "Ensure that the host's IPC namespace is not shared", WARD_AUDIT_HIGH,
	 "give the container its own IPC namespace (the default)",
	 "shared memory and semaphores of host processes become readable and writable"},
	{"5.17", "5.17", "Ensure that host devices are not directly exposed to containers",
	 WARD_AUDIT_HIGH,
	 "remove the device from linux.devices / the device cgroup allow list; drop "
	 "--privileged",
	 "raw access to host disks or kernel interfaces bypasses every file permission"},
	{"5.19", "5.19", "Ensure mount propagation mode is not set to shared", WARD_AUDIT_MEDIUM,
	 "use private or slave propagation (the default rslave)",
	 "mounts made in the container appear on the host"},
	{"5.20", "5.20", "Ensure that the host's UTS namespace is not shared", WARD_AUDIT_MEDIUM,
	 "give the container its own UTS namespace (the default)",
	 "the container can change the host's hostname"},
	{"5.21", "5.21", "Ensure the default seccomp profile is not Disabled", WARD_AUDIT_HIGH,
	 "drop --security-opt seccomp=unconfined (and --privileged): ward applies its default "
	 "profile",
	 "without a syscall filter every kernel bug reachable by a syscall is an escape "
	 "(e.g. CVE-2022-0185 via unshare+fsconfig)"},
	{"5.25", "5.25",
	 "Ensure that the container is restricted from acquiring additional "
	 "privileges",
	 WARD_AUDIT_HIGH,
	 "drop --security-opt no-new-privileges=false (ward sets no-new-privileges by default)",
	 "setuid binaries and file capabilities in the image can raise the process's privileges"},
	{"5.28", "5.28", "Ensure that the PIDs cgroup limit is used", WARD_AUDIT_MEDIUM,
	 "set --pids-limit 256 (do not pass --pids-limit -1)",
	 "a fork bomb in one container exhausts the host's process table"},
	{"5.30", "5.30", "Ensure that the host's user namespaces are not shared", WARD_AUDIT_MEDIUM,
	 "run the container in a user namespace (linux.uidMappings / gidMappings) so its root "
	 "is not the host's root",
	 "without a user namespace uid 0 in the container is uid 0 on the host"},
	{"5.31", "5.31", "Ensure that the Docker socket is not mounted inside any containers",
	 WARD_AUDIT_CRITICAL,
	 "remove the -v mount of the container engine's socket (or of the directory holding it)",
	 "whoever talks to an engine socket can start a privileged container: host root"},
	/* ---- the host: ward's own files (CIS section 3, adapted to ward) ---- */
	{"H1", "3.5/3.6 (adapted)",
	 "Ensure ward's root directory is owned by root and not "
	 "group or world writable",
	 WARD_AUDIT_HIGH, "chown root:root ROOT && chmod 0700 ROOT",
	 "a local user who can write the store plants layers or swaps blobs every container "
	 "then runs"},
	{"H2", "3.17/3.18 (adapted)",
	 "Ensure ward.db is owned by root and not readable or "
	 "writable by others",
	 WARD_AUDIT_HIGH, "chown root:root ROOT/ward.db && chmod 0600 ROOT/ward.db",
	 "the container records hold run flags and environments (credentials); a writable "
	 "database lets a user point ward at another bundle"},
	{"H3", "3.5/3.6 (adapted)",
	 "Ensure ward's store directories are not group or world "
	 "writable",
	 WARD_AUDIT_HIGH, "chmod go-w ROOT/blobs ROOT/layers ROOT/containers",
	 "a writable layers/ or containers/ directory lets a user change what containers run"},
	{"H4", "3.11 (adapted)",
	 "Ensure the registry credentials file (auth.json) is 0600 and "
	 "owned by its user",
	 WARD_AUDIT_HIGH, "chmod 0600 AUTHFILE",
	 "registry passwords and tokens readable by others"},
	{"H5", "3.5/3.6 (adapted)",
	 "Ensure /etc/ward and policy.json are owned by root and not "
	 "writable by others",
	 WARD_AUDIT_HIGH, "chown -R root:root /etc/ward && chmod -R go-w /etc/ward",
	 "a user who can edit the trust policy admits unsigned images"},
	{"H6", "3.9/3.10 (adapted)", "Ensure private keys are 0600 and owned by root",
	 WARD_AUDIT_CRITICAL, "chown root:root KEY && chmod 0600 KEY",
	 "a readable signing key lets anyone sign images the policy then trusts"},
	{"H7", "3.9/3.10 (adapted)", "Ensure public keys are not writable by others",
	 WARD_AUDIT_HIGH, "chmod go-w KEY",
	 "a user who can replace a trusted public key makes ward trust their signatures"},
	{"H8", "3.1/3.2 (adapted)", "Ensure ward's binaries are not writable by non-root users",
	 WARD_AUDIT_CRITICAL, "chown root:root BINARY && chmod 0755 BINARY (and its directory)",
	 "whoever can replace the runtime binary runs code as root at the next container start"},
	{"H9", "3.15/3.16 (adapted)",
	 "Ensure the runtime state directory is owned by root and "
	 "not group or world writable",
	 WARD_AUDIT_HIGH, "chown root:root RUNROOT && chmod 0700 RUNROOT",
	 "a user who can write the state directory can forge a container's state and make "
	 "`ward kill` or `exec` act on a host process"},
	{0},
};

const struct ward_audit_check *
ward_audit_checks(size_t *ret_n)
{
	if (ret_n)
		*ret_n = WARD_ARRAY_SIZE(catalogue) - 1;
	return catalogue;
}

const struct ward_audit_check *
ward_audit_check_find(const char *id)
{
	for (size_t i = 0; catalogue[i].id; i++)
		if (strcmp(catalogue[i].id, id) == 0)
			return &catalogue[i];
	return NULL;
}

static const char *const severity_names[] = {"info", "low", "medium", "high", "critical"};

const char *
ward_audit_severity_name(enum ward_audit_severity s)
{
	return (size_t)s < WARD_ARRAY_SIZE(severity_names) ? severity_names[s] : "?";
}

int
ward_audit_severity_parse(const char *s, enum ward_audit_severity *ret, struct ward_error **err)
{
	for (size_t i = 0; i < WARD_ARRAY_SIZE(severity_names); i++)
		if (strcasecmp(s, severity_names[i]) == 0) {
			*ret = (enum ward_audit_severity)i;
			return 0;
		}
	return ward_error_setk(err, WARD_E_INVALID, 0,
			       "severity '%.64s': expected info, low, medium, high or critical", s);
}

void
audit_sanitize(const char *s, char *buf, size_t size)
{
	size_t o = 0, i;

	if (!size)
		return;
	for (i = 0; s && s[i] && o + 1 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i >= AUDIT_EVIDENCE_VALUE_MAX) {
			/* "…" is three bytes in UTF-8. */
			if (o + 4 <= size) {
				memcpy(buf + o, "\xe2\x80\xa6", 3);
				o += 3;
			}
			break;
		}
		buf[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	buf[o] = '\0';
}

int
ward_audit_report_new(struct ward_audit_report **ret, struct ward_error **err)
{
	struct ward_audit_report *r = calloc(1, sizeof(*r));

	if (!r)
		return ward_error_set(err, ENOMEM, "audit report");
	*ret = r;
	return 0;
}

static void
finding_clear(struct ward_audit_finding *f)
{
	free(f->target);
	free(f->evidence);
	free(f->remediation);
	free(f->path);
}

void
ward_audit_report_free(struct ward_audit_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		finding_clear(&r->v[i]);
	free(r->v);
	ward_strv_free(r->targets);
	ward_strv_free(r->warnings);
	free(r);
}

static int
strv_push(char ***v, size_t *n, char *s)
{
	char **nv;

	if (!s)
		return -ENOMEM;
	nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

int
ward_audit_add_target(struct ward_audit_report *r, const char *target)
{
	return strv_push(&r->targets, &r->n_targets, strdup(target));
}

int
ward_audit_warn(struct ward_audit_report *r, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	/* Warnings come from limits hit on hostile trees: bound how many are kept. */
	if (r->n_warnings >= 256)
		return 0;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return strv_push(&r->warnings, &r->n_warnings, n < 0 ? NULL : s);
}

int
ward_audit_add(struct ward_audit_report *r, const char *check_id, const char *target, bool passed,
	       enum ward_audit_severity sev, const char *path, unsigned line,
	       const char *remediation, const char *fmt, ...)
{
	const struct ward_audit_check *c = ward_audit_check_find(check_id);
	struct ward_audit_finding f = {0};
	va_list ap;
	int n;

	if (!c)
		return -EINVAL;
	if (r->n >= WARD_AUDIT_MAX_FINDINGS) {
		r->dropped++;
		return 0;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct ward_audit_finding *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	f.check = c;
	f.passed = passed;
	f.severity = passed ? WARD_AUDIT_INFO : sev;
	f.line = line;
	f.target = strdup(target);
	f.remediation = strdup(remediation ? remediation : c->remediation);
	f.path = path ? strdup(path) : NULL;
	va_start(ap, fmt);
	n = vasprintf(&f.evidence, fmt, ap);
	va_end(ap);
	if (n < 0)
		f.evidence = NULL;
	if (!f.target || !f.remediation || (path && !f.path) || !f.evidence) {
		finding_clear(&f);
		return -ENOMEM;
	}
	r->v[r->n++] = f;
	return 0;
}

size_t
ward_audit_count_failed(const struct ward_audit_report *r, enum ward_audit_severity sev)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		if (!r->v[i].passed && r->v[i].severity >= sev)
			n++;
	return n;
}

size_t
ward_audit_count_passed(const struct ward_audit_report *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].passed)
			n++;
	return n;
}

/* ---- JSON ----------------------------------------------------------------- */

static json_t *
strv_json(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; a && v && v[i]; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *
finding_json(const struct ward_audit_finding *f)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "check", f->check->id,
			      "cis", f->check->cis, "title", f->check->title, "status",
			      f->passed ? "pass" : "fail", "severity",
			      ward_audit_severity_name(f->severity), "target", f->target,
			      "evidence", f->evidence, "remediation", f->remediation);

	if (o && f->path && json_object_set_new(o, "path", json_string(f->path)) < 0)
		goto fail;
	if (o && f->line && json_object_set_new(o, "line", json_integer(f->line)) < 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

json_t *
ward_audit_report_json(const struct ward_audit_report *r, bool all)
{
	json_t *doc = NULL, *findings = json_array(), *summary = json_object(), *by_sev;

	if (!findings || !summary)
		goto fail;
	for (size_t i = 0; i < r->n; i++) {
		json_t *f;
		if (r->v[i].passed && !all)
			continue;
		if (!(f = finding_json(&r->v[i])) || json_array_append_new(findings, f) < 0)
			goto fail;
	}
	if (!(by_sev = json_object()) || json_object_set_new(summary, "failed", by_sev) < 0)
		goto fail;
	for (size_t s = 0; s < WARD_ARRAY_SIZE(severity_names); s++) {
		size_t n = 0;
		for (size_t i = 0; i < r->n; i++)
			n += !r->v[i].passed && r->v[i].severity == (enum ward_audit_severity)s;
		if (json_object_set_new(by_sev, severity_names[s], json_integer((json_int_t)n)) < 0)
			goto fail;
	}
	if (json_object_set_new(summary, "passed",
				json_integer((json_int_t)ward_audit_count_passed(r))) < 0 ||
	    json_object_set_new(summary, "dropped", json_integer((json_int_t)r->dropped)) < 0 ||
	    json_object_set_new(summary, "files_scanned",
				json_integer((json_int_t)r->files_scanned)) < 0 ||
	    json_object_set_new(summary, "files_skipped",
				json_integer((json_int_t)r->files_skipped)) < 0 ||
	    json_object_set_new(summary, "bytes_scanned",
				json_integer((json_int_t)r->bytes_scanned)) < 0)
		goto fail;
	doc = json_pack("{s:s, s:o, s:o, s:o, s:o}", "benchmark", "CIS Docker Benchmark v1.6.0",
			"targets", strv_json(r->targets), "findings", findings, "summary", summary,
			"warnings", strv_json(r->warnings));
	return doc;
fail:
	json_decref(findings);
	json_decref(summary);
	return NULL;
}
