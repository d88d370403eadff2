/* SPDX-License-Identifier: Apache-2.0 */
/* ward: the engine's command line (podman/docker verbs and flags). */
#ifndef WARD_CLI_WARD_H
#define WARD_CLI_WARD_H

#include <getopt.h>

#include <ward/policy.h>
#include <ward/runtime.h>

/* Exit statuses as podman's: the engine failed, the command could not be
 * invoked, the command was not found; otherwise the container's status. */
#define WARD_EXIT_ENGINE 125
#define WARD_EXIT_CANNOT_INVOKE 126
#define WARD_EXIT_NOT_FOUND 127

struct ward_cli {
	const char *root;       /* --root: images, layers, containers */
	const char *run_root;   /* --runroot: state of live containers */
	struct ward_log log;
	char init_path[4096];   /* --init: ward-init found by ward_cli_find_init */
	/* Trust (cmd_sign.c): --policy FILE (else $WARD_POLICY, else the
	 * default files), --insecure-policy, --registries-d DIR. */
	const char *policy_path;
	bool insecure_policy;
	const char *registries_d;
};

struct ward_cmd {
	const char *name;
	const char *summary;
	int (*run)(struct ward_cli *cli, int argc, char **argv);
};

/* Print the error once and return WARD_EXIT_ENGINE. */
int ward_cli_fail(struct ward_cli *cli, struct ward_error *err);
int ward_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int ward_cmd_run(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_version(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_import(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_images(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_pull(struct ward_cli *cli, int argc, char **argv);
/* containers (cmd_containers.c, cmd_ps.c, cmd_logs.c, cmd_inspect.c) */
int ward_cmd_ps(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_logs(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_stop(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_kill(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_rm(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_start(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_restart(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_wait(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_inspect(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_container(struct ward_cli *cli, int argc, char **argv);
/* save, load, system df|prune (cmd_archive.c, cmd_system.c) */
int ward_cmd_save(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_load(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_system(struct ward_cli *cli, int argc, char **argv);
/* exec, top, diff (cmd_exec.c, cmd_top.c, cmd_diff.c) */
int ward_cmd_exec(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_top(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_diff(struct ward_cli *cli, int argc, char **argv);
/* audit (cmd_audit.c) */
int ward_cmd_audit(struct ward_cli *cli, int argc, char **argv);
/* scan and the vulnerability database (cmd_scan.c, cmd_db.c); `ward scan`
 * exits 0 clean, 1 findings at or above --fail-on, 2 scan failed. */
int ward_cmd_scan(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_db(struct ward_cli *cli, int argc, char **argv);
/* The OSV database path: flag, else ROOT/vulndb/osv.db. */
int ward_cli_vulndb_path(struct ward_cli *cli, const char *flag, char *buf, size_t size,
			 struct ward_error **err);
struct ward_ctr_record;
/* The record of id_or_name (125 "no container with name or ID" when none)
 * and, when running is set, its live OCI state's pid, refusing a container
 * that is not running (WARD_E_STATE naming it). */
int ward_cli_container(struct ward_cli *cli, const char *id_or_name, bool running,
		       struct ward_ctr_record **ret, pid_t *ret_pid, struct ward_error **err);
/* --init: ward-init from $WARD_INIT_PATH, else beside the ward binary (or
 * one directory up, for build/test/ward), into cli->init_path. */
int ward_cli_find_init(struct ward_cli *cli, const char **ret, struct ward_error **err);
/* push, login, tag, rmi, image (cmd_push.c, cmd_login.c, cmd_image.c) */
int ward_cmd_push(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_login(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_logout(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_tag(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_rmi(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_image(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_image_inspect(struct ward_cli *cli, int argc, char **argv);
/* `ward image inspect NAME` as a JSON object (podman's fields); for the
 * generic `ward inspect`. */
int ward_cli_image_inspect(struct ward_cli *cli, const char *name, json_t **ret,
			   struct ward_error **err);
struct ward_store;
struct ward_descriptor;
struct ward_registry_opts;
struct ward_platform;
/* Read KEY=VALUE lines of an --env-file, calling add for each. */
typedef int (*ward_cli_env_add_fn)(void *ctx, const char *kv, struct ward_error **err);
int ward_cli_read_env_file(const char *path, ward_cli_env_add_fn add, void *ctx,
			   struct ward_error **err);
/* --format json|table; else a usage error (its exit status). */
int ward_cli_parse_format(const char *cmd, const char *arg, bool *ret_json);

/* "405B", "1.23MB": podman's 1000-based units, three significant digits. */
void ward_cli_human_size(uint64_t n, char *buf, size_t size);

struct ward_digest;
/* A store name, "host/repo" (its ":latest"), "name" (its ":latest") or an
 * image ID (digest or unique prefix of >= 4 hex); *ret_name the store name. */
int ward_cli_image_lookup(struct ward_store *s, const char *name, char **ret_name,
			  struct ward_descriptor *ret, struct ward_error **err);
/* The auth.json path: flag, else $REGISTRY_AUTH_FILE, else
 * $XDG_RUNTIME_DIR/containers/auth.json, else /run/containers/UID/auth.json
 * (podman's). malloc'd, NULL on ENOMEM. */
char *ward_cli_authfile(const char *flag);
/* --tls-verify=true|false into ro (false warns); else a usage error. */
int ward_cli_tls_verify(struct ward_cli *cli, const char *cmd, const char *arg,
			struct ward_registry_opts *ro);
/* Pull name, resolving a short one through registries.conf (path NULL:
 * $WARD_REGISTRIES_CONF or /etc/containers/registries.conf); logs how a
 * short name was resolved. Arguments as ward_image_pull. */
int ward_cli_pull(struct ward_cli *cli, const char *registries_conf, const char *name,
		  const struct ward_registry_opts *ro, const struct ward_platform *platform,
		  struct ward_store *s, struct ward_digest *ret, char **ret_name,
		  struct ward_error **err);

/* key, sign, verify and the trust policy (cmd_key.c, cmd_sign.c, cmd_verify.c) */
int ward_cmd_key(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_sign(struct ward_cli *cli, int argc, char **argv);
int ward_cmd_verify(struct ward_cli *cli, int argc, char **argv);
struct ward_policy;
struct ward_policy_decision;
struct ward_registry;
struct ward_sign_list;
/* A key password: $WARD_PASSWORD, else $COSIGN_PASSWORD, else a no-echo
 * prompt on /dev/tty (twice when confirm). Wipe and free *ret. */
int ward_cli_read_password(const char *what, bool confirm, char **ret, size_t *ret_len,
			   struct ward_error **err);
/* The policy in force: --insecure-policy (logged), --policy, $WARD_POLICY,
 * else ward_policy_load_default. */
int ward_cli_policy_load(struct ward_cli *cli, struct ward_policy **ret, struct ward_error **err);
/* The docker reference a store name is checked under (malloc'd). */
char *ward_cli_docker_reference(const char *name);
/* The signatures of manifest d of reference in its registry (.sig tag) and
 * its registries.d lookaside (an http(s) one only with lookaside set),
 * appended to *l. */
int ward_cli_fetch_signatures(struct ward_cli *cli, struct ward_registry *r, const char *reference,
			      const struct ward_digest *d, bool lookaside,
			      struct ward_sign_list *l, struct ward_error **err);
/* Publish the store's signatures of d for reference: cosign to the .sig tag,
 * GPG to the registries.d lookaside-staging. */
int ward_cli_publish_signatures(struct ward_cli *cli, const struct ward_registry_opts *ro,
				const char *reference, const struct ward_digest *d,
				struct ward_error **err);
/* Evaluate p for reference at digest d with the signatures l. */
int ward_cli_policy_check(const struct ward_policy *p, const char *reference,
			  const struct ward_digest *d, const struct ward_sign_list *l,
			  ward_policy_scan_fn scan, void *scan_opaque, struct ward_policy_decision *ret,
			  struct ward_error **err);
/* Check the store image `name` at manifest d (its local signatures) against
 * the policy, its vulnerabilityScan rules included, then `extra` (ward run
 * --max-severity; may be NULL); a refusal has kind WARD_E_DENIED naming the
 * rule. */
int ward_cli_check_local(struct ward_cli *cli, const char *name, const struct ward_digest *d,
			 const struct ward_policy_scan_rule *extra, struct ward_error **err);
/* The vulnerabilityScan rule for store image `name` (cmd_scan.c): the scan,
 * through the cache, filtered as the rule says; refused (WARD_E_DENIED) when
 * a finding above rule->max_severity remains or the data is missing or old. */
int ward_cli_scan_gate(struct ward_cli *cli, const char *name,
		       const struct ward_policy_scan_rule *rule, struct ward_error **err);
/* ward_image_pull under the policy: digest, signatures, decision, then the
 * pull by that digest, tagged as reference; signatures kept in the store. */
int ward_cli_pull_trusted(struct ward_cli *cli, const char *reference,
			  const struct ward_registry_opts *ro, const struct ward_platform *platform,
			  struct ward_store *s, struct ward_digest *ret, char **ret_name,
			  struct ward_error **err);

#endif
