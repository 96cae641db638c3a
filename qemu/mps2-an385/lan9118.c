/*
 * LAN9118 lwIP netif driver (polled) for QEMU's mps2-an385.
 *
 * Quirks of QEMU's model this driver relies on or works around:
 *  - MAC_CR resets with the promiscuous bit set: it is rewritten here.
 *  - TX_ON in TX_CFG is ignored (set anyway, as real chips need it).
 *  - The RX status length counts the 4-byte CRC: the frame is 4 bytes less.
 *  - RX_STATUS_PEEK returns the wrong entry: RX_FIFO_INF tells whether a
 *    frame waits, RX_STATUS_FIFO (0x40) is popped.
 *  - RX fast-forward does not update the fill count: dropped frames are
 *    drained by reading their words.
 *  - Every sent frame leaves a TX status entry: the TX status FIFO is drained
 *    or transmission stalls when it fills.
 *  - No checksum offload: lwIP computes checksums in software.
 */
#include "lan9118.h"

#include <string.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#define LAN_BASE 0x40200000u
#define REG(off) (*(volatile uint32_t *)(LAN_BASE + (off)))

#define RX_DATA_FIFO 0x00u
#define TX_DATA_FIFO 0x20u
#define RX_STATUS_FIFO 0x40u
#define TX_STATUS_FIFO 0x48u
#define ID_REV 0x50u
#define IRQ_CFG 0x54u
#define INT_STS 0x58u
#define INT_EN 0x5Cu
#define BYTE_TEST 0x64u
#define RX_CFG 0x6Cu
#define TX_CFG 0x70u
#define HW_CFG 0x74u
#define RX_FIFO_INF 0x7Cu
#define TX_FIFO_INF 0x80u
#define PMT_CTRL 0x84u
#define MAC_CSR_CMD 0xA4u
#define MAC_CSR_DATA 0xA8u

#define BYTE_TEST_VALUE 0x87654321u
#define HW_CFG_SRST 0x1u
#define PMT_CTRL_READY 0x1u
#define TX_CFG_TX_ON 0x2u
#define MAC_CSR_BUSY 0x80000000u
#define MAC_CSR_READ 0x40000000u

#define MAC_CR 1u
#define MAC_ADDRH 2u
#define MAC_ADDRL 3u
#define MAC_CR_TXEN 0x8u
#define MAC_CR_RXEN 0x4u

#define RX_STS_ERROR 0x8000u
#define TX_STS_ERROR 0x8000u
#define TX_CMD_A_FIRST 0x2000u
#define TX_CMD_A_LAST 0x1000u

#define ETH_FRAME_MAX 1514u
#define ETH_CRC_LEN 4u
#define POLL_FRAMES_MAX 4u
#define WAIT_LOOPS 100000u

static lan9118_stats_t stats;

static uint32_t mac_read(uint32_t reg)
{
    REG(MAC_CSR_CMD) = MAC_CSR_BUSY | MAC_CSR_READ | reg;
    for (uint32_t i = 0; i < WAIT_LOOPS && (REG(MAC_CSR_CMD) & MAC_CSR_BUSY); i++) {
    }
    return REG(MAC_CSR_DATA);
}

static void mac_write(uint32_t reg, uint32_t value)
{
    REG(MAC_CSR_DATA) = value;
    REG(MAC_CSR_CMD) = MAC_CSR_BUSY | reg;
    for (uint32_t i = 0; i < WAIT_LOOPS && (REG(MAC_CSR_CMD) & MAC_CSR_BUSY); i++) {
    }
}

static unsigned rx_frames_waiting(void)
{
    return (REG(RX_FIFO_INF) >> 16) & 0xFFu;
}

static void drain_tx_status(void)
{
    while (((REG(TX_FIFO_INF) >> 16) & 0xFFu) != 0u) {
        if (REG(TX_STATUS_FIFO) & TX_STS_ERROR) {
            stats.tx_errors++;
        }
    }
}

/* Push the frame's bytes into the TX data FIFO as little-endian words. */
static err_t linkoutput(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    uint32_t len = p->tot_len;
    if (len > ETH_FRAME_MAX) {
        return ERR_BUF;
    }
    uint32_t i = 0;
    while ((REG(TX_FIFO_INF) & 0xFFFFu) < len + 8u) {
        drain_tx_status();
        if (++i == WAIT_LOOPS) {
            stats.tx_errors++;
            return ERR_IF;
        }
    }
    /* One buffer (first and last segment) at offset 0; command B tags the frame. */
    REG(TX_DATA_FIFO) = TX_CMD_A_FIRST | TX_CMD_A_LAST | len;
    REG(TX_DATA_FIFO) = ((len & 0xFFFFu) << 16) | len;
    uint32_t word = 0;
    unsigned fill = 0;
    for (const struct pbuf *q = p; q != NULL; q = q->next) {
        const uint8_t *b = q->payload;
        for (uint16_t k = 0; k < q->len; k++) {
            word |= (uint32_t)b[k] << (8u * fill);
            if (++fill == 4u) {
                REG(TX_DATA_FIFO) = word;
                word = 0;
                fill = 0;
            }
        }
    }
    if (fill != 0u) {
        REG(TX_DATA_FIFO) = word;
    }
    stats.tx_frames++;
    drain_tx_status();
    return ERR_OK;
}

static void discard_words(uint32_t words)
{
    while (words-- > 0u) {
        (void)REG(RX_DATA_FIFO);
    }
}

/* Read one waiting frame into a pbuf and give it to lwIP. */
static void receive_one(struct netif *netif)
{
    uint32_t status = REG(RX_STATUS_FIFO);
    uint32_t len_crc = (status >> 16) & 0x3FFFu; /* includes the CRC */
    uint32_t words = (len_crc + 3u) / 4u;
    if ((status & RX_STS_ERROR) || len_crc <= ETH_CRC_LEN || len_crc > ETH_FRAME_MAX + ETH_CRC_LEN) {
        stats.rx_dropped++;
        discard_words(words);
        return;
    }
    uint32_t len = len_crc - ETH_CRC_LEN;
    uint32_t room = (len + 3u) & ~3u;
    /* Pool buffers are word multiples, so every pbuf of the chain takes whole words. */
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)room, PBUF_POOL);
    if (p == NULL) {
        stats.rx_dropped++;
        discard_words(words);
        return;
    }
    uint32_t read = 0;
    for (struct pbuf *q = p; q != NULL; q = q->next) {
        uint32_t *dst = q->payload;
        for (uint32_t k = 0; k < q->len / 4u; k++) {
            dst[k] = REG(RX_DATA_FIFO);
        }
        read += q->len / 4u;
    }
    discard_words(words - read); /* the CRC */
    pbuf_realloc(p, (u16_t)len);
    stats.rx_frames++;
    if (netif->input(p, netif) != ERR_OK) {
        pbuf_free(p);
    }
}

void lan9118_poll(struct netif *netif)
{
    for (unsigned n = 0; n < POLL_FRAMES_MAX && rx_frames_waiting() != 0u; n++) {
        receive_one(netif);
    }
    drain_tx_status();
}

void lan9118_get_stats(lan9118_stats_t *out)
{
    *out = stats;
}

err_t lan9118_netif_init(struct netif *netif)
{
    if (REG(BYTE_TEST) != BYTE_TEST_VALUE || (REG(ID_REV) >> 16) != 0x0118u) {
        return ERR_IF;
    }
    REG(HW_CFG) = HW_CFG_SRST;
    uint32_t i = 0;
    while ((REG(HW_CFG) & HW_CFG_SRST) || !(REG(PMT_CTRL) & PMT_CTRL_READY)) {
        if (++i == WAIT_LOOPS) {
            return ERR_IF;
        }
    }
    REG(INT_EN) = 0;            /* polled: no interrupt */
    REG(INT_STS) = 0xFFFFFFFFu;
    REG(IRQ_CFG) = 0;
    REG(RX_CFG) = 0;            /* no offset, no end padding */
    REG(TX_CFG) = TX_CFG_TX_ON;

    uint32_t lo = mac_read(MAC_ADDRL);
    uint32_t hi = mac_read(MAC_ADDRH);
    netif->hwaddr_len = ETH_HWADDR_LEN;
    netif->hwaddr[0] = (u8_t)lo;
    netif->hwaddr[1] = (u8_t)(lo >> 8);
    netif->hwaddr[2] = (u8_t)(lo >> 16);
    netif->hwaddr[3] = (u8_t)(lo >> 24);
    netif->hwaddr[4] = (u8_t)hi;
    netif->hwaddr[5] = (u8_t)(hi >> 8);

    /* Writing MAC_CR also clears the promiscuous bit the model resets with. */
    mac_write(MAC_CR, MAC_CR_TXEN | MAC_CR_RXEN);

    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->mtu = 1500;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif->output = etharp_output;
    netif->linkoutput = linkoutput;
    return ERR_OK;
}
