/* nanoacme: the ACME client command. See nanoacme(1). */
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
    static options_t o;
    bool exit_now;
    int rc = cli_parse(argc, argv, &o, &exit_now);
    if (rc != EXIT_OK || exit_now) return rc;
    switch (o.cmd) {
    case CMD_ISSUE: return cmd_issue(&o);
    case CMD_RENEW: return cmd_renew(&o);
    case CMD_REVOKE: return cmd_revoke(&o);
    case CMD_ACCOUNT: return cmd_account(&o);
    case CMD_SHOW: return cmd_show(&o);
    default: return EXIT_USAGE;
    }
}
