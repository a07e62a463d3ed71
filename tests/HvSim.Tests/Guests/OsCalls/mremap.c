/* mremap(2) on private and shared anonymous mappings: moving all or part of a mapping
 * (MREMAP_MAYMOVE|MREMAP_FIXED), shrinking, growing in place, growing by a move, MREMAP_DONTUNMAP
 * (the old range stays mapped: zeros if private), the protection carried with the pages, and the
 * EINVAL/EFAULT/ENOMEM answers. Addresses are printed as "same"/"moved" or relative to a
 * scratch area, so the host and the simulator print the same lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

#define P 4096ul

static sigjmp_buf back;
static volatile int faults;

static void on_segv(int sig)
{
    (void)sig;
    faults++;
    siglongjmp(back, 1);
}

/* The errno name of a failed call, or "ok". */
static const char *result(void *r)
{
    return r == MAP_FAILED ? strerrorname_np(errno) : "ok";
}

/* 1 when [p, p+len) is mapped: mprotect fails with ENOMEM on a hole (used on read-write pages only). */
static int mapped(void *p, unsigned long len)
{
    return mprotect(p, len, PROT_READ | PROT_WRITE) == 0;
}

static unsigned char *map(unsigned long pages, int flags)
{
    unsigned char *p = mmap(NULL, pages * P, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);
    for (unsigned long i = 0; i < pages; i++)
        p[i * P] = (unsigned char)(0x40 + i);
    return p;
}

/* The first byte of each page, as letters ('.' for zero). */
static void show(const char *label, unsigned char *p, unsigned long pages)
{
    printf("%-34s", label);
    for (unsigned long i = 0; i < pages; i++)
        putchar(p[i * P] ? p[i * P] : '.');
    putchar('\n');
}

static void moves(int type, const char *name)
{
    /* A scratch area, unmapped again: a FIXED target that is known to be free. */
    unsigned char *scratch = mmap(NULL, 16 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(scratch, 16 * P);

    unsigned char *p = map(4, type);
    void *q = mremap(p, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_FIXED, scratch);
    printf("%s whole move: %s at +%ld, old mapped %d\n", name, result(q), (long)((unsigned char *)q - scratch), mapped(p, P));
    show("  contents at the new place", q, 4);
    munmap(q, 4 * P);

    p = map(4, type);
    q = mremap(p + P, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, scratch + 8 * P);
    printf("%s part move: %s at +%ld, mapped %d%d%d%d\n", name, result(q), (long)((unsigned char *)q - scratch),
           mapped(p, P), mapped(p + P, P), mapped(p + 2 * P, P), mapped(p + 3 * P, P));
    show("  moved pages", q, 2);
    printf("  left behind %c %c\n", p[0], p[3 * P]);
    /* And back again (the two halves of the original merge again where the kernel merges). */
    void *r = mremap(q, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, p + P);
    printf("  back: %s %s\n", result(r), r == p + P ? "same" : "moved");
    show("  whole again", p, 4);
    munmap(p, 4 * P);

    if (type == MAP_SHARED)
        goto dontunmap; /* a grown shared anonymous mapping lies past its shmem object: SIGBUS */
    p = map(4, type);
    q = mremap(p, 4 * P, 2 * P, 0);
    printf("%s shrink: %s %s, tail mapped %d\n", name, result(q), q == p ? "same" : "moved", mapped(p + 2 * P, 2 * P));
    /* Grow in place into the pages just freed. */
    q = mremap(p, 2 * P, 4 * P, 0);
    printf("%s grow in place: %s %s\n", name, result(q), q == p ? "same" : "moved");
    show("  grown", p, 4);
    munmap(p, 4 * P);

    /* Grow with a mapping in the way: ENOMEM without MAYMOVE, a move with it. */
    p = map(2, type);
    unsigned char *wall = mmap(p + 2 * P, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    q = mremap(p, 2 * P, 4 * P, 0);
    printf("%s grow blocked: %s\n", name, result(q));
    q = mremap(p, 2 * P, 4 * P, MREMAP_MAYMOVE);
    printf("%s grow by move: %s %s, old mapped %d\n", name, result(q), q == p ? "same" : "moved", mapped(p, P));
    show("  grown", q, 4);
    munmap(q, 4 * P);
    munmap(wall, P);

dontunmap:
    /* DONTUNMAP: the pages move; the old range stays mapped, and empty (private) or the same object (shared). */
    p = map(2, type);
    q = mremap(p, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
    printf("%s dontunmap: %s %s, old mapped %d\n", name, result(q), q == p ? "same" : "moved", q == MAP_FAILED ? -1 : mapped(p, 2 * P));
    if (q != MAP_FAILED) {
        show("  new", q, 2);
        show("  old", p, 2);
        munmap(q, 2 * P);
    }
    munmap(p, 2 * P);

    /* The protection travels with the pages: a read-only page is read-only where it lands. */
    p = map(2, type);
    mprotect(p, P, PROT_READ);
    q = mremap(p, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, scratch);
    faults = 0;
    if (sigsetjmp(back, 1) == 0)
        ((volatile unsigned char *)q)[0] = 1;
    if (sigsetjmp(back, 1) == 0)
        ((volatile unsigned char *)q)[P] = 1;
    printf("%s protection kept: %s, write faults %d\n", name, result(q), faults);
    munmap(q, 2 * P);
}

static void errors(void)
{
    unsigned char *p = map(2, MAP_PRIVATE);
    unsigned char *far = mmap(NULL, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("unknown flag        %s\n", result(mremap(p, P, P, 8)));
    printf("unaligned           %s\n", result(mremap(p + 1, P, P, 0)));
    printf("new size 0          %s\n", result(mremap(p, P, 0, 0)));
    printf("fixed, no maymove   %s\n", result(mremap(p, P, P, MREMAP_FIXED, far)));
    printf("dontunmap resizes   %s\n", result(mremap(p, P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0)));
    printf("fixed unaligned     %s\n", result(mremap(p, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, far + 1)));
    printf("fixed overlapping   %s\n", result(mremap(p, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, p + P)));
    printf("past the VMA, same  %s\n", result(mremap(p, 3 * P, 3 * P, MREMAP_MAYMOVE))); /* no resize: not even checked */
    printf("past the VMA        %s\n", result(mremap(p, 3 * P, 4 * P, MREMAP_MAYMOVE)));
    printf("unmapped            %s\n", result(mremap(far + 16 * P, P, P, MREMAP_MAYMOVE)));
    printf("private duplicate   %s\n", result(mremap(p, 0, P, MREMAP_MAYMOVE)));
    printf("same size           %s\n", mremap(p, P, P, 0) == p ? "same" : "moved");
    munmap(p, 2 * P);
    munmap(far, P);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    moves(MAP_PRIVATE, "private");
    moves(MAP_SHARED, "shared");
    errors();
    puts("done");
    return 0;
}
