/*
 * dbtok_mbedtls_device.h - mbedTLS 3.6 LTS configuration for dbtok DEVICE builds
 * (bare-metal Cortex-M and similar): the smallest TLS client that still talks to a real
 * Databricks workspace and to the test emulator.
 *
 * Selected by the cross build (port/baremetal/cross.cmake) as MBEDTLS_CONFIG_FILE. Like
 * the host configuration next to it, a complete configuration: what is not enabled here
 * is off, and mbedTLS's check_config.h validates the result at build time.
 *
 * What it gives: a TLS 1.2 + 1.3 client, ECDHE over X25519 and P-256, RSA chains and
 * ECDSA P-256 chains (SHA-256 and SHA-384 signatures) to a DER trust anchor, AES-GCM,
 * PSA crypto (TLS 1.3 needs it), all memory from a static arena, no file system, no
 * sockets, no clock.
 *
 * What the firmware must provide:
 *   - mbedtls_memory_buffer_alloc_init(arena, size) before any other mbedTLS call;
 *   - mbedtls_psa_external_get_random(): PSA's random numbers, straight from the
 *     board's TRNG (port/baremetal's dbtok_bm_psa_rng.c forwards it to the port);
 *   - dbtok_mbedtls_exit(), called if the arena is found corrupted (see below);
 *   - memcpy, memmove, memset, memcmp, memchr, strlen, strchr, strcmp: a C library's,
 *     or port/baremetal/freestanding/string.c.
 * dbtok's TLS layer draws its random numbers from PSA, and dbtok checks certificate
 * dates itself against the port's optional wall clock.
 */
#ifndef DBTOK_MBEDTLS_DEVICE_H
#define DBTOK_MBEDTLS_DEVICE_H

/* ------------------------------------------------------------------------------------ */
/* System support                                                                       */
/* ------------------------------------------------------------------------------------ */

/* Bignum multiply-accumulate in assembly (UMULL on ARMv7-M, a Thumb-1 sequence on
 * ARMv6-M): the handshake's ECDHE and signature checks are several times faster. */
#define MBEDTLS_HAVE_ASM

/* No MBEDTLS_HAVE_TIME / MBEDTLS_HAVE_TIME_DATE: a device has no time() or gmtime_r().
 * Certificate validity dates are checked by dbtok's verify callback against the port's
 * unix_time hook instead (core/src/tls.c); without that hook they are not checked. */

/* ------------------------------------------------------------------------------------ */
/* Platform layer and memory: no heap                                                   */
/* ------------------------------------------------------------------------------------ */

/* mbedtls_calloc/free go to the buffer allocator over the firmware's static arena.
 * NO_STD_FUNCTIONS: no fallback to libc's calloc, printf or exit, so a firmware without
 * an allocator links, and a forgotten arena fails with ..._ALLOC_FAILED instead of
 * touching a heap. snprintf is named for the X.509 text helpers, which dbtok never
 * calls: --gc-sections drops them (the mps2 firmware links no C library, so a call that
 * stayed would fail its link). */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_PLATFORM_STD_MEM_HDR <stdio.h>
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO snprintf
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C

/* mbedtls_exit() is called only when the allocator finds its arena corrupted (a free of
 * a pointer it never handed out). libc's exit() would need _exit and stdio clean-up a
 * firmware does not have; the firmware defines what this means instead (reset, halt),
 * and the function must not return. */
#define MBEDTLS_PLATFORM_EXIT_MACRO dbtok_mbedtls_exit
void dbtok_mbedtls_exit(int status);

/* The footprint measurement compiles the allocator once more with statistics on
 * (tests/firmware): peak arena use and block count. Its error messages go through
 * dbtok_measure_fprintf, which that build supplies; nothing else changes. */
#if defined(DBTOK_MBEDTLS_MEASURE)
#define MBEDTLS_MEMORY_DEBUG
#define MBEDTLS_PLATFORM_FPRINTF_MACRO dbtok_measure_fprintf
int dbtok_measure_fprintf(void *stream, const char *format, ...);
#endif

/* ------------------------------------------------------------------------------------ */
/* Randomness: the board's TRNG                                                         */
/* ------------------------------------------------------------------------------------ */

/* PSA takes its random numbers from mbedtls_psa_external_get_random(), which the port
 * implements over the board's entropy hook (a TRNG). That replaces mbedTLS's entropy
 * collector and PSA's own DRBG: less code and RAM, and no platform entropy source to
 * port. Without MBEDTLS_CTR_DRBG_C dbtok's TLS layer draws from PSA too
 * (mbedtls_psa_get_random), so there is one generator, as mbedTLS 4 requires. */
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG

/* ------------------------------------------------------------------------------------ */
/* PSA Crypto                                                                           */
/* ------------------------------------------------------------------------------------ */

/* TLS 1.3 in 3.6 runs on PSA only; USE_PSA_CRYPTO puts TLS 1.2, X.509 and PK on it too,
 * so there is one crypto path. A TLS 1.3 handshake holds at most about six keys at once
 * (ECDHE, handshake and application traffic secrets); eight static slots leave margin. */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_USE_PSA_CRYPTO
/* PSA's mechanisms are listed one by one in the file next to this one, rather than
 * derived from the options below: that leaves out RSA decryption and signing. */
#define MBEDTLS_PSA_CRYPTO_CONFIG
#define MBEDTLS_PSA_CRYPTO_CONFIG_FILE "dbtok_mbedtls_device_psa.h"
#define MBEDTLS_PSA_KEY_SLOT_COUNT 8
/* Without this PSA copies every input and output through the arena: two more 16 KiB
 * buffers while a full-size record is decrypted, which a device cannot spare (a long
 * token list fails with MBEDTLS_ERR_SSL_ALLOC_FAILED). The copies protect buffers
 * shared with another security domain; here PSA runs in the firmware's own, and TLS
 * decrypts records in place, which the AEAD code supports. */
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS

/* ------------------------------------------------------------------------------------ */
/* Public-key algorithms                                                                */
/* ------------------------------------------------------------------------------------ */

/* RSA verification only (PKCS#1 v1.5 and PSS) for the RSA chains most public CAs still
 * issue. 4096-bit roots exist, so MPI_MAX_SIZE stays 512 bytes; numbers are sized by
 * their value, so this costs nothing for 2048-bit keys. */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_MPI_MAX_SIZE 512
#define MBEDTLS_MPI_WINDOW_SIZE 2
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21

/* X25519 (the usual TLS 1.3 key share) and P-256 (ECDHE for TLS 1.2, ECDSA chains).
 * The small window and no fixed-point table keep the arena small: one ECDHE key pair
 * per handshake does not pay for precomputation. NIST_OPTIM's fast P-256 reduction is
 * a few hundred bytes of code for a handshake several times faster. */
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C

#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C

/* ------------------------------------------------------------------------------------ */
/* Symmetric crypto and hashes                                                          */
/* ------------------------------------------------------------------------------------ */

/* AES-GCM only. GCM uses AES in the encrypt direction alone, so the
 * decryption tables and code go (BLOCK_CIPHER_NO_DECRYPT); the remaining table lives in
 * flash (ROM_TABLES) and is one quarter of the usual size (FEWER_TABLES). */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_BLOCK_CIPHER_NO_DECRYPT
#define MBEDTLS_GCM_C

/* SHA-256 for everything TLS does here; SHA-384 (built from the SHA-512 code) because
 * public CAs sign intermediates with sha384WithRSAEncryption, and for the SHA-384
 * suites. The _SMALLER variants are loops instead of unrolled rounds: slower hashing,
 * less flash. HKDF and HMAC (from MD) are the TLS 1.3 key schedule. */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_SHA512_SMALLER
#define MBEDTLS_HKDF_C

/* ------------------------------------------------------------------------------------ */
/* X.509                                                                                */
/* ------------------------------------------------------------------------------------ */

/* Trust anchors in DER, the form a device keeps in flash: one CA certificate, which is
 * what each cloud's workspaces chain to. For a PEM bundle of several CAs, add
 * MBEDTLS_PEM_PARSE_C and MBEDTLS_BASE64_C (about 1 KB of flash). RSASSA-PSS signed
 * certificates and TLS 1.3 with RSA keys need PSS in the X.509 layer. */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT
/* No text descriptions of certificates and OIDs: dbtok never prints them, and the OID
 * tables shrink by their description strings. */
#define MBEDTLS_X509_REMOVE_INFO

/* ------------------------------------------------------------------------------------ */
/* TLS: client only, 1.2 and 1.3                                                        */
/* ------------------------------------------------------------------------------------ */

#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
/* Required by TLS 1.3 in 3.6 (check_config.h). */
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
/* Session resumption, only when dbtok is built with DBTOK_ENABLE_SESSION_RESUMPTION
 * (its user configuration file, which mbedtls.cmake hands this build too): tickets for
 * 1.2 and 1.3, and 1.3's PSK-with-(EC)DHE mode, which keeps forward secrecy. */
#if defined(DBTOK_USER_CONFIG_FILE)
#include DBTOK_USER_CONFIG_FILE
#endif
#if defined(DBTOK_ENABLE_SESSION_RESUMPTION) && DBTOK_ENABLE_SESSION_RESUMPTION
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
#endif

/* Offer only the AES-GCM suites, in this order: the TLS 1.3 suites every server must
 * support, then forward-secret TLS 1.2 suites for ECDSA and RSA certificates. A short
 * list is a smaller ClientHello and a smaller suite table in flash. */
#define MBEDTLS_SSL_CIPHERSUITES                                                          \
    MBEDTLS_TLS1_3_AES_128_GCM_SHA256, MBEDTLS_TLS1_3_AES_256_GCM_SHA384,                 \
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,                                  \
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,                                    \
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,                                  \
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

/* Record buffers. IN must take a full 16 KiB record: a server may send one, and dbtok
 * does not negotiate smaller ones. OUT carries only our requests (a few hundred bytes;
 * longer ones are split into several records) and the ClientHello. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 2048

/* Deliberately absent: ERROR_C (a few KB of strings; dbtok reports the numeric code),
 * DEBUG_C, NET_C, FS_IO, SSL_SRV_C, ENTROPY_C (see EXTERNAL_RNG), session tickets,
 * renegotiation, max_fragment_length (dbtok does not ask for it), ALPN, ChaCha20, self
 * tests, and P-384: a server whose ECDSA chain has a P-384 key (some public CAs' ECDSA
 * intermediates do) needs MBEDTLS_ECP_DP_SECP384R1_ENABLED here and
 * PSA_WANT_ECC_SECP_R1_384 in dbtok_mbedtls_device_psa.h. */

#endif /* DBTOK_MBEDTLS_DEVICE_H */
