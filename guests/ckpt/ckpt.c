/*
 * ckpt.c - the guest side of the checkpoint ABI (docs/checkpoint-abi.md): the calls of ckpt.h
 * for every technique of the paper.
 *
 *   none     every call checks its arguments and state, and does nothing else;
 *   pt       a SIGSEGV handler lists each page written in a transaction and makes it writable;
 *            begin write-protects the whole CDA again;
 *   emul     the CDA stays read-only for the whole run; the handler asks the simulator's
 *            emulation engine (EMULATE escape) to perform and log each write through a
 *            writable alias of the CDA, and falls back to page tracking when it cannot;
 *   ptxen, emulxen, scanxen
 *            the hypervisor tracks the writes (int 0x84 Register, CycleBegin, CycleEnd);
 *   eptwp, eptscan, pml, epml, spp
 *            the same on platform hvm, through vmcall (ckpt_hvm.h).
 *   softdirty the guest kernel tracks the writes: clear_refs and pagemap (ckpt_softdirty.c).
 *   uffdwp   the same through userfaultfd's asynchronous write-protection and PAGEMAP_SCAN (ckpt_uffdwp.c).
 * In every tracking technique ckpt_end hands the cycle's record buffer to the simulator (COMMIT
 * escape), which copies it to the backup.
 *
 * The technique is whatever the QUERY escape reports. On real hardware the escape instruction is
 * a no-op, so RAX keeps its preset 0 and the library runs as "none": the same binary runs
 * natively and under the simulator.
 *
 * The signal handlers run at a faulting store anywhere in the application, so they only touch
 * the library's static state and the record buffer and make raw system calls (async-signal-safe,
 * no output). The library needs nothing but the kernel (ckpt_sys.h): it links into a glibc program
 * (gcc -static -O2 -Iguests/ckpt prog.c guests/ckpt/ckpt.c guests/ckpt/ckpt_softdirty.c guests/ckpt/ckpt_uffdwp.c) as into a freestanding one.
 */
#include "ckpt_sys.h"
#include "ckpt.h"
#include "ckpt_softdirty.h"
#include "ckpt_uffdwp.h"
#include "ckpt_hvm.h"
#include "ckpt_mapcount.h"

#define PAGE 4096ul
#define WORD_CAP 65536ul        /* words[] capacity: Emul falls back to pages when it is full */
#define RECORD_HEADER 64ul
#define WORD_ENTRY 32ul

#define ALTSTACK_BYTES (64ul * 1024)


/* QUERY's technique numbers, also int 0x84 Register's mode. */
enum technique { T_NONE, T_PT, T_EMUL, T_PTXEN, T_EMULXEN, T_SCANXEN, T_SOFTDIRTY = 16, T_UFFDWP = 17 };


/* RDI of the escape instruction. */
enum escape_fn { ESC_QUERY = 1, ESC_REGISTER = 2, ESC_EMULATE = 3, ESC_COMMIT = 4 };

/* RAX of int 0x84. */
enum hypercall_nr { HC_REGISTER = 1, HC_CYCLE_BEGIN = 2, HC_CYCLE_END = 3 };

/* EMULATE's results. */
enum emulate_result { EMULATED = 0, CANNOT_EMULATE = 1, NOT_A_CDA_WRITE = 2 };

/* The record buffer (all little-endian u64); words[] follows pages[page_cap]. */
struct record {
    ckpt_u64 npages;
    ckpt_u64 nwords;
    ckpt_u64 page_cap;
    ckpt_u64 word_cap;
    ckpt_u64 fallbacks;
    ckpt_u64 lost;
    ckpt_u64 reserved[2];
    ckpt_u64 pages[];
};

static struct {
    int technique;
    int registered;
    int in_transaction;
    ckpt_uptr cda;
    unsigned long len;          /* whole pages */
    struct record *rec;
    unsigned long rec_bytes;
    long alias_delta;           /* Emul: alias - cda */
} s;

#ifdef CKPT_FAKE
/* check.sh's native stand-in for the simulator's side (ckpt/fake.c); never built into bin/. */
long ckpt_fake_escape(unsigned long fn, unsigned long a1, unsigned long a2, unsigned long a3,
                      unsigned long *rdx_out);
#define escape ckpt_fake_escape
#else
/*
 * The escape: xchg %cx,%cx (66 87 c9), an architectural no-op that hvsim serves. RAX is preset
 * to 0 so that natively every function "returns" 0. Only RAX and RDX change; "memory" because
 * EMULATE writes the CDA alias, the record and the ucontext, and COMMIT reads the record.
 */
static inline long escape(unsigned long fn, unsigned long a1, unsigned long a2, unsigned long a3,
                          unsigned long *rdx_out)
{
    register unsigned long r10 __asm__("r10") = a3;
    unsigned long rax = 0, rdx = a2;
    __asm__ volatile("xchg %%cx, %%cx"
                     : "+a"(rax), "+d"(rdx)
                     : "D"(fn), "S"(a1), "r"(r10)
                     : "memory");
    if (rdx_out)
        *rdx_out = rdx;
    return (long)rax;
}
#endif

/*
 * A call into the hypervisor. Only made when QUERY reported a hypervisor technique (natively
 * int 0x84 would kill the process). The hypervisor's contract names RAX as the only result; the
 * argument registers, and rcx/r11 as with syscall, are treated as clobbered to stay safe.
 */
static long hypercall(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
                      unsigned long a4, unsigned long a5, unsigned long a6)
{
    register unsigned long r10 __asm__("r10") = a4;
    register unsigned long r8 __asm__("r8") = a5;
    register unsigned long r9 __asm__("r9") = a6;
    unsigned long rax = nr;
    if (ckpt_hvm_technique(s.technique))
        return ckpt_vmcall(nr, a1, a2, a3, a4, a5, a6);
    __asm__ volatile("int $0x84"
                     : "+a"(rax), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    return (long)rax;
}

/* ---- the signal handlers (pt, emul) ---- */

/*
 * Not a fault the library can handle: restore the default action and return. The store is
 * restarted, faults again, and this time the fault kills the process as it would have without
 * the library.
 */
static void give_up(void)
{
    ckpt_install(CKPT_SIGSEGV, 0);
}

/* The faulting page if this is a write to the read-only CDA, else 0. */
static ckpt_uptr cda_fault_page(void *info)
{
    ckpt_uptr addr = ckpt_si_addr(info);
    if (ckpt_si_code(info) != CKPT_SEGV_ACCERR || addr - s.cda >= s.len)
        return 0;
    return addr & ~(PAGE - 1);
}

/*
 * Track a whole page: list it and let the restarted store (and the rest of the transaction)
 * write it directly. Each page is listed at most once per cycle since it stays writable until
 * the next ckpt_begin, so pages[] (one slot per CDA page) cannot overflow; if it somehow did, the
 * record is marked lost so that COMMIT refuses it rather than the backup silently missing a page.
 */
static int track_page(ckpt_uptr page)
{
    struct record *r = s.rec;
    if (r->npages < r->page_cap)
        r->pages[r->npages++] = page;
    else
        r->lost = 1;
    return ckpt_mprotect((void *)page, PAGE, CKPT_PROT_READ | CKPT_PROT_WRITE);
}

/*
 * track_page's mprotect failed with error: at vm.max_map_count (ENOMEM) the rest of the cycle
 * tracks the whole CDA (ckpt_mapcount.h): every page listed, all writable, no further fault. Emul's
 * logged words are dropped then: the pages, copied at ckpt_end, hold them, and the backup applies
 * words after pages. Emul's next begin re-protects the listed pages, i.e. all of them. Only on the
 * failure path, so a tracked page costs what it did. 0 when recovered.
 */
static int track_whole_cda(int error)
{
    if (error != -CKPT_ENOMEM)
        return error;
    long r = ckpt_track_whole_cda(s.cda, s.len, s.rec->pages, s.rec->page_cap, &s.rec->npages);
    if (r == 0)
        s.rec->nwords = 0;
    return (int)r;
}

/*
 * pt's failure paths, out of line so that the handler's tracked-page path runs the instructions it
 * always did: page 0 is not a CDA write fault; otherwise track_page's mprotect failed, and asking
 * again gives its error (at the limit a split is refused again) for track_whole_cda.
 */
static __attribute__((noinline)) void pt_untracked(ckpt_uptr page)
{
    if (page == 0 || track_whole_cda((int)ckpt_mprotect((void *)page, PAGE, CKPT_PROT_READ | CKPT_PROT_WRITE)) != 0)
        give_up();
}

static void pt_handler(int sig, void *info, void *uc)
{
    ckpt_uptr page = cda_fault_page(info);
    if (!page || track_page(page) != 0)
        pt_untracked(page);
}

static void emul_handler(int sig, void *info, void *uc)
{
    long r = escape(ESC_EMULATE, (unsigned long)uc, (unsigned long)s.rec,
                    (unsigned long)s.alias_delta, 0);
    if (r == EMULATED)
        return; /* the engine advanced RIP past the store */
    if (r == CANNOT_EMULATE) {
        ckpt_uptr page = cda_fault_page(info);
        int e;
        if (page && ((e = track_page(page)) == 0 || track_whole_cda(e) == 0)) {
            s.rec->fallbacks++;
            return;
        }
    }
    give_up(); /* NOT_A_CDA_WRITE: the application's own fault */
}

/* ---- registration ---- */

/*
 * The SIGSEGV handler runs on an alternate signal stack (SA_ONSTACK), so a stack that lies inside
 * the CDA (a coroutine's, or one allocated in the checkpointed heap) is tracked like any other CDA
 * page: on its own, write-protected stack the kernel could not write the signal frame and would
 * kill the process. An alternate stack the application already set up is kept.
 */
static long ensure_altstack(void)
{
    struct ckpt_stack old;
    long r = ckpt_syscall6(CKPT_SYS_sigaltstack, 0, (long)&old, 0, 0, 0, 0);
    if (r)
        return r;
    if (!(old.flags & CKPT_SS_DISABLE))
        return 0;
    void *stack = ckpt_mmap(0, ALTSTACK_BYTES, CKPT_PROT_READ | CKPT_PROT_WRITE, CKPT_MAP_PRIVATE | CKPT_MAP_ANONYMOUS);
    if (CKPT_IS_ERR(stack))
        return (long)stack;
    struct ckpt_stack ss = { .sp = stack, .flags = 0, .size = ALTSTACK_BYTES };
    return ckpt_syscall6(CKPT_SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0);
}

/* The record buffer: pages[] for every CDA page, words[] for WORD_CAP writes. */
static long alloc_record(unsigned long cda_pages)
{
    unsigned long bytes = RECORD_HEADER + cda_pages * 8 + WORD_CAP * WORD_ENTRY;
    bytes = (bytes + PAGE - 1) & ~(PAGE - 1);
    struct record *r = ckpt_mmap(0, bytes, CKPT_PROT_READ | CKPT_PROT_WRITE, CKPT_MAP_PRIVATE | CKPT_MAP_ANONYMOUS);
    if (CKPT_IS_ERR(r))
        return (long)r;
    /* Populate every page now: the simulator, the Emul engine and the hypervisor write the
     * record through the page tables and must never take a demand fault there. */
    for (unsigned long off = 0; off < bytes; off += PAGE)
        ((volatile char *)r)[off] = 0;
    r->page_cap = cda_pages;
    r->word_cap = WORD_CAP;
    s.rec = r;
    s.rec_bytes = bytes;
    return 0;
}

/*
 * Emul needs a second, writable mapping of the CDA's pages: the engine performs each emulated
 * store through it while the CDA itself stays read-only. mremap(old_size 0) makes one, but only
 * of a shared mapping (Linux refuses a private one with EINVAL), so a private CDA (anonymous
 * mmap, .bss) is first moved onto shared anonymous memory with its contents.
 */
static long make_alias(void)
{
    void *cda = (void *)s.cda;
    long alias = ckpt_syscall6(CKPT_SYS_mremap, (long)cda, 0, (long)s.len, CKPT_MREMAP_MAYMOVE, 0, 0);
    if (alias == -CKPT_EINVAL) {
        void *tmp = ckpt_mmap(0, s.len, CKPT_PROT_READ | CKPT_PROT_WRITE, CKPT_MAP_PRIVATE | CKPT_MAP_ANONYMOUS);
        if (CKPT_IS_ERR(tmp))
            return (long)tmp;
        ckpt_copy(tmp, cda, s.len);
        void *shared = ckpt_mmap(cda, s.len, CKPT_PROT_READ | CKPT_PROT_WRITE,
                                CKPT_MAP_FIXED | CKPT_MAP_SHARED | CKPT_MAP_ANONYMOUS);
        if (shared != cda) {
            ckpt_munmap(tmp, s.len);
            return CKPT_IS_ERR(shared) ? (long)shared : -CKPT_EINVAL;
        }
        ckpt_copy(cda, tmp, s.len);
        ckpt_munmap(tmp, s.len);
        alias = ckpt_syscall6(CKPT_SYS_mremap, (long)cda, 0, (long)s.len, CKPT_MREMAP_MAYMOVE, 0, 0);
    }
    if (CKPT_IS_ERR(alias))
        return alias;
    /* Populate the alias's page-table entries now (read a byte, write it back: no change), so
     * that the engine's stores through it never take a demand fault. */
    for (unsigned long off = 0; off < s.len; off += PAGE) {
        volatile char *p = (volatile char *)alias + off;
        *p = *p;
    }
    s.alias_delta = alias - (long)s.cda;
    return 0;
}

int ckpt_register(void *cda, unsigned long len)
{
    ckpt_uptr start = (ckpt_uptr)cda;
    if (s.registered || start == 0 || (start & (PAGE - 1)) != 0 || len == 0)
        return -CKPT_EINVAL;
    len = (len + PAGE - 1) & ~(PAGE - 1); /* protection works on whole pages */
    if (len == 0 || start + len < start)
        return -CKPT_EINVAL;

    unsigned long token = 0;
    long technique = escape(ESC_QUERY, 0, 0, 0, &token);
    if (technique < T_NONE || (technique > T_SCANXEN && technique != T_SOFTDIRTY && technique != T_UFFDWP && !ckpt_hvm_technique(technique)))
        return -CKPT_EINVAL;
    s.cda = start;
    s.len = len;
    s.technique = (int)technique;
    if (technique == T_NONE) {
        s.registered = 1;
        return 0;
    }

    long r = alloc_record(ckpt_hvm_record_entries(technique, len / PAGE));
    if (r)
        return (int)r;
    if (technique == T_EMUL && (r = make_alias()) != 0)
        return (int)r;
    /* The initial full checkpoint: the backup copies the whole CDA. */
    r = escape(ESC_REGISTER, start, len, (unsigned long)s.rec, 0);
    if (r)
        return (int)r;

    if ((technique == T_PT || technique == T_EMUL) && (r = ensure_altstack()) != 0)
        return (int)r;
    switch (technique) {
    case T_PT:
        /* Protection starts at each ckpt_begin. */
        r = ckpt_install(CKPT_SIGSEGV, pt_handler);
        break;
    case T_EMUL:
        r = ckpt_install(CKPT_SIGSEGV, emul_handler);
        if (r == 0)
            r = ckpt_mprotect(cda, len, CKPT_PROT_READ); /* for the whole run */
        break;
    case T_SOFTDIRTY:
        r = ckpt_softdirty_register(); /* the first cycle starts clean */
        break;
    case T_UFFDWP:
        r = ckpt_uffdwp_register(start, len); /* write-protected: the first cycle starts clean */
        break;
    default: /* ptxen, emulxen, scanxen and hvm's: the mode is the technique number */
        r = hypercall(HC_REGISTER, token, start, len, (unsigned long)s.rec, s.rec_bytes,
                      (unsigned long)technique);
        break;
    }
    if (r)
        return (int)r;
    s.registered = 1;
    return 0;
}

/* ---- transactions ---- */

static void zero_counts(void)
{
    s.rec->npages = 0;
    s.rec->nwords = 0;
    s.rec->fallbacks = 0;
}

int ckpt_begin(void)
{
    if (!s.registered)
        return -CKPT_EPERM;
    if (s.in_transaction)
        return -CKPT_EINVAL;
    long r = 0;
    switch (s.technique) {
    case T_NONE:
        break;
    case T_PT:
        zero_counts();
        r = ckpt_mprotect((void *)s.cda, s.len, CKPT_PROT_READ);
        break;
    case T_EMUL:
        /* Only last cycle's fallback pages became writable: protect just those again. */
        for (ckpt_u64 i = 0; i < s.rec->npages && r == 0; i++)
            r = ckpt_mprotect((void *)s.rec->pages[i], PAGE, CKPT_PROT_READ);
        zero_counts();
        break;
    default:
        if (s.technique != T_SOFTDIRTY && s.technique != T_UFFDWP) /* they collect and clear at ckpt_end */
            r = hypercall(HC_CYCLE_BEGIN, 0, 0, 0, 0, 0, 0);
        break;
    }
    if (r)
        return (int)r;
    s.in_transaction = 1;
    return 0;
}

int ckpt_end(void)
{
    if (!s.registered)
        return -CKPT_EPERM;
    if (!s.in_transaction)
        return -CKPT_EINVAL;
    s.in_transaction = 0;
    if (s.technique == T_NONE)
        return 0;
    if (s.technique >= T_PTXEN) { /* the hypervisor's techniques, and softdirty (16) and uffdwp (17) after them */
        long r;
        if (s.technique == T_SOFTDIRTY) {
            zero_counts();
            r = ckpt_softdirty_collect(s.cda, s.len, s.rec->pages, s.rec->page_cap, &s.rec->npages, &s.rec->lost);
        } else if (s.technique == T_UFFDWP) {
            zero_counts();
            r = ckpt_uffdwp_collect(s.cda, s.len, s.rec->pages, s.rec->page_cap, &s.rec->npages, &s.rec->lost);
        } else {
            r = hypercall(HC_CYCLE_END, 0, 0, 0, 0, 0, 0);
        }
        if (r)
            return (int)r;
    }
    return (int)escape(ESC_COMMIT, (unsigned long)s.rec, 0, 0, 0);
}
