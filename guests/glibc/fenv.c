/*
 * fenv.c (glibc) - the floating-point environment of SSE and x87 code.
 *
 * Why: glibc's fenv functions read and write both MXCSR and the x87 status
 * and control words, and programs test the sticky exception flags after
 * ordinary arithmetic. Each block clears the flags, does one kind of
 * operation and prints which flags it raised; then the same operations run
 * under each rounding mode, with FTZ/DAZ, and with an exception unmasked
 * (feenableexcept), where a SIGFPE handler reports si_code and skips on.
 */
#define _GNU_SOURCE
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <xmmintrin.h>

static double od(double x) { __asm__ volatile("" : "+x"(x)); return x; }
static float of(float x) { __asm__ volatile("" : "+x"(x)); return x; }
static long double ol(long double x) { __asm__ volatile("" : "+m"(x)); return x; }

static void flags(const char *what)
{
    int f = fetestexcept(FE_ALL_EXCEPT);
    printf("%-26s%s%s%s%s%s%s\n", what, f & FE_INVALID ? " INVALID" : "", f & FE_DIVBYZERO ? " DIVBYZERO" : "",
           f & FE_OVERFLOW ? " OVERFLOW" : "", f & FE_UNDERFLOW ? " UNDERFLOW" : "", f & FE_INEXACT ? " INEXACT" : "",
           f & __FE_DENORM ? " DENORM" : "");
    feclearexcept(FE_ALL_EXCEPT);
}

static volatile double sink;
static volatile long double lsink;
static sigjmp_buf back;

static void on_fpe(int sig, siginfo_t *info, void *uc)
{
    (void)uc;
    printf("  SIGFPE %d si_code %d\n", sig, info->si_code);
    siglongjmp(back, 1);
}

int main(void)
{
    feclearexcept(FE_ALL_EXCEPT);
    sink = od(1.0) + od(2.0);                 flags("double exact add");
    sink = od(1.0) / od(3.0);                 flags("double 1/3");
    sink = od(1.0) / od(0.0);                 flags("double 1/0");
    sink = od(0.0) / od(0.0);                 flags("double 0/0");
    sink = od(DBL_MAX) * od(2.0);             flags("double overflow");
    sink = od(DBL_MIN) * od(0.5);             flags("double exact subnormal");
    sink = od(DBL_MIN) / od(3.0);             flags("double underflow");
    sink = od(DBL_MIN) * od(DBL_MIN);         flags("double underflow to 0");
    sink = sqrt(od(-1.0));                    flags("double sqrt(-1)");
    sink = od(5e-324) + od(1.0);              flags("double denormal operand");
    sink = (double)(int)od(3e9);              flags("double -> int overflow");
    sink = (double)(long long)od(NAN);        flags("double -> i64 NaN");
    sink = (float)od(1e300);                  flags("double -> float overflow");
    sink = (float)od(1e-40);                  flags("double -> float subnormal");
    sink = of(1.0f) / of(3.0f);               flags("float 1/3");
    sink = of(FLT_MAX) + of(FLT_MAX);         flags("float overflow");
    sink = od(NAN) < od(1.0);                 flags("double NaN < (signalling)");
    sink = __builtin_isless(od(NAN), od(1.0)); flags("double isless NaN (quiet)");
    lsink = ol(1.0L) / ol(3.0L);              flags("x87 1/3");
    lsink = ol(1.0L) / ol(0.0L);              flags("x87 1/0");
    lsink = ol(LDBL_MAX) * ol(2.0L);          flags("x87 overflow");
    lsink = sqrtl(ol(-1.0L));                 flags("x87 sqrt(-1)");

    static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    static const char *names[] = { "nearest", "down", "up", "zero" };
    for (int i = 0; i < 4; i++) {
        fesetround(modes[i]);
        printf("%-8s fegetround ok %d\n", names[i], fegetround() == modes[i]);
        printf("  d: %a %a %a %a\n", od(1.0) / od(3.0), od(-1.0) / od(3.0), od(2.0) * od(0.1), od(1e16) + od(1.0));
        printf("  d: %a %a %a\n", sqrt(od(2.0)), od(DBL_MAX) + od(DBL_MAX), od(DBL_MIN) / od(3.0));
        printf("  f: %a %a %a\n", of(1.0f) / of(3.0f), of(-2.0f) / of(3.0f), sqrtf(of(3.0f)));
        printf("  cvt: %ld %d %ld %d %a\n", lrint(od(2.5)), (int)rint(od(-2.5)), lrintf(of(3.5f)), (int)nearbyint(od(-3.5)),
               (float)od(1.0 / 3.0));
        printf("  i2f: %a %a\n", (double)(long long)od(9007199254740993.0) + 0, (float)(int)od(16777217.0));
        printf("  x87: %La %La\n", ol(2.0L) / ol(3.0L), sqrtl(ol(2.0L)));
        flags("  flags");
    }
    fesetround(FE_TONEAREST);

    /* FTZ and DAZ (MXCSR bits 15 and 6). */
    unsigned csr = _mm_getcsr();
    _mm_setcsr(csr | 0x8000);
    printf("FTZ: %a %a\n", od(DBL_MIN) / od(3.0), of(FLT_MIN) * of(0.25f));
    flags("  FTZ flags");
    _mm_setcsr(csr | 0x0040);
    printf("DAZ: %a %a\n", od(5e-324) * od(2.0), of(1e-40f) + of(0.0f));
    flags("  DAZ flags");
    _mm_setcsr(csr);

    /* Unmasked exceptions: SIGFPE with the si_code of the first unmasked flag. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fpe;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGFPE, &sa, 0);
    static const int traps[] = { FE_DIVBYZERO, FE_INVALID, FE_OVERFLOW, FE_UNDERFLOW, FE_INEXACT };
    static const char *trapnames[] = { "divbyzero", "invalid", "overflow", "underflow", "inexact" };
    for (int i = 0; i < 5; i++) {
        for (int x87 = 0; x87 < 2; x87++) {
            feclearexcept(FE_ALL_EXCEPT);
            feenableexcept(traps[i]);
            printf("trap %s (%s)\n", trapnames[i], x87 ? "x87" : "sse");
            if (!sigsetjmp(back, 1)) {
                if (x87) {
                    lsink = ol(1.0L) / ol(0.0L);
                    lsink = ol(0.0L) / ol(0.0L);
                    lsink = ol(LDBL_MAX) * ol(2.0L);
                    lsink = ol(LDBL_MIN) / ol(3.0L);
                    lsink = ol(1.0L) / ol(3.0L);
                } else {
                    sink = od(1.0) / od(0.0);
                    sink = od(0.0) / od(0.0);
                    sink = od(DBL_MAX) * od(2.0);
                    sink = od(DBL_MIN) / od(3.0);
                    sink = od(1.0) / od(3.0);
                }
                printf("  no trap\n");
            }
            fedisableexcept(FE_ALL_EXCEPT);
        }
    }
    feclearexcept(FE_ALL_EXCEPT);
    printf("done\n");
    return 0;
}
