/*
 * Calendar dates to Unix time, and HTTP-dates (RFC 9110 section 5.6.7), for
 * certificate validity and Retry-After. No time zones: everything is UTC.
 */
#ifndef DBTOK_CIVIL_TIME_H
#define DBTOK_CIVIL_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok_config.h"

/* Seconds since 1970-01-01T00:00:00Z of a proleptic Gregorian UTC time. */
int64_t dbtok__civil_to_unix(int64_t year, int month, int day, int hour, int minute, int second);

#if DBTOK_ENABLE_HTTP_DATES
/* An HTTP-date in any of its three forms: IMF-fixdate ("Sun, 06 Nov 1994
 * 08:49:37 GMT"), RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime
 * ("Sun Nov  6 08:49:37 1994"). Returns false for anything else. */
bool dbtok__http_date_parse(const char *s, size_t len, int64_t *unix_seconds);
#endif

#endif /* DBTOK_CIVIL_TIME_H */
