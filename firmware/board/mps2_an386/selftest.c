/* SPDX-License-Identifier: MIT */
/* End-to-end self-test of the mps2-an386 board support under QEMU (run by
 * selftest.sh). Command line (semihosting):
 *   selftest echo <port> <file>  read <file> from the host, get entropy,
 *                                bring lwIP up on the LAN9118, echo a line
 *                                and then 16 KiB through 10.0.2.100:<port>
 *                                (two connections), check that other
 *                                destinations are unreachable, print one
 *                                JSON line on UART0, exit 0
 *   selftest exit <n>            exit status n through semihost_exit()
 *   selftest exit-legacy <n>     plain SYS_EXIT (reason ApplicationExit if
 *                                n is 0, else n): QEMU's status is 0 or 1
 *   selftest fault               executes UDF: the fault handler exits 70
 *   selftest stdio               printf/fputs/fwrite after board_init(),
 *                                then malloc (which must fail)
 * On failure the reason goes to stderr (the host's, via semihosting) and
 * the exit status names the step: 2 usage, 3 file, 4 entropy, 5 netif,
 * 6 connect, 7 echo mismatch, 8 timeout, 9 reached a blocked destination. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "lan9118.h"
#include "lwip/dns.h"
#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "semihost.h"

enum {
    EXIT_USAGE = 2,
    EXIT_FILE = 3,
    EXIT_ENTROPY = 4,
    EXIT_NETIF = 5,
    EXIT_CONNECT = 6,
    EXIT_MISMATCH = 7,
    EXIT_TIMEOUT = 8,
    EXIT_NOT_BLOCKED = 9,
};

#define BIG_ECHO_BYTES (16u * 1024u)
#define ECHO_TIMEOUT_MS 20000u
#define BLOCKED_WINDOW_MS 3000u

static char g_cmdline[256];
static uint8_t g_file[8 * 1024];
static uint8_t g_tx[BIG_ECHO_BYTES];
static uint8_t g_rx[BIG_ECHO_BYTES];
static struct netif g_netif;

__attribute__((noreturn, format(printf, 2, 3))) static void fail(int status, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("selftest: FAIL: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n", stderr);
    va_end(ap);
    board_exit(status);
}

static void net_poll(void) {
    lan9118_poll(&g_netif);
    sys_check_timeouts();
}

/* ---- a raw-API TCP client driven by polling ---- */

enum conn_state { CONN_CONNECTING, CONN_OPEN, CONN_PEER_CLOSED, CONN_ERROR };

struct conn {
    struct tcp_pcb* pcb;
    enum conn_state state;
    err_t err;
    const uint8_t* tx;
    size_t tx_len, tx_sent;
    uint8_t* rx;
    size_t rx_cap, rx_len;
};

static err_t on_connected(void* arg, struct tcp_pcb* pcb, err_t err) {
    (void)pcb;
    struct conn* c = (struct conn*)arg;
    c->state = err == ERR_OK ? CONN_OPEN : CONN_ERROR;
    c->err = err;
    return ERR_OK;
}

static err_t on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err) {
    struct conn* c = (struct conn*)arg;
    (void)err;
    if (p == NULL) {
        c->state = CONN_PEER_CLOSED;
        return ERR_OK;
    }
    size_t room = c->rx_cap - c->rx_len;
    size_t n = p->tot_len < room ? p->tot_len : room;
    pbuf_copy_partial(p, c->rx + c->rx_len, (u16_t)n, 0);
    c->rx_len += n;
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static void on_error(void* arg, err_t err) {
    struct conn* c = (struct conn*)arg;
    c->pcb = NULL; /* lwIP has freed it */
    c->state = CONN_ERROR;
    c->err = err;
}

static int conn_open(struct conn* c, const ip_addr_t* ip, uint16_t port) {
    c->pcb = tcp_new();
    if (c->pcb == NULL) return -1;
    c->state = CONN_CONNECTING;
    tcp_arg(c->pcb, c);
    tcp_recv(c->pcb, on_recv);
    tcp_err(c->pcb, on_error);
    if (tcp_connect(c->pcb, ip, port, on_connected) != ERR_OK) {
        tcp_abort(c->pcb);
        c->pcb = NULL;
        return -1;
    }
    return 0;
}

static void conn_close(struct conn* c) {
    if (c->pcb == NULL) return;
    tcp_arg(c->pcb, NULL);
    tcp_recv(c->pcb, NULL);
    tcp_err(c->pcb, NULL);
    if (tcp_close(c->pcb) != ERR_OK) tcp_abort(c->pcb);
    c->pcb = NULL;
}

static void conn_push(struct conn* c) {
    if (c->state != CONN_OPEN || c->tx_sent == c->tx_len) return;
    size_t n = c->tx_len - c->tx_sent;
    size_t room = tcp_sndbuf(c->pcb);
    if (n > room) n = room;
    if (n > 0xFFFFu) n = 0xFFFFu;
    if (n == 0) return;
    if (tcp_write(c->pcb, c->tx + c->tx_sent, (u16_t)n, TCP_WRITE_FLAG_COPY) == ERR_OK) {
        c->tx_sent += n;
        tcp_output(c->pcb);
    }
}

/* Sends len bytes through 10.0.2.100:port and waits for them to come back. */
static void echo(const ip_addr_t* server, uint16_t port, const uint8_t* data, size_t len,
                 const char* what) {
    struct conn c;
    memset(&c, 0, sizeof c);
    c.tx = data;
    c.tx_len = len;
    c.rx = g_rx;
    c.rx_cap = sizeof g_rx;
    if (conn_open(&c, server, port) != 0) fail(EXIT_CONNECT, "%s: tcp_new/tcp_connect", what);
    const uint64_t deadline = board_now_ms() + ECHO_TIMEOUT_MS;
    while (c.rx_len < len) {
        net_poll();
        if (c.state == CONN_ERROR) fail(EXIT_CONNECT, "%s: connection error %d", what, c.err);
        if (c.state == CONN_PEER_CLOSED) {
            fail(EXIT_MISMATCH, "%s: peer closed after %u of %u bytes", what, (unsigned)c.rx_len,
                 (unsigned)len);
        }
        conn_push(&c);
        if (board_now_ms() > deadline) {
            fail(EXIT_TIMEOUT, "%s: %u of %u bytes back after %u ms", what, (unsigned)c.rx_len,
                 (unsigned)len, ECHO_TIMEOUT_MS);
        }
    }
    conn_close(&c);
    if (memcmp(g_rx, data, len) != 0) fail(EXIT_MISMATCH, "%s: echoed bytes differ", what);
}

/* ---- a destination that must stay unreachable (restrict=on) ---- */

struct probe {
    const char* name;
    struct conn c;
    const char* outcome;
};

static const char* err_name(err_t e) {
    switch (e) {
        case ERR_RST:
            return "reset";
        case ERR_ABRT:
            return "aborted";
        case ERR_CLSD:
            return "closed";
        case ERR_TIMEOUT:
            return "timeout";
        default:
            return "error";
    }
}

/* DNS lookup (informational: shows what QEMU's resolver does under
 * restrict=on). */
static const char* g_dns_outcome = "no answer";
static char g_dns_addr[16];
static void on_dns(const char* name, const ip_addr_t* addr, void* arg) {
    (void)name;
    (void)arg;
    if (addr == NULL) {
        g_dns_outcome = "not resolved";
    } else {
        ip4addr_ntoa_r(ip_2_ip4(addr), g_dns_addr, sizeof g_dns_addr);
        g_dns_outcome = g_dns_addr;
    }
}

static void hex(char* out, const uint8_t* in, size_t n) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; ++i) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15u];
    }
    out[2 * n] = '\0';
}

static int split(char* line, char** argv, int max) {
    int argc = 0;
    char* p = line;
    while (*p != '\0' && argc < max) {
        while (*p == ' ') *p++ = '\0';
        if (*p == '\0') break;
        argv[argc++] = p;
        while (*p != '\0' && *p != ' ') ++p;
    }
    return argc;
}

static int stdio_check(void) {
    /* After board_init(): stdout line-buffered on UART0, stderr to the
     * host, and malloc must fail. */
    printf("stdio: printf int=%d unsigned=%u hex=%x long=%ld str=%s char=%c\n", -42, 42u, 0xbeefu,
           -1234567L, "ok", 'z');
    fputs("stdio: fputs to stdout\n", stdout);
    fwrite("stdio: fwrite to stdout\n", 1, 24, stdout);
    fprintf(stderr, "stdio: fprintf to stderr %d\n", 7);
    void* p = malloc(16);
    printf("stdio: malloc(16) = %s, stdio arena used %u bytes\n", p == NULL ? "NULL" : "non-NULL",
           (unsigned)board_stdio_arena_used());
    return p == NULL ? 0 : 1;
}

/* The pools' names (struct stats_mem has them only with LWIP_DEBUG). */
static const char* const g_pool_names[] = {
#define LWIP_MEMPOOL(name, num, size, desc) #name,
#include "lwip/priv/memp_std.h"
};

static void print_mem_stats(void) {
    printf("\"mem\":{\"size\":%u,\"used\":%u,\"max\":%u,\"err\":%u},\"memp\":{",
           (unsigned)lwip_stats.mem.avail, (unsigned)lwip_stats.mem.used,
           (unsigned)lwip_stats.mem.max, (unsigned)lwip_stats.mem.err);
    for (int i = 0; i < MEMP_MAX; ++i) {
        const struct stats_mem* m = lwip_stats.memp[i];
        printf("%s\"%s\":{\"avail\":%u,\"max\":%u,\"err\":%u}", i == 0 ? "" : ",", g_pool_names[i],
               (unsigned)m->avail, (unsigned)m->max, (unsigned)m->err);
    }
    printf("}");
}

int main(void) {
    board_init();
    const int64_t host_t0 = semihost_elapsed_ms();

    char* argv[8];
    if (semihost_get_cmdline(g_cmdline, sizeof g_cmdline) < 0) fail(EXIT_USAGE, "no command line");
    int argc = split(g_cmdline, argv, 8);
    if (argc >= 3 && strcmp(argv[1], "exit") == 0) semihost_exit(atoi(argv[2]));
    if (argc >= 3 && strcmp(argv[1], "exit-legacy") == 0) {
        int n = atoi(argv[2]);
        semihost_exit_legacy(n == 0 ? SEMIHOST_ADP_STOPPED_APPLICATION_EXIT : (uint32_t)n);
    }
    if (argc >= 2 && strcmp(argv[1], "fault") == 0) {
        __asm__ volatile("udf #0");
    }
    if (argc >= 2 && strcmp(argv[1], "stdio") == 0) return stdio_check();
    if (argc < 4 || strcmp(argv[1], "echo") != 0) {
        fail(EXIT_USAGE,
             "usage: selftest echo <port> <file> | exit <n> | exit-legacy <n> | "
             "fault | stdio");
    }
    const uint16_t port = (uint16_t)atoi(argv[2]);
    const char* path = argv[3];

    /* Host file over semihosting, and the typed errors. */
    long size = semihost_read_file(path, g_file, sizeof g_file);
    if (size < 0) fail(EXIT_FILE, "reading %s: error %ld", path, size);
    long missing = semihost_read_file("/nonexistent/consensus-selftest", g_file, sizeof g_file);
    long too_big = size > 0 ? semihost_read_file(path, g_file, (size_t)size - 1) : 0;
    if (missing != SEMIHOST_ERR_NOT_FOUND || (size > 0 && too_big != SEMIHOST_ERR_TOO_BIG)) {
        fail(EXIT_FILE, "typed errors: missing=%ld too_big=%ld", missing, too_big);
    }
    printf("file %s: %ld bytes\n", path, size);

    uint8_t r1[16], r2[16];
    static const uint8_t zero[16];
    if (board_entropy(r1, sizeof r1) != 0 || board_entropy(r2, sizeof r2) != 0)
        fail(EXIT_ENTROPY, "no entropy");
    if (memcmp(r1, r2, sizeof r1) == 0 || memcmp(r1, zero, sizeof r1) == 0)
        fail(EXIT_ENTROPY, "entropy repeats");
    char entropy_hex[33];
    hex(entropy_hex, r1, sizeof r1);

    /* lwIP on the LAN9118, QEMU user networking's addresses. */
    lwip_init();
    ip4_addr_t ip, mask, gw, dns_ip;
    IP4_ADDR(&ip, 10, 0, 2, 15);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gw, 10, 0, 2, 2);
    IP4_ADDR(&dns_ip, 10, 0, 2, 3);
    if (netif_add(&g_netif, &ip, &mask, &gw, NULL, lan9118_netif_init, netif_input) == NULL)
        fail(EXIT_NETIF, "LAN9118 not found or no MAC address");
    netif_set_default(&g_netif);
    netif_set_up(&g_netif);
    ip_addr_t dns_server;
    ip_addr_copy_from_ip4(dns_server, dns_ip);
    dns_setserver(0, &dns_server);
    const uint64_t link_deadline = board_now_ms() + 5000u;
    while (!netif_is_link_up(&g_netif)) {
        net_poll();
        if (board_now_ms() > link_deadline) fail(EXIT_NETIF, "no link");
    }
    const uint64_t link_ms = board_now_ms();

    ip_addr_t server;
    IP_ADDR4(&server, 10, 0, 2, 100);

    /* Connection 1: one line. */
    char line[64];
    int line_len = snprintf(line, sizeof line, "consensus-board-selftest %s\n", entropy_hex);
    echo(&server, port, (const uint8_t*)line, (size_t)line_len, "echo 1");
    const uint64_t echo_ms = board_now_ms();
    const int64_t host_echo_ms = semihost_elapsed_ms();

    /* Connection 2: 16 KiB (a full TLS record's worth) of random bytes. */
    if (board_entropy(g_tx, sizeof g_tx) != 0) fail(EXIT_ENTROPY, "no entropy for the payload");
    echo(&server, port, g_tx, sizeof g_tx, "echo 2");
    const uint64_t echo2_ms = board_now_ms() - echo_ms;

    /* restrict=on: the host (10.0.2.2:22) and the outside (1.1.1.1:80) must
     * not be reachable; a DNS lookup shows what the resolver does. */
    struct probe probes[2];
    memset(probes, 0, sizeof probes);
    probes[0].name = "10.0.2.2:22";
    probes[1].name = "1.1.1.1:80";
    ip_addr_t host_ip, outside_ip;
    IP_ADDR4(&host_ip, 10, 0, 2, 2);
    IP_ADDR4(&outside_ip, 1, 1, 1, 1);
    if (conn_open(&probes[0].c, &host_ip, 22) != 0 || conn_open(&probes[1].c, &outside_ip, 80) != 0)
        fail(EXIT_CONNECT, "probe: tcp_new/tcp_connect");
    ip_addr_t resolved;
    err_t dns_err = dns_gethostbyname("example.com", &resolved, on_dns, NULL);
    if (dns_err == ERR_OK) g_dns_outcome = "cached";
    const uint64_t probe_deadline = board_now_ms() + BLOCKED_WINDOW_MS;
    while (board_now_ms() < probe_deadline) {
        net_poll();
        int pending = 0;
        for (int i = 0; i < 2; ++i) pending += probes[i].c.state == CONN_CONNECTING;
        if (pending == 0 && strcmp(g_dns_outcome, "no answer") != 0) break;
    }
    for (int i = 0; i < 2; ++i) {
        struct conn* c = &probes[i].c;
        if (c->state == CONN_OPEN || c->state == CONN_PEER_CLOSED)
            fail(EXIT_NOT_BLOCKED, "%s is reachable with restrict=on", probes[i].name);
        probes[i].outcome = c->state == CONN_ERROR ? err_name(c->err) : "no answer (timeout)";
        if (c->pcb != NULL) {
            tcp_abort(c->pcb); /* clears c->pcb through on_error */
        }
    }

    const uint64_t end_ms = board_now_ms();
    const int64_t host_end_ms = semihost_elapsed_ms();
    const struct lan9118_stats* ls = lan9118_get_stats();
    const uint8_t* mac = g_netif.hwaddr;
    printf(
        "{\"selftest\":\"pass\",\"file\":{\"path\":\"%s\",\"size\":%ld,\"missing\":%ld,"
        "\"too_big\":%ld},\"entropy\":\"%s\",\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\","
        "\"link_ms\":%u,\"boot_to_echo_ms\":%u,\"host_ms_at_echo\":%ld,"
        "\"echo1_bytes\":%d,\"echo2_bytes\":%u,\"echo2_ms\":%u,",
        path, size, missing, too_big, entropy_hex, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
        (unsigned)link_ms, (unsigned)echo_ms, (long)host_echo_ms, line_len, (unsigned)sizeof g_tx,
        (unsigned)echo2_ms);
    printf("\"blocked\":{\"%s\":\"%s\",\"%s\":\"%s\"},\"dns_example_com\":\"%s\",", probes[0].name,
           probes[0].outcome, probes[1].name, probes[1].outcome, g_dns_outcome);
    printf(
        "\"lan9118\":{\"rx\":%lu,\"rx_nomem\":%lu,\"rx_err\":%lu,\"rx_chip_drop\":%lu,"
        "\"tx\":%lu,\"tx_err\":%lu,\"tx_nospace\":%lu},",
        (unsigned long)ls->rx_frames, (unsigned long)ls->rx_dropped_nomem,
        (unsigned long)ls->rx_errors, (unsigned long)ls->rx_chip_dropped,
        (unsigned long)ls->tx_frames, (unsigned long)ls->tx_errors, (unsigned long)ls->tx_no_space);
    print_mem_stats();
    printf(",\"stack_high_water\":%u,\"stack_size\":%u,\"systick_ms\":%u,\"host_ms\":%ld}\n",
           (unsigned)board_stack_high_water(), (unsigned)board_stack_size(), (unsigned)end_ms,
           (long)(host_end_ms - host_t0));
    return 0;
}
