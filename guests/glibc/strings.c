/*
 * strings.c (glibc) - the string.h / stdlib.h conversion functions.
 *
 * Why: in a static glibc these are IFUNCs: the variant (sse2, avx2, evex,
 * ...) is chosen at start-up from CPUID, so an interpreter runs whichever
 * variant its CPUID advertises. Lengths and alignments vary so that the
 * vector loops, their page-crossing checks and their tails all run.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t ck;
static void mix(uint64_t v) { ck = ck * 0x100000001b3ull ^ v; }

int main(void)
{
    static char buf[512], other[512];
    const char *text = "The quick brown fox jumps over the lazy dog";

    printf("strlen=%zu strnlen(10)=%zu\n", strlen(text), strnlen(text, 10));
    for (int al = 0; al < 32; al++)
        for (int len = 0; len < 200; len += 7) {
            memset(buf, 'x', sizeof buf);
            buf[al + len] = 0;
            mix(strlen(buf + al));
            mix(strchr(buf + al, 'x') ? 1 : 0);
            mix((uint64_t)(strchr(buf + al, 0) - (buf + al)));
            mix(memchr(buf + al, 0, 300) ? (uint64_t)((char *)memchr(buf + al, 0, 300) - buf) : 999);
        }
    printf("strlen/strchr/memchr sweep ck=%016llx\n", (unsigned long long)ck);

    printf("strcmp: %d %d %d\n", strcmp("abc", "abc") == 0, strcmp("abc", "abd") < 0,
           strcmp("b", "abc") > 0);
    printf("strncmp: %d %d\n", strncmp("abcdef", "abcxyz", 3) == 0, strncmp("abcdef", "abcxyz", 4) < 0);
    printf("strcasecmp: %d\n", strcasecmp("HeLLo", "hello") == 0);
    ck = 0;
    for (int al = 0; al < 16; al++)
        for (int len = 1; len < 150; len += 11) {
            memset(buf, 'q', sizeof buf);
            memset(other, 'q', sizeof other);
            buf[al + len] = 0;
            other[3 + len] = 0;
            other[3 + len / 2] = 'r';
            int c = strcmp(buf + al, other + 3);
            int m = memcmp(buf + al, other + 3, (size_t)len);
            mix((uint64_t)((c > 0) - (c < 0)) + 7);
            mix((uint64_t)((m > 0) - (m < 0)) + 7);
        }
    printf("strcmp/memcmp sweep ck=%016llx\n", (unsigned long long)ck);

    char dst[32];
    memset(dst, '#', sizeof dst);
    strncpy(dst, "short", 10);  /* pads with NULs up to 10 */
    printf("strncpy pad: %s %d %d %c\n", dst, dst[5], dst[9], dst[10]);
    strncpy(dst, "this is longer than ten", 10);
    dst[10] = 0;
    printf("strncpy trunc: %s\n", dst);
    strcpy(dst, "abc");
    strcat(dst, "def");
#pragma GCC diagnostic ignored "-Wstringop-truncation"   /* truncation intended */
    strncat(dst, "ghijkl", 3);
    printf("strcpy/strcat/strncat: %s\n", dst);

    printf("strchr: %s | strrchr: %s\n", strchr(text, 'o'), strrchr(text, 'o'));
    printf("strstr: %s | %s\n", strstr(text, "lazy"), strstr(text, "cat") ? "found" : "(null)");
    printf("strspn=%zu strcspn=%zu strpbrk=%s\n", strspn("aaabbbccc", "ab"),
           strcspn("hello world", " "), strpbrk(text, "xyz"));

    memcpy(buf, "0123456789abcdef", 17);
    memmove(buf + 4, buf, 10);
    printf("memmove overlap up: %s\n", buf);
    memcpy(buf, "0123456789abcdef", 17);
    memmove(buf, buf + 4, 10);
    printf("memmove overlap down: %s\n", buf);
    ck = 0;
    for (int n = 0; n < 300; n += 13)
        for (int s = 0; s < 8; s++) {
            for (int k = 0; k < 400; k++)
                buf[k] = (char)(k * 11);
            memmove(buf + s * 5, buf + 8 - s, (size_t)n);
            for (int k = 0; k < 400; k++)
                mix((unsigned char)buf[k]);
        }
    printf("memmove sweep ck=%016llx\n", (unsigned long long)ck);

    char tok[] = "alpha, beta;gamma ,, delta";
    char *save = NULL;
    printf("strtok_r:");
    for (char *t = strtok_r(tok, ",; ", &save); t; t = strtok_r(NULL, ",; ", &save))
        printf(" [%s]", t);
    printf("\n");

    const char *nums[] = {"0", "42", "-42", "  +17xyz", "0x1F", "077", "0b11",
                          "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                          "ffff", "", "   "};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        char *end;
        errno = 0;
        long v = strtol(nums[i], &end, 0);
        int e = errno;
        errno = 0;
        unsigned long u = strtoul(nums[i], NULL, 16);
        printf("strtol(\"%s\",0)=%ld end+%d erange=%d strtoul16=%lu erange=%d\n", nums[i], v,
               (int)(end - nums[i]), e == ERANGE, u, errno == ERANGE);
    }
    printf("strtol base2=%ld base36=%ld atoi=%d atol=%ld\n", strtol("101101", NULL, 2),
           strtol("zz", NULL, 36), atoi("-123abc"), atol("99999999999"));
    printf("strtoull(\"18446744073709551615\")=%llu\n", strtoull("18446744073709551615", NULL, 10));

    int n = snprintf(buf, sizeof buf, "[%08x|%-6s|%+04d|%lld]", 0xbeefu, "ab", 7, -5LL);
    printf("snprintf: %s (%d)\n", buf, n);
    n = snprintf(NULL, 0, "%d-%s", 123456, "measure");
    printf("snprintf(NULL,0) length=%d\n", n);

    for (char *p = strcpy(buf, "MiXeD CaSe 123"); *p; p++)
        *p = (char)toupper((unsigned char)*p);
    printf("toupper: %s isdigit('7')=%d isalpha('7')=%d\n", buf, !!isdigit('7'), !!isalpha('7'));

    char *dup = strdup(text);
    printf("strdup equal=%d\n", strcmp(dup, text) == 0);
    free(dup);
    return 0;
}
