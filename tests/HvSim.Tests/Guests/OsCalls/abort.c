/* glibc's abort(): raise(SIGABRT) through tgkill after unblocking it; the default action ends
 * the program with status 134. With argument "blocked" SIGABRT is blocked first (abort
 * unblocks it); with "handled" a handler runs and returns, and abort still ends the program. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void handler(int sig)
{
    static const char text[] = "SIGABRT handler ran and returned\n";
    (void)sig;
    write(1, text, sizeof text - 1); /* stdio's buffer is not flushed by abort */
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "plain";
    if (strcmp(mode, "blocked") == 0) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGABRT);
        sigprocmask(SIG_BLOCK, &set, NULL);
    } else if (strcmp(mode, "handled") == 0) {
        signal(SIGABRT, handler);
    }
    printf("about to abort (%s)\n", mode);
    fflush(stdout);
    abort();
}
