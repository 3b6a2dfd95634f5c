/*
 * dbtok's installed headers alone, with no mbedTLS on the include path: a
 * program that uses dbtok compiles none of mbedTLS's headers, and the
 * client's size comes from the library's build (dbtok_client_size.h).
 */
#include <dbtok/dbtok.h>
#include <dbtok_posix.h>

#if defined(MBEDTLS_VERSION_NUMBER) || defined(MBEDTLS_SSL_H)
#error "dbtok.h pulled in an mbedTLS header"
#endif

extern dbtok_client headers_only_client;
dbtok_client headers_only_client;

int headers_only_client_size(void);
int headers_only_client_size(void)
{
    return (int)sizeof headers_only_client + (int)DBTOK_CLIENT_SIZE;
}
