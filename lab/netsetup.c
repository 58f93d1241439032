#include "netsetup.h"

#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int netsetup_loopback_up(struct err *e)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err_sys(e, "socket for the loopback set-up");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    int rc = 0;
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
        rc = err_sys(e, "cannot read the flags of lo");
    } else {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
            rc = err_sys(e, "cannot bring lo up");
    }
    close(fd);
    return rc;
}

static int write_sysctl(const char *path, const char *value, struct err *e)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return err_sys(e, "cannot open %s", path);
    ssize_t n = write(fd, value, strlen(value));
    int saved = n < 0 ? -1 : 0;
    close(fd);
    if (saved < 0)
        return err_sys(e, "cannot write \"%s\" to %s", value, path);
    return 0;
}

int netsetup_docker_sysctls(gid_t max_gid, struct err *e)
{
    char range[64];
    snprintf(range, sizeof range, "0 %u", max_gid);
    if (write_sysctl("/proc/sys/net/ipv4/ping_group_range", range, e) < 0)
        return -1;
    return write_sysctl("/proc/sys/net/ipv4/ip_unprivileged_port_start", "0", e);
}
