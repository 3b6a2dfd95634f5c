/*
 * Unit tests: calendar dates to Unix time and HTTP-dates (Retry-After).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "civil_time.h"

static void test_civil_to_unix(void **state)
{
    (void)state;
    assert_int_equal(dbtok__civil_to_unix(1970, 1, 1, 0, 0, 0), 0);
    assert_int_equal(dbtok__civil_to_unix(1994, 11, 6, 8, 49, 37), 784111777);
    assert_int_equal(dbtok__civil_to_unix(2000, 2, 29, 0, 0, 0), 951782400);  /* a leap day */
    assert_int_equal(dbtok__civil_to_unix(2026, 11, 28, 15, 27, 22), 1795879642);
    assert_int_equal(dbtok__civil_to_unix(1969, 12, 31, 23, 59, 59), -1);
    assert_int_equal(dbtok__civil_to_unix(2100, 3, 1, 0, 0, 0), 4107542400); /* 2100 is no leap year */
}

static void expect_date(const char *text, int64_t want)
{
    int64_t got = 0;
    if (!dbtok__http_date_parse(text, strlen(text), &got) || got != want) {
        fail_msg("\"%s\": got %lld, want %lld", text, (long long)got, (long long)want);
    }
}

static void expect_no_date(const char *text)
{
    int64_t got = 0;
    if (dbtok__http_date_parse(text, strlen(text), &got)) {
        fail_msg("\"%s\" accepted as %lld", text, (long long)got);
    }
}

static void test_http_date_forms(void **state)
{
    (void)state;
    expect_date("Sun, 06 Nov 1994 08:49:37 GMT", 784111777);  /* IMF-fixdate */
    expect_date("Sunday, 06-Nov-94 08:49:37 GMT", 784111777); /* RFC 850 */
    expect_date("Sun Nov  6 08:49:37 1994", 784111777);       /* asctime */
    expect_date("Sun Nov 16 08:49:37 1994", 784111777 + 10 * 86400);
    expect_date("Sat, 28 Nov 2026 15:27:22 GMT", 1795879642);
    expect_date("Saturday, 28-Nov-26 15:27:22 GMT", 1795879642);
}

static void test_http_date_rejects(void **state)
{
    (void)state;
    expect_no_date("");
    expect_no_date("120");
    expect_no_date("Sun, 06 Nov 1994 08:49:37");     /* no GMT */
    expect_no_date("Sun, 06 Nov 1994 08:49:37 UTC"); /* only GMT is HTTP */
    expect_no_date("Sun, 6 Nov 1994 08:49:37 GMT");  /* two-digit day */
    expect_no_date("Sun, 06 Foo 1994 08:49:37 GMT");
    expect_no_date("Sun, 06 Nov 1994 24:00:00 GMT");
    expect_no_date("Sun, 00 Nov 1994 08:49:37 GMT");
    expect_no_date("Sun, 06 Nov 1994 08:49:37 GMT ");
    expect_no_date("Sun Nov  6 08:49:37 94");
    expect_no_date("Su");
    expect_no_date("Sun");
    expect_no_date("Sun,");
    expect_no_date("Sun,06 Nov 1994 08:49:37 GMT");   /* no space after the comma */
    expect_no_date("Sun, 06-Nov 1994 08:49:37 GMT");
    expect_no_date("Sun, 06 Nov 94 08:49:37 GMT");     /* IMF needs four year digits */
    expect_no_date("Sun, 06 Nov 1994 08-49-37 GMT");
    expect_no_date("Sun, 06 Nov 1994 08:60:00 GMT");
    expect_no_date("Sun, 06 Nov 1994 08:49:62 GMT");
    expect_no_date("Sun, 32 Nov 1994 08:49:37 GMT");
    expect_no_date("Sun, 0x Nov 1994 08:49:37 GMT");
    expect_no_date("Sunday, 06 Nov 94 08:49:37 GMT");  /* RFC 850 uses dashes */
    expect_no_date("Sunday, 06-Nov-1994 08:49:37 GMT");
    expect_no_date("Sunday, 06-Nov-94 08:49:37");
    expect_no_date("Sunday, 06-Xyz-94 08:49:37 GMT");
    expect_no_date("Sun Nov 6 08:49:37 1994");         /* asctime pads the day with a space */
    expect_no_date("Sun Nov  x 08:49:37 1994");
    expect_no_date("Sun Nov 06 08:49 1994");
    expect_no_date("Sun Nov 06 08:49:37  1994");
    expect_no_date("SunXNov 06 08:49:37 1994");
    expect_no_date("Sun Nov 06 08:49:37 1994 GMT");
}

/* RFC 850's two-digit years: 70..99 are 19xx, 00..69 are 20xx. */
static void test_http_date_two_digit_years(void **state)
{
    (void)state;
    expect_date("Thursday, 01-Jan-70 00:00:00 GMT", 0);
    expect_date("Wednesday, 31-Dec-69 23:59:59 GMT", dbtok__civil_to_unix(2069, 12, 31, 23, 59, 59));
    expect_date("Saturday, 01-Jan-00 00:00:00 GMT", 946684800);
}

/* Each field of each form, broken in turn: every step of the parse can refuse. */
static void test_http_date_rejects_each_step(void **state)
{
    (void)state;
    /* IMF-fixdate */
    expect_no_date("Sun, 06 Nov 1994");                 /* nothing after the year */
    expect_no_date("Sun, 06 Nov 1994 08");              /* clock cut after the hour */
    expect_no_date("Sun, 06 Nov 1994 08:49");           /* cut after the minutes */
    expect_no_date("Sun, 06 Nov 1994 08:49:3x GMT");    /* bad seconds digit */
    expect_no_date("Sun, 06 No");                       /* month name cut short */
    expect_no_date("Sun, 06 Nov 1994x08:49:37 GMT");
    expect_no_date("Sun, 06 Nov x994 08:49:37 GMT");
    /* RFC 850 */
    expect_no_date("Sunday,06-Nov-94 08:49:37 GMT");    /* no space after the comma */
    expect_no_date("Sunday, x6-Nov-94 08:49:37 GMT");
    expect_no_date("Sunday, 06-Nov 94 08:49:37 GMT");
    expect_no_date("Sunday, 06-Nov-9x 08:49:37 GMT");
    expect_no_date("Sunday, 06-Nov-94x08:49:37 GMT");
    expect_no_date("Sunday, 06-Nov-94 08:49:3 GMT");
    expect_no_date("Sunday, 06-Nov-94 08:49:37 UTC");
    /* asctime */
    expect_no_date("Sun Xyz  6 08:49:37 1994");
    expect_no_date("Sun Nov");
    expect_no_date("Sun Nov-06 08:49:37 1994");
    expect_no_date("Sun Nov  6x08:49:37 1994");
    expect_no_date("Sun Nov  6 08:49:37");
    expect_no_date("Sun Nov  6 08:49:37 19x4");
    expect_no_date("Sun Nov  6 0x:49:37 1994");
    expect_no_date("Sun Nov  6 25:49:37 1994");
    expect_no_date("Sun Nov  0 08:49:37 1994");
    expect_no_date("Sun Nov ");
    /* the leap second the clock allows, and the last day of the year */
    expect_date("Wed, 31 Dec 1997 23:59:60 GMT", dbtok__civil_to_unix(1998, 1, 1, 0, 0, 0));
    expect_date("Sun Dec 31 23:59:59 1995", dbtok__civil_to_unix(1996, 1, 1, 0, 0, 0) - 1);
}

/* Proleptic Gregorian dates before year 1: the era arithmetic for negative years. */
static void test_civil_to_unix_year_zero(void **state)
{
    (void)state;
    assert_int_equal(dbtok__civil_to_unix(0, 1, 1, 0, 0, 0), -62167219200LL);
    assert_int_equal(dbtok__civil_to_unix(0, 3, 1, 0, 0, 0), -62167219200LL + 60 * 86400); /* year 0 is leap */
    assert_int_equal(dbtok__civil_to_unix(1, 1, 1, 0, 0, 0), -62135596800LL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_to_unix),
        cmocka_unit_test(test_http_date_forms),
        cmocka_unit_test(test_http_date_rejects),
        cmocka_unit_test(test_http_date_two_digit_years),
        cmocka_unit_test(test_http_date_rejects_each_step),
        cmocka_unit_test(test_civil_to_unix_year_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
