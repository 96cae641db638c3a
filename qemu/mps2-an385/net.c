/* lwIP bring-up and superloop hooks for the demo firmware. */
#include "net.h"

#include "board.h"
#include "lan9118.h"
#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

/* lwIP's time base (NO_SYS): the SysTick millisecond counter. */
u32_t sys_now(void)
{
    return board_ms();
}

bool net_init(struct netif *nif)
{
    lwip_init();
    if (netif_add(nif, NULL, NULL, NULL, NULL, lan9118_netif_init, ethernet_input) == NULL) {
        return false;
    }
    netif_set_default(nif);
    netif_set_up(nif);
    /* The QEMU model's link is always up. */
    netif_set_link_up(nif);
    return dhcp_start(nif) == ERR_OK;
}

void net_poll(struct netif *nif)
{
    lan9118_poll(nif);
    sys_check_timeouts();
}

bool net_ready(const struct netif *nif)
{
    return dhcp_supplied_address(nif) != 0;
}
