/*
 * simdfpe.c - unmasked SSE floating-point exceptions (#XM) as a program sees them: SIGFPE with
 * Linux's si_code for the raised, unmasked flags, si_addr and the frame's RIP at the faulting
 * instruction, trapno 19, the destination (XMM, GPR or RFLAGS) unchanged in the frame, and the
 * MXCSR flags in the frame's FXSAVE image as SDM Vol. 1, 11.5.2 sets them: IE/DE/ZE of all
 * elements first, OE/UE/PE only when no unmasked IE/DE/ZE was raised.
 *
 * Each case loads an MXCSR with some exceptions unmasked and runs one instruction at a global
 * label. The handler records what it sees and masks every exception in the frame's MXCSR (keeping
 * the flags); after rt_sigreturn the instruction runs again, masked, and completes. main then
 * prints the handler's record, the result and the final MXCSR.
 *
 * Handlers never print; no address is printed (only whether si_addr matched the label).
 */
#include "sig.h"

struct record {
    int count, code;
    uint64_t addr, rip, trapno, rax, rflags, xmm0lo, xmm0hi;
    uint32_t mxcsr;
};

static struct record seen;

static void fpe_handler(int sig, void *info, void *uc)
{
    uint8_t *fx = (uint8_t *)*uc_reg(uc, MC_FPSTATE);
    seen.count++;
    seen.code = si_code(info);
    seen.addr = si_addr(info);
    seen.rip = *uc_reg(uc, MC_RIP);
    seen.trapno = *uc_reg(uc, MC_TRAPNO);
    seen.rax = *uc_reg(uc, MC_RAX);
    seen.rflags = *uc_reg(uc, MC_EFLAGS);
    memcpy(&seen.xmm0lo, uc_xmm(uc, 0), 8);
    memcpy(&seen.xmm0hi, uc_xmm(uc, 0) + 8, 8);
    memcpy(&seen.mxcsr, fx + 24, 4);
    uint32_t masked = 0x1F80 | (seen.mxcsr & 0x3F);
    memcpy(fx + 24, &masked, 4);
}

struct vec { uint64_t lo, hi; };

static void report(const char *name, const char *label, struct vec result, uint32_t mxcsr_after)
{
    rt_printf("%-34s signals %d code %d trapno %d addr %s rip %s\n", name, seen.count, seen.code,
              (int)seen.trapno, seen.addr == (uint64_t)label ? "ok" : "WRONG", seen.rip == (uint64_t)label ? "ok" : "WRONG");
    rt_printf("%-34s frame mxcsr %x xmm0 %lx:%lx\n", "", seen.mxcsr, seen.xmm0hi, seen.xmm0lo);
    rt_printf("%-34s result %lx:%lx mxcsr %x\n", "", result.hi, result.lo, mxcsr_after);
    rt_check(seen.count == 1, name);
    rt_check(seen.addr == (uint64_t)label && seen.rip == (uint64_t)label, name);
    memset(&seen, 0, sizeof seen);
}

/* xmm0 = a; xmm1 = b; INSN xmm1, xmm0 at LABEL under MXCSR m; the result from xmm0. */
#define XMM_CASE(fn, insn, label)                                                              \
    extern char label[];                                                                       \
    static __attribute__((noinline)) void fn(const char *name, uint32_t m, struct vec a, struct vec b) \
    {                                                                                          \
        struct vec r;                                                                          \
        uint32_t after;                                                                        \
        __asm__ volatile("ldmxcsr %[m]\n\t"                                                    \
                         "movdqu %[a], %%xmm0\n\t"                                             \
                         "movdqu %[b], %%xmm1\n\t"                                             \
                         ".globl " #label "\n" #label ":\n\t"                                  \
                         insn " %%xmm1, %%xmm0\n\t"                                            \
                         "movdqu %%xmm0, %[r]\n\t"                                             \
                         "stmxcsr %[after]"                                                    \
                         : [r] "=m"(r), [after] "=m"(after)                                    \
                         : [m] "m"(m), [a] "m"(a), [b] "m"(b)                                  \
                         : "xmm0", "xmm1", "memory");                                          \
        uint32_t dflt = 0x1f80;                                                                \
        __asm__ volatile("ldmxcsr %0" : : "m"(dflt));                                          \
        report(name, label, r, after);                                                         \
    }

XMM_CASE(run_divsd, "divsd", fpe_divsd)
XMM_CASE(run_divps, "divps", fpe_divps)
XMM_CASE(run_mulsd, "mulsd", fpe_mulsd)
XMM_CASE(run_addsd, "addsd", fpe_addsd)
XMM_CASE(run_sqrtsd, "sqrtsd", fpe_sqrtsd)
XMM_CASE(run_mulpd, "mulpd", fpe_mulpd)
XMM_CASE(run_cvtsd2ss, "cvtsd2ss", fpe_cvtsd2ss)

extern char fpe_cvttsd2si[], fpe_comisd[];

/* cvttsd2si rax, xmm0 with IE unmasked: rax must be unchanged in the frame. */
static __attribute__((noinline)) void run_cvttsd2si(uint32_t m, uint64_t bits)
{
    uint64_t rax = 0x1234, after_rax;
    uint32_t after;
    __asm__ volatile("ldmxcsr %[m]\n\t"
                     "movq %[v], %%xmm0\n\t"
                     ".globl fpe_cvttsd2si\nfpe_cvttsd2si:\n\t"
                     "cvttsd2si %%xmm0, %%rax\n\t"
                     "stmxcsr %[after]\n\t"
                     : "+a"(rax), [after] "=m"(after)
                     : [m] "m"(m), [v] "r"(bits)
                     : "xmm0", "memory");
    after_rax = rax;
    uint32_t dflt = 0x1f80;
    __asm__ volatile("ldmxcsr %0" : : "m"(dflt));
    rt_printf("%-34s frame rax %lx, result %lx\n", "cvttsd2si rax, NaN (IE unmasked)", seen.rax, after_rax);
    report("", fpe_cvttsd2si, (struct vec){after_rax, 0}, after);
}

/* comisd with a QNaN and IE unmasked: ZF/PF/CF in the frame are the ones before (set by test). */
static __attribute__((noinline)) void run_comisd(uint32_t m, uint64_t a, uint64_t b)
{
    uint64_t flags;
    uint32_t after;
    __asm__ volatile("ldmxcsr %[m]\n\t"
                     "movq %[a], %%xmm0\n\t"
                     "movq %[b], %%xmm1\n\t"
                     "xor %%ecx, %%ecx\n\t"
                     "test %%ecx, %%ecx\n\t"
                     ".globl fpe_comisd\nfpe_comisd:\n\t"
                     "comisd %%xmm1, %%xmm0\n\t"
                     "pushfq\n\t"
                     "popq %[f]\n\t"
                     "stmxcsr %[after]\n\t"
                     : [f] "=r"(flags), [after] "=m"(after)
                     : [m] "m"(m), [a] "r"(a), [b] "r"(b)
                     : "rcx", "xmm0", "xmm1", "memory", "cc");
    uint32_t dflt = 0x1f80;
    __asm__ volatile("ldmxcsr %0" : : "m"(dflt));
    rt_printf("%-34s frame zf/pf/cf %lx, after %lx\n", "comisd x, QNaN (IE unmasked)", seen.rflags & 0x45, flags & 0x45);
    report("", fpe_comisd, (struct vec){flags & 0x45, 0}, after);
}

#define ONE 0x3FF0000000000000ull
#define THREE 0x4008000000000000ull
#define QNAN 0x7FF8000000000000ull
#define F(x) ((uint64_t)(x))

int main(int argc, char **argv, char **envp)
{
    rt_check(rt_install(SIGFPE, fpe_handler, 0) == 0, "install SIGFPE handler");

    /* 1/0, ZE unmasked: FPE_FLTDIV, xmm0 still 1.0 in the frame; masked rerun gives +inf. */
    run_divsd("divsd 1/0 (ZE unmasked)", 0x1F80 & ~0x200u, (struct vec){ONE, 0x1111}, (struct vec){0, 0x2222});
    /* The same with ZE already set: a raised, unmasked exception traps whatever the sticky flag held. */
    run_divsd("divsd 1/0 (ZE unmasked, flag set)", (0x1F80 & ~0x200u) | 0x04, (struct vec){ONE, 0x1111}, (struct vec){0, 0x2222});
    /* lanes 1/0 (ZE masked), 1e30/1e-30 (OE unmasked), 1/3 (PE), 2/2: post-computation trap, ZE|OE|PE. */
    run_divps("divps ZE masked, OE unmasked", 0x1F80 & ~0x400u,
              (struct vec){0x3F800000ull | (F(0x7149F2CA) << 32), 0x3F800000ull | (F(0x40000000) << 32)},
              (struct vec){0x00000000ull | (F(0x0DA24260) << 32), 0x40400000ull | (F(0x40000000) << 32)});
    /* lanes 0/0 (IE unmasked), 1/0 (ZE), 1e30/1e-30 (OE), 1/3 (PE): only IE|ZE are set. */
    run_divps("divps IE unmasked, others masked", 0x1F80 & ~0x080u,
              (struct vec){0x00000000ull | (F(0x3F800000) << 32), 0x7149F2CAull | (F(0x3F800000) << 32)},
              (struct vec){0x00000000ull | (F(0x00000000) << 32), 0x0DA24260ull | (F(0x40400000) << 32)});
    /* 1e-200 * 1e-200 with UE unmasked: FPE_FLTUND. */
    run_mulsd("mulsd underflow (UE unmasked)", 0x1F80 & ~0x800u, (struct vec){0x1688E4A7F4D2E1A9ull, 0}, (struct vec){0x1688E4A7F4D2E1A9ull, 0});
    /* 1e300 * 1e300 with OE unmasked: FPE_FLTOVF. */
    run_mulsd("mulsd overflow (OE unmasked)", 0x1F80 & ~0x400u, (struct vec){0x7E37E43C8800759Cull, 0}, (struct vec){0x7E37E43C8800759Cull, 0});
    /* 1/3 with PE unmasked: FPE_FLTRES. */
    run_divsd("divsd 1/3 (PE unmasked)", 0x1F80 & ~0x1000u, (struct vec){ONE, 0}, (struct vec){THREE, 0});
    /* 1 + denormal with DE unmasked: FPE_FLTUND (Linux reports DE as underflow). */
    run_addsd("addsd denormal (DE unmasked)", 0x1F80 & ~0x100u, (struct vec){ONE, 0}, (struct vec){1, 0});
    /* sqrt(-1) with IE unmasked: FPE_FLTINV. */
    run_sqrtsd("sqrtsd -1 (IE unmasked)", 0x1F80 & ~0x080u, (struct vec){0x5555, 0x6666}, (struct vec){0xBFF0000000000000ull, 0});
    /* Exact tiny result with UE unmasked still traps (underflow needs no inexactness when unmasked). */
    run_mulpd("mulpd exact tiny (UE unmasked)", 0x1F80 & ~0x800u, (struct vec){0x0010000000000000ull, ONE}, (struct vec){0x3FE0000000000000ull, ONE});
    /* 1e300 to single with OE unmasked. */
    run_cvtsd2ss("cvtsd2ss overflow (OE unmasked)", 0x1F80 & ~0x400u, (struct vec){0x7777, 0x8888}, (struct vec){0x7E37E43C8800759Cull, 0});
    run_cvttsd2si(0x1F80 & ~0x080u, QNAN);
    run_comisd(0x1F80 & ~0x080u, ONE, QNAN);
    return rt_report("simdfpe");
}
