/*
 * tracecycle.c - one write in one checkpoint cycle, for `hvsim trace --technique T` with the
 * techniques that run in the checkpoint library (guests/ckpt): a one-page CDA is registered and
 * written once before the traced cycle (so every technique starts from its steady state: PT's and
 * PTxen's page dirty last cycle, Emul's alias made), then a cycle begins and the traced region -
 * between two markers (xchg bx, bx, a no-op on hardware) - is one store into the CDA followed by
 * ckpt_end, so the trace shows the write's whole path and the commit that hands it to the backup.
 * Natively the library does nothing and the program just prints its line.
 */
#include "rt.h"
#include "ckpt.h"

#define PAGE 4096ul
#define OFFSET 8

static inline void marker(void)
{
    __asm__ volatile("xchg %%bx, %%bx" ::: "memory");
}

int main(int argc, char **argv, char **envp)
{
    volatile uint8_t *cda = sys_mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (RT_IS_ERR(cda)) {
        rt_printf("tracecycle: mmap failed\n");
        return 1;
    }
    cda[0] = 1;                                 /* populate the page */
    if (ckpt_register((void *)cda, PAGE) != 0 || ckpt_begin() != 0) {
        rt_printf("tracecycle: ckpt_register/ckpt_begin failed\n");
        return 1;
    }
    cda[16] = 7;                                /* the cycle before: reach the steady state */
    if (ckpt_end() != 0 || ckpt_begin() != 0) {
        rt_printf("tracecycle: first cycle failed\n");
        return 1;
    }

    marker();
    cda[OFFSET] = 42;                           /* the traced write */
    int end = ckpt_end();
    marker();

    rt_printf("tracecycle: one write in a checkpoint cycle: value %d, ckpt_end %d\n", cda[OFFSET], end);
    return end == 0 ? 0 : 1;
}
