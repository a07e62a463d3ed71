/*
 * atexit.c (glibc) - exit-time handlers and exit status.
 *
 * Handlers registered with atexit run in reverse order of registration
 * when exit() is called; then destructors (.fini_array) run, and finally
 * stdio buffers are flushed (the destructor's line has no newline, so it
 * only appears if that final flush happens). The exit status is 3.
 */
#include <stdio.h>
#include <stdlib.h>

static void first(void) { printf("handler 1 (registered first, runs last)\n"); }
static void second(void) { printf("handler 2\n"); }
static void third(void) { printf("handler 3 (registered last, runs first)\n"); }

__attribute__((destructor)) static void destructor(void)
{
    printf("destructor runs after the atexit handlers (no newline, flushed by exit)");
}

int main(void)
{
    if (atexit(first) || atexit(second) || atexit(third)) {
        fprintf(stderr, "atexit failed\n");
        return 1;
    }
    printf("main: calling exit(3)\n");
    exit(3);
}
