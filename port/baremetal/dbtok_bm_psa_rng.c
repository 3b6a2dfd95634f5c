/*
 * PSA's random numbers from the board's TRNG (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG).
 *
 * mbedTLS calls mbedtls_psa_external_get_random() with no context of ours, so the
 * board is kept here, once per program: the only global state of the port. In a
 * file of its own so that a firmware with its own implementation never links it.
 */
#include <psa/crypto.h>

#include "dbtok_baremetal.h"

static const dbtok_bm_board *rng_board;

void dbtok_bm_psa_rng_use(const dbtok_bm_board *board)
{
    rng_board = board;
}

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
                                             uint8_t *output, size_t output_size, size_t *output_length)
{
    (void)context;
    *output_length = 0;
    if (rng_board == NULL || rng_board->entropy(rng_board->ctx, output, output_size) != 0) {
        return PSA_ERROR_INSUFFICIENT_ENTROPY;
    }
    *output_length = output_size;
    return PSA_SUCCESS;
}
