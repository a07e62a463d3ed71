/*
 * fake.c - a native stand-in for hvsim's side of the escape, for check.sh only.
 *
 * ckpt.c built with -DCKPT_FAKE calls ckpt_fake_escape instead of issuing xchg %cx,%cx; those
 * builds go to build/fake/ (never bin/). On real hardware the escape is a no-op, so without
 * this the library's tracking paths would only ever run under the simulator. With it,
 * CKPT_FAKE=pt or CKPT_FAKE=emul in the environment makes QUERY report that technique and the
 * real kernel runs the SIGSEGV handler, the mprotect calls, Emul's move of the CDA onto shared
 * memory and its mremap alias:
 *
 *   QUERY     the technique named by CKPT_FAKE (none if unset or unknown), token 0;
 *   REGISTER  copies the CDA to a backup (the initial full checkpoint);
 *   EMULATE   always 1, "cannot emulate" (there is no engine natively): Emul falls back to
 *             tracking every written page, which exercises its fallback path;
 *   COMMIT    copies the listed pages into the backup, then compares the backup with the CDA -
 *             at every commit for a CDA of up to 1 MiB, at the power-of-two commits above (so
 *             a run whose last commit is a power of two is checked at its end). A difference is
 *             a write the library did not track, or one made outside a transaction: a message
 *             on stderr and exit status 3.
 */
#include "sig.h"

#define PAGE 4096ul
#define CHECK_ALWAYS_BYTES (1ul << 20)

static uintptr_t f_cda;
static unsigned long f_len;
static uint8_t *f_backup;
static unsigned long f_commits;

static __attribute__((noreturn)) void fake_fail(const char *why, unsigned long value)
{
    rt_flush();
    char num[24];
    int n = 0;
    do {
        num[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    char out[32];
    int len = 0;
    while (n)
        out[len++] = num[--n];
    out[len++] = '\n';
    out[len] = 0;
    eprint_str("ckpt-fake: ");
    eprint_str(why);
    eprint_str(out);
    sys_exit_group(3);
}

static long fake_register(uintptr_t cda, unsigned long len)
{
    f_backup = sys_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (RT_IS_ERR(f_backup))
        return -RT_ENOMEM;
    memcpy(f_backup, (const void *)cda, len);
    f_cda = cda;
    f_len = len;
    return 0;
}

static long fake_commit(const uint64_t *rec)
{
    uint64_t npages = rec[0], nwords = rec[1], page_cap = rec[2];
    if (npages > page_cap || nwords != 0 || rec[5] != 0)
        fake_fail("malformed record at commit ", f_commits + 1);
    for (uint64_t i = 0; i < npages; i++) {
        uint64_t page = rec[8 + i];
        if ((page & (PAGE - 1)) != 0 || page - f_cda >= f_len)
            fake_fail("page entry outside the CDA at commit ", f_commits + 1);
        memcpy(f_backup + (page - f_cda), (const void *)page, PAGE);
    }
    f_commits++;
    if (f_len <= CHECK_ALWAYS_BYTES || (f_commits & (f_commits - 1)) == 0) {
        const uint64_t *a = (const uint64_t *)f_cda, *b = (const uint64_t *)f_backup;
        for (unsigned long i = 0; i < f_len / 8; i++)
            if (a[i] != b[i])
                fake_fail("backup differs from the primary (an untracked write) at commit ", f_commits);
    }
    return 0;
}

long ckpt_fake_escape(unsigned long fn, unsigned long a1, unsigned long a2, unsigned long a3,
                      unsigned long *rdx_out)
{
    (void)a3;
    if (rdx_out)
        *rdx_out = 0;
    switch (fn) {
    case 1: { /* QUERY */
        const char *t = rt_getenv("CKPT_FAKE");
        if (t && rt_strcmp(t, "pt") == 0)
            return 1;
        if (t && rt_strcmp(t, "emul") == 0)
            return 2;
        return 0;
    }
    case 2: /* REGISTER */
        return fake_register(a1, a2);
    case 3: /* EMULATE (in the SIGSEGV handler: nothing here but the return) */
        return 1;
    case 4: /* COMMIT */
        return fake_commit((const uint64_t *)a1);
    default:
        return -RT_EINVAL;
    }
}
