/* Print the kernel clock's adjtimex state without changing it (modes = 0), for the
 * host-safety test: "tick=10000 status=0x2001 maxerror=..." (one line). */
#include <stdio.h>
#include <string.h>
#include <sys/timex.h>

int main(void)
{
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    int state = adjtimex(&tx);
    if (state < 0) {
        perror("adjtimex");
        return 1;
    }
    printf("tick=%ld status=0x%x state=%d\n", tx.tick, (unsigned)tx.status, state);
    return 0;
}
