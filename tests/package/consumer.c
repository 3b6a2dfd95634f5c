/*
 * A program outside dbtok's tree, as a user would write it: it sees only the
 * installed (or add_subdirectory) headers and libraries. It proves the
 * headers compile, the libraries link (core, POSIX port, mbedTLS) and the
 * linked library is the version the headers describe. No network: dbtok_init
 * is given bytes that are no certificate and must refuse them.
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/version.h>
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
#include <mbedtls/memory_buffer_alloc.h>
#endif

#include <dbtok/dbtok.h>
#include <dbtok_posix.h>

#if DBTOK_VERSION_NUMBER < 0x000100
#error "the consumer needs dbtok 0.1 or later"
#endif

#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
static unsigned char arena[64 * 1024];
#endif
static uint8_t work[4096];
static dbtok_client client;

int main(void)
{
    static const uint8_t not_a_ca[] = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n"
                                      "-----END CERTIFICATE-----\n";
    dbtok_posix_ctx port_ctx;
    dbtok_port port;
    dbtok_config config;
    dbtok_err err;

    if (strcmp(dbtok_version(), DBTOK_VERSION_STRING) != 0) {
        fprintf(stderr, "headers say %s, library says %s\n", DBTOK_VERSION_STRING, dbtok_version());
        return 1;
    }
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
    mbedtls_memory_buffer_alloc_init(arena, sizeof arena);
#endif
    dbtok_posix_port_init(&port_ctx, &port, 0);
    memset(&config, 0, sizeof config);
    config.host = "example.cloud.databricks.com";
    config.token = "dapi-not-a-token";
    config.ca = not_a_ca;
    config.ca_len = sizeof not_a_ca;
    err = dbtok_init(&client, &config, &port, work, sizeof work);
    if (err != DBTOK_ERR_CRYPTO) {
        fprintf(stderr, "dbtok_init with no CA: expected %s, got %s\n", dbtok_strerror(DBTOK_ERR_CRYPTO),
                dbtok_strerror(err));
        if (err == DBTOK_OK) {
            dbtok_close(&client);
        }
        return 1;
    }
    printf("dbtok %s with mbedTLS %s: linked and working\n", dbtok_version(), MBEDTLS_VERSION_STRING);
    return 0;
}
