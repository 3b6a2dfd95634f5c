/*
 * dbtok's POSIX port. See dbtok_posix.h.
 */
#define _GNU_SOURCE /* getrandom, MSG_NOSIGNAL */

#include "dbtok_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t posix_now_ms(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Waits for events on fd until timeout_ms passes; EINTR restarts the wait
 * with the time that is left. Returns revents, 0 on timeout, -1 on error. */
static int wait_fd(int fd, short events, uint32_t timeout_ms)
{
    uint64_t deadline = posix_now_ms(NULL) + timeout_ms;
    for (;;) {
        struct pollfd pfd;
        uint64_t now = posix_now_ms(NULL);
        int left = now >= deadline ? 0 : (int)(deadline - now > 0x7fffffff ? 0x7fffffff : deadline - now);
        int ret;
        pfd.fd = fd;
        pfd.events = events;
        pfd.revents = 0;
        ret = poll(&pfd, 1, left);
        if (ret > 0) {
            return pfd.revents;
        }
        if (ret == 0) {
            return 0;
        }
        if (errno != EINTR) {
            return -1;
        }
    }
}

static int connect_one(const struct addrinfo *ai, uint32_t timeout_ms, int *fd_out)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    int err = 0;
    socklen_t err_len = sizeof err;
    int one = 1;

    if (fd < 0) {
        return DBTOK_PORT_ERR_CONNECT;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        int ready;
        if (errno != EINPROGRESS && errno != EINTR) {
            close(fd);
            return DBTOK_PORT_ERR_CONNECT;
        }
        ready = wait_fd(fd, POLLOUT, timeout_ms);
        if (ready == 0) {
            close(fd);
            return DBTOK_PORT_ERR_TIMEOUT;
        }
        if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0 || err != 0) {
            close(fd);
            return DBTOK_PORT_ERR_CONNECT;
        }
    }
    /* Requests are small and answered at once: do not wait for Nagle. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *fd_out = fd;
    return 0;
}

static int posix_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    dbtok_posix_ctx *p = ctx;
    struct addrinfo hints;
    struct addrinfo *list = NULL;
    const struct addrinfo *ai;
    char service[8];
    uint64_t deadline = posix_now_ms(NULL) + timeout_ms;
    int result = DBTOK_PORT_ERR_CONNECT;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    /* Cannot be cut: a 16-bit port has at most 5 digits. */
    (void)snprintf(service, sizeof service, "%u", (unsigned)port);
    /* getaddrinfo cannot be bounded in time; glibc's resolver timeouts apply. */
    if (getaddrinfo(host, service, &hints, &list) != 0 || list == NULL) {
        return DBTOK_PORT_ERR_DNS;
    }
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        uint64_t now = posix_now_ms(NULL);
        if (now >= deadline) {
            result = DBTOK_PORT_ERR_TIMEOUT;
            break;
        }
        result = connect_one(ai, (uint32_t)(deadline - now), &p->fd);
        if (result == 0) {
            break;
        }
    }
    freeaddrinfo(list);
    return result;
}

static int posix_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    dbtok_posix_ctx *p = ctx;
    for (;;) {
        ssize_t n = send(p->fd, buf, len, MSG_NOSIGNAL);
        int ready;
        if (n > 0) {
            return n > 0x7fffffff ? 0x7fffffff : (int)n;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            return DBTOK_PORT_ERR_IO;
        }
        ready = wait_fd(p->fd, POLLOUT, timeout_ms);
        if (ready == 0) {
            return DBTOK_PORT_ERR_TIMEOUT;
        }
        if (ready < 0) {
            return DBTOK_PORT_ERR_IO;
        }
    }
}

static int posix_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    dbtok_posix_ctx *p = ctx;
    for (;;) {
        ssize_t n = recv(p->fd, buf, len, 0);
        int ready;
        if (n >= 0) {
            return n > 0x7fffffff ? 0x7fffffff : (int)n;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            return DBTOK_PORT_ERR_IO;
        }
        if (timeout_ms == 0) {
            return DBTOK_PORT_ERR_TIMEOUT;
        }
        ready = wait_fd(p->fd, POLLIN, timeout_ms);
        if (ready == 0) {
            return DBTOK_PORT_ERR_TIMEOUT;
        }
        if (ready < 0) {
            return DBTOK_PORT_ERR_IO;
        }
    }
}

static void posix_close(void *ctx)
{
    dbtok_posix_ctx *p = ctx;
    if (p->fd >= 0) {
        close(p->fd);
        p->fd = -1;
    }
}

static int posix_entropy(void *ctx, uint8_t *buf, size_t len)
{
    size_t done = 0;
    (void)ctx;
    while (done < len) {
        ssize_t n = getrandom(buf + done, len - done, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

static int64_t posix_unix_time(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

static void posix_sleep_ms(void *ctx, uint32_t ms)
{
    struct timespec ts;
    (void)ctx;
    ts.tv_sec = (time_t)(ms / 1000u);
    ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void posix_log(void *ctx, int level, const char *text, size_t len)
{
    dbtok_posix_ctx *p = ctx;
    if (level <= p->log_level) {
        (void)fwrite(text, 1, len, stderr);
    }
}

void dbtok_posix_port_init(dbtok_posix_ctx *ctx, dbtok_port *port, int log_level)
{
    ctx->fd = -1;
    ctx->log_level = log_level;
    memset(port, 0, sizeof *port);
    port->ctx = ctx;
    port->connect = posix_connect;
    port->send = posix_send;
    port->recv = posix_recv;
    port->close = posix_close;
    port->now_ms = posix_now_ms;
    port->entropy = posix_entropy;
    port->unix_time = posix_unix_time;
    port->sleep_ms = posix_sleep_ms;
    port->log = log_level > 0 ? posix_log : NULL;
}

int dbtok_posix_read_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t used = 0;
    if (fd < 0) {
        return -1;
    }
    for (;;) {
        ssize_t n;
        if (used + 1 >= cap) {
            close(fd);
            return -2;
        }
        n = read(fd, buf + used, cap - used - 1);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        if (n == 0) {
            break;
        }
        used += (size_t)n;
    }
    close(fd);
    buf[used] = 0;
    *len = used + 1;
    return 0;
}
