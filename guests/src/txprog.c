/*
 * txprog.c - a scripted transaction program for the checkpoint property tests.
 *
 *   txprog                    run the script read from stdin (until EOF)
 *   txprog sample [stack]     run the built-in sample script (every form below; with "stack"
 *                             also the CDA-stack forms 67 and 68)
 *   txprog emit-sample [stack]
 *                             write the sample script to stdout (guests/scripts/tx-sample*.bin)
 *
 * Script (all little-endian):
 *
 *   header  u64 magic = 0x3152435358545648   (the bytes "HVTXSCR1")
 *           u64 cda_pages                    1 .. 65536
 *           u64 op_count                     0 .. 4194304
 *   op_count records of 24 bytes:
 *           u32 kind     0 = ckpt_begin, 1 = ckpt_end, 2 = write
 *           u32 form     write: the instruction, table below (ignored by begin/end)
 *           u64 offset   write: destination = cda + offset, offset < cda_pages * 4096
 *           u64 value    write: the operand (how each form uses it: table below)
 *   and nothing after them. The whole script is checked before anything runs; a malformed one
 *   is reported on stderr and exits 2.
 *
 * Memory: one mapping holds a no-access guard page, the CDA (cda_pages pages) and one more page
 * that is NOT part of the CDA (the "extra page": string forms may run past the CDA's end into
 * it, which is intended, and which the checkpoint must leave alone); a separate scratch page
 * outside the CDA is the source of the string copies. Every page of the CDA and the extra page
 * is touched before the CDA is registered.
 * A write that would run past the extra page is moved down so that it ends at the extra page's
 * end (never outside the program's mappings; with at most 255 bytes per write this does not
 * happen for an offset inside the CDA); the forms marked "aligned" then round their destination
 * down to their size (locked operations never split a cache line: no split-lock traps).
 *
 * At the end: one line
 *
 *   txprog pages=P ops=N writes=W begins=B ends=E errors=X cda=HEX extra=HEX
 *
 * (begins/ends: calls made; errors: calls that did not return 0, e.g. an end without a begin -
 * the library's state checks, the same natively and under every technique; cda/extra: FNV-1a
 * 64 of the CDA's and the extra page's bytes) and exit 0.
 *
 * The forms. Each is ONE specific x86-64 instruction writing memory at D = cda + offset (AT&T
 * syntax; v = value, r = a general register holding it, CF "= v bit 0" is set with bt $0 first):
 *
 *   form  instruction                  bytes  operand
 *    0    movb   r8, (D)                  1   v
 *    1    movw   r16, (D)                 2   v
 *    2    movl   r32, (D)                 4   v
 *    3    movq   r64, (D)                 8   v
 *    4    movb   $0xa5, (D)               1   (v unused)
 *    5    movw   $0x1234, (D)             2   (v unused)
 *    6    movl   $0x89abcdef, (D)         4   (v unused)
 *    7    movq   $-0x12345678, (D)        8   imm32 sign-extended (v unused)
 *    8    addb   r8, (D)                  1   v
 *    9    addq   r64, (D)                 8   v
 *   10    addl   $-3, (D)                 4   imm8 sign-extended (v unused)
 *   11    subw   r16, (D)                 2   v
 *   12    subq   $0x12345678, (D)         8   imm32 (v unused)
 *   13    adcl   r32, (D)                 4   v, CF = v bit 0
 *   14    adcq   r64, (D)                 8   v, CF = v bit 0
 *   15    sbbb   r8, (D)                  1   v, CF = v bit 0
 *   16    sbbq   r64, (D)                 8   v, CF = v bit 0
 *   17    andl   r32, (D)                 4   v
 *   18    andb   $0x5f, (D)               1   (v unused)
 *   19    orw    r16, (D)                 2   v
 *   20    orq    r64, (D)                 8   v
 *   21    xorl   r32, (D)                 4   v
 *   22    xorq   $0x55, (D)               8   imm8 sign-extended (v unused)
 *   23    incb   (D)                      1
 *   24    incq   (D)                      8
 *   25    decw   (D)                      2
 *   26    decl   (D)                      4
 *   27    negl   (D)                      4
 *   28    negq   (D)                      8
 *   29    notb   (D)                      1
 *   30    notq   (D)                      8
 *   31    shll   %cl, (D)                 4   cl = v (the CPU masks the count to 5 bits)
 *   32    shrq   %cl, (D)                 8   cl = v (masked to 6 bits)
 *   33    sarw   %cl, (D)                 2   cl = v
 *   34    rolb   %cl, (D)                 1   cl = v
 *   35    rorq   %cl, (D)                 8   cl = v
 *   36    shlq   $3, (D)                  8
 *   37    shrl   (D)                      4   by 1 (the D1 encoding)
 *   38    sarq   $7, (D)                  8
 *   39    roll   $13, (D)                 4
 *   40    rorw   $5, (D)                  2
 *   41    xchgq  r64, (D)                 8   v; aligned (xchg with memory is locked)
 *   42    lock cmpxchgq r64, (D)          8   new = v, rax = the current value: succeeds; aligned
 *   43    cmpxchgl r32, (D)               4   eax = v low 32 bits, new = v high 32 bits: fails
 *                                             (no change) unless the memory held v's low half
 *   44    lock xaddl r32, (D)             4   v; aligned
 *   45    btsq   r64, (D)                 8   bit index v & 63
 *   46    btrq   r64, (D)                 8   bit index v & 63
 *   47    btcq   r64, (D)                 8   bit index v & 63
 *   48    setc   (D)                      1   CF = v bit 0
 *   49    stosb                           1   rdi = D, al = v
 *   50    stosq                           8   rdi = D, rax = v
 *   51    rep stosb                  v & 255  rdi = D, rcx = v & 255, al = v >> 8 (may run past
 *                                             the CDA's end into the extra page)
 *   52    rep movsq             8 * (v & 31)  rdi = D, rcx = v & 31, rsi = the scratch page
 *   53    movsb                           1   rdi = D, rsi = scratch + (v & 255)
 *   54    movdqu xmm0, (D)               16   xmm0 = {v, ~v}; may straddle two pages
 *   55    movaps xmm0, (D)               16   xmm0 = {v, ~v}; aligned
 *   56    movq   xmm0, (D)                8   xmm0 low = v (66 0F D6)
 *   57    movd   xmm0, (D)                4   xmm0 low = v (66 0F 7E)
 *   58    movnti r64, (D)                 8   v
 *   59    movups xmm0, (D)               16   xmm0 = {v, ~v}
 *   60    movhps xmm0, (D)                8   xmm0 high = ~v
 *   61    movsd  xmm0, (D)                8   xmm0 low = v (F2 0F 11)
 *   62    lock addq r64, (D)              8   v; aligned
 *   63    popq   (D)                      8   v pushed first (below the red zone), popped into D
 *   64    shldq  $5, r64, (D)             8   r64 = v
 *   65    shrdl  %cl, r32, (D)            4   cl = v, r32 = v >> 32
 *   66    fnstcw (D)                      2   the x87 control word (0x037f): an instruction the
 *                                             emulation engine does NOT emulate, so Emul and
 *                                             Emulxen fall back to page tracking for it
 *   67    pushq  r64, rsp = D + 8         8   v: rsp is pointed into the CDA for one push, then
 *                                             restored (writes D .. D+7)
 *   68    call   (rsp = D + 8)            8   the return address (a fixed code address of this
 *                                             ELF) is pushed at D, the call lands on the next
 *                                             instruction, rsp is restored
 *
 * Forms 67 and 68 use a stack inside the CDA. They are meant for the techniques where no signal
 * handler runs for the write: natively and under none, ptxen, emulxen, scanxen. Under pt and emul
 * the write faults and the kernel must push the SIGSEGV frame (a kilobyte or more, below
 * rsp - 128) onto memory under D: read-only CDA pages, or the guard page below the CDA. The
 * process then dies with SIGSEGV (status 139) - unless everything the frame needs happens to be
 * writable (pages already dirtied in this transaction), so whether it dies depends on the
 * offset, the transaction's history and the frame size: the test suite decides when to use
 * them. The sample includes them only with "stack".
 *
 * Writes are meant to be inside transactions: under the page-tracking techniques a write
 * between ckpt_end and ckpt_begin is not tracked (the backup then differs from the primary).
 */
#include "rt.h"
#include "ckpt.h"

#define PAGE 4096ul
#define MAGIC 0x3152435358545648ull /* "HVTXSCR1" */
#define MAX_PAGES 65536ul
#define MAX_OPS (1ul << 22)
#define NFORMS 69
#define FIRST_STACK_FORM 67

enum { OP_BEGIN = 0, OP_END = 1, OP_WRITE = 2 };

struct header {
    uint64_t magic, cda_pages, op_count;
};

struct op {
    uint32_t kind;
    uint32_t form;
    uint64_t offset;
    uint64_t value;
};

_Static_assert(sizeof(struct op) == 24, "script records are 24 bytes");

/* Bytes each form writes (0: depends on the value) and the alignment it needs. */
static const uint8_t s_size[NFORMS] = {
    1, 2, 4, 8, 1, 2, 4, 8,                   /* 0-7 mov */
    1, 8, 4, 2, 8, 4, 8, 1, 8, 4, 1, 2, 8, 4, 8, /* 8-22 arithmetic */
    1, 8, 2, 4, 4, 8, 1, 8,                   /* 23-30 inc dec neg not */
    4, 8, 2, 1, 8, 8, 4, 8, 4, 2,             /* 31-40 shifts and rotates */
    8, 8, 4, 4, 8, 8, 8, 1,                   /* 41-48 xchg cmpxchg xadd bt* setc */
    1, 8, 0, 0, 1,                            /* 49-53 string */
    16, 16, 8, 4, 8, 16, 8, 8,                /* 54-61 SSE and movnti */
    8, 8, 8, 4, 2,                            /* 62-66 */
    8, 8,                                     /* 67-68 CDA stack */
};

static uint8_t align_of(uint32_t form)
{
    switch (form) {
    case 41: case 42: case 62:
        return 8;
    case 44:
        return 4;
    case 55:
        return 16;
    default:
        return 1;
    }
}

static uint8_t *s_cda;
static uint64_t s_cda_bytes;
static uint8_t *s_scratch;     /* outside the CDA: the source of the string copies */

static __attribute__((noreturn)) void fail(const char *why)
{
    rt_flush();
    eprint_str("txprog: ");
    eprint_str(why);
    eprint_str("\n");
    rt_exit(2);
}

/* xmm0 = {v, ~v}, then the store, in one asm (xmm0 is not live across asm statements). */
#define XMM_STORE(store)                                                  \
    __asm__ volatile("movq %q[v], %%xmm0\n\t"                              \
                     "movq %q[nv], %%xmm1\n\t"                             \
                     "punpcklqdq %%xmm1, %%xmm0\n\t" store                 \
                     :: [p] "r"(p), [v] "r"(v), [nv] "r"(nv)              \
                     : "xmm0", "xmm1", "memory")

/* One write of form `form` at s_cda + offset. */
static void do_write(uint32_t form, uint64_t offset, uint64_t v)
{
    uint64_t size = s_size[form];
    if (form == 51)
        size = v & 255;
    else if (form == 52)
        size = 8 * (v & 31);
    uint64_t limit = s_cda_bytes + PAGE; /* the end of the extra page */
    if (offset + size > limit)
        offset = limit - size;
    offset &= ~(uint64_t)(align_of(form) - 1);
    uint8_t *p = s_cda + offset;
    uint64_t nv = ~v;

    switch (form) {
    case 0: __asm__ volatile("movb %b[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 1: __asm__ volatile("movw %w[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 2: __asm__ volatile("movl %k[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 3: __asm__ volatile("movq %q[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 4: __asm__ volatile("movb $0xa5, (%[p])" :: [p] "r"(p) : "memory"); break;
    case 5: __asm__ volatile("movw $0x1234, (%[p])" :: [p] "r"(p) : "memory"); break;
    case 6: __asm__ volatile("movl $0x89abcdef, (%[p])" :: [p] "r"(p) : "memory"); break;
    case 7: __asm__ volatile("movq $-0x12345678, (%[p])" :: [p] "r"(p) : "memory"); break;
    case 8: __asm__ volatile("addb %b[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 9: __asm__ volatile("addq %q[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 10: __asm__ volatile("addl $-3, (%[p])" :: [p] "r"(p) : "memory"); break;
    case 11: __asm__ volatile("subw %w[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 12: __asm__ volatile("subq $0x12345678, (%[p])" :: [p] "r"(p) : "memory"); break;
    case 13: __asm__ volatile("btq $0, %q[v]\n\tadcl %k[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 14: __asm__ volatile("btq $0, %q[v]\n\tadcq %q[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 15: __asm__ volatile("btq $0, %q[v]\n\tsbbb %b[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 16: __asm__ volatile("btq $0, %q[v]\n\tsbbq %q[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 17: __asm__ volatile("andl %k[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 18: __asm__ volatile("andb $0x5f, (%[p])" :: [p] "r"(p) : "memory"); break;
    case 19: __asm__ volatile("orw %w[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 20: __asm__ volatile("orq %q[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 21: __asm__ volatile("xorl %k[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 22: __asm__ volatile("xorq $0x55, (%[p])" :: [p] "r"(p) : "memory"); break;
    case 23: __asm__ volatile("incb (%[p])" :: [p] "r"(p) : "memory"); break;
    case 24: __asm__ volatile("incq (%[p])" :: [p] "r"(p) : "memory"); break;
    case 25: __asm__ volatile("decw (%[p])" :: [p] "r"(p) : "memory"); break;
    case 26: __asm__ volatile("decl (%[p])" :: [p] "r"(p) : "memory"); break;
    case 27: __asm__ volatile("negl (%[p])" :: [p] "r"(p) : "memory"); break;
    case 28: __asm__ volatile("negq (%[p])" :: [p] "r"(p) : "memory"); break;
    case 29: __asm__ volatile("notb (%[p])" :: [p] "r"(p) : "memory"); break;
    case 30: __asm__ volatile("notq (%[p])" :: [p] "r"(p) : "memory"); break;
    case 31: __asm__ volatile("shll %%cl, (%[p])" :: [p] "r"(p), "c"(v) : "memory"); break;
    case 32: __asm__ volatile("shrq %%cl, (%[p])" :: [p] "r"(p), "c"(v) : "memory"); break;
    case 33: __asm__ volatile("sarw %%cl, (%[p])" :: [p] "r"(p), "c"(v) : "memory"); break;
    case 34: __asm__ volatile("rolb %%cl, (%[p])" :: [p] "r"(p), "c"(v) : "memory"); break;
    case 35: __asm__ volatile("rorq %%cl, (%[p])" :: [p] "r"(p), "c"(v) : "memory"); break;
    case 36: __asm__ volatile("shlq $3, (%[p])" :: [p] "r"(p) : "memory"); break;
    case 37: __asm__ volatile("shrl (%[p])" :: [p] "r"(p) : "memory"); break;
    case 38: __asm__ volatile("sarq $7, (%[p])" :: [p] "r"(p) : "memory"); break;
    case 39: __asm__ volatile("roll $13, (%[p])" :: [p] "r"(p) : "memory"); break;
    case 40: __asm__ volatile("rorw $5, (%[p])" :: [p] "r"(p) : "memory"); break;
    case 41: __asm__ volatile("xchgq %q[v], (%[p])" : [v] "+r"(v) : [p] "r"(p) : "memory"); break;
    case 42: {
        uint64_t expected = *(volatile uint64_t *)p;
        __asm__ volatile("lock cmpxchgq %q[n], (%[p])" : "+a"(expected) : [p] "r"(p), [n] "r"(v) : "memory");
        break;
    }
    case 43: {
        uint32_t expected = (uint32_t)v;
        __asm__ volatile("cmpxchgl %k[n], (%[p])" : "+a"(expected) : [p] "r"(p), [n] "r"(v >> 32) : "memory");
        break;
    }
    case 44: __asm__ volatile("lock xaddl %k[v], (%[p])" : [v] "+r"(v) : [p] "r"(p) : "memory"); break;
    case 45: __asm__ volatile("btsq %q[b], (%[p])" :: [p] "r"(p), [b] "r"(v & 63) : "memory"); break;
    case 46: __asm__ volatile("btrq %q[b], (%[p])" :: [p] "r"(p), [b] "r"(v & 63) : "memory"); break;
    case 47: __asm__ volatile("btcq %q[b], (%[p])" :: [p] "r"(p), [b] "r"(v & 63) : "memory"); break;
    case 48: __asm__ volatile("btq $0, %q[v]\n\tsetc (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 49: __asm__ volatile("stosb" : "+D"(p) : "a"(v) : "memory"); break;
    case 50: __asm__ volatile("stosq" : "+D"(p) : "a"(v) : "memory"); break;
    case 51: {
        uint64_t count = v & 255;
        __asm__ volatile("rep stosb" : "+D"(p), "+c"(count) : "a"(v >> 8) : "memory");
        break;
    }
    case 52: {
        uint64_t count = v & 31;
        const uint8_t *src = s_scratch;
        __asm__ volatile("rep movsq" : "+D"(p), "+S"(src), "+c"(count) :: "memory");
        break;
    }
    case 53: {
        const uint8_t *src = s_scratch + (v & 255);
        __asm__ volatile("movsb" : "+D"(p), "+S"(src) :: "memory");
        break;
    }
    case 54: XMM_STORE("movdqu %%xmm0, (%[p])"); break;
    case 55: XMM_STORE("movaps %%xmm0, (%[p])"); break;
    case 56: XMM_STORE("movq %%xmm0, (%[p])"); break;
    case 57: XMM_STORE("movd %%xmm0, (%[p])"); break;
    case 58: __asm__ volatile("movnti %q[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 59: XMM_STORE("movups %%xmm0, (%[p])"); break;
    case 60: XMM_STORE("movhps %%xmm0, (%[p])"); break;
    case 61: XMM_STORE("movsd %%xmm0, (%[p])"); break;
    case 62: __asm__ volatile("lock addq %q[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 63:
        /* Step below the red zone first: gcc may keep live data in the 128 bytes under rsp. */
        __asm__ volatile("leaq -128(%%rsp), %%rsp\n\t"
                         "pushq %q[v]\n\t"
                         "popq (%[p])\n\t"
                         "leaq 128(%%rsp), %%rsp"
                         :: [p] "r"(p), [v] "r"(v) : "memory");
        break;
    case 64: __asm__ volatile("shldq $5, %q[v], (%[p])" :: [p] "r"(p), [v] "r"(v) : "memory"); break;
    case 65: __asm__ volatile("shrdl %%cl, %k[h], (%[p])" :: [p] "r"(p), [h] "r"(v >> 32), "c"(v) : "memory"); break;
    case 66: __asm__ volatile("fnstcw (%[p])" :: [p] "r"(p) : "memory"); break;
    case 67:
        /* The normal stack is left alone: rsp moves into the CDA for the one push. */
        __asm__ volatile("movq %%rsp, %%r11\n\t"
                         "leaq 8(%[p]), %%rsp\n\t"
                         "pushq %q[v]\n\t"
                         "movq %%r11, %%rsp"
                         :: [p] "r"(p), [v] "r"(v) : "r11", "memory");
        break;
    case 68:
        __asm__ volatile("movq %%rsp, %%r11\n\t"
                         "leaq 8(%[p]), %%rsp\n\t"
                         "call 1f\n"
                         "1:\n\t"
                         "movq %%r11, %%rsp"
                         :: [p] "r"(p) : "r11", "memory");
        break;
    }
}

/* ---- the sample script ---- */

static struct op s_sample[1024];
static uint64_t s_nsample;

static void add(uint32_t kind, uint32_t form, uint64_t offset, uint64_t value)
{
    s_sample[s_nsample++] = (struct op){ kind, form, offset, value };
}

/*
 * Three CDA pages. Every form at spread offsets (two rounds, one transaction each), forms at
 * page boundaries and at the CDA's end (running into the extra page), several writes to one
 * word in one transaction, an empty transaction, and two calls the library refuses (ckpt_end
 * with no transaction open, a nested ckpt_begin) that change nothing.
 */
static uint64_t build_sample(bool stack)
{
    const uint64_t pages = 3, bytes = pages * PAGE;
    uint32_t nforms = stack ? NFORMS : FIRST_STACK_FORM;
    uint64_t rng = 0x5eed;
    add(OP_END, 0, 0, 0); /* refused: no transaction */
    for (uint64_t round = 0; round < 2; round++) {
        add(OP_BEGIN, 0, 0, 0);
        for (uint32_t f = 0; f < nforms; f++)
            add(OP_WRITE, f, (f * 179 + round * 4099 + 5) % bytes, rt_rand64(&rng));
        add(OP_END, 0, 0, 0);
    }
    add(OP_BEGIN, 0, 0, 0);
    add(OP_BEGIN, 0, 0, 0); /* refused: nested */
    add(OP_WRITE, 54, PAGE - 7, rt_rand64(&rng));          /* movdqu across pages 0|1 */
    add(OP_WRITE, 3, 2 * PAGE - 4, rt_rand64(&rng));       /* movq across pages 1|2 */
    add(OP_WRITE, 51, bytes - 100, 0xab00 | 200);          /* rep stosb 200 bytes: 100 past the CDA */
    add(OP_WRITE, 52, bytes - 64, 31);                     /* rep movsq 248 bytes: 184 past */
    add(OP_WRITE, 0, bytes - 1, 0x77);                     /* the CDA's last byte */
    add(OP_WRITE, 2, bytes - 2, 0x11223344);               /* straddles the CDA's end */
    add(OP_END, 0, 0, 0);
    add(OP_BEGIN, 0, 0, 0);
    add(OP_END, 0, 0, 0);                                  /* an empty transaction */
    add(OP_BEGIN, 0, 0, 0);
    for (uint64_t i = 0; i < 8; i++)
        add(OP_WRITE, (uint32_t)(i % 2 ? 24 : 9), PAGE + 808, rt_rand64(&rng)); /* one word, 8 times */
    add(OP_WRITE, 66, 2 * PAGE + 10, 0);                   /* fnstcw: a fallback under Emul */
    add(OP_WRITE, 0, 2 * PAGE + 11, 0x5a);                 /* then the same page again */
    if (stack) {
        add(OP_WRITE, 67, 16, rt_rand64(&rng));
        add(OP_WRITE, 68, PAGE + 1000, 0);
    }
    add(OP_END, 0, 0, 0);
    return pages;
}

/* ---- script input ---- */

static uint64_t read_full(void *buf, uint64_t len)
{
    uint64_t got = 0;
    while (got < len) {
        ssize_t n = sys_read(0, (char *)buf + got, len - got);
        if (n < 0)
            fail("read from stdin failed");
        if (n == 0)
            break;
        got += (uint64_t)n;
    }
    return got;
}

static void write_full(const void *buf, uint64_t len)
{
    while (len) {
        ssize_t n = sys_write(1, buf, len);
        if (n <= 0)
            fail("write to stdout failed");
        buf = (const char *)buf + n;
        len -= (uint64_t)n;
    }
}

static void *map(uint64_t bytes)
{
    bytes = (bytes + PAGE - 1) & ~(PAGE - 1);
    void *p = sys_mmap(NULL, bytes ? bytes : PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (RT_IS_ERR(p))
        fail("mmap failed");
    return p;
}

static uint64_t fnv1a(const uint8_t *p, uint64_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint64_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

int main(int argc, char **argv, char **envp)
{
    bool sample = argc >= 2 && rt_strcmp(argv[1], "sample") == 0;
    bool emit = argc >= 2 && rt_strcmp(argv[1], "emit-sample") == 0;
    bool stack = argc == 3 && rt_strcmp(argv[2], "stack") == 0;
    if (argc > 3 || (argc >= 2 && !sample && !emit) || (argc == 3 && !stack))
        fail("usage: txprog < script | txprog sample [stack] | txprog emit-sample [stack]");

    struct header h;
    const struct op *ops;
    if (sample || emit) {
        h.magic = MAGIC;
        h.cda_pages = build_sample(stack);
        h.op_count = s_nsample;
        ops = s_sample;
        if (emit) {
            write_full(&h, sizeof h);
            write_full(ops, h.op_count * sizeof *ops);
            return 0;
        }
    } else {
        if (read_full(&h, sizeof h) != sizeof h)
            fail("script too short for its header");
        if (h.magic != MAGIC)
            fail("bad magic (expected the bytes HVTXSCR1)");
        if (h.cda_pages == 0 || h.cda_pages > MAX_PAGES)
            fail("cda_pages must be 1..65536");
        if (h.op_count > MAX_OPS)
            fail("op_count must be at most 4194304");
        struct op *buf = map(h.op_count * sizeof *buf);
        if (read_full(buf, h.op_count * sizeof *buf) != h.op_count * sizeof *buf)
            fail("script shorter than op_count records");
        char extra;
        if (read_full(&extra, 1) != 0)
            fail("bytes after the last record");
        ops = buf;
    }
    s_cda_bytes = h.cda_pages * PAGE;
    for (uint64_t i = 0; i < h.op_count; i++) {
        const struct op *o = &ops[i];
        if (o->kind > OP_WRITE)
            fail("an op's kind is not 0 (begin), 1 (end) or 2 (write)");
        if (o->kind == OP_WRITE && (o->form >= NFORMS || o->offset >= s_cda_bytes))
            fail("a write's form is not 0..68 or its offset is outside the CDA");
    }

    /* One mapping: a no-access guard page, the CDA, the extra page. The extra page follows the
     * CDA directly, and what lies below the CDA is always the same (see forms 67 and 68). */
    uint8_t *base = map(s_cda_bytes + 2 * PAGE);
    if (sys_mprotect(base, PAGE, PROT_NONE) != 0)
        fail("mprotect of the guard page failed");
    s_cda = base + PAGE;
    s_scratch = map(PAGE);
    for (uint64_t off = 0; off < s_cda_bytes + PAGE; off += PAGE)
        ((volatile uint8_t *)s_cda)[off] = 0;
    for (uint64_t i = 0; i < PAGE; i++)
        s_scratch[i] = (uint8_t)(i * 0x9d + 7);
    int r = ckpt_register(s_cda, s_cda_bytes);
    if (r != 0) {
        rt_printf("txprog: ckpt_register failed (%d)\n", r);
        return 1;
    }

    uint64_t writes = 0, begins = 0, ends = 0, errors = 0;
    for (uint64_t i = 0; i < h.op_count; i++) {
        const struct op *o = &ops[i];
        switch (o->kind) {
        case OP_BEGIN:
            begins++;
            errors += ckpt_begin() != 0;
            break;
        case OP_END:
            ends++;
            errors += ckpt_end() != 0;
            break;
        default:
            writes++;
            do_write(o->form, o->offset, o->value);
            break;
        }
    }
    rt_printf("txprog pages=%lu ops=%lu writes=%lu begins=%lu ends=%lu errors=%lu cda=%lx extra=%lx\n",
              (unsigned long)h.cda_pages, (unsigned long)h.op_count, (unsigned long)writes,
              (unsigned long)begins, (unsigned long)ends, (unsigned long)errors,
              (unsigned long)fnv1a(s_cda, s_cda_bytes), (unsigned long)fnv1a(s_cda + s_cda_bytes, PAGE));
    return 0;
}
