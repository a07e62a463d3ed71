/*
 * fault.c - a fatal page fault.
 *
 * Prints one line (flushed: stdout is line buffered), then reads from an
 * address in the never-mappable first page. Linux delivers SIGSEGV with the
 * default action, so the process dies and a shell reports status 139
 * (128 + 11). Nothing after the load runs.
 */
#include "rt.h"

int main(int argc, char **argv, char **envp)
{
    rt_printf("fault: about to read address 0x10\n");
    volatile uint64_t *bad = (volatile uint64_t *)rt_hide(0x10);
    uint64_t v = *bad;
    rt_printf("fault: still alive?! read %lu\n", v);
    return 1;
}
