/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key vectors made for ward's tests on a Debian 12 machine: the plain keys by
 * openssl (ecparam -genkey, genpkey ed25519, genrsa -traditional), the
 * encrypted ones by tests/tools/cosign-key.py (an implementation of cosign's
 * key file format that shares no code with ward) with the password "hello":
 * a P-256 PKCS#8 key under the COSIGN label with N=32768 (cosign before
 * 2.0.1), another under the SIGSTORE label with N=65536 (cosign 2.0.1 and
 * later), and a SEC1 (not PKCS#8) key sealed the same way, which cosign
 * refuses. These are test keys only: they protect nothing.
 */
#ifndef WARD_TEST_SIGN_VECTORS_H
#define WARD_TEST_SIGN_VECTORS_H

#define COSIGN_EC_P256 \
	"-----BEGIN EC PRIVATE KEY-----\n" \
	"MHcCAQEEIBGGVSujdKrshodvo6VX0CYgRsGS9WYPzwNq0+dBpoOCoAoGCCqGSM49\n" \
	"AwEHoUQDQgAEH0ptWlLijq9qXILuORsIUD36D1kND+DGRt6O4ccIBgH9hzpcI4kc\n" \
	"ohKFJT+WzWKMjEg1dJ8wWzgCWeluxab/sw==\n" \
	"-----END EC PRIVATE KEY-----\n"

#define COSIGN_EC_P384 \
	"-----BEGIN EC PRIVATE KEY-----\n" \
	"MIGkAgEBBDChH8byxD/VVnaICLuyup2p/H/urO+aoVpKG6JswCvIlbyr9zIH3J1T\n" \
	"lL1vPS0azSKgBwYFK4EEACKhZANiAATcIEdHd1gsGJp2y7leZXet5wH/NfcCDdRx\n" \
	"6Ibjh0KL6ghMRYVoq9RoucEFiDm3/mjuyktTAoQq96PSg/Mkz+gySguIVSSaJ4G5\n" \
	"t8dVtZYtb5LVI4Vdm5tWVK4LM9a0430=\n" \
	"-----END EC PRIVATE KEY-----\n"

#define COSIGN_ED25519 \
	"-----BEGIN PRIVATE KEY-----\n" \
	"MC4CAQAwBQYDK2VwBCIEIDwFQzZGO3NdZhnEe53PUU3tDwJfWLpsfTAUwJKSByjD\n" \
	"-----END PRIVATE KEY-----\n"

#define COSIGN_RSA_PKCS1 \
	"-----BEGIN RSA PRIVATE KEY-----\n" \
	"MIIEogIBAAKCAQEAsG4YjWXhQfeiqbZHFwMJ+x/0w9wyh56aDuMDeUXFRZkPdMkk\n" \
	"9pwo13cX9BDetp1aq1eMdAVslSuhpeX/uEK3eqFczlorjQqP0mtw3LsEBOHEbc7g\n" \
	"Q/fdDiSUrt2guBxvoJWzZSG1cgr29T4N8Aay/pD0F526YPn4GScOdxjeiVSeWDbo\n" \
	"+MnMp04kP8ApW+m6+OPL/M/JUHcsAJJcM5+k4X4nRUz9QZ0369RMXB6sevmioFRS\n" \
	"Okmd3DfGPEjLbbQCpWY5xzPANXUyDHPmy5eL4h45ZEWXpWf5WqouBSnkPmb8Ha7n\n" \
	"rX0DVY4UYvog8spUC7TVGl+lYp7ZpsgsD/ToZwIDAQABAoIBAAR+/U+hmHb05c6g\n" \
	"tKO+CtyEOPYJsblJ7fbnYIxI86rNYWke0VeMZhrvj+d8BFnTOdgthjNUfA5zVaPK\n" \
	"xXgRLdnQgchkbsE+YVOsbJcYwr9ZGfknSiVYYZLBP6vaBOiabj5BgJhK14Ibfhdo\n" \
	"SG2IeNaZB7oQHpnnK/mAHhOyOxp1ANuOQTjifuyuUVmm/aRZjsG88Val/gANOhRz\n" \
	"vqmS/rHbwjEhxJc3y54szgaQxleB5gTjytYoajkgy8zhrfPMbkceQrwhI9Tsnydz\n" \
	"8yBW4q059MFND1TXLownIDpp37ocIMxWsNAA5mLqzaq0SCUsnU13sI6aTdVqg1e/\n" \
	"DhgzAlECgYEA2xuEl4a158vGTalcOj305yAKy4aNY9szmaIg+fWy7KvCZF8HI7hQ\n" \
	"ZQ/cADnTHDJ9gmNVo4FPG0YdsNncLriZt5A2T4RKxBxLulHTQDKb2hpp+Be+xi3l\n" \
	"HQfojTIlnBbkzIJ4R/S9Eq2fC583nbZwsQ8eqG5Wyd1EEjSUlDNKI2kCgYEAziL+\n" \
	"8VUq3VYrz/vc2K96CAUs8CymVvl+2uvMAfcXnVtSDmqy3A8kbuOadRJrGmHTLZ+V\n" \
	"ubcrMh1UK/vJhvhaM2A/WeB8xdOAfImYVfXanevZn/0RsrTMAJ37u3bGkoQl2v2U\n" \
	"kDgE1zjTTXobSWUkrkzOVyv6sEUTZzIRc9Xjw08CgYBX5PgRmPaL39DTAqd+ra/6\n" \
	"r33lGzrI3fwbG1DDNO7rxhMbFIvWpm+Juwz0Aj5Px2lVzudhydOkC0KJ2Ttceq0f\n" \
	"V/iReW5MsVUnjv+Bd0vR+FqeLVhYQ7zvImcFjSJNNVnfOE9r/h+CyKdOkDZNTAx0\n" \
	"2q3fvzONkvdlnjYkJVcOUQKBgCt8BG3ien1gjTN9vRPUyJhihx1PPfPBA/qonUuY\n" \
	"1VlzhzbVWU/EvfnKd63UqdVR55uLO6mGs00KFNSGc/fN8jE+T37lNU0CFeuvlvwj\n" \
	"Ne/0bd8rIo2hSBulOBJOtwr3Z4jvz2Qw/Qxtx11jsdfkxz0hpLGM7IA8wiAV1sqp\n" \
	"xzdPAoGAcGdhgolEMZSGGQLUxJwmSUimnss8QJQKJesSBcLr+geeTzW7/YKRWujm\n" \
	"vtGdLoL2SQqyS6U37XaL1Nk1YohwcBrHDvHjSmIJUULUregJaiy+s2avwdwnPntT\n" \
	"qmccobh79bXlJ3ICDgsRGok/YibI62VXuDsvluxKN/NLvl47i2U=\n" \
	"-----END RSA PRIVATE KEY-----\n"

#define COSIGN_RSA_1024 \
	"-----BEGIN RSA PRIVATE KEY-----\n" \
	"MIICXAIBAAKBgQDmy61cn+5j7k1j871wv9G5Ol8S1dcR0zim2tkol3JNEGWgTif+\n" \
	"skmFrCqQfsYYKRFTjxEvtlnzTJHd3mTBf54qO4TH1m9IwDlP4rQPO0/B0Ed7bUC0\n" \
	"cFaopzIBINaF8p3V4Zj4aEAuHCWviHlbNl7EwaDnNChqWFHoRrqVuyaRzQIDAQAB\n" \
	"AoGAB9icyC1XuWX8k41Rv2eGBboKSWWjriN0JZgDEfI0HJKWIeEGUw5UmYrE16y3\n" \
	"p1KeGC0g9HJKlI7h1p0c58ci5VQhtF/PljHxIax1p6q6TUpiDRtHe637YkeJWtGB\n" \
	"0M5kccQgQOb8YQ+8Y6n6PLtiGme+Vnmsee9oPaHeARy+ejECQQDzbwOogOmmogTV\n" \
	"ezSKUKpPoE+dJGsD3opLgSo3cgPRtSa2PiVD7qwAf2srTm1bjrOyo56EoRJouVM+\n" \
	"C/0/7UbHAkEA8rWmly9nqCVa9HsF2azSBgOcQ2dSco06+kvqWItPFqdm8iG3MX/s\n" \
	"Q3fqeBDhQluUwMVqsfJ59cfNUrhdVgr+ywJAN8av5+PhpTRqNx/LogVpgGUS2MaH\n" \
	"XpOWzEYEDkApb9s5y3fhwfblohePzpRhqiDAO6YRpAHj3erYj9bfZ85N8QJBAOJa\n" \
	"BsN4snNeYzUehpY7VqPFOjaiZYHvtNE5e5SYV2oJNTkbuH2xj+ZcL49KLsp0Hoap\n" \
	"lpfeS1+stxAuYN2d44ECQCvjWrRT+5GHtRZAdmFPodRlAeje2XSZ4/PwPX2X1F7b\n" \
	"8FtSg2AO+DsIgyoYxiZF2rIHW45e3rfshZ3fISBXMC8=\n" \
	"-----END RSA PRIVATE KEY-----\n"

#define COSIGN_ENC_COSIGN \
	"-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n" \
	"eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjozMjc2OCwiciI6\n" \
	"OCwicCI6MX0sInNhbHQiOiJsK05QUzhsc0xaYXhScFByL2FIVWdkNEFqdk5FL2M5\n" \
	"Nk4rbUdvZ1VEUWxvPSJ9LCJjaXBoZXIiOnsibmFtZSI6Im5hY2wvc2VjcmV0Ym94\n" \
	"Iiwibm9uY2UiOiJTUEZaN1JyUWpTaHNSRXVQbXpmUnd4Z3FNQUZLQ1B2cSJ9LCJj\n" \
	"aXBoZXJ0ZXh0IjoibUdlZDU3djN4NTM4OVE5ZFMxZGVzaWhJNEpqcUllZ3czSDJq\n" \
	"Z1pMbjJpdmZaV1AwaDVvNEMybzQzdjVGektVbXVGYW9HSk9Va0JqTkRFc0Z1K2NJ\n" \
	"MTltaXhDS2NEMWJhbzRPQWNOc1d5OE4wM0VRcmhFcWdLckVGSTZkbzIxYjVHVjd0\n" \
	"RCtyZG5RRE1NVE5PRVlhZTRCU2FGYlEyUldNL3ZjdVo1cmc1d0gzelp1MzMrKzhR\n" \
	"ajhKVXZVRll1TFE5SldvZlZKUUN5ZkQ2Nnc9PSJ9\n" \
	"-----END ENCRYPTED COSIGN PRIVATE KEY-----\n"

#define COSIGN_ENC_SIGSTORE \
	"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n" \
	"eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjo2NTUzNiwiciI6\n" \
	"OCwicCI6MX0sInNhbHQiOiIzQjhyQmFmN3crMTVVTEtmMXB1VHV6a013d0s1cjhr\n" \
	"bmRmSkZKdlFCQlUwPSJ9LCJjaXBoZXIiOnsibmFtZSI6Im5hY2wvc2VjcmV0Ym94\n" \
	"Iiwibm9uY2UiOiJiSmljbk44VnJDTExFcjA5Zjhmd1E4bHdHUVRXYzdIVCJ9LCJj\n" \
	"aXBoZXJ0ZXh0IjoiNnVEOExSSDBoZWpSdjFSQVh1SWNTdFR4Zjh0VUg1K1EvTVk4\n" \
	"VmcvbElPd055cmFZRUwwa2xzb1RRdEJNUmZrTXpLc0JkWmVpaFRsNTJzZTlHUXgz\n" \
	"VGV3NkhZSXU0QUlRMGg1VkxkZjlZMExoQzRkK080UDZNVVQyRDlESFQrU3VnL1Zw\n" \
	"NjlVUno0SDEwbmZVSFNxRGJiVU9taTN5dHVzS05DSWhFWEpXU09FdG1RNjVxellu\n" \
	"Wkw3cXcrVms1THRscjFKNWUxdTJ6UDNMSmc9PSJ9\n" \
	"-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"

#define COSIGN_ENC_SEC1 \
	"-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n" \
	"eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjo2NTUzNiwiciI6\n" \
	"OCwicCI6MX0sInNhbHQiOiJucStrVHlqQUlGbHdQT2xRTU5lOTV1MTNCZG04eWxo\n" \
	"VEt0M1dzMldFN01ZPSJ9LCJjaXBoZXIiOnsibmFtZSI6Im5hY2wvc2VjcmV0Ym94\n" \
	"Iiwibm9uY2UiOiJUUS83V0NmbmNLZ1BPK2E4bGFXcTVxZEZYMkZJWHhQdyJ9LCJj\n" \
	"aXBoZXJ0ZXh0IjoiUk9aZGl0WDJ1b0l5T1kxSUN1bHFmQWNDQ3hmOU1vN2VIYnFT\n" \
	"dkRpb241SFZjTnFJN1pDSGppbWRYbnlZbDJnK2tIdS9CM2hrS1lxV0VZaG5hQ3Vp\n" \
	"cEFXNkg1YU1uWTRpTzZjRGI1ZWdxV3Q4dHhJWWtDOUpORGhrdE9sTHVUb2NiMjZm\n" \
	"MEdBOG1BMVFJUEJkN0pEM2t5ZG9FNkNIcjExNEQxY000cEZVNjExMHhJcEdHZ3Jw\n" \
	"cE5JPSJ9\n" \
	"-----END ENCRYPTED COSIGN PRIVATE KEY-----\n"

/* sha256 of the SubjectPublicKeyInfo DER of the keys sealed in the two
 * PKCS#8 vectors, found independently of ward: tests/tools/cosign-key.py
 * decrypt hello | openssl pkey -inform DER -pubout -outform DER | sha256sum */
#define COSIGN_ENC_COSIGN_FP "sha256:9533aa83f256cccd4c133eed522dc8760ad44efa9381effc65391027afb6fb74"
#define COSIGN_ENC_SIGSTORE_FP "sha256:651d8ecb63045166d83e075e0f4c05c5524c0913dedb8d9fbdd6b2d8ce5eeee6"

#endif
