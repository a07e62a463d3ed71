/*
 * atomics.c - __atomic and __sync builtins at 8/16/32/64 bits and the
 * locked instructions behind them, single-threaded.
 *
 * Why: gcc lowers these to lock xadd (fetch_add with the old value used),
 * lock add/sub/and/or/xor (result unused), lock cmpxchg loops (fetch_or etc.
 * when the old value is used), xchg (exchange, and seq_cst stores, with its
 * implicit lock), lock bts/btr/btc (fetch_or/and/xor of a single bit whose
 * old bit is tested), mfence (thread fences). An interpreter must give each
 * its exact result, flags (cmpxchg sets ZF; the accumulator gets the old
 * value on failure) and operand size. The explicit inline-asm section also
 * covers lock inc/dec/neg/not and pause, which gcc does not need here.
 */
#include "rt.h"

static uint64_t digest;

#define ATOMIC_TESTS(T, NAME)                                                   \
    static void NAME##_test(void)                                               \
    {                                                                           \
        static T v;                                                             \
        T r, e;                                                                 \
        uint64_t ck = 0;                                                        \
        bool ok;                                                                \
        v = (T)rt_hide(0x5a);                                                   \
        r = __atomic_fetch_add(&v, (T)7, __ATOMIC_SEQ_CST);                     \
        ck = rt_mix(ck, (uint64_t)r ^ (uint64_t)v << 32);                       \
        r = __atomic_add_fetch(&v, (T)-100, __ATOMIC_RELAXED);                  \
        ck = rt_mix(ck, (uint64_t)r);                                           \
        __atomic_fetch_sub(&v, (T)3, __ATOMIC_RELEASE); /* result unused */     \
        __atomic_fetch_add(&v, (T)1, __ATOMIC_ACQ_REL);                         \
        ck = rt_mix(ck, (uint64_t)v);                                           \
        r = __atomic_exchange_n(&v, (T)0x7f, __ATOMIC_SEQ_CST);                 \
        ck = rt_mix(ck, (uint64_t)r);                                           \
        /* compare_exchange success: v == e, v <- desired, returns true. */     \
        e = (T)0x7f;                                                            \
        ok = __atomic_compare_exchange_n(&v, &e, (T)0x11, false,                \
                                         __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);   \
        rt_check(ok && v == (T)0x11 && e == (T)0x7f, #NAME " cas success");     \
        ck = rt_mix(ck, (uint64_t)ok << 16 ^ (uint64_t)v ^ (uint64_t)e << 8);   \
        /* compare_exchange failure: v unchanged, e <- current value. */        \
        e = (T)0x22;                                                            \
        ok = __atomic_compare_exchange_n(&v, &e, (T)0x33, true,                 \
                                         __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);   \
        rt_check(!ok && v == (T)0x11 && e == (T)0x11, #NAME " cas failure");    \
        ck = rt_mix(ck, (uint64_t)ok << 16 ^ (uint64_t)v ^ (uint64_t)e << 8);   \
        /* Read-modify-write with the old value used: cmpxchg loops. */         \
        r = __atomic_fetch_or(&v, (T)0xc0, __ATOMIC_SEQ_CST);                   \
        ck = rt_mix(ck, (uint64_t)r ^ (uint64_t)v << 8);                        \
        r = __atomic_fetch_and(&v, (T)0x35, __ATOMIC_SEQ_CST);                  \
        ck = rt_mix(ck, (uint64_t)r ^ (uint64_t)v << 8);                        \
        r = __atomic_fetch_xor(&v, (T)0xff, __ATOMIC_SEQ_CST);                  \
        ck = rt_mix(ck, (uint64_t)r ^ (uint64_t)v << 8);                        \
        r = __atomic_nand_fetch(&v, (T)0x0f, __ATOMIC_SEQ_CST);                 \
        ck = rt_mix(ck, (uint64_t)r);                                           \
        /* Result unused: lock or/and/xor directly on memory. */                \
        __atomic_fetch_or(&v, (T)0x100, __ATOMIC_RELAXED);                      \
        __atomic_fetch_and(&v, (T)~(T)2, __ATOMIC_RELAXED);                     \
        __atomic_fetch_xor(&v, (T)0x81, __ATOMIC_RELAXED);                      \
        ck = rt_mix(ck, (uint64_t)v);                                           \
        /* Single-bit RMW whose old bit is tested: lock bts/btr/btc. */         \
        unsigned bit = (unsigned)rt_hide(sizeof(T) * 8 - 3);                    \
        bool was = __atomic_fetch_or(&v, (T)((T)1 << bit), __ATOMIC_SEQ_CST)    \
                   & (T)((T)1 << bit);                                          \
        ck = rt_mix(ck, (uint64_t)was << 40 ^ (uint64_t)v);                     \
        was = __atomic_fetch_and(&v, (T)~((T)1 << bit), __ATOMIC_SEQ_CST)       \
              & (T)((T)1 << bit);                                               \
        ck = rt_mix(ck, (uint64_t)was << 40 ^ (uint64_t)v);                     \
        was = __atomic_fetch_xor(&v, (T)((T)1 << 2), __ATOMIC_SEQ_CST)          \
              & (T)((T)1 << 2);                                                 \
        ck = rt_mix(ck, (uint64_t)was << 40 ^ (uint64_t)v);                     \
        /* Legacy __sync family (all full barriers). */                         \
        r = __sync_fetch_and_add(&v, (T)5);                                     \
        ck = rt_mix(ck, (uint64_t)r);                                           \
        r = __sync_sub_and_fetch(&v, (T)9);                                     \
        ck = rt_mix(ck, (uint64_t)r);                                           \
        r = __sync_val_compare_and_swap(&v, r, (T)0x44);                        \
        rt_check(v == (T)0x44, #NAME " sync cas hit");                          \
        ck = rt_mix(ck, (uint64_t)r);                                           \
        r = __sync_val_compare_and_swap(&v, (T)0x45, (T)0x55);                  \
        rt_check(v == (T)0x44 && r == (T)0x44, #NAME " sync cas miss");         \
        ok = __sync_bool_compare_and_swap(&v, (T)0x44, (T)0x66);                \
        ck = rt_mix(ck, (uint64_t)ok ^ (uint64_t)v << 8);                       \
        r = __sync_lock_test_and_set(&v, (T)1);                                 \
        ck = rt_mix(ck, (uint64_t)r ^ (uint64_t)v << 8);                        \
        __sync_lock_release(&v);                                                \
        ck = rt_mix(ck, (uint64_t)v);                                           \
        /* Plain atomic loads/stores; a seq_cst store is xchg or mov+mfence. */ \
        __atomic_store_n(&v, (T)0x3c, __ATOMIC_SEQ_CST);                        \
        r = __atomic_load_n(&v, __ATOMIC_ACQUIRE);                              \
        __atomic_store_n(&v, (T)(r + 1), __ATOMIC_RELEASE);                     \
        __atomic_thread_fence(__ATOMIC_SEQ_CST);                                \
        ck = rt_mix(ck, (uint64_t)__atomic_load_n(&v, __ATOMIC_SEQ_CST));       \
        /* A counting loop, as a spin-lock-free counter would do. */            \
        for (int i = 0; i < 1000; i++)                                          \
            __atomic_fetch_add(&v, (T)(i & 3), __ATOMIC_SEQ_CST);               \
        ck = rt_mix(ck, (uint64_t)v);                                           \
        rt_printf("%-7s final=%016llx ck=%016lx\n", #NAME,                     \
                  (unsigned long long)v, ck);                                   \
        digest = rt_mix(digest, ck);                                            \
    }

ATOMIC_TESTS(uint8_t, u8)
ATOMIC_TESTS(uint16_t, u16)
ATOMIC_TESTS(uint32_t, u32)
ATOMIC_TESTS(uint64_t, u64)
ATOMIC_TESTS(int32_t, s32)
ATOMIC_TESTS(int64_t, s64)

/* ---- explicit locked instructions ---- */

static void asm_tests(void)
{
    static uint64_t bits[4];        /* a 256-bit bitmap */
    static uint32_t w32;
    static uint16_t w16;
    static uint8_t w8;
    uint64_t ck = 0;

    /* lock bts/btr/btc with a register bit offset into a multi-word bitmap:
     * the offset selects the word (bit-string addressing), not just the bit. */
    for (uint64_t i = 0; i < 256; i += 7) {
        uint64_t off = rt_hide(i);
        uint8_t cf;
        __asm__ volatile("lock btsq %2, %0\n\tsetc %1" : "+m"(bits), "=q"(cf) : "r"(off) : "cc");
        ck = rt_mix(ck, cf);
        __asm__ volatile("lock btsq %2, %0\n\tsetc %1" : "+m"(bits), "=q"(cf) : "r"(off) : "cc");
        ck = rt_mix(ck, cf);         /* second set: CF = 1 */
        rt_check(cf == 1, "lock bts sets CF when already set");
        if (i % 3 == 0) {
            __asm__ volatile("lock btrq %2, %0\n\tsetc %1" : "+m"(bits), "=q"(cf) : "r"(off) : "cc");
            ck = rt_mix(ck, cf);
        }
        if (i % 5 == 0) {
            __asm__ volatile("lock btcq %2, %0\n\tsetc %1" : "+m"(bits), "=q"(cf) : "r"(off + 1) : "cc");
            ck = rt_mix(ck, cf);
        }
    }
    rt_printf("lock bts/btr/btc bitmap=%016lx %016lx %016lx %016lx\n",
              bits[0], bits[1], bits[2], bits[3]);
    ck = rt_mix(ck, bits[0] ^ bits[1] ^ bits[2] ^ bits[3]);

    /* lock xadd at each size: register gets the old value. */
    uint64_t q = rt_hide(1000), add = 0xffffffff00000001ull;
    uint64_t mem64 = rt_hide(0x123456789ull);
    __asm__ volatile("lock xaddq %0, %1" : "+r"(add), "+m"(mem64) : : "cc");
    rt_check(add == 0x123456789ull && mem64 == 0x123456789ull + 0xffffffff00000001ull, "xaddq");
    uint32_t a32 = 0x80000000u;
    w32 = (uint32_t)rt_hide(0x80000001u);
    uint8_t carry;
    __asm__ volatile("lock xaddl %0, %1\n\tsetc %2" : "+r"(a32), "+m"(w32), "=q"(carry) : : "cc");
    rt_check(a32 == 0x80000001u && w32 == 1 && carry == 1, "xaddl carry");
    uint16_t a16 = 0x00ff;
    w16 = (uint16_t)rt_hide(0xff01);
    __asm__ volatile("lock xaddw %0, %1" : "+r"(a16), "+m"(w16) : : "cc");
    rt_check(a16 == 0xff01 && w16 == 0x0000, "xaddw");
    uint8_t a8 = 0x7f;
    w8 = (uint8_t)rt_hide(0x01);
    uint8_t of;
    __asm__ volatile("lock xaddb %0, %1\n\tseto %2" : "+q"(a8), "+m"(w8), "=q"(of) : : "cc");
    rt_check(a8 == 0x01 && w8 == 0x80 && of == 1, "xaddb overflow");
    ck = rt_mix(ck, add ^ mem64 ^ a32 ^ w32 ^ a16 ^ w16 ^ a8 ^ w8);

    /* xchg reg,mem (implicitly locked) and reg,reg at each size. */
    uint64_t x = rt_hide(0x1111), y = 0x2222;
    __asm__ volatile("xchgq %0, %1" : "+r"(x), "+m"(q));
    rt_check(x == 1000 && q == 0x1111, "xchgq mem");
    __asm__ volatile("xchgq %0, %1" : "+r"(x), "+r"(y));
    rt_check(x == 0x2222 && y == 1000, "xchgq reg");
    uint32_t x32 = 5;
    w32 = (uint32_t)rt_hide(6);
    __asm__ volatile("xchgl %0, %1" : "+r"(x32), "+m"(w32));
    uint16_t x16 = 7;
    w16 = (uint16_t)rt_hide(8);
    __asm__ volatile("xchgw %0, %1" : "+r"(x16), "+m"(w16));
    uint8_t x8 = 9;
    w8 = (uint8_t)rt_hide(10);
    __asm__ volatile("xchgb %0, %1" : "+q"(x8), "+m"(w8));
    rt_check(x32 == 6 && w32 == 5 && x16 == 8 && w16 == 7 && x8 == 10 && w8 == 9, "xchg sizes");
    /* xchg with a 32-bit register zero-extends into the 64-bit register. */
    uint64_t wide = 0xffffffffffffffffull, other = 0x1234;
    __asm__ volatile("xchgl %k0, %k1" : "+r"(wide), "+r"(other));
    rt_check(wide == 0x1234 && other == 0xffffffffull, "xchgl zero-extends");
    ck = rt_mix(ck, x ^ y ^ q ^ wide ^ other);

    /* lock cmpxchg: ZF and the accumulator on success and failure. */
    uint64_t cmem = rt_hide(50), acc = 50, nv = 60;
    uint8_t zf;
    __asm__ volatile("lock cmpxchgq %3, %1\n\tsetz %2" : "+a"(acc), "+m"(cmem), "=q"(zf) : "r"(nv) : "cc");
    rt_check(zf && cmem == 60 && acc == 50, "cmpxchg success");
    acc = 50;
    __asm__ volatile("lock cmpxchgq %3, %1\n\tsetz %2" : "+a"(acc), "+m"(cmem), "=q"(zf) : "r"(nv) : "cc");
    rt_check(!zf && cmem == 60 && acc == 60, "cmpxchg failure loads accumulator");
    uint32_t acc32 = 1;
    w32 = (uint32_t)rt_hide(2);
    uint64_t acc_full = 0xdeadbeef00000001ull;
    __asm__ volatile("lock cmpxchgl %3, %1\n\tsetz %2" : "+a"(acc_full), "+m"(w32), "=q"(zf) : "r"(acc32) : "cc");
    /* 32-bit failure writes eax, which zero-extends to rax. */
    rt_check(!zf && acc_full == 2, "cmpxchgl failure zero-extends rax");
    ck = rt_mix(ck, acc ^ cmem ^ acc_full);

    /* Other lockable RMW forms gcc did not need above. */
    static uint64_t m = 10;
    __asm__ volatile("lock incq %0" : "+m"(m) : : "cc");
    __asm__ volatile("lock decl %0" : "+m"(w32) : : "cc");
    __asm__ volatile("lock negq %0" : "+m"(m) : : "cc");
    __asm__ volatile("lock notw %0" : "+m"(w16));
    __asm__ volatile("lock addb $3, %0" : "+m"(w8) : : "cc");
    __asm__ volatile("lock sbbq $1, %0" : "+m"(m) : : "cc");  /* CF from addb */
    __asm__ volatile("lock adcl $0, %0" : "+m"(w32) : : "cc");
    for (int i = 0; i < 3; i++)
        __asm__ volatile("pause");
    __asm__ volatile("mfence\n\tlfence\n\tsfence" ::: "memory");
    rt_printf("lock inc/dec/neg/not/add/sbb/adc m=%016lx w32=%08x w16=%04x w8=%02x\n",
              m, w32, w16, w8);
    ck = rt_mix(ck, m ^ w32 ^ w16 ^ w8);

    rt_printf("asm ck=%016lx\n", ck);
    digest = rt_mix(digest, ck);
}

int main(int argc, char **argv, char **envp)
{
    u8_test();
    u16_test();
    u32_test();
    u64_test();
    s32_test();
    s64_test();
    asm_tests();
    rt_printf("digest=%016lx\n", digest);
    return rt_report("atomics");
}
