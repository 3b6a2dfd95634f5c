/*
 * A firmware's own functions that happen to share names with dbtok's
 * internals, as jsmn's, an `exchange` or a `tls_init` of the application's
 * would. Linked with examples/posix/provision.c (create, list, revoke;
 * compiled with its main renamed provision_main) and every dbtok library:
 * the link fails with "multiple definition" if any dbtok archive defines one
 * of these names, and main checks that each call reaches this file before it
 * runs the example.
 *
 * The names are those dbtok 0.1's core exported, each defined here as
 * `int name(void)` returning its place in the list.
 */
#include <stdio.h>

#define COLLIDE_NAMES(X)                                                                                               \
    X(jsmn_init, 1) X(jsmn_parse, 2) X(exchange, 3) X(client_call, 4) X(tls_init, 5) X(tls_connect, 6)                 \
    X(tls_disconnect, 7) X(tls_free, 8) X(tls_is_reusable, 9) X(tls_recv, 10) X(tls_send_all, 11)                       \
    X(json_parse, 12) X(json_count_tokens, 13) X(json_echo_bound, 14) X(json_int64, 15) X(json_object_get, 16)          \
    X(json_object_members, 17) X(json_skip, 18) X(json_span_decode, 19) X(json_span_equals, 20)                         \
    X(json_span_holds_nul, 21) X(json_span_int64, 22) X(json_span_primitive_ok, 23) X(json_span_string_ok, 24)          \
    X(json_string, 25) X(json_string_cstr, 26) X(http_reader_init, 27) X(http_reader_feed, 28)                          \
    X(http_reader_eof, 29) X(http_buf_put, 30) X(http_buf_put_i64, 31) X(http_buf_put_json_string, 32)                  \
    X(http_buf_put_json_text, 33) X(http_buf_put_u32, 34) X(http_buf_puts, 35) X(http_write_request, 36)                \
    X(http_date_parse, 37) X(civil_to_unix, 38) X(client_remaining_ms, 39) X(client_error_reset, 40)                    \
    X(client_fail, 41) X(client_record_code, 42) X(client_record_message, 43) X(client_record_text, 44)                 \
    X(client_said_try_later, 45) X(list_reader_init, 46) X(list_reader_sink, 47) X(token_info_names, 48)                \
    X(token_info_read, 49) X(response_classify, 50) X(token_create_tagged, 51) X(trace_body, 52)                        \
    X(trace_enabled, 53) X(trace_line, 54) X(trace_request, 55) X(trace_text, 56)
#define COLLIDE_COUNT 56

#define COLLIDE_DEFINE(name, n)                                                                                        \
    int name(void);                                                                                                    \
    int name(void)                                                                                                     \
    {                                                                                                                  \
        return n;                                                                                                      \
    }
COLLIDE_NAMES(COLLIDE_DEFINE)

int provision_main(int argc, char **argv);

int main(int argc, char **argv)
{
    int reached = 0;
#define COLLIDE_CALL(name, n) reached += name() == (n);
    COLLIDE_NAMES(COLLIDE_CALL)
    if (reached != COLLIDE_COUNT) {
        fprintf(stderr, "collide: %d of %d of the program's own functions were reached\n", reached, COLLIDE_COUNT);
        return 1;
    }
    return provision_main(argc, argv);
}
