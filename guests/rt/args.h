/* The workload drivers' argument helpers (guests/ds/driver.c and guests/textbook/driver.c):
 * a decimal number with a fallback for an empty argument, and string equality. Static, so each
 * driver keeps its own copy of the code, as before. */
#ifndef RT_ARGS_H
#define RT_ARGS_H

static unsigned long parse(const char *s, unsigned long fallback)
{
    if (!s || !*s)
        return fallback;
    unsigned long v = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (unsigned long)(*s - '0');
    return v;
}

static int same(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

#endif
