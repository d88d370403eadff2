#!/usr/bin/env bats
# Signing interop (src/sign through build/tools/ward-sign-tool): ward's
# signatures verify with `openssl dgst`, openssl's verify in ward, and ward's
# cosign key files are read and written identically by an independent Python
# implementation of the format (tests/tools/cosign-key.py: hashlib.scrypt and
# XSalsa20-Poly1305 written from the definitions). No root, no network.

load helpers

SIGN_TOOL=$E2E_TOP/build/tools/ward-sign-tool
COSIGN_KEY_PY=$E2E_TOP/tests/tools/cosign-key.py
D64=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

setup() {
	[ -x "$SIGN_TOOL" ] || fail "$SIGN_TOOL missing: make build/tools/ward-sign-tool"
	require_cmd openssl python3
	T=$BATS_TEST_TMPDIR
	export WARD_PASSWORD=correct-horse
	unset COSIGN_PASSWORD
}

st() {
	"$SIGN_TOOL" "$@"
}

# spki_sha256 FILE [FORM [-pubin]]: sha256 of the DER SubjectPublicKeyInfo of a key.
spki_sha256() {
	openssl pkey -in "$1" -inform "${2:-PEM}" ${3:-} -pubout -outform DER | sha256sum | cut -d' ' -f1
}

# pkcs8_der ALG [OPT]: a new private key as unencrypted PKCS#8 DER on stdout
# (what cosign seals; `genpkey -outform DER` writes SEC1 for EC keys).
pkcs8_der() {
	openssl genpkey -algorithm "$1" ${2:+-pkeyopt "$2"} 2>/dev/null |
		openssl pkcs8 -topk8 -nocrypt -outform DER
}

@test "sign-openssl: a ward ECDSA signature verifies with openssl dgst -sha256 -verify" {
	run st generate "$T/cosign"
	assert_success
	st payload "sha256:$D64" localhost:5000/app:v1 -a env=prod >"$T/payload.json"
	st sign "$T/cosign.key" "$T/payload.json" >"$T/sig.der"
	run openssl dgst -sha256 -verify "$T/cosign.pub" -signature "$T/sig.der" "$T/payload.json"
	assert_success
	assert_output_contains "Verified OK"
	# openssl parses it as a DER ECDSA-Sig-Value.
	run openssl asn1parse -inform DER -in "$T/sig.der"
	assert_success
	assert_output_contains "SEQUENCE" "INTEGER"
	# And a changed payload is refused by openssl too.
	sed 's/prod/dev/' "$T/payload.json" >"$T/other.json"
	run openssl dgst -sha256 -verify "$T/cosign.pub" -signature "$T/sig.der" "$T/other.json"
	assert_failure
}

@test "sign-openssl: openssl-made signatures verify in ward (EC P-256, RSA, Ed25519)" {
	st payload "sha256:$D64" r.io/a:b >"$T/p.json"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec.pem" 2>/dev/null
	openssl ecparam -name prime256v1 -genkey -out "$T/ec-sec1.pem"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.pem" 2>/dev/null
	openssl rsa -in "$T/rsa.pem" -traditional -out "$T/rsa-pkcs1.pem" 2>/dev/null
	local k
	for k in ec ec-sec1 rsa rsa-pkcs1; do
		openssl pkey -in "$T/$k.pem" -pubout -out "$T/$k.pub"
		openssl dgst -sha256 -sign "$T/$k.pem" -out "$T/$k.sig" "$T/p.json"
		run st verify-raw "$T/$k.pub" "$T/p.json" "$T/$k.sig"
		assert_success
		# ward reads the same private key (PKCS#8, SEC1 after EC
		# PARAMETERS, PKCS#1) and its public half matches openssl's.
		run st describe "$T/$k.pem"
		assert_success
		assert_output_contains "sha256:$(spki_sha256 "$T/$k.pem")"
		# A signature over other bytes is refused.
		echo x >>"$T/p.json"
		run st verify-raw "$T/$k.pub" "$T/p.json" "$T/$k.sig"
		assert_failure
		assert_output_contains "signature does not verify"
		st payload "sha256:$D64" r.io/a:b >"$T/p.json"
	done
	# Ed25519: openssl signs the raw message (pure EdDSA).
	openssl genpkey -algorithm ed25519 -out "$T/ed.pem"
	openssl pkey -in "$T/ed.pem" -pubout -out "$T/ed.pub"
	openssl pkeyutl -sign -rawin -inkey "$T/ed.pem" -in "$T/p.json" -out "$T/ed.sig"
	run st verify-raw "$T/ed.pub" "$T/p.json" "$T/ed.sig"
	assert_success
	# ...and ward's Ed25519 signature verifies in openssl.
	st sign "$T/ed.pem" "$T/p.json" >"$T/ed-ward.sig"
	run openssl pkeyutl -verify -rawin -pubin -inkey "$T/ed.pub" -in "$T/p.json" -sigfile "$T/ed-ward.sig"
	assert_success
	assert_output_contains "Signature Verified Successfully"
}

@test "sign-openssl: the full verify takes openssl's base64 signature, refuses replay and identity" {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/k.pem" 2>/dev/null
	openssl pkey -in "$T/k.pem" -pubout -out "$T/k.pub"
	st payload "sha256:$D64" r.io/app:1 >"$T/p.json"
	openssl dgst -sha256 -sign "$T/k.pem" "$T/p.json" | base64 -w0 >"$T/p.sig"
	run st verify "$T/k.pub" "$T/p.json" "$T/p.sig" "sha256:$D64" r.io/app:1
	assert_success
	run st verify "$T/k.pub" "$T/p.json" "$T/p.sig" "sha256:${D64//0/1}" r.io/app:1
	assert_failure
	assert_output_contains "signature is for manifest sha256:$D64"
	run st verify "$T/k.pub" "$T/p.json" "$T/p.sig" "sha256:$D64" r.io/app:2
	assert_failure
	assert_output_contains "signed identity 'r.io/app:1' is not the accepted 'r.io/app:2'"
	# A payload with an extra field, properly signed, is still invalid.
	sed 's/"optional":null/"optional":null,"extra":1/' "$T/p.json" >"$T/x.json"
	openssl dgst -sha256 -sign "$T/k.pem" "$T/x.json" | base64 -w0 >"$T/x.sig"
	run st verify "$T/k.pub" "$T/x.json" "$T/x.sig" "sha256:$D64" r.io/app:1
	assert_failure
	assert_output_contains "invalid signature payload: top level: unknown field 'extra'"
	# Truncated base64.
	head -c 22 "$T/p.sig" >"$T/short.sig"
	run st verify "$T/k.pub" "$T/p.json" "$T/short.sig" "sha256:$D64" r.io/app:1
	assert_failure
	assert_output_contains "signature: truncated base64"
}

@test "sign-openssl: a ward-encrypted key decrypts with the password (python, openssl) and not without" {
	run st generate "$T/cosign"
	assert_success
	[ "$(stat -c %a "$T/cosign.key")" = 600 ] || fail "key file mode $(stat -c %a "$T/cosign.key")"
	head -1 "$T/cosign.key" | grep -qx -- "-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----"
	# The independent implementation opens it; openssl reads the PKCS#8
	# inside, and it is the key of cosign.pub.
	"$COSIGN_KEY_PY" decrypt correct-horse <"$T/cosign.key" >"$T/inner.der"
	assert_equal "$(spki_sha256 "$T/inner.der" DER)" "$(spki_sha256 "$T/cosign.pub" PEM -pubin)" "public key"
	run "$COSIGN_KEY_PY" decrypt wrong <"$T/cosign.key"
	assert_failure
	# ward itself: right password, wrong password, COSIGN_PASSWORD fallback.
	run st pub "$T/cosign.key"
	assert_success
	assert_equal "$output" "$(cat "$T/cosign.pub")" "public key"
	WARD_PASSWORD=wrong run st pub "$T/cosign.key"
	assert_failure
	assert_output_contains "cosign.key: wrong password (or the key file was altered)"
	unset WARD_PASSWORD
	COSIGN_PASSWORD=correct-horse run st pub "$T/cosign.key"
	assert_success
}

@test "sign-openssl: keys sealed by the independent implementation open in ward (all types, both labels)" {
	pkcs8_der EC ec_paramgen_curve:P-256 >"$T/ec.der"
	pkcs8_der ed25519 >"$T/ed.der"
	pkcs8_der RSA rsa_keygen_bits:2048 >"$T/rsa.der"
	local k label
	for k in ec ed rsa; do
		for label in COSIGN SIGSTORE; do
			"$COSIGN_KEY_PY" encrypt correct-horse --label "$label" <"$T/$k.der" >"$T/$k.key"
			run st describe "$T/$k.key"
			assert_success
			assert_output_contains "private sha256:$(spki_sha256 "$T/$k.der" DER)"
		done
	done
	# cosign's newer scrypt parameters (N=65536) are read too.
	"$COSIGN_KEY_PY" encrypt correct-horse --n 65536 <"$T/ec.der" >"$T/n16.key"
	run st describe "$T/n16.key"
	assert_success
	# A key sealed under another password is refused with the reason.
	"$COSIGN_KEY_PY" encrypt other <"$T/ec.der" >"$T/other.key"
	run st describe "$T/other.key"
	assert_failure
	assert_output_contains "wrong password"
	# Sealed with N=2^21: refused before any work, naming the bound.
	python3 - "$T/big.key" <<-'EOF'
		import base64, json, sys
		doc = {"kdf": {"name": "scrypt", "params": {"N": 2097152, "r": 8, "p": 1},
		               "salt": base64.b64encode(bytes(32)).decode()},
		       "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(bytes(24)).decode()},
		       "ciphertext": base64.b64encode(bytes(64)).decode()}
		b = base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()
		lines = "\n".join(b[i:i + 64] for i in range(0, len(b), 64))
		open(sys.argv[1], "w").write("-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n%s\n"
		                             "-----END ENCRYPTED COSIGN PRIVATE KEY-----\n" % lines)
	EOF
	run timeout 5 "$SIGN_TOOL" describe "$T/big.key"
	assert_status 1
	assert_output_contains "scrypt N=2097152 exceeds the limit 2^20"
}

@test "sign-openssl: malformed key files get clear errors" {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$T/p384.pem" 2>/dev/null
	run st describe "$T/p384.pem"
	assert_failure
	assert_output_contains "EC key on a curve other than P-256"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/k.pem" 2>/dev/null
	head -c 100 "$T/k.pem" >"$T/trunc.pem"
	run st describe "$T/trunc.pem"
	assert_failure
	assert_output_contains "truncated PEM"
	openssl pkey -in "$T/k.pem" -aes256 -passout pass:x -out "$T/enc.pem"
	run st describe "$T/enc.pem"
	assert_failure
	assert_output_contains "PKCS#8-encrypted keys are not supported"
	head -c 70000 /dev/zero | tr '\0' 'A' >"$T/huge.pem"
	run st describe "$T/huge.pem"
	assert_failure
	assert_output_contains "larger than 65536 bytes"
	# A public key where a private one is needed, and the reverse.
	openssl pkey -in "$T/k.pem" -pubout -out "$T/k.pub"
	run st sign "$T/k.pub" "$T/k.pem"
	assert_failure
	assert_output_contains "is a public key; a private key is needed"
}
