/*
 * dbtok_mbedtls_config.h - mbedTLS 3.6 LTS configuration for dbtok HOST builds.
 *
 * A complete configuration, selected with MBEDTLS_CONFIG_FILE="dbtok_mbedtls_config.h"
 * (port/mbedtls/mbedtls.cmake does that). It is not a patch of mbedTLS's default
 * mbedtls_config.h: everything not enabled here is off. mbedTLS's build_info.h derives
 * the PSA_WANT_* symbols from these legacy options (MBEDTLS_PSA_CRYPTO_CONFIG is off)
 * and check_config.h validates the result, so a build is the test of this file.
 *
 * What it gives: a TLS 1.2 + 1.3 client that verifies certificate chains and host names
 * against CA certificates held in memory, with no heap (the allocator is an arena the
 * application hands over), no sockets (the application supplies BIO callbacks) and no
 * file system.
 *
 * What the application must do, in this order (see port/mbedtls/README.md):
 *   1. mbedtls_memory_buffer_alloc_init(arena, size)  - before ANY other mbedTLS call.
 *      Until then every allocation fails (returns NULL): there is no libc fallback.
 *   2. psa_crypto_init()                              - before the handshake (TLS 1.3
 *      and every signature check run on PSA; it also seeds PSA's own RNG from the
 *      platform entropy source).
 *   3. an RNG for the TLS layer: mbedtls_ssl_conf_rng() is still mandatory in 3.6
 *      (e.g. CTR_DRBG seeded by mbedtls_entropy_func, or mbedtls_psa_get_random).
 *   4. if certificate dates matter (they do on the host), a correct wall clock: time().
 */
#ifndef DBTOK_MBEDTLS_CONFIG_H
#define DBTOK_MBEDTLS_CONFIG_H

/* ------------------------------------------------------------------------------------ */
/* System support                                                                       */
/* ------------------------------------------------------------------------------------ */

/* Bignum inline assembly: several times faster RSA/ECC on x86-64 and Arm, same code. */
#define MBEDTLS_HAVE_ASM

/* HAVE_TIME gives time() (TLS 1.3 ticket ages). HAVE_TIME_DATE is left out on purpose:
 * dbtok checks every certificate's notBefore/notAfter itself, in its verify callback,
 * against the port's unix_time() (core/src/tls.c), the same way on a host and on a
 * device. mbedTLS's own check would call glibc's gmtime_r(), which allocates on the
 * heap the first time it loads the time zone. */
#define MBEDTLS_HAVE_TIME

/* ------------------------------------------------------------------------------------ */
/* Platform layer and memory: no heap                                                   */
/* ------------------------------------------------------------------------------------ */

/* PLATFORM_MEMORY turns mbedtls_calloc/mbedtls_free into pointers that
 * mbedtls_memory_buffer_alloc_init() points at a caller-supplied arena.
 *
 * By default those pointers start out as libc calloc/free, so an application that
 * forgot the init call (or made an mbedTLS call before it) would quietly use the heap.
 * PLATFORM_NO_STD_FUNCTIONS removes that default: the pointers start at stubs that
 * return NULL, so a missing init fails loudly (MBEDTLS_ERR_*_ALLOC_FAILED) instead.
 *
 * NO_STD_FUNCTIONS also drops the libc default for snprintf (X.509 and error strings),
 * so name it again with SNPRINTF_MACRO (3.6 accepts PLATFORM_STD_SNPRINTF only together
 * with SNPRINTF_ALT). STD_MEM_HDR is the one header the platform layer includes in this
 * mode; <stdio.h> declares snprintf. */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_PLATFORM_STD_MEM_HDR <stdio.h>
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO snprintf
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
/* The arena's block headers hold size_t and pointers: on a 64-bit host the
 * default 4-byte alignment makes every access misaligned (UBSan says so, and
 * some cores trap on it). */
#define MBEDTLS_MEMORY_ALIGN_MULTIPLE 8
/* Host builds record the arena's peak (mbedtls_memory_buffer_alloc_max_get):
 * bench/memory reports it and the tests hold it to a budget. A few counters,
 * no extra heap. */
#define MBEDTLS_MEMORY_DEBUG

/* ------------------------------------------------------------------------------------ */
/* Randomness                                                                           */
/* ------------------------------------------------------------------------------------ */

/* ENTROPY_C with the platform source: on Linux that is the getrandom() system call
 * (/dev/urandom only if the kernel lacks it). PSA seeds its internal RNG from it, and
 * the application may seed its own CTR_DRBG for the TLS layer from mbedtls_entropy_func.
 * SHA-512 is the entropy pool's hash (it is in the build anyway for SHA-384). */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

/* ------------------------------------------------------------------------------------ */
/* PSA Crypto                                                                           */
/* ------------------------------------------------------------------------------------ */

/* TLS 1.3 in 3.6 is implemented on PSA only (key schedule, HKDF, ECDHE, AEAD), and
 * USE_PSA_CRYPTO makes TLS 1.2, X.509 and PK use it too, so there is one crypto path to
 * size and measure. The key store is a fixed table (PSA_KEY_STORE_DYNAMIC off): slots
 * are static and bounded; key material itself comes from the arena. No persistent keys,
 * hence no PSA storage or ITS file backend. */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_USE_PSA_CRYPTO
#define MBEDTLS_PSA_KEY_SLOT_COUNT 16
/* Without this, PSA copies every input and output through the heap: two
 * 16 KiB copies per received record, which doubles the arena (measured: 30 KB
 * peak for a handshake, 59 KB once a full-size record arrives). The copies
 * guard buffers shared across a trust boundary (a secure-world PSA service);
 * dbtok calls PSA in its own address space, and TLS decrypts records in
 * place, which the AEAD implementations support. */
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS

/* ------------------------------------------------------------------------------------ */
/* Public-key algorithms: what servers' certificate chains and handshakes use           */
/* ------------------------------------------------------------------------------------ */

/* Big numbers for RSA and the NIST curves. 4096-bit RSA is the largest key we expect in
 * a public chain (some roots); MPI_MAX_SIZE in bytes bounds stack and arena use. */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_MPI_MAX_SIZE 512
/* Smaller precomputation tables: 2.2 KB less arena at the handshake's peak
 * (bench/memory), for somewhat slower point multiplication. */
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_MPI_WINDOW_SIZE 2

/* RSA signature verification: PKCS#1 v1.5 (TLS 1.2 and certificate signatures) and
 * PSS (v2.1: mandatory for RSA in TLS 1.3's CertificateVerify). No key generation. */
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21

/* Elliptic curves: P-256 and P-384 (ECDSA certificates and ECDHE), X25519 (the most
 * common TLS 1.3 key share). NIST_OPTIM: fast reduction for the NIST primes. */
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM

/* ECDH for the ephemeral key exchange, ECDSA for verifying ECDSA certificates and
 * handshake signatures. We never sign, so no deterministic ECDSA (HMAC_DRBG). */
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C

/* Key and certificate plumbing: ASN.1, OIDs, PK (parse public keys out of certificates). */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C

/* ------------------------------------------------------------------------------------ */
/* Symmetric crypto and hashes                                                          */
/* ------------------------------------------------------------------------------------ */

/* AES-GCM (128 and 256) is what every current server offers first; CTR_DRBG needs AES
 * too. AESNI_C uses the CPU's AES instructions when present (checked at run time;
 * compiles to nothing on other architectures): faster and free of table-lookup timing. */
#define MBEDTLS_AES_C
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AESNI_C

/* ChaCha20-Poly1305: optional in TLS, but servers pick it for clients without AES
 * hardware, and it costs little. */
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C

/* SHA-256 (everything), SHA-384 (TLS_AES_256_GCM_SHA384, P-384 chains), SHA-512 (the
 * entropy pool; SHA-384 is built from it). No SHA-1 or MD5: nothing we accept uses them.
 * HKDF: the TLS 1.3 key schedule (PSA derives PSA_WANT_ALG_HKDF from it). */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_HKDF_C

/* ------------------------------------------------------------------------------------ */
/* X.509: parse and verify the server's chain against CA certificates in memory         */
/* ------------------------------------------------------------------------------------ */

/* PEM (base64) because CA bundles are distributed that way; DER works too. No CRLs,
 * CSRs or certificate writing. RSASSA-PSS certificate signatures appear in the wild and
 * TLS 1.3 with RSA certificates needs PSS support in the X.509 layer. */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C

/* ------------------------------------------------------------------------------------ */
/* TLS: client only, 1.2 and 1.3                                                        */
/* ------------------------------------------------------------------------------------ */

#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C

/* TLS 1.3 first; TLS 1.2 for servers and middleboxes that do not speak 1.3 yet. */
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3

/* TLS 1.3: (EC)DHE key exchange with certificates. Session tickets (1.2 and 1.3) and
 * the 1.3 ticket's PSK-with-(EC)DHE mode are built in on the host so that a core built
 * with DBTOK_ENABLE_SESSION_RESUMPTION (its test) can resume; a core built without it
 * asks for no ticket and offers no PSK mode (core/src/tls.c), so every connection is a
 * full handshake, as before. PSK-only mode (no forward secrecy) stays out. */
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_SESSION_TICKETS

/* Middlebox compatibility mode (RFC 8446 D.4): TLS 1.3 through proxies and firewalls
 * that would otherwise drop the handshake. Costs a few bytes per handshake. */
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE

/* TLS 1.2 key exchanges: forward-secret ECDHE with ECDSA or RSA certificates. No static
 * RSA, DHE or PSK key exchanges. Extended master secret (RFC 7627) is what TLS 1.2
 * should always use; servers that offer it get it. */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET

/* SNI: the service sits behind shared front ends that choose the certificate by name. */
#define MBEDTLS_SSL_SERVER_NAME_INDICATION

/* Max fragment length (RFC 6066): lets a small device ask for smaller records where the
 * server honours it (the host leaves it unset). */
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH

/* KEEP_PEER_CERTIFICATE: we would turn it off (it keeps the server's parsed chain in
 * the arena for the whole connection), but 3.6's TLS 1.3 code requires it
 * (check_config.h: "MBEDTLS_SSL_PROTO_TLS1_3 defined without
 * MBEDTLS_SSL_KEEP_PEER_CERTIFICATE"). */
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE

/* Record buffers. IN must hold a full 16 KiB record: we cannot make every server send
 * less (max_fragment_length is only a request, and TLS 1.3 servers often ignore it).
 * OUT only carries our HTTP requests, which are small, so 4 KiB bounds its cost. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

/* ------------------------------------------------------------------------------------ */
/* Diagnostics                                                                          */
/* ------------------------------------------------------------------------------------ */

/* mbedtls_strerror() text for our error messages (a few KB of strings on the host). No
 * DEBUG_C: its output could include key material and it is large. */
#define MBEDTLS_ERROR_C

/* Deliberately absent (each would be wrong for dbtok, not just unused):
 *   MBEDTLS_NET_C       sockets come from the port, through BIO callbacks
 *   MBEDTLS_FS_IO       CA certificates come from memory; no files in the TLS layer
 *   MBEDTLS_SSL_SRV_C   client only
 *   MBEDTLS_DEBUG_C     see above
 *   MBEDTLS_SELF_TEST   our tests test the library as we use it
 *   MBEDTLS_THREADING_C dbtok drives mbedTLS from one thread. PSA's key store and RNG
 *                       are process-wide, so an application running clients on several
 *                       threads must enable it (and link pthreads) in its own config
 */

#endif /* DBTOK_MBEDTLS_CONFIG_H */
