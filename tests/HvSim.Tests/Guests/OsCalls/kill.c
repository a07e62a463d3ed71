/* kill, tkill and tgkill to the process itself: handlers with SI_USER / SI_TKILL siginfo,
 * blocked signals pending until rt_sigprocmask or rt_sigreturn unblocks them, the order of
 * several at once, signals ignored by default, and the errors. Prints nothing that differs
 * between machines (pids and uids are compared, not printed). It never signals its process
 * group (kill(0, ...)): natively that group is the test runner's. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char trail[256];
static int got_code[65], got_pid_ok[65], got_uid_ok[65];

static void note(const char *s) { strncat(trail, s, sizeof trail - strlen(trail) - 1); }

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_code[sig] = si->si_code;
    got_pid_ok[sig] = si->si_pid == getpid();
    got_uid_ok[sig] = si->si_uid == getuid();
    char s[8];
    snprintf(s, sizeof s, "[%d", sig);
    note(s);
    if (sig == SIGUSR1 && si->si_code == SI_USER) {
        /* SIGUSR2 is in this handler's sa_mask: it waits for rt_sigreturn. */
        kill(getpid(), SIGUSR2);
        note("+");
    }
    note("]");
}

static void install(int sig, int mask_sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (mask_sig) sigaddset(&sa.sa_mask, mask_sig);
    sigaction(sig, &sa, NULL);
}

#define CHECK(label, expr) do { errno = 0; long r_ = (long)(expr); int e_ = errno; \
    printf("%-34s %ld %s\n", label, r_, r_ < 0 ? strerrorname_np(e_) : "-"); } while (0)

int main(void)
{
    install(SIGUSR1, SIGUSR2);
    install(SIGUSR2, 0);
    install(SIGRTMIN + 1, 0);

    trail[0] = 0;
    CHECK("kill(getpid, SIGUSR1)", kill(getpid(), SIGUSR1));
    printf("  trail %s code %d pid ok %d uid ok %d; USR2 code %d\n", trail, got_code[SIGUSR1], got_pid_ok[SIGUSR1], got_uid_ok[SIGUSR1], got_code[SIGUSR2]);

    trail[0] = 0;
    CHECK("tkill(gettid, SIGUSR2)", syscall(SYS_tkill, gettid(), SIGUSR2));
    CHECK("tgkill(getpid, gettid, SIGUSR1)", syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1));
    printf("  trail %s codes %d %d\n", trail, got_code[SIGUSR2], got_code[SIGUSR1]);
    CHECK("raise(RTMIN+1)", raise(SIGRTMIN + 1));
    printf("  trail %s\n", trail);

    /* Blocked: pending until unblocked, then delivered inside sigprocmask's return. */
    sigset_t block, pending, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGUSR2);
    sigaddset(&block, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &block, &old);
    trail[0] = 0;
    CHECK("blocked kill(SIGUSR2)", kill(getpid(), SIGUSR2));
    CHECK("blocked tgkill(SIGUSR1)", syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1));
    CHECK("blocked raise(RTMIN+1) twice", raise(SIGRTMIN + 1) + raise(SIGRTMIN + 1));
    CHECK("blocked kill(SIGUSR2) again", kill(getpid(), SIGUSR2));
    sigpending(&pending);
    printf("  trail '%s' pending USR1 %d USR2 %d RTMIN+1 %d\n", trail, sigismember(&pending, SIGUSR1),
           sigismember(&pending, SIGUSR2), sigismember(&pending, SIGRTMIN + 1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("  after unblock trail %s\n", trail);

    /* Default actions that ignore; SIG_IGN; a handler reset by SA_RESETHAND. */
    CHECK("kill(SIGCHLD) default", kill(getpid(), SIGCHLD));
    CHECK("kill(SIGURG) default", kill(getpid(), SIGURG));
    CHECK("kill(SIGWINCH) default", kill(getpid(), SIGWINCH));
    CHECK("kill(SIGCONT) default", kill(getpid(), SIGCONT));
    signal(SIGTERM, SIG_IGN);
    CHECK("kill(SIGTERM) ignored", kill(getpid(), SIGTERM));
    sigprocmask(SIG_BLOCK, &block, NULL);
    signal(SIGUSR1, SIG_IGN);
    CHECK("blocked kill(SIGUSR1) set to SIG_IGN", kill(getpid(), SIGUSR1));
    sigpending(&pending);
    printf("  pending USR1 while ignored %d\n", sigismember(&pending, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* Signal 0 checks existence; errors. */
    CHECK("kill(getpid, 0)", kill(getpid(), 0));
    CHECK("kill(getpid, 65)", kill(getpid(), 65));
    CHECK("kill(getpid, -1)", syscall(SYS_kill, getpid(), -1));
    CHECK("kill(0x7ffffff0, 0)", kill(0x7ffffff0, 0));
    CHECK("kill(0x7ffffff0, 65)", kill(0x7ffffff0, 65));
    CHECK("kill(INT_MIN, 0)", syscall(SYS_kill, -2147483647 - 1, 0));
    CHECK("tkill(0, 0)", syscall(SYS_tkill, 0, 0));
    CHECK("tkill(-5, 0)", syscall(SYS_tkill, -5, 0));
    CHECK("tkill(gettid, 65)", syscall(SYS_tkill, gettid(), 65));
    CHECK("tkill(0x7ffffff0, 0)", syscall(SYS_tkill, 0x7ffffff0, 0));
    CHECK("tgkill(0, gettid, 0)", syscall(SYS_tgkill, 0, gettid(), 0));
    CHECK("tgkill(getpid, 0, 0)", syscall(SYS_tgkill, getpid(), 0, 0));
    CHECK("tgkill(0x7ffffff0, gettid, 0)", syscall(SYS_tgkill, 0x7ffffff0, gettid(), 0));
    CHECK("tgkill(getpid, 0x7ffffff0, 0)", syscall(SYS_tgkill, getpid(), 0x7ffffff0, 0));
    CHECK("tgkill(getpid, gettid, 65)", syscall(SYS_tgkill, getpid(), gettid(), 65));
    CHECK("tgkill(getpid, gettid, 0)", syscall(SYS_tgkill, getpid(), gettid(), 0));
    fflush(stdout);

    /* The default action of SIGTERM ends the program: status 143. */
    signal(SIGTERM, SIG_DFL);
    kill(getpid(), SIGTERM);
    printf("still alive after SIGTERM\n");
    return 0;
}
