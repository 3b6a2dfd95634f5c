/*
 * Calendar dates to Unix time, and HTTP-dates. See civil_time.h.
 */
#include <string.h>

#include "civil_time.h"

int64_t dbtok__civil_to_unix(int64_t year, int month, int day, int hour, int minute, int second)
{
    /* Days from civil: count from 0000-03-01 so the leap day ends a year. */
    int64_t y = year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + (int64_t)hour * 3600 + (int64_t)minute * 60 + second;
}

#if DBTOK_ENABLE_HTTP_DATES
/* A fixed-width run of digits at *p, within end. */
static bool digits(const char **p, const char *end, int count, int *out)
{
    int v = 0;
    int i;
    if (end - *p < count) {
        return false;
    }
    for (i = 0; i < count; i++) {
        char ch = (*p)[i];
        if (ch < '0' || ch > '9') {
            return false;
        }
        v = v * 10 + (ch - '0');
    }
    *p += count;
    *out = v;
    return true;
}

static bool literal(const char **p, const char *end, const char *text)
{
    size_t n = strlen(text);
    if ((size_t)(end - *p) < n || memcmp(*p, text, n) != 0) {
        return false;
    }
    *p += n;
    return true;
}

static bool month(const char **p, const char *end, int *out)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int m;
    if (end - *p < 3) {
        return false;
    }
    for (m = 0; m < 12; m++) {
        if (memcmp(*p, names + (size_t)m * 3u, 3) == 0) {
            *p += 3;
            *out = m + 1;
            return true;
        }
    }
    return false;
}

/* "HH:MM:SS" */
static bool clock_time(const char **p, const char *end, int *h, int *mi, int *s)
{
    return digits(p, end, 2, h) && literal(p, end, ":") && digits(p, end, 2, mi) && literal(p, end, ":") &&
           digits(p, end, 2, s) && *h < 24 && *mi < 60 && *s < 61;
}

bool dbtok__http_date_parse(const char *s, size_t len, int64_t *unix_seconds)
{
    const char *end = s + len;
    const char *p;
    const char *comma = memchr(s, ',', len);
    int d = 0;
    int m = 0;
    int y = 0;
    int h = 0;
    int mi = 0;
    int sec = 0;
    bool ok;

    if (len < 3) {
        return false; /* every form starts with a three-letter day name */
    }
    if (comma != NULL && comma - s == 3) {
        /* IMF-fixdate: day-name "," SP DD SP Mon SP YYYY SP time SP "GMT" */
        p = comma + 1;
        ok = literal(&p, end, " ") && digits(&p, end, 2, &d) && literal(&p, end, " ") && month(&p, end, &m) &&
             literal(&p, end, " ") && digits(&p, end, 4, &y) && literal(&p, end, " ") &&
             clock_time(&p, end, &h, &mi, &sec) && literal(&p, end, " GMT");
    } else if (comma != NULL) {
        /* RFC 850: day-name "," SP DD "-" Mon "-" YY SP time SP "GMT";
         * a two-digit year is read as 1970-2069. */
        p = comma + 1;
        ok = literal(&p, end, " ") && digits(&p, end, 2, &d) && literal(&p, end, "-") && month(&p, end, &m) &&
             literal(&p, end, "-") && digits(&p, end, 2, &y) && literal(&p, end, " ") &&
             clock_time(&p, end, &h, &mi, &sec) && literal(&p, end, " GMT");
        y += y < 70 ? 2000 : 1900;
    } else {
        /* asctime: day-name SP Mon SP (DD | SP D) SP time SP YYYY */
        p = s + 3;
        ok = literal(&p, end, " ") && month(&p, end, &m) && literal(&p, end, " ");
        if (ok && p < end && *p == ' ') {
            p++;
            ok = digits(&p, end, 1, &d);
        } else {
            ok = ok && digits(&p, end, 2, &d);
        }
        ok = ok && literal(&p, end, " ") && clock_time(&p, end, &h, &mi, &sec) && literal(&p, end, " ") &&
             digits(&p, end, 4, &y);
    }
    if (!ok || p != end || d < 1 || d > 31) {
        return false;
    }
    *unix_seconds = dbtok__civil_to_unix(y, m, d, h, mi, sec);
    return true;
}
#endif /* DBTOK_ENABLE_HTTP_DATES */
