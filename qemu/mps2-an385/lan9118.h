/*
 * SMSC LAN9118 Ethernet controller as an lwIP netif (polled), written for
 * QEMU's model on mps2-an385 (base 0x40200000). Polling from the superloop:
 * no interrupt is enabled.
 */
#ifndef FW_LAN9118_H
#define FW_LAN9118_H

#include "lwip/err.h"
#include "lwip/netif.h"

/* Counters of the driver, for the demo's report. */
typedef struct lan9118_stats {
    uint32_t rx_frames;
    uint32_t rx_dropped; /* no pbuf free, bad status or bad length */
    uint32_t tx_frames;
    uint32_t tx_errors;  /* TX status with the error bit */
} lan9118_stats_t;

/*
 * lan9118_netif_init() - the init function for netif_add(): resets the chip,
 * reads its MAC address, enables the receiver and transmitter (filtering on
 * our address and broadcast) and fills the netif. Return ERR_OK, or ERR_IF
 * when no LAN9118 answers.
 */
err_t lan9118_netif_init(struct netif *netif);

/*
 * lan9118_poll() - pass the frames waiting in the RX FIFO (at most a few
 * per call) to netif->input, and drain the TX status FIFO. Call it from the
 * superloop, in lwIP's context.
 */
void lan9118_poll(struct netif *netif);

/* lan9118_get_stats() - the counters so far. */
void lan9118_get_stats(lan9118_stats_t *out);

#endif /* FW_LAN9118_H */
