/*
 * args.c - the initial process stack as the loader built it.
 *
 * Prints argc, every argv[i] except argv[0] (its spelling depends on how
 * the program was started), checks the argv/envp layout, and prints
 * HVSIM_TEST_ENV if it is set (nothing else from the environment, which
 * depends on the caller). Exits with argc, so the status checks it too.
 */
#include "rt.h"

int main(int argc, char **argv, char **envp)
{
    rt_printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        rt_printf("argv[%d]=%s\n", i, i == 0 ? "(program)" : argv[i]);
    /* argv[argc] must be NULL and envp must start right after it. */
    rt_printf("argv[argc] is %s\n", argv[argc] ? "non-NULL (bad)" : "NULL");
    rt_printf("envp follows argv: %s\n", envp == argv + argc + 1 ? "yes" : "no");
    const char *v = rt_getenv("HVSIM_TEST_ENV");
    if (v)
        rt_printf("HVSIM_TEST_ENV=%s\n", v);
    else
        rt_printf("HVSIM_TEST_ENV is not set\n");
    return argc;
}
