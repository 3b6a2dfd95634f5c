/*
 * The request body of `dbtok create --json`, as the Databricks CLI takes it:
 * a JSON object given inline or as @FILE, whose fields flags may override.
 */
#ifndef CLI_BODY_H
#define CLI_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a create body says; a field is used only when its has_ flag is set. */
typedef struct {
    bool has_comment;
    const char *comment; /* points into the text given; a JSON null is no comment */
    bool has_lifetime;
    int64_t lifetime_seconds;
} cli_create_body;

/*
 * Parse text[0..len) (modified: strings are decoded in place, so it must stay
 * alive while the result is used) as the body of a create: one JSON object
 * whose members may be "comment" (string or null) and "lifetime_seconds"
 * (an integer). Any other member is refused rather than dropped, so a typo
 * does not silently create a token without the intended expiry; so is a
 * comment holding \u0000, which the library's C-string comment would cut.
 *
 * Returns 0, or -1 with a one-line message in err.
 */
int cli_parse_create_body(char *text, size_t len, cli_create_body *out, char *err, size_t err_cap);

#endif /* CLI_BODY_H */
