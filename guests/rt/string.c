/*
 * string.c - the memory/string primitives gcc may call even in freestanding
 * code (struct copies, large initialisers, loops it recognises as memset...).
 *
 * They are plain C on purpose: the explicit rep-string forms are exercised by
 * src/strings.c, and keeping these in C means every -On build runs different
 * compiler output for them.
 *
 * RT_NO_LIBCALL stops gcc from recognising the loops below as memcpy/memset
 * and compiling them into calls to themselves (infinite recursion).
 */
#include "rt.h"

#define RT_NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* Word-sized accesses through a may_alias type are well-defined. */
typedef uint64_t __attribute__((may_alias, aligned(1))) rt_u64u;

RT_NO_LIBCALL void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n >= 8) {
        *(rt_u64u *)d = *(const rt_u64u *)s;
        d += 8;
        s += 8;
        n -= 8;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

RT_NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    /* Unsigned distance test: true when a forward copy cannot overwrite
     * source bytes before reading them. */
    if ((uintptr_t)d - (uintptr_t)s >= n)
        return memcpy(dst, src, n);
    /* Overlap with dst above src: copy backwards. */
    d += n;
    s += n;
    while (n >= 8) {
        d -= 8;
        s -= 8;
        n -= 8;
        *(rt_u64u *)d = *(const rt_u64u *)s;
    }
    while (n--)
        *--d = *--s;
    return dst;
}

RT_NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    uint64_t pattern = 0x0101010101010101ull * (unsigned char)c;
    while (n >= 8) {
        *(rt_u64u *)d = pattern;
        d += 8;
        n -= 8;
    }
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

RT_NO_LIBCALL int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;
    size_t i = 0;
    /* Skip equal words quickly; the byte loop then finds the difference. */
    while (i + 8 <= n && *(const rt_u64u *)(p + i) == *(const rt_u64u *)(q + i))
        i += 8;
    for (; i < n; i++)
        if (p[i] != q[i])
            return p[i] < q[i] ? -1 : 1;
    return 0;
}

RT_NO_LIBCALL size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int rt_strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int rt_strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            break;
    }
    return 0;
}

char **rt_environ;

const char *rt_getenv(const char *name)
{
    size_t len = strlen(name);
    if (!rt_environ)
        return NULL;
    for (char **e = rt_environ; *e; e++)
        if (rt_strncmp(*e, name, len) == 0 && (*e)[len] == '=')
            return *e + len + 1;
    return NULL;
}

uint64_t rt_parse_u64(const char *s, bool *ok)
{
    uint64_t v = 0;
    bool good = *s != 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10) {
            good = false;
            break;
        }
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (ok)
        *ok = good;
    return v;
}
