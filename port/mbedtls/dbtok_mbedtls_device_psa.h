/*
 * dbtok_mbedtls_device_psa.h - the PSA half of the device configuration: exactly the
 * mechanisms a verifying TLS 1.2 + 1.3 client uses. Included by mbedTLS as
 * MBEDTLS_PSA_CRYPTO_CONFIG_FILE (see dbtok_mbedtls_device.h).
 *
 * Listing them here, instead of letting mbedTLS derive them from the legacy options,
 * leaves out what a client never does: RSA decryption and signing (OAEP, PKCS#1 v1.5
 * encryption, RSA key pairs), key types nobody asks for. That is several KB of flash.
 */
#ifndef DBTOK_MBEDTLS_DEVICE_PSA_H
#define DBTOK_MBEDTLS_DEVICE_PSA_H

/* Hashes: SHA-256 everywhere, SHA-384 for chains and the SHA-384 suites. */
#define PSA_WANT_ALG_SHA_256 1
#define PSA_WANT_ALG_SHA_384 1

/* MACs and key derivation: HMAC and HKDF (TLS 1.3 key schedule), the TLS 1.2 PRF. */
#define PSA_WANT_ALG_HMAC 1
#define PSA_WANT_ALG_HKDF 1
#define PSA_WANT_ALG_HKDF_EXTRACT 1
#define PSA_WANT_ALG_HKDF_EXPAND 1
#define PSA_WANT_ALG_TLS12_PRF 1
#define PSA_WANT_KEY_TYPE_HMAC 1
#define PSA_WANT_KEY_TYPE_DERIVE 1
#define PSA_WANT_KEY_TYPE_RAW_DATA 1

/* Records: AES-GCM. */
#define PSA_WANT_ALG_GCM 1
#define PSA_WANT_KEY_TYPE_AES 1

/* ECDHE over X25519 and P-256: an ephemeral key pair is generated, its public half
 * exported, the peer's imported. ECDSA to verify P-256 signatures. */
#define PSA_WANT_ALG_ECDH 1
#define PSA_WANT_ALG_ECDSA 1
#define PSA_WANT_ECC_MONTGOMERY_255 1
#define PSA_WANT_ECC_SECP_R1_256 1
#define PSA_WANT_KEY_TYPE_ECC_PUBLIC_KEY 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_BASIC 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_IMPORT 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_EXPORT 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_GENERATE 1

/* RSA signatures, verified with public keys only. */
#define PSA_WANT_ALG_RSA_PKCS1V15_SIGN 1
#define PSA_WANT_ALG_RSA_PSS 1
#define PSA_WANT_KEY_TYPE_RSA_PUBLIC_KEY 1

#endif /* DBTOK_MBEDTLS_DEVICE_PSA_H */
