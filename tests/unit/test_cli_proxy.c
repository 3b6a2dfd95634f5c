/*
 * Unit tests of the dbtok tool's proxy settings (examples/posix/cli_proxy.c):
 * the proxy URL parser with hostile input (controls, CR/LF raw and
 * percent-encoded, '@' in the password, overlong hosts, ports 0 and 65536,
 * IPv6), the masked form messages show, the Base64 of the credentials, and
 * the NO_PROXY rule against curl's documented examples.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cli_proxy.h"

static cli_proxy_url g_p;
static char g_err[1024];

static int parse(const char *url)
{
    g_err[0] = '\0';
    return cli_parse_proxy_url(url, &g_p, g_err, sizeof g_err);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL) {
        fail_msg("'%s' does not contain '%s'", hay, needle);
    }
}

static void assert_lacks(const char *hay, const char *needle)
{
    if (strstr(hay, needle) != NULL) {
        fail_msg("'%s' contains '%s'", hay, needle);
    }
}

/* A URL that must be refused: the reason contains `why`, never the secret,
 * and nothing of the credentials is left behind. */
static void assert_refused(const char *url, const char *why, const char *secret)
{
    if (parse(url) == 0) {
        fail_msg("'%s' was accepted as host '%s' port %u", url, g_p.host, (unsigned)g_p.port);
    }
    assert_contains(g_err, why);
    if (secret != NULL) {
        assert_lacks(g_err, secret);
    }
    assert_string_equal(g_p.host, "");
    assert_string_equal(g_p.username, "");
    assert_string_equal(g_p.password, "");
}

static void assert_proxy(const char *url, const char *host, unsigned port, const char *user, const char *pass)
{
    if (parse(url) != 0) {
        fail_msg("'%s' was refused: %s", url, g_err);
    }
    assert_string_equal(g_p.host, host);
    assert_int_equal(g_p.port, port);
    assert_string_equal(g_p.username, user);
    assert_string_equal(g_p.password, pass);
}

/* ---- the URL ------------------------------------------------------------- */

static void test_url_forms(void **state)
{
    (void)state;
    assert_proxy("http://proxy.corp:3128", "proxy.corp", 3128, "", "");
    assert_proxy("HTTP://Proxy.Corp:3128/", "proxy.corp", 3128, "", "");
    assert_proxy("proxy.corp:8080", "proxy.corp", 8080, "", ""); /* no scheme: http, as curl */
    assert_proxy("proxy.corp", "proxy.corp", 1080, "", "");      /* curl's default port */
    assert_proxy("http://proxy.corp/", "proxy.corp", 1080, "", "");
    assert_proxy("http://10.0.0.1:65535", "10.0.0.1", 65535, "", "");
    assert_proxy("http://[::1]:3128", "::1", 3128, "", "");
    assert_proxy("http://[2001:DB8::7]", "2001:db8::7", 1080, "", "");
    assert_proxy("http://alice:s3cret@proxy:3128", "proxy", 3128, "alice", "s3cret");
    assert_proxy("http://alice@proxy:3128", "proxy", 3128, "alice", ""); /* curl sends "alice:" */
    assert_proxy("http://alice:@proxy:3128", "proxy", 3128, "alice", "");
    assert_proxy("alice:pw@[::1]:1", "::1", 1, "alice", "pw");
}

static void test_url_credentials_decoded(void **state)
{
    (void)state;
    /* Percent-decoded, as curl does; the password keeps ':' and '@'. */
    assert_proxy("http://al%69ce:p%40ss%3Aw%25rd@proxy:3128", "proxy", 3128, "alice", "p@ss:w%rd");
    /* A raw '@' in the password: the last '@' ends the user information. */
    assert_proxy("http://bob:p@ss@w@rd@proxy:3128", "proxy", 3128, "bob", "p@ss@w@rd");
    assert_proxy("http://bob:a:b:c@proxy:3128", "proxy", 3128, "bob", "a:b:c");
    assert_proxy("http://bob:pass%20word@proxy", "proxy", 1080, "bob", "pass word");
    assert_proxy("http://bob:%7e%7E@proxy", "proxy", 1080, "bob", "~~");
}

static void test_url_refused_schemes(void **state)
{
    (void)state;
    assert_refused("https://proxy:3128", "https:// proxies (TLS to the proxy) are not supported", NULL);
    assert_refused("HTTPS://u:hunter2hunter2@proxy:3128", "not supported", "hunter2");
    assert_refused("socks5://proxy:1080", "SOCKS proxies are not supported", NULL);
    assert_refused("socks5h://proxy:1080", "SOCKS", NULL);
    assert_refused("socks4a://proxy:1080", "SOCKS", NULL);
    assert_refused("ftp://proxy:21", "unsupported scheme", NULL);
    assert_refused("ht%74p://proxy", "not allowed", NULL); /* no scheme, so "//proxy" is a path */
}

static void test_url_refused_hostile(void **state)
{
    char longhost[400], url[512];
    (void)state;
    assert_refused("", "empty proxy URL", NULL);
    assert_refused("http://", "no host name", NULL);
    assert_refused("http://:3128", "no host name", NULL);
    assert_refused("http://u:topsecret1@", "no host name", "topsecret1");
    assert_refused("http://u:topsecret1@:3128", "no host name", "topsecret1");
    /* Raw controls, CR/LF, spaces, non-ASCII anywhere. */
    assert_refused("http://proxy:3128\r\nX-Evil: 1", "control characters", NULL);
    assert_refused("http://u:pa\nss@proxy:3128", "control characters", NULL);
    assert_refused("http://pro xy:3128", "spaces", NULL);
    assert_refused("http://u:p\x7fss@proxy", "control characters", NULL);
    assert_refused("http://u:caf\xc3\xa9@proxy", "non-ASCII", NULL);
    /* Percent-encoded CR LF, NUL, DEL or non-ASCII in the credentials. */
    assert_refused("http://u:line%0d%0aX-Evil:%201@proxy:3128", "control character", "Evil");
    assert_refused("http://u%0a:pw@proxy:3128", "control character", NULL);
    assert_refused("http://u:a%00b@proxy:3128", "control character", NULL);
    assert_refused("http://u:a%7fb@proxy:3128", "control character", NULL);
    assert_refused("http://u:caf%c3%a9@proxy:3128", "outside printable ASCII", NULL);
    /* Broken escapes, never decoded halfway. */
    assert_refused("http://u:abc%@proxy:3128", "two hex digits", NULL);
    assert_refused("http://u:abc%4@proxy:3128", "two hex digits", NULL);
    assert_refused("http://u:abc%zz@proxy:3128", "two hex digits", NULL);
    /* The user name: present, and without ':' (Basic cannot carry it). */
    assert_refused("http://:secretsecret@proxy:3128", "user name", "secretsecret");
    assert_refused("http://@proxy:3128", "user name", NULL);
    assert_refused("http://a%3Ab:secretsecret@proxy:3128", "':'", "secretsecret");
    /* Ports. */
    assert_refused("http://proxy:0", "port", NULL);
    assert_refused("http://proxy:65536", "port", NULL);
    assert_refused("http://proxy:", "port", NULL);
    assert_refused("http://proxy:80a", "port", NULL);
    assert_refused("http://proxy:-1", "port", NULL);
    assert_refused("http://u:secretsecret@proxy:99999", "port", "secretsecret");
    /* Hosts: the library's rule. */
    assert_refused("http://pro_xy:3128", "character not allowed", NULL);
    assert_refused("http://[::1", "unterminated IPv6", NULL);
    assert_refused("http://[proxy]:3128", "not an IPv6 address", NULL);
    assert_refused("http://::1:3128", "brackets", NULL);
    assert_refused("http://[::1]x", "junk after", NULL);
    memset(longhost, 'a', sizeof longhost - 1);
    longhost[sizeof longhost - 1] = '\0';
    (void)snprintf(url, sizeof url, "http://%s:3128", longhost);
    assert_refused(url, "too long", NULL);
    longhost[254] = '\0'; /* one more than DBTOK_MAX_HOST_LEN */
    (void)snprintf(url, sizeof url, "http://%s:3128", longhost);
    assert_refused(url, "too long", NULL);
    longhost[253] = '\0';
    (void)snprintf(url, sizeof url, "http://%s:3128", longhost);
    assert_proxy(url, longhost, 3128, "", "");
    /* Nothing after the authority but one '/'. */
    assert_refused("http://proxy:3128/path", "path, query or fragment", NULL);
    assert_refused("http://proxy:3128//", "path", NULL);
    assert_refused("http://proxy:3128?x=1", "query", NULL);
    assert_refused("http://proxy:3128#f", "fragment", NULL);
    /* A '/' in a password cuts the authority: refused without showing it. */
    assert_refused("http://u:sec/retsecret@proxy:3128", "percent-encoded", "retsecret");
}

static void test_url_credentials_length(void **state)
{
    char url[600], user[300];
    size_t n = DBTOK_MAX_PROXY_CREDENTIALS_LEN - 2; /* user:p fills the limit exactly */
    (void)state;
    memset(user, 'u', n);
    user[n] = '\0';
    (void)snprintf(url, sizeof url, "http://%s:p@proxy:3128", user);
    assert_proxy(url, "proxy", 3128, user, "p");
    (void)snprintf(url, sizeof url, "http://%s:pq@proxy:3128", user);
    assert_refused(url, "longer than", NULL);
    /* Encoded, what counts is the decoded length. */
    (void)snprintf(url, sizeof url, "http://%s:%%70@proxy:3128", user);
    assert_proxy(url, "proxy", 3128, user, "p");
    memset(user, 'u', 290);
    user[290] = '\0';
    (void)snprintf(url, sizeof url, "http://%s@proxy:3128", user);
    assert_refused(url, "longer than", NULL);
}

static void test_url_errors_never_show_the_password(void **state)
{
    static const char *const urls[] = {
        "http://alice:Pa55w0rdPa55w0rd@proxy:0",
        "http://alice:Pa55w0rdPa55w0rd@proxy:3128/x",
        "https://alice:Pa55w0rdPa55w0rd@proxy:3128",
        "socks5://alice:Pa55w0rdPa55w0rd@proxy:3128",
        "alice:Pa55w0rdPa55w0rd@pro_xy",
        "http://alice:Pa55w0rd%0aPa55w0rd@proxy",
        "http://alice:Pa55w0rd@Pa55w0rd@[::1",
        "http://alice:Pa55w0rd/Pa55w0rd@proxy",
        "http://alice:Pa55w0rd?Pa55w0rd@proxy",
        "http://alice:Pa55w0rd Pa55w0rd@proxy",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        assert_int_equal(-1, parse(urls[i]));
        assert_lacks(g_err, "Pa55w0rd");
        assert_lacks(g_err, "alice"); /* the whole user information is hidden */
        assert_contains(g_err, "***");
    }
}

static void test_display(void **state)
{
    char buf[128];
    (void)state;
    cli_proxy_display("http://u:secret@proxy:3128", buf, sizeof buf);
    assert_string_equal(buf, "http://***@proxy:3128");
    cli_proxy_display("u:secret@proxy:3128", buf, sizeof buf);
    assert_string_equal(buf, "***@proxy:3128");
    cli_proxy_display("http://u:a@b/c@proxy", buf, sizeof buf);
    assert_string_equal(buf, "http://***@proxy");
    cli_proxy_display("http://proxy:3128", buf, sizeof buf);
    assert_string_equal(buf, "http://proxy:3128");
    cli_proxy_display("http://u:secret@proxy:3128", buf, 12);
    assert_string_equal(buf, "http://***@");
}

static void test_basic(void **state)
{
    char buf[CLI_PROXY_BASIC_MAX];
    (void)state;
    assert_int_equal(0, parse("http://Aladdin:open%20sesame@proxy"));
    cli_proxy_basic(&g_p, buf, sizeof buf);
    assert_string_equal(buf, "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="); /* RFC 7617's example */
    assert_int_equal(0, parse("http://alice@proxy"));
    cli_proxy_basic(&g_p, buf, sizeof buf);
    assert_string_equal(buf, "YWxpY2U6"); /* "alice:" */
    assert_int_equal(0, parse("http://proxy"));
    cli_proxy_basic(&g_p, buf, sizeof buf);
    assert_string_equal(buf, "");
    assert_int_equal(0, parse("http://Aladdin:open%20sesame@proxy"));
    cli_proxy_basic(&g_p, buf, 8); /* too small: nothing rather than a cut */
    assert_string_equal(buf, "");
}

/* ---- NO_PROXY ------------------------------------------------------------ */

static void test_no_proxy_names(void **state)
{
    (void)state;
    /* curl's examples: "ample.com" matches ample.com and www.ample.com, but
     * not www.example.com or ample.com.org. */
    assert_true(cli_no_proxy_matches("ample.com", "ample.com", 443));
    assert_true(cli_no_proxy_matches("ample.com", "www.ample.com", 443));
    assert_false(cli_no_proxy_matches("ample.com", "www.example.com", 443));
    assert_false(cli_no_proxy_matches("ample.com", "ample.com.org", 443));
    assert_false(cli_no_proxy_matches("ample.com", "example.com", 443));
    /* A leading '.' (or "*.") is the same suffix and matches the name too. */
    assert_true(cli_no_proxy_matches(".ample.com", "ample.com", 443));
    assert_true(cli_no_proxy_matches(".ample.com", "a.b.ample.com", 443));
    assert_true(cli_no_proxy_matches("*.ample.com", "www.ample.com", 443));
    assert_false(cli_no_proxy_matches(".ample.com", "example.com", 443));
    /* Case, whitespace, empty entries, trailing dots. */
    assert_true(cli_no_proxy_matches("other.net, ,,  AMPLE.Com  ", "www.ample.com", 443));
    assert_true(cli_no_proxy_matches("ample.com.", "www.ample.com.", 443));
    assert_true(cli_no_proxy_matches("\tample.com\n", "ample.com", 443));
    assert_false(cli_no_proxy_matches("amp le.com", "amp", 443));
    assert_false(cli_no_proxy_matches("", "ample.com", 443));
    assert_false(cli_no_proxy_matches(NULL, "ample.com", 443));
    assert_false(cli_no_proxy_matches(",,, ,", "ample.com", 443));
    assert_false(cli_no_proxy_matches(".", "ample.com", 443));
    assert_false(cli_no_proxy_matches("com.", "ample.comm", 443));
    /* A longer entry than the host, or a suffix without its dot. */
    assert_false(cli_no_proxy_matches("www.ample.com", "ample.com", 443));
    assert_false(cli_no_proxy_matches("mple.com", "ample.com", 443));
    /* localhost is not special (curl): only when named. */
    assert_false(cli_no_proxy_matches("example.com", "localhost", 443));
    assert_true(cli_no_proxy_matches("localhost", "localhost", 8443));
    /* A name is never matched by an address (nothing is resolved). */
    assert_false(cli_no_proxy_matches("127.0.0.1", "localhost", 443));
}

static void test_no_proxy_star(void **state)
{
    (void)state;
    assert_true(cli_no_proxy_matches("*", "anything.example", 443));
    assert_true(cli_no_proxy_matches(" * ", "10.1.2.3", 443));
    assert_true(cli_no_proxy_matches("a.com,*", "::1", 443));
    assert_false(cli_no_proxy_matches("*example.com", "www.example.com", 443));
    assert_false(cli_no_proxy_matches("**", "x", 443));
}

static void test_no_proxy_ports(void **state)
{
    (void)state;
    assert_true(cli_no_proxy_matches("ample.com:8443", "www.ample.com", 8443));
    assert_false(cli_no_proxy_matches("ample.com:8443", "www.ample.com", 443));
    assert_true(cli_no_proxy_matches("127.0.0.1:443", "127.0.0.1", 443));
    assert_false(cli_no_proxy_matches("127.0.0.1:444", "127.0.0.1", 443));
    assert_true(cli_no_proxy_matches("[::1]:8443", "::1", 8443));
    assert_false(cli_no_proxy_matches("[::1]:8443", "::1", 443));
    assert_true(cli_no_proxy_matches("[::1]", "::1", 443));
    /* A bad port makes the entry match nothing. */
    assert_false(cli_no_proxy_matches("ample.com:0", "ample.com", 443));
    assert_false(cli_no_proxy_matches("ample.com:65536", "ample.com", 443));
    assert_false(cli_no_proxy_matches("ample.com:", "ample.com", 443));
    assert_false(cli_no_proxy_matches("ample.com:44x", "ample.com", 443));
    assert_false(cli_no_proxy_matches("[::1]x", "::1", 443));
    assert_false(cli_no_proxy_matches("[::1", "::1", 443));
}

static void test_no_proxy_addresses(void **state)
{
    (void)state;
    assert_true(cli_no_proxy_matches("192.168.1.10", "192.168.1.10", 443));
    assert_false(cli_no_proxy_matches("192.168.1.10", "192.168.1.100", 443));
    /* Not a suffix match for addresses: 1.10 is not "below" 168.1.10. */
    assert_false(cli_no_proxy_matches("168.1.10", "192.168.1.10", 443));
    /* IPv6 bare, however written. */
    assert_true(cli_no_proxy_matches("::1", "::1", 443));
    assert_true(cli_no_proxy_matches("0:0:0:0:0:0:0:1", "::1", 443));
    assert_true(cli_no_proxy_matches("2001:DB8::1", "2001:db8::1", 443));
    assert_false(cli_no_proxy_matches("::2", "::1", 443));
    assert_false(cli_no_proxy_matches("::1", "127.0.0.1", 443));
    /* Networks (curl since 7.86). */
    assert_true(cli_no_proxy_matches("192.168.0.0/16", "192.168.200.7", 443));
    assert_false(cli_no_proxy_matches("192.168.0.0/16", "192.169.0.1", 443));
    assert_true(cli_no_proxy_matches("10.0.0.0/8", "10.255.255.255", 443));
    assert_true(cli_no_proxy_matches("10.1.2.3/32", "10.1.2.3", 443));
    assert_true(cli_no_proxy_matches("0.0.0.0/0", "203.0.113.9", 443));
    assert_true(cli_no_proxy_matches("192.168.1.128/25", "192.168.1.200", 443));
    assert_false(cli_no_proxy_matches("192.168.1.128/25", "192.168.1.127", 443));
    assert_true(cli_no_proxy_matches("2001:db8::/32", "2001:db8:ffff::1", 443));
    assert_false(cli_no_proxy_matches("2001:db8::/33", "2001:db8:ffff::1", 443));
    assert_false(cli_no_proxy_matches("10.0.0.0/33", "10.0.0.1", 443));
    assert_false(cli_no_proxy_matches("10.0.0.0/", "10.0.0.1", 443));
    assert_false(cli_no_proxy_matches("10.0.0.0/x", "10.0.0.1", 443));
    assert_false(cli_no_proxy_matches("::/129", "::1", 443));
    /* A name host never matches a network entry. */
    assert_false(cli_no_proxy_matches("10.0.0.0/8", "ten.example", 443));
}

static void test_no_proxy_hostile(void **state)
{
    char list[5000];
    (void)state;
    /* Long lists and entries: bounded work, no overflow. */
    memset(list, 'a', sizeof list - 1);
    list[sizeof list - 1] = '\0';
    assert_false(cli_no_proxy_matches(list, "a", 443));
    memset(list, ',', sizeof list - 1);
    assert_false(cli_no_proxy_matches(list, "a", 443));
    (void)snprintf(list, sizeof list, "%s", "x,\r\n,\x01,%2e,example.com\x7f,example.com");
    assert_true(cli_no_proxy_matches(list, "www.example.com", 443));
    assert_false(cli_no_proxy_matches("example.com\x01", "example.com", 443));
    assert_false(cli_no_proxy_matches("[", "::1", 443));
    assert_false(cli_no_proxy_matches("[]", "::1", 443));
    assert_false(cli_no_proxy_matches(":443", "a", 443));
    assert_false(cli_no_proxy_matches("example.com", "", 443));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_forms),
        cmocka_unit_test(test_url_credentials_decoded),
        cmocka_unit_test(test_url_refused_schemes),
        cmocka_unit_test(test_url_refused_hostile),
        cmocka_unit_test(test_url_credentials_length),
        cmocka_unit_test(test_url_errors_never_show_the_password),
        cmocka_unit_test(test_display),
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_no_proxy_names),
        cmocka_unit_test(test_no_proxy_star),
        cmocka_unit_test(test_no_proxy_ports),
        cmocka_unit_test(test_no_proxy_addresses),
        cmocka_unit_test(test_no_proxy_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
