/*
 * longdouble.c (glibc) - 80-bit long double through the x87 FPU.
 *
 * Why: on x86-64 a long double lives on the x87 register stack, so every
 * operation here is x87 code: fld/fstp of 80-bit values, fild/fistp,
 * arithmetic under precision and rounding control, compares (fcomi/fucomi),
 * glibc's strtold and printf("%Lf"/"%La"), and libm's *l functions, whose
 * x86-64 versions use fsqrt, frndint, fscale, f2xm1, fyl2x, fpatan, fprem
 * and friends. Values print as %La (exact bits) and %.21Lg (decimal), except
 * the results of x87 transcendentals (f2xm1, fyl2x, fyl2xp1, fpatan, fsin,
 * fcos, fptan), which print to 17 significant digits: their last bit is the
 * vendor's (AMD and Intel keep different guard bits, neither is correctly
 * rounded), so a portable reference cannot hold it.
 */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Inputs pass through an empty asm so the compiler cannot fold the x87 work away. */
static long double opaque(long double x) { __asm__ volatile("" : "+m"(x)); return x; }

/* A transcendental's result, without the implementation-specific last bits. */
static void approx(const char *what, long double x)
{
    printf("%-12s ~%.17Lg\n", what, x);
}

static void show(const char *what, long double x)
{
    printf("%-12s %La %.21Lg\n", what, x, x);
}

int main(void)
{
    long double third = opaque(1.0L) / opaque(3.0L);
    show("1/3", third);
    show("1/3*3", third * opaque(3.0L));
    show("2^64+1", opaque(18446744073709551616.0L) + opaque(1.0L));
    show("sqrt(2)", sqrtl(opaque(2.0L)));
    show("-0.0", -opaque(0.0L));
    show("max", opaque(LDBL_MAX));
    show("min", opaque(LDBL_MIN));
    show("denorm", opaque(LDBL_MIN) / opaque(1024.0L));
    show("max*2", opaque(LDBL_MAX) * opaque(2.0L));
    show("0/0", opaque(0.0L) / opaque(0.0L));

    /* Integer conversions: fild, fistp, fisttp (truncating casts). */
    long long big = (long long)opaque(9.2233720368547758e18L / 2);
    printf("cast %lld %lld %d\n", big, (long long)opaque(-2.5L), (int)opaque(1e9L + 0.75L));
    printf("llrintl %lld %lld\n", llrintl(opaque(2.5L)), llrintl(opaque(3.5L)));
    show("from i64", (long double)(int64_t)opaque(-9007199254740993.0L));

    /* Rounding control: the same division in each mode. */
    static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    static const char *names[] = { "nearest", "down", "up", "zero" };
    for (int i = 0; i < 4; i++) {
        fesetround(modes[i]);
        long double q = opaque(2.0L) / opaque(3.0L);
        long double n = -opaque(2.0L) / opaque(3.0L);
        printf("%-8s %La %La rintl(2.5)=%Lg nearbyintl(-2.5)=%Lg\n", names[i], q, n, rintl(opaque(2.5L)), nearbyintl(opaque(-2.5L)));
    }
    fesetround(FE_TONEAREST);

    /* Compares, including unordered ones. */
    long double nan = opaque(NAN);
    printf("cmp %d %d %d %d %d\n", opaque(1.0L) < opaque(2.0L), nan < opaque(1.0L), nan == nan,
           isunordered(nan, opaque(1.0L)), isless(opaque(-0.0L), opaque(0.0L)));
    printf("class %d %d %d %d %d\n", fpclassify(opaque(LDBL_MIN) / 4), fpclassify(opaque(0.0L)),
           fpclassify(opaque(INFINITY)), fpclassify(nan), fpclassify(opaque(1.0L)));

    /* glibc's own long double I/O. */
    const char *texts[] = { "3.14159265358979323846264338327950288", "1e4932", "1e-4950", "0x1.fffffffffffffffep16383", "-0.1", "12345678901234567890" };
    for (unsigned i = 0; i < sizeof texts / sizeof *texts; i++) {
        char *end;
        long double v = strtold(texts[i], &end);
        printf("strtold(%s) = %La (%.25Lg) %s\n", texts[i], v, v, *end ? end : "");
    }
    printf("%%Lf %Lf %.30Lf %Le %Lg\n", opaque(1.0L) / 7, opaque(1.0L) / 7, opaque(6.02214076e23L), opaque(1e-300L) * 1e-300L);

    /* libm long double functions. */
    long double xs[] = { 0.5L, 1.0L, 2.0L, 10.0L, -0.75L, 1e-10L, 100.25L };
    for (unsigned i = 0; i < sizeof xs / sizeof *xs; i++) {
        long double x = opaque(xs[i]);
        printf("x=%Lg\n", x);
        approx(" expl", expl(x));
        approx(" exp2l", exp2l(x));
        approx(" logl", logl(fabsl(x)));
        approx(" log2l", log2l(fabsl(x)));
        approx(" log10l", log10l(fabsl(x)));
        approx(" log1pl", log1pl(fabsl(x)));
        approx(" sinl", sinl(x));
        approx(" cosl", cosl(x));
        approx(" tanl", tanl(x));
        approx(" atanl", atanl(x));
        approx(" atan2l", atan2l(x, opaque(3.0L)));
        approx(" powl", powl(fabsl(x), opaque(1.5L)));
        show(" fmodl", fmodl(opaque(1000.0L), x));
        show(" remainderl", remainderl(opaque(1000.0L), x));
        show(" ldexpl", ldexpl(x, 100));
        int e;
        long double m = frexpl(x, &e);
        printf(" frexpl %La %d\n", m, e);
        show(" floorl", floorl(x * 3));
        show(" ceill", ceill(x * 3));
        show(" truncl", truncl(x * 3));
        show(" roundl", roundl(x * 3));
        show(" cbrtl", cbrtl(x));
        show(" hypotl", hypotl(x, opaque(4.0L)));
    }
    return 0;
}
