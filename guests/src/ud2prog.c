/*
 * ud2prog.c - an invalid-opcode fault.
 *
 * Prints one line, then executes ud2 (#UD). Linux delivers SIGILL with the
 * default action: the process dies and a shell reports status 132 (128 + 4).
 */
#include "rt.h"

int main(int argc, char **argv, char **envp)
{
    rt_printf("ud2prog: about to execute ud2\n");
    __asm__ volatile("ud2");
    rt_printf("ud2prog: still alive?!\n");
    return 1;
}
