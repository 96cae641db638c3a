/*
 * Network bring-up of the demo firmware: lwIP (NO_SYS) on the LAN9118 with
 * DHCP, driven from the superloop by net_poll().
 */
#ifndef FW_NET_H
#define FW_NET_H

#include <stdbool.h>

#include "lwip/netif.h"

/* net_init() - start lwIP, add the LAN9118 netif and start DHCP. Return false when no NIC. */
bool net_init(struct netif *nif);

/* net_poll() - receive frames and run lwIP's timers; call it often from the superloop. */
void net_poll(struct netif *nif);

/* net_ready() - true once DHCP gave an address. */
bool net_ready(const struct netif *nif);

#endif /* FW_NET_H */
