/*
 * hello.c (glibc) - printf and stdio with integer and string formats only.
 *
 * Why: a static glibc program runs the full libc start-up before main
 * (TLS setup with arch_prctl, IRELATIVE relocations resolved by CPUID
 * checks, stdio initialisation) and printf's vfprintf machinery. No
 * floating point, no %p of real addresses: output is deterministic.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    printf("Hello, world!\n");
    puts("puts adds a newline");
    putchar('c');
    putchar('\n');
    fputs("fputs to stdout\n", stdout);

    printf("%%d: %d %d %d %d\n", 0, 42, -42, INT_MIN);
    printf("%%i/%%u: %i %u %u\n", INT_MAX, 3000000000u, UINT_MAX);
    printf("%%x/%%X/%%o: %x %X %o %#x %#o\n", 0xdeadbeef, 0xcafe, 0755, 255, 8);
    printf("%%ld/%%lu/%%lx: %ld %lu %lx\n", LONG_MIN, ULONG_MAX, 0x123456789abcdefUL);
    printf("%%lld/%%llu: %lld %llu\n", -1234567890123456789LL, 18446744073709551615ULL);
    printf("%%zu/%%zd/%%jd: %zu %zd %jd\n", sizeof(long), (ssize_t)-7, (intmax_t)INTMAX_MIN);
    printf("%%hhd/%%hd/%%hhu: %hhd %hd %hhu\n", 300, 70000, 257);
    printf("PRI macros: %" PRId64 " %" PRIu32 " %" PRIx16 "\n", INT64_MAX, UINT32_MAX, (uint16_t)0xbeef);
    printf("width: [%5d] [%-5d] [%05d] [%+d] [% d] [%*d] [%-*d]\n", 42, 42, 42, 42, 42, 6, 7, 6, 7);
    printf("precision: [%.3d] [%8.3d] [%.0d] [%.3s] [%10.4s] [%-10s]\n", 5, -5, 0, "abcdef", "abcdef", "left");
    printf("strings: [%s] [%c%c%c] [%5c] [%s]\n", "text", 'a', 'b', 'c', 'z', "");
    printf("null pointer: %p\n", (void *)0);
    printf("positional: %2$s %1$s\n", "world", "hello");

    char buf[64];
    int n = snprintf(buf, sizeof buf, "%s-%d-%x", "snprintf", 123, 0xabc);
    printf("snprintf -> \"%s\" (%d)\n", buf, n);
    /* Truncation is the point here; gcc's compile-time warning is not. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
    n = snprintf(buf, 8, "%s", "truncated output");
    printf("truncated -> \"%s\" (would be %d)\n", buf, n);

    fprintf(stderr, "hello: a line on stderr (%d)\n", 2);
    /* A long line exercises the stdio buffer growth/flush path. */
    for (int i = 0; i < 40; i++)
        printf("%02d%c", i, i % 20 == 19 ? '\n' : ' ');
    return 0;
}
