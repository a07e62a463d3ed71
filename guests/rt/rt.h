/*
 * rt.h - the tiny freestanding runtime shared by every guests/src program.
 *
 * The programs are built with -ffreestanding -nostdlib, so nothing here may
 * depend on libc: only the compiler's own freestanding headers (stdint.h,
 * stddef.h, stdbool.h, stdarg.h, limits.h) are used. Everything the programs
 * need from an OS goes through the raw syscall wrappers below, so an
 * interpreter only has to implement the handful of Linux syscalls listed here
 * (read, write, mmap, mprotect, munmap, brk, getpid, exit_group).
 *
 * Output rule: stdout is line buffered (one write(2) per '\n', or when the
 * buffer fills, or at exit). This keeps the syscall count low under a slow
 * interpreter while still showing the last complete line if a program dies.
 * stderr is unbuffered.
 *
 * Determinism rule: programs never print addresses, pids or anything else
 * the kernel randomises, and avoid undefined behaviour, so that the output of
 * a program is byte-identical at -O0, -O1, -O2 and -O3 and across runs.
 */
#ifndef HVSIM_GUEST_RT_H
#define HVSIM_GUEST_RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>

typedef long ssize_t;

/* ---- Linux x86-64 syscall numbers and flags (from the kernel ABI) ---- */
#define SYS_read        0
#define SYS_write       1
#define SYS_mmap        9
#define SYS_mprotect   10
#define SYS_munmap     11
#define SYS_brk        12
#define SYS_getpid     39
#define SYS_exit_group 231

#define PROT_NONE   0x0
#define PROT_READ   0x1
#define PROT_WRITE  0x2
#define PROT_EXEC   0x4

#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20

#define RT_EINVAL 22
#define RT_ENOMEM 12

/* A failed mmap returns -errno in the range [-4095, -1]. */
#define RT_IS_ERR(p) ((unsigned long)(p) >= (unsigned long)-4095L)

long rt_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

ssize_t sys_read(int fd, void *buf, size_t len);
ssize_t sys_write(int fd, const void *buf, size_t len);
void   *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long off);
int     sys_munmap(void *addr, size_t len);
int     sys_mprotect(void *addr, size_t len, int prot);
long    sys_brk(void *addr);           /* raw brk: returns the new (or current) break */
int     sys_getpid(void);
__attribute__((noreturn)) void sys_exit_group(int status);

/* Flushes stdout, then exit_group(status). _start calls this with main's value. */
__attribute__((noreturn)) void rt_exit(int status);

/* ---- string/memory functions: gcc emits calls to these even freestanding ---- */
void  *memcpy(void *dst, const void *src, size_t n);
void  *memmove(void *dst, const void *src, size_t n);
void  *memset(void *dst, int c, size_t n);
int    memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int    rt_strcmp(const char *a, const char *b);
int    rt_strncmp(const char *a, const char *b, size_t n);

/* ---- environment (set up by _start) ---- */
extern char **rt_environ;
const char *rt_getenv(const char *name);

/* ---- output helpers (stdout unless noted) ---- */
void rt_flush(void);
void print_char(char c);
void print_str(const char *s);
void print_u64(uint64_t v);
void print_i64(int64_t v);
void print_hex(uint64_t v);            /* minimal digits, no prefix */
void print_hex_width(uint64_t v, int digits);
void print_nl(void);
void eprint_str(const char *s);        /* stderr, unbuffered */
/* printf subset: %d %i %u %x %X %c %s %% with flags '-', '0', width, and
 * length modifiers hh h l ll z j. No floating point, no %p (addresses are not
 * deterministic and must never be printed). Returns bytes produced. */
int rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int rt_vprintf(const char *fmt, va_list ap);

/* ---- small parsing helpers ---- */
uint64_t rt_parse_u64(const char *s, bool *ok);

/* ---- test helpers ---- */
extern int rt_failures;
/* Records a failed self-check: prints "FAIL <what>" and counts it. */
void rt_check(bool cond, const char *what);
/* Prints "checks: N failed" and returns N != 0 as an exit status. */
int rt_report(const char *prog);

/*
 * rt_hide: an optimisation barrier. The value passes through an empty asm,
 * so gcc -O3 cannot constant-fold a whole test down to a printed literal;
 * the code under test really runs at every optimisation level.
 */
static inline uint64_t rt_hide(uint64_t x) { __asm__ volatile("" : "+r"(x)); return x; }
static inline void *rt_hide_ptr(void *p) { __asm__ volatile("" : "+r"(p)); return p; }
/* Forces memory to be considered read/written (keeps stores from being elided). */
static inline void rt_clobber(void) { __asm__ volatile("" ::: "memory"); }

/* splitmix64: a deterministic, well-mixed input generator used by all programs. */
static inline uint64_t rt_rand64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A running checksum that is order sensitive (so a permutation bug shows). */
static inline uint64_t rt_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

#define RT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

int main(int argc, char **argv, char **envp);

#endif
