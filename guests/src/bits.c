/*
 * bits.c - bit manipulation, shifts/rotates, flags, extension, setcc/cmov.
 *
 * Why: this is where an x86 interpreter's corner cases live:
 *   - shift/rotate counts are masked (5 bits, 6 for 64-bit operands); a
 *     masked count of 0 leaves every flag untouched; 8/16-bit rotates work
 *     modulo the width (rcl/rcr modulo width+1) after masking;
 *   - inc/dec preserve CF, logic ops clear CF/OF, neg sets CF = (src != 0),
 *     AF and PF are computed from the low byte;
 *   - bt/bts/btr/btc with a register offset and a memory operand address a
 *     bit string (the offset may be far beyond, or below, the operand);
 *     with an immediate or a register destination the offset is taken mod
 *     the operand width;
 *   - writing a 32-bit register zero-extends into 64 bits, writing an 8- or
 *     16-bit register (including ah..dh) preserves the other bits;
 *   - cbw/cwde/cdqe/cwd/cdq/cqo and every movsx/movzx form.
 * Flags are captured with pushfq after presetting them with popfq, and only
 * the flags the SDM defines for each case are compared (the others are
 * masked out), so the printed checksums hold on any conforming x86-64.
 *
 * The same source is also built as bits-bmi-O2 (-mpopcnt -mlzcnt -mbmi):
 * gcc then uses popcnt/lzcnt/tzcnt/andn/blsr/blsi/blsmsk for the C idioms,
 * and the output must be byte-identical to the plain builds.
 */
#include "rt.h"

static uint64_t digest;

static void report(const char *what, uint64_t ck)
{
    rt_printf("%-28s %016lx\n", what, ck);
    digest = rt_mix(digest, ck);
}

/* Edge values for every width (truncated as needed) plus random ones. */
static const uint64_t edge[] = {
    0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
    0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x7fffffffffffffff,
    0x8000000000000000, 0xffffffffffffffff, 0xfffffffffffffffe,
    0x5555555555555555, 0xaaaaaaaaaaaaaaaa, 0x0123456789abcdef, 0xfedcba9876543210,
    0x00000000deadbeef, 0x8000000000000001, 0x0000000100000001, 0x00ff00ff00ff00ff,
};
#define NEDGE ((int)RT_ARRAY_LEN(edge))

/* ================= builtins vs naive loops ================= */

static int naive_popcount(uint64_t x) { int c = 0; while (x) { c += (int)(x & 1); x >>= 1; } return c; }
static int naive_clz64(uint64_t x) { int c = 0; while (!(x & (1ull << 63))) { x <<= 1; c++; } return c; }
static int naive_ctz64(uint64_t x) { int c = 0; while (!(x & 1)) { x >>= 1; c++; } return c; }
static uint64_t naive_bswap64(uint64_t x)
{
    uint64_t r = 0;
    for (int i = 0; i < 8; i++)
        r |= ((x >> (8 * i)) & 0xff) << (56 - 8 * i);
    return r;
}

static void builtin_tests(void)
{
    uint64_t ck = 0, seed = rt_hide(31337);
    bool ok = true;
    for (int i = 0; i < 300; i++) {
        uint64_t x = i < NEDGE ? edge[i] : rt_rand64(&seed) >> (i % 64);
        x = rt_hide(x);
        uint32_t y = (uint32_t)x;
        int pc64 = __builtin_popcountll(x), pc32 = __builtin_popcount(y);
        ok &= pc64 == naive_popcount(x) && pc32 == naive_popcount(y);
        ok &= __builtin_parityll(x) == (pc64 & 1) && __builtin_parity(y) == (pc32 & 1);
        ok &= __builtin_bswap64(x) == naive_bswap64(x);
        ok &= __builtin_bswap32(y) == (uint32_t)(naive_bswap64(y) >> 32);
        ok &= __builtin_bswap16((uint16_t)y) == (uint16_t)(naive_bswap64((uint16_t)y) >> 48);
        ck = rt_mix(ck, (uint64_t)pc64 << 8 | (uint64_t)pc32);
        ck = rt_mix(ck, __builtin_bswap64(x) ^ __builtin_bswap32(y) ^ __builtin_bswap16((uint16_t)y));
        if (x) {
            ok &= __builtin_clzll(x) == naive_clz64(x) && __builtin_ctzll(x) == naive_ctz64(x);
            ok &= __builtin_ffsll((long long)x) == naive_ctz64(x) + 1;
            ck = rt_mix(ck, (uint64_t)__builtin_clzll(x) << 8 | (uint64_t)__builtin_ctzll(x));
        }
        if (y) {
            ok &= __builtin_clz(y) == naive_clz64(y) - 32 && __builtin_ctz(y) == naive_ctz64(y);
            ck = rt_mix(ck, (uint64_t)__builtin_clz(y) << 8 | (uint64_t)__builtin_ctz(y));
        }
        ck = rt_mix(ck, (uint64_t)__builtin_clrsbll((long long)x) << 8 |
                            (uint64_t)__builtin_clrsb((int)y));
        ok &= __builtin_ffs(0) == 0;
        /* Zero-safe idioms: with -mlzcnt/-mbmi gcc emits lzcnt/tzcnt alone. */
        int lz = x ? __builtin_clzll(x) : 64, tz = x ? __builtin_ctzll(x) : 64;
        int lz32 = y ? __builtin_clz(y) : 32, tz32 = y ? __builtin_ctz(y) : 32;
        ck = rt_mix(ck, (uint64_t)(lz | tz << 8 | lz32 << 16 | tz32 << 24));
        /* BMI1 idioms: blsr, blsi, blsmsk, andn. */
        uint64_t z = rt_hide(~x * 3);
        ck = rt_mix(ck, (x & (x - 1)) ^ ((x & -x) << 1) ^ ((x ^ (x - 1)) << 2) ^ (~x & z));
        ck = rt_mix(ck, (uint64_t)((y & (y - 1)) ^ (y & -y) ^ (y ^ (y - 1)) ^ (~y & (uint32_t)z)));
        /* Bit-field extraction (bextr-like) with variable start and length. */
        unsigned start = (unsigned)(i % 70), len = (unsigned)(i * 7 % 70);
        uint64_t field = start >= 64 ? 0 : x >> start;
        field = len >= 64 ? field : field & ((1ull << len) - 1);
        ck = rt_mix(ck, field);
    }
    rt_check(ok, "builtins vs naive");
    report("builtins pop/clz/ctz/bswap", ck);
}

/* ================= flags capture ================= */

#define CF 0x001ull
#define PF 0x004ull
#define AF 0x010ull
#define ZF 0x040ull
#define SF 0x080ull
#define OF 0x800ull
#define ALLF (CF | PF | AF | ZF | SF | OF)

/* Preset flags with popfq, run the instruction, read flags with pushfq. The
 * red zone below rsp may hold live locals at -O1 and up, so step over it. */
#define F_BEGIN "lea -128(%%rsp), %%rsp\n\tpush %[fin]\n\tpopfq\n\t"
#define F_END "\n\tpushfq\n\tpop %[fout]\n\tlea 128(%%rsp), %%rsp"

/* Flag presets: none set, and all six arithmetic flags set (bit 1 is the
 * always-one reserved bit). */
static const uint64_t presets[2] = {0x2, 0x2 | ALLF};

#define BINOP(NAME, INSN, T, RC)                                                \
    static T NAME(T a, T b, uint64_t fin, uint64_t *fout)                       \
    {                                                                           \
        uint64_t f;                                                             \
        __asm__(F_BEGIN INSN " %[b], %[a]" F_END                                \
                : [a] "+" RC(a), [fout] "=&r"(f)                                \
                : [b] RC(b), [fin] "r"(fin)                                     \
                : "cc");                                                        \
        *fout = f;                                                              \
        return a;                                                               \
    }

#define BINOPS(SFX, T, RC)                                                      \
    BINOP(add##SFX, "add" #SFX, T, RC)                                          \
    BINOP(adc##SFX, "adc" #SFX, T, RC)                                          \
    BINOP(sub##SFX, "sub" #SFX, T, RC)                                          \
    BINOP(sbb##SFX, "sbb" #SFX, T, RC)                                          \
    BINOP(cmp##SFX, "cmp" #SFX, T, RC)                                          \
    BINOP(and##SFX, "and" #SFX, T, RC)                                          \
    BINOP(or##SFX, "or" #SFX, T, RC)                                            \
    BINOP(xor##SFX, "xor" #SFX, T, RC)                                          \
    BINOP(test##SFX, "test" #SFX, T, RC)

BINOPS(b, uint8_t, "q")
BINOPS(w, uint16_t, "r")
BINOPS(l, uint32_t, "r")
BINOPS(q, uint64_t, "r")
BINOP(imul2w, "imulw", uint16_t, "r")
BINOP(imul2l, "imull", uint32_t, "r")
BINOP(imul2q, "imulq", uint64_t, "r")

#define UNOP(NAME, INSN, T, RC)                                                 \
    static T NAME(T a, uint64_t fin, uint64_t *fout)                            \
    {                                                                           \
        uint64_t f;                                                             \
        __asm__(F_BEGIN INSN " %[a]" F_END                                      \
                : [a] "+" RC(a), [fout] "=&r"(f)                                \
                : [fin] "r"(fin)                                                \
                : "cc");                                                        \
        *fout = f;                                                              \
        return a;                                                               \
    }

#define UNOPS(SFX, T, RC)                                                       \
    UNOP(neg##SFX, "neg" #SFX, T, RC)                                           \
    UNOP(inc##SFX, "inc" #SFX, T, RC)                                           \
    UNOP(dec##SFX, "dec" #SFX, T, RC)                                           \
    UNOP(not##SFX, "not" #SFX, T, RC)

UNOPS(b, uint8_t, "q")
UNOPS(w, uint16_t, "r")
UNOPS(l, uint32_t, "r")
UNOPS(q, uint64_t, "r")

/* One-operand mul/imul: rdx:rax = rax * src (al/ax/eax/rax by size). */
#define MULOP(NAME, INSN, T)                                                    \
    static uint64_t NAME(T a, T b, uint64_t fin, uint64_t *fout)                \
    {                                                                           \
        uint64_t f, lo = (uint64_t)a, hi = 0x1111111111111111ull;               \
        __asm__(F_BEGIN INSN " %[b]" F_END                                      \
                : "+a"(lo), "+d"(hi), [fout] "=&r"(f)                           \
                : [b] "rm"(b), [fin] "r"(fin)                                   \
                : "cc");                                                        \
        *fout = f;                                                              \
        return lo ^ rt_mix(0, hi);                                              \
    }
MULOP(mulb, "mulb", uint8_t)
MULOP(imulb, "imulb", uint8_t)
MULOP(mulw, "mulw", uint16_t)
MULOP(imulw, "imulw", uint16_t)
MULOP(mull, "mull", uint32_t)
MULOP(imull, "imull", uint32_t)
MULOP(mulq, "mulq", uint64_t)
MULOP(imulq, "imulq", uint64_t)

static void arith_flag_tests(void)
{
#define RUN_BIN(FN, T, MASK)                                                    \
    do {                                                                        \
        uint64_t ck = 0;                                                        \
        for (int i = 0; i < NEDGE; i++)                                         \
            for (int j = 0; j < NEDGE; j++)                                     \
                for (int p = 0; p < 2; p++) {                                   \
                    uint64_t f;                                                 \
                    T r = FN((T)edge[i], (T)edge[j], presets[p], &f);           \
                    ck = rt_mix(ck, (uint64_t)r << 12 | (f & (MASK)));          \
                }                                                               \
        report(#FN, ck);                                                        \
    } while (0)
#define RUN_BINS(SFX, T)                                                        \
    RUN_BIN(add##SFX, T, ALLF); RUN_BIN(adc##SFX, T, ALLF);                     \
    RUN_BIN(sub##SFX, T, ALLF); RUN_BIN(sbb##SFX, T, ALLF);                     \
    RUN_BIN(cmp##SFX, T, ALLF); RUN_BIN(and##SFX, T, ALLF & ~AF);               \
    RUN_BIN(or##SFX, T, ALLF & ~AF); RUN_BIN(xor##SFX, T, ALLF & ~AF);          \
    RUN_BIN(test##SFX, T, ALLF & ~AF)
    RUN_BINS(b, uint8_t);
    RUN_BINS(w, uint16_t);
    RUN_BINS(l, uint32_t);
    RUN_BINS(q, uint64_t);
    RUN_BIN(imul2w, uint16_t, CF | OF);
    RUN_BIN(imul2l, uint32_t, CF | OF);
    RUN_BIN(imul2q, uint64_t, CF | OF);
    RUN_BIN(mulb, uint8_t, CF | OF);
    RUN_BIN(imulb, uint8_t, CF | OF);
    RUN_BIN(mulw, uint16_t, CF | OF);
    RUN_BIN(imulw, uint16_t, CF | OF);
    RUN_BIN(mull, uint32_t, CF | OF);
    RUN_BIN(imull, uint32_t, CF | OF);
    RUN_BIN(mulq, uint64_t, CF | OF);
    RUN_BIN(imulq, uint64_t, CF | OF);

#define RUN_UN(FN, T)                                                           \
    do {                                                                        \
        uint64_t ck = 0;                                                        \
        for (int i = 0; i < NEDGE; i++)                                         \
            for (int p = 0; p < 2; p++) {                                       \
                uint64_t f;                                                     \
                T r = FN((T)edge[i], presets[p], &f);                           \
                ck = rt_mix(ck, (uint64_t)r << 12 | (f & ALLF));                \
            }                                                                   \
        report(#FN, ck);                                                        \
    } while (0)
    RUN_UN(negb, uint8_t); RUN_UN(incb, uint8_t); RUN_UN(decb, uint8_t); RUN_UN(notb, uint8_t);
    RUN_UN(negw, uint16_t); RUN_UN(incw, uint16_t); RUN_UN(decw, uint16_t); RUN_UN(notw, uint16_t);
    RUN_UN(negl, uint32_t); RUN_UN(incl, uint32_t); RUN_UN(decl, uint32_t); RUN_UN(notl, uint32_t);
    RUN_UN(negq, uint64_t); RUN_UN(incq, uint64_t); RUN_UN(decq, uint64_t); RUN_UN(notq, uint64_t);
}

/* ================= shifts and rotates by cl ================= */

#define SHIFTOP(NAME, INSN, T, RC)                                              \
    static T NAME(T a, uint8_t c, uint64_t fin, uint64_t *fout)                 \
    {                                                                           \
        uint64_t f;                                                             \
        __asm__(F_BEGIN INSN " %%cl, %[a]" F_END                                \
                : [a] "+" RC(a), [fout] "=&r"(f)                                \
                : "c"(c), [fin] "r"(fin)                                        \
                : "cc");                                                        \
        *fout = f;                                                              \
        return a;                                                               \
    }
#define SHIFTOPS(SFX, T, RC)                                                    \
    SHIFTOP(shl##SFX, "shl" #SFX, T, RC) SHIFTOP(shr##SFX, "shr" #SFX, T, RC)   \
    SHIFTOP(sar##SFX, "sar" #SFX, T, RC) SHIFTOP(rol##SFX, "rol" #SFX, T, RC)   \
    SHIFTOP(ror##SFX, "ror" #SFX, T, RC) SHIFTOP(rcl##SFX, "rcl" #SFX, T, RC)   \
    SHIFTOP(rcr##SFX, "rcr" #SFX, T, RC)
SHIFTOPS(b, uint8_t, "q")
SHIFTOPS(w, uint16_t, "r")
SHIFTOPS(l, uint32_t, "r")
SHIFTOPS(q, uint64_t, "r")

/* Double-precision shifts: dst = dst:src shifted by cl. */
#define DSHIFTOP(NAME, INSN, T)                                                 \
    static T NAME(T a, T b, uint8_t c, uint64_t fin, uint64_t *fout)            \
    {                                                                           \
        uint64_t f;                                                             \
        __asm__(F_BEGIN INSN " %%cl, %[b], %[a]" F_END                          \
                : [a] "+r"(a), [fout] "=&r"(f)                                  \
                : [b] "r"(b), "c"(c), [fin] "r"(fin)                            \
                : "cc");                                                        \
        *fout = f;                                                              \
        return a;                                                               \
    }
DSHIFTOP(shldw, "shldw", uint16_t) DSHIFTOP(shrdw, "shrdw", uint16_t)
DSHIFTOP(shldl, "shldl", uint32_t) DSHIFTOP(shrdl, "shrdl", uint32_t)
DSHIFTOP(shldq, "shldq", uint64_t) DSHIFTOP(shrdq, "shrdq", uint64_t)

static const uint8_t counts[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 18, 24, 31, 32, 33, 47, 63, 64, 65, 127, 128, 255};

enum kind { SH, ROT, RC_ };

/* Which flags the SDM defines after a shift/rotate by count c. */
static uint64_t shift_mask(enum kind k, int width, unsigned c)
{
    unsigned mc = c & (width == 64 ? 63 : 31);
    if (mc == 0)
        return ALLF;                        /* no flag changes at all */
    uint64_t m = mc == 1 ? OF : 0;          /* OF only for 1-bit shifts */
    if (k == SH)
        return m | SF | ZF | PF | (mc < (unsigned)width ? CF : 0);  /* AF undefined */
    return m | CF | SF | ZF | PF | AF;      /* rotates leave SF/ZF/PF/AF alone */
}

static void shift_flag_tests(void)
{
#define RUN_SH(FN, T, KIND, W)                                                  \
    do {                                                                        \
        uint64_t ck = 0;                                                        \
        for (int i = 0; i < NEDGE; i += 2)                                      \
            for (size_t j = 0; j < sizeof counts; j++)                          \
                for (int p = 0; p < 2; p++) {                                   \
                    uint64_t f;                                                 \
                    T r = FN((T)edge[i], counts[j], presets[p], &f);            \
                    ck = rt_mix(ck, (uint64_t)r << 12 |                         \
                                        (f & shift_mask(KIND, W, counts[j])));  \
                }                                                               \
        report(#FN " cl", ck);                                                  \
    } while (0)
#define RUN_SHS(SFX, T, W)                                                      \
    RUN_SH(shl##SFX, T, SH, W); RUN_SH(shr##SFX, T, SH, W);                     \
    RUN_SH(sar##SFX, T, SH, W); RUN_SH(rol##SFX, T, ROT, W);                    \
    RUN_SH(ror##SFX, T, ROT, W); RUN_SH(rcl##SFX, T, RC_, W);                   \
    RUN_SH(rcr##SFX, T, RC_, W)
    RUN_SHS(b, uint8_t, 8);
    RUN_SHS(w, uint16_t, 16);
    RUN_SHS(l, uint32_t, 32);
    RUN_SHS(q, uint64_t, 64);

#define RUN_DSH(FN, T, W)                                                       \
    do {                                                                        \
        uint64_t ck = 0;                                                        \
        for (int i = 0; i < NEDGE; i += 3)                                      \
            for (int k = 1; k < NEDGE; k += 4)                                  \
                for (size_t j = 0; j < sizeof counts; j++) {                    \
                    unsigned mc = counts[j] & (W == 64 ? 63 : 31);              \
                    if (mc > W)                                                 \
                        continue;  /* 16-bit count > 16: result undefined */    \
                    uint64_t f, m = mc == 0 ? ALLF                              \
                                            : (SF | ZF | PF | CF | (mc == 1 ? OF : 0)); \
                    T r = FN((T)edge[i], (T)edge[k], counts[j], presets[j & 1], &f);  \
                    ck = rt_mix(ck, (uint64_t)r << 12 | (f & m));               \
                }                                                               \
        report(#FN " cl", ck);                                                  \
    } while (0)
    RUN_DSH(shldw, uint16_t, 16); RUN_DSH(shrdw, uint16_t, 16);
    RUN_DSH(shldl, uint32_t, 32); RUN_DSH(shrdl, uint32_t, 32);
    RUN_DSH(shldq, uint64_t, 64); RUN_DSH(shrdq, uint64_t, 64);

    /* Immediate-count forms, including the 1-bit encodings (D0/D1 opcodes). */
    uint64_t ck = 0;
    for (int i = 0; i < NEDGE; i++) {
        uint64_t x = rt_hide(edge[i]), f;
        uint8_t b = (uint8_t)x;
        uint16_t w = (uint16_t)x;
        uint32_t l = (uint32_t)x;
        __asm__(F_BEGIN "shlq $1, %[x]\n\tsarl $1, %[l]\n\trorw $1, %[w]\n\trclb $1, %[b]" F_END
                : [x] "+r"(x), [l] "+r"(l), [w] "+r"(w), [b] "+q"(b), [fout] "=&r"(f)
                : [fin] "r"(presets[i & 1]) : "cc");
        ck = rt_mix(ck, x ^ l ^ (uint64_t)w << 32 ^ (uint64_t)b << 48 ^ (f & (CF | OF)));
        __asm__(F_BEGIN "shrq $63, %[x]\n\tsall $31, %[l]\n\trolw $15, %[w]\n\trcrb $7, %[b]" F_END
                : [x] "+r"(x), [l] "+r"(l), [w] "+r"(w), [b] "+q"(b), [fout] "=&r"(f)
                : [fin] "r"(presets[i & 1]) : "cc");
        ck = rt_mix(ck, x ^ l ^ (uint64_t)w << 32 ^ (uint64_t)b << 48 ^ (f & CF));
    }
    report("shift/rotate immediate", ck);
}

/* ================= C-level variable shifts ================= */

static void c_shift_tests(void)
{
    uint64_t ck = 0;
    for (int i = 0; i < NEDGE; i++)
        for (unsigned n = 0; n < 80; n++) {
            uint64_t x = rt_hide(edge[i]);
            unsigned c = (unsigned)rt_hide(n);
            /* Counts masked in C so the shifts are defined; gcc drops the
             * mask where the hardware masks anyway (shl %cl). */
            uint8_t b = (uint8_t)x;
            uint16_t w = (uint16_t)x;
            uint32_t l = (uint32_t)x;
            int8_t sb = (int8_t)x;
            int16_t sw = (int16_t)x;
            int32_t sl = (int32_t)x;
            int64_t sq = (int64_t)x;
            ck = rt_mix(ck, (uint8_t)(b << (c & 7)) | (uint64_t)(uint8_t)(b >> (c & 7)) << 8 |
                                (uint64_t)(uint8_t)(sb >> (c & 7)) << 16);
            ck = rt_mix(ck, (uint16_t)(w << (c & 15)) | (uint64_t)(uint16_t)(w >> (c & 15)) << 16 |
                                (uint64_t)(uint16_t)(sw >> (c & 15)) << 32);
            ck = rt_mix(ck, (l << (c & 31)) ^ (uint64_t)(l >> (c & 31)) << 32);
            ck = rt_mix(ck, (uint64_t)(uint32_t)(sl >> (c & 31)));
            ck = rt_mix(ck, (x << (c & 63)) ^ (x >> (c & 63)) ^ (uint64_t)(sq >> (c & 63)));
            /* A promoted byte shifted by up to 31 keeps the bits in 32 bits. */
            ck = rt_mix(ck, (uint32_t)b << (c & 31));
            /* Shift by >= width written out explicitly, as portable code does. */
            ck = rt_mix(ck, c >= 64 ? 0 : x >> c);
            unsigned __int128 wide = (unsigned __int128)x << 64 | (x ^ 0x5a5a);
            ck = rt_mix(ck, (uint64_t)(wide >> (c & 127)) ^ (uint64_t)((wide << (c & 127)) >> 64));
        }
    report("C variable shifts", ck);
}

/* ================= bit test family ================= */

static void bit_test_tests(void)
{
    uint64_t ck = 0;
    /* Register forms: the offset is taken modulo the operand width. */
    for (int i = 0; i < NEDGE; i++)
        for (size_t j = 0; j < sizeof counts; j++) {
            uint64_t x = edge[i], y = x, z = x, f;
            uint32_t l = (uint32_t)x;
            uint16_t w = (uint16_t)x;
            uint64_t off = counts[j];
            __asm__(F_BEGIN "btq %[o], %[x]" F_END
                    : [fout] "=&r"(f) : [x] "r"(x), [o] "r"(off), [fin] "r"(presets[j & 1]) : "cc");
            ck = rt_mix(ck, f & CF);
            __asm__(F_BEGIN "btsq %[o], %[y]" F_END
                    : [y] "+r"(y), [fout] "=&r"(f) : [o] "r"(off), [fin] "r"(presets[j & 1]) : "cc");
            ck = rt_mix(ck, y ^ (f & CF));
            __asm__(F_BEGIN "btrl %k[o], %[l]" F_END
                    : [l] "+r"(l), [fout] "=&r"(f) : [o] "r"(off), [fin] "r"(presets[j & 1]) : "cc");
            ck = rt_mix(ck, l ^ (f & CF));
            __asm__(F_BEGIN "btcw %w[o], %[w]" F_END
                    : [w] "+r"(w), [fout] "=&r"(f) : [o] "r"(off), [fin] "r"(presets[j & 1]) : "cc");
            ck = rt_mix(ck, w ^ (f & CF));
            __asm__(F_BEGIN "btcq $45, %[z]\n\tbtsl $35, %k[z]" F_END
                    : [z] "+r"(z), [fout] "=&r"(f) : [fin] "r"(presets[j & 1]) : "cc");
            ck = rt_mix(ck, z ^ (f & CF));
        }
    report("bt/bts/btr/btc register", ck);

    /* Memory forms with register offsets address a bit string: offsets may
     * be negative or far beyond the addressed qword. */
    static uint64_t bitmap[64 + 4];
    uint64_t *base = bitmap + 2;             /* allows offsets down to -128 */
    ck = 0;
    uint64_t seed = rt_hide(4242);
    for (int i = 0; i < 3000; i++) {
        int64_t off = (int64_t)(rt_rand64(&seed) % (64 * 64 + 128)) - 128;
        uint8_t cf;
        switch (i % 4) {
        case 0:
            __asm__ volatile("btsq %[o], %[m]\n\tsetc %[c]"
                             : [m] "+m"(*base), [c] "=q"(cf) : [o] "r"(off) : "cc", "memory");
            break;
        case 1:
            __asm__ volatile("btrq %[o], %[m]\n\tsetc %[c]"
                             : [m] "+m"(*base), [c] "=q"(cf) : [o] "r"(off) : "cc", "memory");
            break;
        case 2:
            __asm__ volatile("btcl %k[o], %[m]\n\tsetc %[c]"
                             : [m] "+m"(*base), [c] "=q"(cf) : [o] "r"(off) : "cc", "memory");
            break;
        default:
            __asm__ volatile("btw %w[o], %[m]\n\tsetc %[c]"
                             : [c] "=q"(cf) : [m] "m"(*base), [o] "r"((int16_t)off) : "cc", "memory");
            break;
        }
        ck = rt_mix(ck, cf);
    }
    for (int i = 0; i < 64 + 4; i++)
        ck = rt_mix(ck, bitmap[i]);
    /* Immediate offsets with a memory operand are taken mod the width. */
    uint8_t c1, c2;
    __asm__ volatile("btl $35, %[m]\n\tsetc %[a]\n\tbtsq $64, %[m]\n\tsetc %[b]"
                     : [a] "=q"(c1), [b] "=q"(c2), [m] "+m"(bitmap[5]) : : "cc", "memory");
    ck = rt_mix(ck, (uint64_t)c1 << 1 | c2);
    ck = rt_mix(ck, bitmap[5] ^ bitmap[6]);
    report("bt* memory bit string", ck);

    /* The C idiom for bitmaps (gcc may use bt/bts on registers). */
    static uint64_t bm[64];
    uint32_t cnt = 0;
    for (uint32_t i = 0; i < 4096; i += 3)
        bm[i >> 6] |= 1ull << (i & 63);
    for (uint32_t i = 0; i < 4096; i += 5)
        bm[i >> 6] &= ~(1ull << (i & 63));
    for (uint32_t i = 0; i < 4096; i++)
        cnt += (bm[i >> 6] >> (i & 63)) & 1;
    rt_printf("C bitmap population %u\n", cnt);
    digest = rt_mix(digest, cnt);

    /* bsf/bsr: index for nonzero inputs, ZF=1 for zero (dest unspecified). */
    ck = 0;
    for (int i = 0; i < NEDGE; i++) {
        uint64_t x = edge[i], r1 = 0, r2 = 0, f1, f2;
        __asm__(F_BEGIN "bsfq %[x], %[r]" F_END
                : [r] "+r"(r1), [fout] "=&r"(f1) : [x] "r"(x), [fin] "r"(presets[0]) : "cc");
        __asm__(F_BEGIN "bsrl %k[x], %k[r]" F_END
                : [r] "+r"(r2), [fout] "=&r"(f2) : [x] "r"(x), [fin] "r"(presets[1]) : "cc");
        if (!x)
            r1 = 0;
        if (!(uint32_t)x)
            r2 = 0;
        ck = rt_mix(ck, r1 << 32 | r2 << 16 | (f1 & ZF) << 1 | (f2 & ZF));
    }
    report("bsf/bsr", ck);
}

/* ================= setcc / cmovcc: all 16 conditions ================= */

static uint32_t all_setcc(uint64_t a, uint64_t b)
{
    uint8_t s[16];
    __asm__("cmp %[b], %[a]\n\t"
            "seto 0(%[s])\n\tsetno 1(%[s])\n\tsetb 2(%[s])\n\tsetae 3(%[s])\n\t"
            "sete 4(%[s])\n\tsetne 5(%[s])\n\tsetbe 6(%[s])\n\tseta 7(%[s])\n\t"
            "sets 8(%[s])\n\tsetns 9(%[s])\n\tsetp 10(%[s])\n\tsetnp 11(%[s])\n\t"
            "setl 12(%[s])\n\tsetge 13(%[s])\n\tsetle 14(%[s])\n\tsetg 15(%[s])"
            : : [a] "r"(a), [b] "r"(b), [s] "r"(s) : "cc", "memory");
    uint32_t m = 0;
    for (int i = 0; i < 16; i++)
        m |= (uint32_t)s[i] << i;
    return m;
}

static uint32_t all_cmov(uint32_t a, uint32_t b)
{
    uint64_t r[16];
    uint64_t one = 1;
    __asm__("cmpl %[b], %[a]\n\t"
#define CM(cc, i) "movq $0, " #i "*8(%[r])\n\t" \
                  "movq " #i "*8(%[r]), %%rax\n\t" \
                  "cmov" #cc " %[one], %%rax\n\t" \
                  "movq %%rax, " #i "*8(%[r])\n\t"
            CM(o, 0) CM(no, 1) CM(b, 2) CM(ae, 3) CM(e, 4) CM(ne, 5) CM(be, 6) CM(a, 7)
            CM(s, 8) CM(ns, 9) CM(p, 10) CM(np, 11) CM(l, 12) CM(ge, 13) CM(le, 14) CM(g, 15)
#undef CM
            "nop"
            : : [a] "r"(a), [b] "r"(b), [r] "r"(r), [one] "r"(one) : "rax", "cc", "memory");
    uint32_t m = 0;
    for (int i = 0; i < 16; i++)
        m |= (uint32_t)r[i] << i;
    return m;
}

static void condition_tests(void)
{
    uint64_t ck = 0;
    bool consistent = true;
    for (int i = 0; i < NEDGE; i++)
        for (int j = 0; j < NEDGE; j++) {
            uint32_t s = all_setcc(edge[i], edge[j]);
            uint32_t c = all_cmov((uint32_t)edge[i], (uint32_t)edge[j]);
            uint32_t s32 = all_setcc((uint64_t)(int64_t)(int32_t)edge[i],
                                     (uint64_t)(int64_t)(int32_t)edge[j]);
            /* Each condition and its negation are complementary. */
            consistent &= ((s ^ (s >> 1)) & 0x5555) == 0x5555;
            consistent &= ((c ^ (c >> 1)) & 0x5555) == 0x5555;
            /* 32-bit cmp of the low halves must agree with a 64-bit cmp of
             * the sign-extended values except for PF-independent overflow. */
            ck = rt_mix(ck, (uint64_t)s << 32 | c);
            ck = rt_mix(ck, s32);
        }
    rt_check(consistent, "setcc/cmov complementary");
    report("setcc x16 / cmovcc x16", ck);

    /* stc/clc/cmc and lahf/sahf round trip. */
    uint8_t c1, c2, c3, ah;
    __asm__("stc\n\tsetc %0\n\tcmc\n\tsetc %1\n\tclc\n\tcmc\n\tsetc %2"
            : "=q"(c1), "=q"(c2), "=q"(c3) : : "cc");
    __asm__("mov $0xd5, %%ah\n\tsahf\n\tmov $0, %%ah\n\tlahf\n\tmov %%ah, %0"
            : "=q"(ah) : : "rax", "cc");
    rt_printf("stc/cmc/clc: %d %d %d, sahf/lahf 0xd5 -> 0x%x\n", c1, c2, c3, ah);
    rt_check(c1 == 1 && c2 == 0 && c3 == 1 && ah == 0xd7, "stc/clc/cmc/lahf");

    /* C code that gcc compiles to setcc/cmov: branchless selects. */
    uint64_t seed = rt_hide(606);
    ck = 0;
    for (int i = 0; i < 2000; i++) {
        uint64_t x = rt_rand64(&seed), y = rt_rand64(&seed) >> (i % 50);
        int64_t sx = (int64_t)x, sy = (int64_t)y;
        int32_t lx = (int32_t)x, ly = (int32_t)(y >> 7);
        int8_t bx = (int8_t)x, by = (int8_t)y;
        uint16_t wx = (uint16_t)x, wy = (uint16_t)y;
        uint64_t r = 0;
        r += sx < sy ? (uint64_t)sx : (uint64_t)sy;
        r += x < y ? x : y;
        r += (uint64_t)(lx > ly ? lx : ly);
        r += (uint64_t)(uint32_t)(lx < 0 ? -(uint32_t)lx : (uint32_t)lx);
        r += (uint64_t)((lx > 0) - (lx < 0));
        r += bx < by;
        r += (uint64_t)(wx >= wy) << 1;
        r += (uint64_t)(x == y) << 2 | (uint64_t)(sx <= 0) << 3;
        r += (uint64_t)(lx > 1000 ? 1000 : lx < -1000 ? -1000 : lx);
        r ^= (x & 1) ? x : y;
        ck = rt_mix(ck, r);
    }
    report("C branchless selects", ck);
}

/* ================= sign/zero extension, partial registers ================= */

static void extension_tests(void)
{
    uint64_t ck = 0;
    const uint64_t junk = 0xdeadbeefcafef00dull;
    for (int i = 0; i < NEDGE; i++) {
        uint64_t v = edge[i], r[16];
        __asm__("mov %[j], %[r0]\n\tmovsbw %b[v], %w[r0]\n\t"
                "mov %[j], %[r1]\n\tmovsbl %b[v], %k[r1]\n\t"
                "mov %[j], %[r2]\n\tmovsbq %b[v], %[r2]\n\t"
                "mov %[j], %[r3]\n\tmovswl %w[v], %k[r3]\n\t"
                "mov %[j], %[r4]\n\tmovswq %w[v], %[r4]\n\t"
                "mov %[j], %[r5]\n\tmovslq %k[v], %[r5]\n\t"
                "mov %[j], %[r6]\n\tmovzbw %b[v], %w[r6]\n\t"
                "mov %[j], %[r7]\n\tmovzbl %b[v], %k[r7]\n\t"
                : [r0] "=&r"(r[0]), [r1] "=&r"(r[1]), [r2] "=&r"(r[2]), [r3] "=&r"(r[3]),
                  [r4] "=&r"(r[4]), [r5] "=&r"(r[5]), [r6] "=&r"(r[6]), [r7] "=&r"(r[7])
                : [v] "q"(v), [j] "r"(junk));
        __asm__("mov %[j], %[r0]\n\tmovzwl %w[v], %k[r0]\n\t"
                "mov %[j], %[r1]\n\tmovzwq %w[v], %[r1]\n\t"
                "mov %[j], %[r2]\n\tmovl %k[v], %k[r2]\n\t"      /* zero-extends */
                "mov %[j], %[r3]\n\tmovw %w[v], %w[r3]\n\t"      /* preserves 63..16 */
                "mov %[j], %[r4]\n\tmovb %b[v], %b[r4]\n\t"      /* preserves 63..8 */
                "mov %[j], %[r5]\n\taddl $0, %k[r5]\n\t"         /* 32-bit op clears top */
                "mov %[j], %[r6]\n\taddw %w[v], %w[r6]\n\t"
                "mov %[j], %[r7]\n\tincb %b[r7]\n\t"
                : [r0] "=&r"(r[8]), [r1] "=&r"(r[9]), [r2] "=&r"(r[10]), [r3] "=&r"(r[11]),
                  [r4] "=&q"(r[12]), [r5] "=&r"(r[13]), [r6] "=&r"(r[14]), [r7] "=&q"(r[15])
                : [v] "q"(v), [j] "r"(junk)
                : "cc");
        for (int k = 0; k < 16; k++)
            ck = rt_mix(ck, r[k]);
        /* Implicit-accumulator extensions and the high-byte registers. */
        uint64_t a, d;
        __asm__("mov %[j], %%rax\n\tmov %[v], %%al\n\tcbtw\n\tmov %%rax, %[a]"
                : [a] "=r"(a) : [v] "q"((uint8_t)v), [j] "r"(junk) : "rax");
        ck = rt_mix(ck, a);
        __asm__("mov %[j], %%rax\n\tmov %w[v], %%ax\n\tcwtl\n\tmov %%rax, %[a]"
                : [a] "=r"(a) : [v] "r"(v), [j] "r"(junk) : "rax");
        ck = rt_mix(ck, a);
        __asm__("mov %[j], %%rax\n\tmov %k[v], %%eax\n\tcltq\n\tmov %%rax, %[a]"
                : [a] "=r"(a) : [v] "r"(v), [j] "r"(junk) : "rax");
        ck = rt_mix(ck, a);
        __asm__("mov %[j], %%rax\n\tmov %[j], %%rdx\n\tmov %w[v], %%ax\n\tcwtd\n\t"
                "mov %%rax, %[a]\n\tmov %%rdx, %[d]"
                : [a] "=r"(a), [d] "=r"(d) : [v] "r"(v), [j] "r"(junk) : "rax", "rdx");
        ck = rt_mix(ck, a ^ d);
        __asm__("mov %[j], %%rdx\n\tmov %k[v], %%eax\n\tcltd\n\tmov %%rdx, %[d]"
                : [d] "=r"(d) : [v] "r"(v), [j] "r"(junk) : "rax", "rdx");
        ck = rt_mix(ck, d);
        __asm__("mov %[v], %%rax\n\tcqto\n\tmov %%rdx, %[d]"
                : [d] "=r"(d) : [v] "r"(v) : "rax", "rdx");
        ck = rt_mix(ck, d);
        __asm__("mov %[v], %%rax\n\tmovb $0x5a, %%ah\n\txchg %%ah, %%al\n\t"
                "movb %%ah, %%bl\n\taddb %%bl, %%ah\n\tmov %%rax, %[a]"
                : [a] "=r"(a) : [v] "r"(v ^ junk) : "rax", "rbx", "cc");
        ck = rt_mix(ck, a);
    }
    report("extension/partial registers", ck);

    /* The C view: every cast between widths, through memory and registers. */
    ck = 0;
    for (int i = 0; i < NEDGE; i++) {
        uint64_t v = rt_hide(edge[i]);
        int8_t b = (int8_t)v; uint8_t ub = (uint8_t)v;
        int16_t w = (int16_t)v; uint16_t uw = (uint16_t)v;
        int32_t l = (int32_t)v; uint32_t ul = (uint32_t)v;
        ck = rt_mix(ck, (uint64_t)(int64_t)b ^ (uint64_t)ub << 1);
        ck = rt_mix(ck, (uint64_t)(int64_t)w ^ (uint64_t)uw << 1);
        ck = rt_mix(ck, (uint64_t)(int64_t)l ^ (uint64_t)ul << 1);
        ck = rt_mix(ck, (uint64_t)(int16_t)b ^ (uint64_t)(uint16_t)(int16_t)b);
        ck = rt_mix(ck, (uint64_t)(uint32_t)(int32_t)w ^ (uint64_t)(int32_t)ub);
        ck = rt_mix(ck, (uint64_t)(uint32_t)(int32_t)b);
    }
    report("C casts", ck);
}

/* loop / jrcxz: rarely emitted by compilers but valid x86-64. */
static void loop_tests(void)
{
    uint64_t n = rt_hide(10), sum = 0, skipped = 0;
    __asm__("1:\n\tadd %%rcx, %[s]\n\tloop 1b" : [s] "+r"(sum), "+c"(n) : : "cc");
    uint64_t zero = rt_hide(0);
    __asm__("jrcxz 2f\n\tmov $1, %[k]\n2:" : [k] "+r"(skipped) : "c"(zero));
    rt_printf("loop sum=%lu jrcxz skipped-store=%lu\n", sum, skipped);
    rt_check(sum == 55 && skipped == 0, "loop/jrcxz");
}

int main(int argc, char **argv, char **envp)
{
    builtin_tests();
    arith_flag_tests();
    shift_flag_tests();
    c_shift_tests();
    bit_test_tests();
    condition_tests();
    extension_tests();
    loop_tests();
    rt_printf("digest=%016lx\n", digest);
    return rt_report("bits");
}
