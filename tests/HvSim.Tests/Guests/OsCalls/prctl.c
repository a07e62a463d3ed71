/* prctl's common options and getrandom's flags, as a program sees them; and the segment
 * selectors read with mov r/m, Sreg. Only values that are the same on every Linux x86-64
 * machine are printed (no random bytes, pids or uids). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(label, expr) do { errno = 0; long r_ = (long)(expr); int e_ = errno; \
    printf("%-36s %ld %s\n", label, r_, r_ < 0 ? strerrorname_np(e_) : "-"); } while (0)

int main(void)
{
    char name[17];
    memset(name, 'x', sizeof name);
    CHECK("PR_GET_NAME", prctl(PR_GET_NAME, name));
    printf("  name '%s', byte 15 %d\n", name, name[15]);
    CHECK("PR_SET_NAME (26 bytes)", prctl(PR_SET_NAME, "abcdefghijklmnopqrstuvwxyz"));
    memset(name, 'x', sizeof name);
    prctl(PR_GET_NAME, name);
    printf("  name '%s' (%zu bytes), byte 16 untouched %d\n", name, strlen(name), name[16] == 'x');
    CHECK("PR_SET_NAME short", prctl(PR_SET_NAME, "hv"));
    memset(name, 'x', sizeof name);
    prctl(PR_GET_NAME, name);
    printf("  name '%s', bytes 3..15 zero %d\n", name, name[3] == 0 && name[15] == 0);
    CHECK("PR_SET_NAME unreadable", prctl(PR_SET_NAME, (char *)8));
    CHECK("PR_GET_NAME unwritable", prctl(PR_GET_NAME, (char *)8));

    CHECK("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE));
    CHECK("PR_SET_DUMPABLE 2", prctl(PR_SET_DUMPABLE, 2));
    CHECK("PR_SET_DUMPABLE 0", prctl(PR_SET_DUMPABLE, 0));
    CHECK("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE));
    CHECK("PR_SET_DUMPABLE 1", prctl(PR_SET_DUMPABLE, 1));

    int sig = 77;
    CHECK("PR_GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &sig));
    printf("  signal %d\n", sig);
    CHECK("PR_SET_PDEATHSIG 65", prctl(PR_SET_PDEATHSIG, 65));
    CHECK("PR_SET_PDEATHSIG -1", prctl(PR_SET_PDEATHSIG, -1L));
    CHECK("PR_SET_PDEATHSIG SIGKILL", prctl(PR_SET_PDEATHSIG, 9));
    prctl(PR_GET_PDEATHSIG, &sig);
    printf("  signal %d\n", sig);
    CHECK("PR_GET_PDEATHSIG unwritable", prctl(PR_GET_PDEATHSIG, (int *)8));

    CHECK("PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK));
    CHECK("PR_SET_TIMERSLACK 1000", prctl(PR_SET_TIMERSLACK, 1000));
    CHECK("PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK));
    CHECK("PR_SET_TIMERSLACK 0 (default)", prctl(PR_SET_TIMERSLACK, 0));
    CHECK("PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK));

    CHECK("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    CHECK("PR_GET_NO_NEW_PRIVS arg2 1", prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0));
    CHECK("PR_SET_NO_NEW_PRIVS 2", prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0));
    CHECK("PR_SET_NO_NEW_PRIVS 1, arg5 1", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 1));
    CHECK("PR_SET_NO_NEW_PRIVS 1", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    CHECK("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    CHECK("option 0", prctl(0));
    CHECK("option 9999", prctl(9999));

    unsigned char buf[16];
    CHECK("getrandom 16, 0", syscall(SYS_getrandom, buf, 16, 0));
    CHECK("getrandom GRND_NONBLOCK", syscall(SYS_getrandom, buf, 16, 1));
    CHECK("getrandom GRND_RANDOM", syscall(SYS_getrandom, buf, 16, 2));
    CHECK("getrandom GRND_INSECURE", syscall(SYS_getrandom, buf, 16, 4));
    CHECK("getrandom NONBLOCK|RANDOM", syscall(SYS_getrandom, buf, 16, 3));
    CHECK("getrandom NONBLOCK|INSECURE", syscall(SYS_getrandom, buf, 16, 5));
    CHECK("getrandom RANDOM|INSECURE", syscall(SYS_getrandom, buf, 16, 6));
    CHECK("getrandom all three", syscall(SYS_getrandom, buf, 16, 7));
    CHECK("getrandom flag 8", syscall(SYS_getrandom, buf, 16, 8));
    CHECK("getrandom flag 1<<31", syscall(SYS_getrandom, buf, 16, 1u << 31));
    CHECK("getrandom NULL, 0, 8", syscall(SYS_getrandom, NULL, 0, 8));
    CHECK("getrandom NULL, 0, 0", syscall(SYS_getrandom, NULL, 0, 0));
    CHECK("getrandom NULL, 4, 0", syscall(SYS_getrandom, NULL, 4, 0));

    uint16_t s16;
    uint64_t r64;
    uint32_t r32;
    __asm__ volatile("mov %%cs, %0" : "=r"(s16));
    printf("cs %#x", s16);
    __asm__ volatile("mov %%ss, %0" : "=r"(s16));
    printf(" ss %#x", s16);
    __asm__ volatile("mov %%ds, %0" : "=r"(s16));
    printf(" ds %#x", s16);
    __asm__ volatile("mov %%es, %0" : "=r"(s16));
    printf(" es %#x", s16);
    __asm__ volatile("mov %%fs, %0" : "=r"(s16));
    printf(" fs %#x", s16);
    __asm__ volatile("mov %%gs, %0" : "=r"(s16));
    printf(" gs %#x\n", s16);
    r64 = ~0ULL;
    __asm__ volatile("mov %%ss, %0" : "+r"(r64));
    printf("mov r64, ss %#llx\n", (unsigned long long)r64);
    __asm__ volatile("movq $-1, %%rax\n\tmov %%cs, %%eax\n\tmov %%rax, %0" : "=r"(r64) : : "rax");
    printf("mov r32, cs (upper half cleared) %#llx\n", (unsigned long long)r64);
    __asm__ volatile("movq $-1, %%rax\n\tmovw %%ss, %%ax\n\tmov %%rax, %0" : "=r"(r64) : : "rax");
    printf("mov r16, ss (upper bits kept) %#llx\n", (unsigned long long)r64);
    r64 = ~0ULL;
    __asm__ volatile("mov %%ss, %0" : "=m"(*(uint16_t *)&r64));
    printf("mov m16, ss (16 bits stored) %#llx\n", (unsigned long long)r64);
    r32 = 0x2b;
    __asm__ volatile("mov %0, %%ss" : : "r"(r32));
    r32 = 0;
    __asm__ volatile("mov %0, %%ds\n\tmov %0, %%es" : : "r"(r32));
    printf("mov ss, 0x2b and mov ds/es, 0: still running\n");
    fflush(stdout);
    return 0;
}
