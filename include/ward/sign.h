/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward signing: keys and signatures in the cosign format (policy type
 * sigstoreSigned), built on OpenSSL 3 (keys, ECDSA/Ed25519/RSA, scrypt) and
 * libsodium (the NaCl secretbox of cosign's encrypted key files).
 *
 * Everything parsed here (key files, payloads, signatures) may be hostile:
 * sizes are bounded by the WARD_SIGN_*_MAX constants, base64 is decoded
 * strictly, scrypt parameters are bounded before any work is done, and every
 * refusal names what was wrong. Passwords and decrypted key material are wiped
 * before their memory is freed.
 */
#ifndef WARD_SIGN_H
#define WARD_SIGN_H

#include <ward/image.h>
#include <ward/util.h>

#define WARD_SIGN_PEM_MAX (64u << 10)	  /* a key file */
#define WARD_SIGN_PAYLOAD_MAX (64u << 10) /* a simple-signing payload */
#define WARD_SIGN_SIG_MAX 1024u		  /* raw signature bytes (RSA-4096: 512) */
#define WARD_SIGN_REFERENCE_MAX 1024u	  /* critical.identity.docker-reference */
#define WARD_SIGN_ANNOTATIONS_MAX 256u	  /* -a key=value pairs on one signature */

/* scrypt work bounds for reading key files: N must be a power of two up to
 * 2^20, and 128*N*r (the memory scrypt needs) at most 256 MiB. cosign writes
 * N=32768 (older) or 65536 (newer), r=8, p=1; ward writes N=32768, r=8, p=1. */
#define WARD_SIGN_SCRYPT_N 32768u
#define WARD_SIGN_SCRYPT_R 8u
#define WARD_SIGN_SCRYPT_P 1u
#define WARD_SIGN_SCRYPT_MAX_N (1u << 20)
#define WARD_SIGN_SCRYPT_MAX_R 32u
#define WARD_SIGN_SCRYPT_MAX_P 4u
#define WARD_SIGN_SCRYPT_MAX_MEM (256ull << 20)

/* PEM types. ward writes COSIGN; SIGSTORE is what cosign >= 2.0.1 writes, and
 * both are read. */
#define WARD_SIGN_PEM_COSIGN "ENCRYPTED COSIGN PRIVATE KEY"
#define WARD_SIGN_PEM_SIGSTORE "ENCRYPTED SIGSTORE PRIVATE KEY"

/* ---- keys (src/sign/keys.c) ---------------------------------------------- */

enum ward_sign_key_type {
	WARD_SIGN_KEY_ECDSA_P256, /* signs ECDSA over SHA-256, DER (r, s) */
	WARD_SIGN_KEY_ED25519,	  /* signs pure Ed25519 over the payload bytes */
	WARD_SIGN_KEY_RSA,	  /* 2048..4096 bits; signs RSASSA-PKCS1-v1_5 SHA-256 */
};

/* A public key, or a key pair when it was generated or read from a private
 * key file. Opaque; free with ward_sign_key_free (accepts NULL). */
struct ward_sign_key;

WARD_PUBLIC void ward_sign_key_free(struct ward_sign_key *k);
static inline void
ward_sign_key_freep(struct ward_sign_key **k)
{
	ward_sign_key_free(*k);
}
WARD_PUBLIC enum ward_sign_key_type ward_sign_key_type(const struct ward_sign_key *k);
WARD_PUBLIC bool ward_sign_key_has_private(const struct ward_sign_key *k);
/* "ecdsa-p256", "ed25519", "rsa-3072" ... for messages. Static or in k. */
WARD_PUBLIC const char *ward_sign_key_describe(const struct ward_sign_key *k);

/* A new ECDSA P-256 key pair (what `cosign generate-key-pair` makes). */
WARD_PUBLIC int ward_sign_key_generate(struct ward_sign_key **ret, struct ward_error **err);

/*
 * The private key as cosign's encrypted PEM ("ENCRYPTED COSIGN PRIVATE KEY"):
 * the PKCS#8 DER sealed with a NaCl secretbox (XSalsa20-Poly1305) under a key
 * derived by scrypt(N=32768, r=8, p=1, 32-byte random salt) from the password,
 * inside the JSON {"kdf":{"name":"scrypt","params":{"N":..,"r":..,"p":..},
 * "salt":b64},"cipher":{"name":"nacl/secretbox","nonce":b64},"ciphertext":b64}.
 * The password may be empty (cosign allows it). *ret (NUL-terminated, *ret_len
 * bytes) is the caller's to free. -EINVAL when k has no private key.
 */
WARD_PUBLIC int ward_sign_key_write_cosign(const struct ward_sign_key *k, const char *password,
					   size_t password_len, char **ret, size_t *ret_len,
					   struct ward_error **err);

/* Whether (buf, len) holds an encrypted cosign/sigstore key, so a front end
 * asks for a password only when one is needed. */
WARD_PUBLIC bool ward_sign_key_is_encrypted(const char *buf, size_t len);

/*
 * Read a private key file of at most WARD_SIGN_PEM_MAX bytes: an encrypted
 * cosign or sigstore PEM (password required; a wrong one fails with kind
 * WARD_E_DENIED and "wrong password"), or plain PEM "PRIVATE KEY" (PKCS#8: EC
 * P-256, Ed25519, RSA), "EC PRIVATE KEY" (SEC1, P-256), "RSA PRIVATE KEY"
 * (PKCS#1), optionally after an "EC PARAMETERS" block. password is ignored for
 * plain keys. `name` (the file name) prefixes the errors. Other curves, RSA
 * outside 2048..4096 bits, legacy encrypted PEM and PKCS#8 "ENCRYPTED PRIVATE
 * KEY" are refused with a message saying how to convert.
 */
WARD_PUBLIC int ward_sign_key_read_private(const char *buf, size_t len, const char *name,
					   const char *password, size_t password_len,
					   struct ward_sign_key **ret, struct ward_error **err);

/* The public key as PEM "PUBLIC KEY" (SubjectPublicKeyInfo, 64-column
 * base64, as cosign writes cosign.pub). *ret is the caller's to free. */
WARD_PUBLIC int ward_sign_key_write_public(const struct ward_sign_key *k, char **ret,
					   size_t *ret_len, struct ward_error **err);
/* Read a PEM "PUBLIC KEY" (cosign.pub, `openssl pkey -pubout`); same key
 * types and bounds as ward_sign_key_read_private. */
WARD_PUBLIC int ward_sign_key_read_public(const char *buf, size_t len, const char *name,
					  struct ward_sign_key **ret, struct ward_error **err);
/* sha256 of the SubjectPublicKeyInfo DER, to name a key in messages. */
WARD_PUBLIC int ward_sign_key_fingerprint(const struct ward_sign_key *k, struct ward_digest *ret,
					  struct ward_error **err);

/* ---- simple-signing payloads (src/sign/payload.c) ------------------------ */

/* critical.type: cosign's, or containers/image's "atomic container
 * signature" (GPG simple signing), which share the JSON shape. */
enum ward_sign_payload_type {
	WARD_SIGN_PAYLOAD_COSIGN, /* "cosign container image signature" */
	WARD_SIGN_PAYLOAD_ATOMIC, /* "atomic container signature" */
};

WARD_PUBLIC const char *ward_sign_payload_type_name(enum ward_sign_payload_type t);

struct ward_sign_payload_spec {
	enum ward_sign_payload_type type;
	const char *docker_reference; /* claimed identity, e.g. registry/repo:tag */
	const struct ward_digest *manifest_digest;
	char *const *annotations; /* NULL or NULL-terminated "key=value" */
	const char *creator;	  /* NULL: no optional.creator */
	int64_t timestamp;	  /* < 0: no optional.timestamp */
};

/*
 * Serialise a payload as cosign does: compact JSON, keys sorted,
 * {"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-
 * digest":D},"type":T},"optional":O} where O is null for a cosign payload
 * without annotations, creator or timestamp, else an object (always an object
 * for the atomic type). Annotation values are strings; a key without '=', an
 * empty key, a duplicate key or the key "timestamp" (containers/image reads it
 * as an integer) is refused. *ret (NUL-terminated) is the caller's to free.
 */
WARD_PUBLIC int ward_sign_payload_make(const struct ward_sign_payload_spec *spec, char **ret,
				       size_t *ret_len, struct ward_error **err);

struct ward_sign_payload {
	enum ward_sign_payload_type type;
	char *docker_reference;
	struct ward_digest manifest_digest;
	char *creator; /* NULL when absent */
	bool has_timestamp;
	int64_t timestamp;
	json_t *optional; /* the optional object (NULL when null); owned */
};

WARD_PUBLIC void ward_sign_payload_free(struct ward_sign_payload *p);
static inline void
ward_sign_payload_freep(struct ward_sign_payload **p)
{
	ward_sign_payload_free(*p);
}

/*
 * Parse a payload strictly, as containers/image does: top level exactly
 * {critical, optional}; critical exactly {type, image, identity}; image
 * exactly {docker-manifest-digest}; identity exactly {docker-reference};
 * duplicate keys, unknown or missing fields, wrong types, trailing data and
 * more than WARD_SIGN_PAYLOAD_MAX bytes are invalid. critical.type must be
 * the one `type` names. optional is an object (or null for the cosign type);
 * in it, creator must be a string and timestamp an integer, other members are
 * kept. The digest must be sha256:<64 lowercase hex>, the reference non-empty
 * printable ASCII of at most WARD_SIGN_REFERENCE_MAX bytes. Errors have kind
 * WARD_E_INVALID and start "invalid signature payload".
 */
WARD_PUBLIC int ward_sign_payload_parse(const char *buf, size_t len,
					enum ward_sign_payload_type type,
					struct ward_sign_payload **ret, struct ward_error **err);

/* ---- signatures (src/sign/signature.c) ----------------------------------- */

/* Sign (data, len) with k's private key: DER ECDSA-SHA256, Ed25519 or
 * RSA-PKCS1v15-SHA256 by key type. *ret_sig (raw bytes) is the caller's. */
WARD_PUBLIC int ward_sign_data(const struct ward_sign_key *k, const void *data, size_t len,
			       unsigned char **ret_sig, size_t *ret_sig_len,
			       struct ward_error **err);
/* The same, base64-encoded (standard alphabet, padded), as cosign stores it
 * in the dev.cosignproject.cosign/signature annotation. */
WARD_PUBLIC int ward_sign_data_base64(const struct ward_sign_key *k, const void *data, size_t len,
				      char **ret_b64, struct ward_error **err);
/* 0 when sig is k's signature of (data, len); otherwise -EKEYREJECTED with
 * kind WARD_E_DENIED ("signature does not verify"). Malformed or oversized
 * signatures are refused the same way, without reaching OpenSSL's parsers
 * for more than WARD_SIGN_SIG_MAX bytes. */
WARD_PUBLIC int ward_sign_verify_data(const struct ward_sign_key *k, const void *data, size_t len,
				      const unsigned char *sig, size_t sig_len,
				      struct ward_error **err);

/* Decide whether the payload's claimed identity (docker-reference) is
 * acceptable: 0 yes, negative with *err set no. The trust policy
 * (signedIdentity) supplies these later. */
typedef int (*ward_sign_identity_fn)(const char *docker_reference, void *userdata,
				     struct ward_error **err);
/* An identity rule: userdata is a const char * that must equal it exactly. */
WARD_PUBLIC int ward_sign_identity_exact(const char *docker_reference, void *userdata,
					 struct ward_error **err);

struct ward_sign_verify_opts {
	enum ward_sign_payload_type type;
	const struct ward_digest *manifest_digest; /* the manifest being verified */
	ward_sign_identity_fn accept_identity;	   /* required: NULL fails closed */
	void *identity_userdata;
};

/*
 * Verify one signature as policy type sigstoreSigned does, in this order:
 * strict base64 of sig_b64, the cryptographic signature of the payload bytes
 * by `key`, the strict payload parse, its digest equal to
 * opts->manifest_digest, then opts->accept_identity. Nothing in the payload
 * is looked at before the signature verifies. On success *ret_payload (may be
 * NULL) receives the parsed payload. Refusals have kind WARD_E_DENIED
 * (signature, digest, identity) or WARD_E_INVALID (malformed input).
 */
WARD_PUBLIC int ward_sign_verify(const struct ward_sign_key *key, const char *payload,
				 size_t payload_len, const char *sig_b64,
				 const struct ward_sign_verify_opts *opts,
				 struct ward_sign_payload **ret_payload, struct ward_error **err);

/* ---- base64 (src/sign/pem.c) --------------------------------------------- */

/* Standard alphabet with '=' padding. Decoding is strict: length a multiple
 * of 4, no whitespace, padding only at the end, unused bits zero (so every
 * value has one spelling); more than `max` decoded bytes is -EFBIG. */
WARD_PUBLIC int ward_base64_encode(const void *buf, size_t len, char **ret,
				   struct ward_error **err);
WARD_PUBLIC int ward_base64_decode(const char *s, size_t len, size_t max, const char *name,
				   unsigned char **ret, size_t *ret_len, struct ward_error **err);

/* ---- GPG simple signing (src/sign/gpg.c, GPGME) -------------------------- *
 * Policy type signedBy: an OpenPGP signed message (not a detached
 * signature) whose content is an "atomic container signature" payload, as
 * skopeo/podman `--sign-by` write. Verification uses only the keys added to a
 * ward_gpg_keyring (a private GNUPGHOME that ward creates and removes), never
 * the user's keyring, so a key the policy does not name can never verify.
 */

#define WARD_SIGN_GPG_SIG_MAX (4u << 20) /* one signature-N file or blob */
#define WARD_SIGN_GPG_KEYS_MAX (1u << 20) /* one keyPath file or keyData */

struct ward_gpg_keyring;

WARD_PUBLIC int ward_gpg_keyring_new(struct ward_gpg_keyring **ret, struct ward_error **err);
WARD_PUBLIC void ward_gpg_keyring_free(struct ward_gpg_keyring *kr);
static inline void
ward_gpg_keyring_freep(struct ward_gpg_keyring **kr)
{
	ward_gpg_keyring_free(*kr);
}
/* Add the public keys in (data, len), armored or binary; `name` (the file,
 * or "keyData") names errors. No key in it: WARD_E_INVALID. */
WARD_PUBLIC int ward_gpg_keyring_add(struct ward_gpg_keyring *kr, const void *data, size_t len,
				     const char *name, struct ward_error **err);

/*
 * Verify a signed message against the keyring only. On success *ret_payload
 * (NUL-terminated, *ret_payload_len bytes: the signed content, not yet
 * parsed) and *ret_fingerprint (the signing key's fingerprint, uppercase hex)
 * are the caller's. A bad, expired or unknown-key signature: WARD_E_DENIED.
 * Nothing of the content is returned unless the signature verified.
 */
WARD_PUBLIC int ward_gpg_verify(struct ward_gpg_keyring *kr, const void *sig, size_t sig_len,
				char **ret_payload, size_t *ret_payload_len,
				char **ret_fingerprint, struct ward_error **err);

/* Sign (payload, len) as a signed message with the secret key `key_id`
 * (fingerprint, key id or e-mail) of the GnuPG home `gnupg_home` (NULL: the
 * user's, $GNUPGHOME or ~/.gnupg), as `skopeo --sign-by` does. */
WARD_PUBLIC int ward_gpg_sign(const char *gnupg_home, const char *key_id, const void *payload,
			      size_t len, unsigned char **ret_sig, size_t *ret_sig_len,
			      struct ward_error **err);

/* ---- cosign signature artifacts (src/sign/artifact.c) -------------------- *
 * cosign keeps an image's signatures in the same repository as an OCI image
 * manifest tagged "sha256-<hex>.sig": config blob of type
 * application/vnd.oci.image.config.v1+json, one layer per signature of type
 * WARD_SIGN_MT_SIMPLESIGNING whose blob is the payload and whose annotation
 * WARD_SIGN_ANNOTATION_SIG holds the base64 signature. A new signature is a
 * new layer. Everything read from a registry here is hostile.
 */
#define WARD_SIGN_MT_SIMPLESIGNING "application/vnd.dev.cosign.simplesigning.v1+json"
#define WARD_SIGN_ANNOTATION_SIG "dev.cosignproject.cosign/signature"
#define WARD_SIGN_ARTIFACT_SIGS_MAX 1024u /* layers of one .sig manifest ward reads */
#define WARD_SIGN_ARTIFACT_TAG_MAX 80	  /* "sha256-" + 64 hex + ".sig" + NUL */
#define WARD_SIGN_SIG_B64_MAX 2048u	  /* the annotation (base64 of <= 1024 bytes: 1368) */

/* The tag of d's signature artifact, "sha256-<hex>.sig". */
WARD_PUBLIC void ward_sign_artifact_tag(const struct ward_digest *d,
					char ret[WARD_SIGN_ARTIFACT_TAG_MAX]);

struct ward_sign_artifact_layer {
	struct ward_digest digest; /* the payload blob */
	int64_t size;
	const char *sig_b64; /* the annotation, NULL when absent; points into the artifact */
	bool simplesigning;  /* media type WARD_SIGN_MT_SIMPLESIGNING (others are kept, unused) */
};

/* A signature artifact being read or built. Opaque but for the layers. */
struct ward_sign_artifact {
	struct ward_sign_artifact_layer *layers;
	size_t n_layers;
	json_t *doc; /* the manifest, kept so foreign layers and annotations survive */
};

WARD_PUBLIC void ward_sign_artifact_free(struct ward_sign_artifact *a);
static inline void
ward_sign_artifact_freep(struct ward_sign_artifact **a)
{
	ward_sign_artifact_free(*a);
}
/* An empty artifact, to add the first signature to. */
WARD_PUBLIC int ward_sign_artifact_new(struct ward_sign_artifact **ret, struct ward_error **err);
/*
 * Parse a .sig manifest of at most WARD_MANIFEST_MAX bytes: an OCI image
 * manifest (schemaVersion 2, mediaType absent or OCI) with a config
 * descriptor and a layers array of at most WARD_SIGN_ARTIFACT_SIGS_MAX
 * descriptors, each with a string mediaType, a sha256 digest and a size in
 * 0..WARD_SIGN_PAYLOAD_MAX for simple-signing layers. A signature annotation
 * longer than WARD_SIGN_SIG_B64_MAX or not a string is refused. Errors name
 * the field ("layers[3].digest: ...") with kind WARD_E_INVALID.
 */
WARD_PUBLIC int ward_sign_artifact_parse(const char *buf, size_t len,
					 struct ward_sign_artifact **ret, struct ward_error **err);
/* Add the signature sig_b64 over (payload, len) as a layer; a layer with the
 * same payload digest and signature already there is not added again
 * (*ret_added false). Past WARD_SIGN_ARTIFACT_SIGS_MAX: -E2BIG. */
WARD_PUBLIC int ward_sign_artifact_add(struct ward_sign_artifact *a, const void *payload,
				       size_t len, const char *sig_b64, bool *ret_added,
				       struct ward_error **err);
/* The manifest (compact JSON) and its config blob ({"architecture":"",
 * "config":{},"created":"0001-01-01T00:00:00Z","history":[...],"os":"",
 * "rootfs":{"diff_ids":[the layer digests],"type":"layers"}}, as
 * go-containerregistry writes for cosign). Both are the caller's. */
WARD_PUBLIC int ward_sign_artifact_serialize(const struct ward_sign_artifact *a,
					     char **ret_manifest, size_t *ret_manifest_len,
					     char **ret_config, size_t *ret_config_len,
					     struct ward_error **err);

/* ---- signatures kept with images, and lookasides (src/sign/sigstore.c) --- *
 * Local layout under the store root (`--root`), one directory per signed
 * manifest digest, files written atomically (temp, fsync, rename) under an
 * flock of the directory, numbered from 1 without gaps:
 *   signatures/sha256/<hex>/gpg/signature-N      OpenPGP signed message,
 *                                                 as in a lookaside
 *   signatures/sha256/<hex>/cosign/N.payload     simple-signing payload bytes
 *   signatures/sha256/<hex>/cosign/N.sig         base64 signature (written
 *                                                 last: N exists once it does)
 */
#define WARD_SIGN_STORED_MAX 1024u    /* signatures of one kind kept per image */
#define WARD_SIGN_LOOKASIDE_MAX 128u  /* signature-N read from one lookaside */

enum ward_sign_kind {
	WARD_SIGN_KIND_GPG,
	WARD_SIGN_KIND_COSIGN,
};

struct ward_sign_stored {
	enum ward_sign_kind kind;
	unsigned char *data; /* GPG: the signed message; COSIGN: the payload. NUL-terminated */
	size_t len;
	char *sig_b64; /* COSIGN: the base64 signature; GPG: NULL */
};

struct ward_sign_list {
	struct ward_sign_stored *v;
	size_t n;
};
WARD_PUBLIC void ward_sign_list_clear(struct ward_sign_list *l);
/* Append a copy of (data, len) (and sig_b64, COSIGN) to *l, NUL-terminated. */
WARD_PUBLIC int ward_sign_list_add(struct ward_sign_list *l, enum ward_sign_kind kind,
				   const void *data, size_t len, const char *sig_b64,
				   struct ward_error **err);

/* Keep a signature of manifest d in the store at root. An identical one
 * (same bytes) already kept is not added twice (*ret_added false; may be
 * NULL). More than WARD_SIGN_STORED_MAX: -E2BIG. Sizes as WARD_SIGN_GPG_SIG_MAX,
 * WARD_SIGN_PAYLOAD_MAX, WARD_SIGN_SIG_B64_MAX. */
WARD_PUBLIC int ward_sigstore_add(const char *root, const struct ward_digest *d,
				  const struct ward_sign_stored *sig, bool *ret_added,
				  struct ward_error **err);
/* Append the signatures of manifest d kept at root (both kinds, GPG first)
 * to *l. None is not an error. Every file is bounded as above; a malformed
 * directory (a symlink, a file too large) is an error naming it. */
WARD_PUBLIC int ward_sigstore_list(const char *root, const struct ward_digest *d,
				   struct ward_sign_list *l, struct ward_error **err);

/* An image pulled through an index: its signatures name the index digest,
 * the store keeps the platform's manifest. ward_sigstore_set_index records
 * signatures/sha256/<manifest hex>/index = the index digest (written by the
 * pull that verified both); ward_sigstore_get_index reads it back, -ENOENT
 * (err untouched) when there is none. */
WARD_PUBLIC int ward_sigstore_set_index(const char *root, const struct ward_digest *manifest,
					const struct ward_digest *index, struct ward_error **err);
WARD_PUBLIC int ward_sigstore_get_index(const char *root, const struct ward_digest *manifest,
					struct ward_digest *ret, struct ward_error **err);

/* Remove the signatures of manifests the store s no longer holds (after
 * `ward rmi`, `ward system prune`). A directory stays while its digest is a
 * blob of s, or is the index (ward_sigstore_set_index) of a manifest whose
 * signatures stay. Entries that are not sha256 directories are left alone.
 * *ret_removed (may be NULL) counts the directories removed. */
WARD_PUBLIC int ward_sigstore_prune(const char *root, struct ward_store *s, size_t *ret_removed,
				    struct ward_error **err);

struct ward_lookaside_opts {
	long connect_timeout_ms; /* [5000] */
	long timeout_ms;	 /* one signature-N, whole request [15000] */
	const char *cert_dir;	 /* https: dir holding ca.crt, NULL: system CAs */
	const struct ward_log *log;
};

/*
 * Read the GPG signatures of manifest d of docker_reference from the
 * lookaside base (file://, http://, https://; ward_lookaside_url lays it
 * out): signature-1, -2, ... until the first one missing (404 / ENOENT), at
 * most WARD_SIGN_LOOKASIDE_MAX, each at most WARD_SIGN_GPG_SIG_MAX bytes.
 * A server that does not answer fails after the timeouts, naming the URL.
 * Appends them to *l (kind GPG).
 */
WARD_PUBLIC int ward_lookaside_read(const char *base, const char *docker_reference,
				    const struct ward_digest *d, const struct ward_lookaside_opts *o,
				    struct ward_sign_list *l, struct ward_error **err);
/* Write sig as the next free signature-N below a file:// staging base
 * (other schemes: WARD_E_UNSUPPORTED). A byte-identical signature already
 * there is not written again. *ret_index (may be NULL) is its N. */
WARD_PUBLIC int ward_lookaside_write(const char *base, const char *docker_reference,
				     const struct ward_digest *d, const void *sig, size_t len,
				     unsigned *ret_index, struct ward_error **err);

#endif
