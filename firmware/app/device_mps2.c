/* SPDX-License-Identifier: MIT */
/* device.h on QEMU's mps2-an386: the board support (firmware/board/mps2_an386),
 * lwIP on its LAN9118 with QEMU user networking's addresses, and port/lwip. */
#include <lwip/init.h>
#include <lwip/ip4_addr.h>
#include <lwip/netif.h>
#include <lwip/stats.h>
#include <lwip/timeouts.h>
#include <mbedtls/entropy.h>
#include <netif/ethernet.h>
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "consensus/port_lwip.h"
#include "device.h"
#include "lan9118.h"
#include "semihost.h"
#include "tls_heap.h"
#include "wslay_pool.h"

/* QEMU user networking (slirp): the board is 10.0.2.15/24 behind the
 * gateway 10.0.2.2, its DNS is 10.0.2.3. scripts/run-firmware forwards
 * 10.0.2.100:PORT to the host's 127.0.0.1:PORT; both names of the host's
 * loopback resolve there, before any DNS. */
static const char kBoardIp[] = "10.0.2.15";
static const char kGateway[] = "10.0.2.2";
static const char kNetmask[] = "255.255.255.0";
static const cws_lwip_host kHosts[] = {
    {"localhost", "10.0.2.100"},
    {"127.0.0.1", "10.0.2.100"},
};

static struct netif g_netif;
static cws_lwip_port g_port;

void device_init(void) {
    board_init();
    tls_heap_init();
}

int device_command_line(char* buf, size_t cap) {
    char line[512];
    if (semihost_get_cmdline(line, sizeof line) < 0) return -1;
    size_t n = strcspn(line, " ");
    if (n == 0 || n >= cap) return -1;
    memcpy(buf, line, n);
    buf[n] = '\0';
    return 0;
}

long device_read_file(const char* path, uint8_t* buf, size_t cap) {
    const long n = semihost_read_file(path, buf, cap);
    if (n >= 0) return n;
    if (n == SEMIHOST_ERR_NOT_FOUND) return kDeviceFileNotFound;
    if (n == SEMIHOST_ERR_TOO_BIG) return kDeviceFileTooBig;
    return kDeviceFileError;
}

static void service(void* user) {
    lan9118_poll((struct netif*)user);
}

static int entropy(void* user, uint8_t* buf, size_t len) {
    (void)user;
    return board_entropy(buf, len);
}

/* Sleep until the next interrupt (SysTick, every millisecond): the LAN9118 is
 * polled, so a frame waits at most that long, and QEMU's host thread idles. */
static void idle(void* user) {
    (void)user;
    __asm__ volatile("wfi");
}

static uint64_t now_ms(void* user) {
    (void)user;
    return board_now_ms();
}

static int wall_clock(void* user, uint64_t* unix_s) {
    (void)user;
    return semihost_time(unix_s);
}

/* PSA's entropy (mbedtls-3.6-config.h: MBEDTLS_ENTROPY_HARDWARE_ALT): the
 * board's source, the same one the port's random() reads (psa_entropy.c
 * says why a strong source is needed). */
int mbedtls_hardware_poll(void* data, unsigned char* output, size_t len, size_t* olen);
int mbedtls_hardware_poll(void* data, unsigned char* output, size_t len, size_t* olen) {
    (void)data;
    *olen = 0;
    if (board_entropy(output, len) != 0) return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    *olen = len;
    return 0;
}

int device_network_up(char* msg, size_t cap) {
    ip4_addr_t ip, mask, gw;
    lwip_init();
    (void)ip4addr_aton(kBoardIp, &ip);
    (void)ip4addr_aton(kNetmask, &mask);
    (void)ip4addr_aton(kGateway, &gw);
    if (netif_add(&g_netif, &ip, &mask, &gw, NULL, lan9118_netif_init, ethernet_input) == NULL) {
        snprintf(msg, cap, "%s", "the LAN9118 did not come up");
        return 0;
    }
    netif_set_default(&g_netif);
    netif_set_up(&g_netif);
    netif_set_link_up(&g_netif);

    cws_lwip_config config;
    memset(&config, 0, sizeof config);
    config.hosts = kHosts;
    config.host_count = sizeof kHosts / sizeof kHosts[0];
    config.service = service;
    config.idle = idle;
    config.now_ms = now_ms;
    config.random = entropy;
    config.wall_clock = wall_clock;
    config.user = &g_netif;
    if (cws_lwip_port_init(&g_port, &config) != 0) {
        snprintf(msg, cap, "%s", "the lwIP port did not start");
        return 0;
    }
    return 1;
}

cws_port device_port(void) {
    return cws_lwip_port_get(&g_port);
}

static unsigned pool_peak(int pool) {
    return (unsigned)lwip_stats.memp[pool]->max;
}

void device_print_report(FILE* f, size_t client_block, size_t client_needed,
                         uint64_t first_message_ms) {
    const tls_heap_stats tls = tls_heap_read();
    const wslay_pool_stats ws = wslay_pool_read();
    fprintf(f,
            "{\"type\":\"memory\",\"client_block\":%lu,\"client_needed\":%lu,"
            "\"tls_arena\":%lu,\"tls_peak\":%lu,\"tls_peak_blocks\":%lu,\"tls_now\":%lu,"
            "\"tls_refused\":%lu,\"wslay_context\":%lu,\"wslay_peak\":%u,\"wslay_refused\":%u,"
            "\"stack\":%lu,\"stack_peak\":%lu,"
            "\"lwip\":{\"heap\":%lu,\"heap_peak\":%lu,\"pbuf_pool\":%lu,\"pbuf_pool_peak\":%u,"
            "\"tcp_pcb_peak\":%u,\"tcp_seg_peak\":%u},\"first_message_ms\":%lu}\n",
            (unsigned long)client_block, (unsigned long)client_needed,
            (unsigned long)tls.arena_bytes, (unsigned long)tls.peak_bytes,
            (unsigned long)tls.peak_blocks, (unsigned long)tls.now_bytes,
            (unsigned long)tls.failures, (unsigned long)ws.context_bytes, ws.peak, ws.refused,
            (unsigned long)board_stack_size(), (unsigned long)board_stack_high_water(),
            (unsigned long)MEM_SIZE, (unsigned long)lwip_stats.mem.max,
            (unsigned long)PBUF_POOL_SIZE, pool_peak(MEMP_PBUF_POOL), pool_peak(MEMP_TCP_PCB),
            pool_peak(MEMP_TCP_SEG), (unsigned long)first_message_ms);
    fflush(f);
}
