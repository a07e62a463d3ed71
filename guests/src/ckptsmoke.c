/*
 * ckptsmoke.c - a native smoke test of the checkpoint library (ckpt/ckpt.c).
 *
 * On real hardware the escape instruction is a no-op, so QUERY "returns" the preset 0 and the
 * library runs as technique none: this checks that path - the escape leaves the registers
 * alone, the argument checks (-22 for a CDA that is not page-aligned or empty, a second
 * registration), the state checks (-1 before registration, -22 for a nested begin or an end
 * outside a transaction), and that transactions leave the CDA's contents as written. Under
 * hvsim with --technique none it must print the same. (Under a tracking technique only the
 * first line and its check differ: the library's return values do not depend on the
 * technique; check.sh runs its build/fake/ build with CKPT_FAKE=pt and emul.)
 */
#include "rt.h"
#include "ckpt.h"

#define PAGE 4096ul
#define CDA_PAGES 3

/* The escape as the library issues it (QUERY: RDI = 1, RAX preset 0); RCX is a witness that
 * the xchg of cx with itself changes nothing. */
static void query(uint64_t *rax_out, uint64_t *rdx_out, uint64_t *rcx_out)
{
    register uint64_t r10 __asm__("r10") = 0;
    uint64_t rax = 0, rdx = 0, rcx = 0x1234567890abcdefull;
    __asm__ volatile("xchg %%cx, %%cx" : "+a"(rax), "+d"(rdx), "+c"(rcx) : "D"(1ul), "S"(0ul), "r"(r10) : "memory");
    *rax_out = rax;
    *rdx_out = rdx;
    *rcx_out = rcx;
}

int main(int argc, char **argv, char **envp)
{
    uint64_t rax, rdx, rcx;
    query(&rax, &rdx, &rcx);
    rt_printf("query: technique %lu, token %lu\n", (unsigned long)rax, (unsigned long)rdx);
    rt_check(rax == 0 && rdx == 0, "QUERY reports technique none natively");
    rt_check(rcx == 0x1234567890abcdefull, "the escape leaves rcx alone");

    uint8_t *cda = sys_mmap(NULL, CDA_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (RT_IS_ERR(cda)) {
        rt_printf("ckptsmoke: mmap failed\n");
        return 1;
    }
    for (unsigned long i = 0; i < CDA_PAGES * PAGE; i++)
        cda[i] = (uint8_t)(i * 7);

    int r;
    rt_printf("begin before register: %d\n", r = ckpt_begin());
    rt_check(r == -1, "ckpt_begin before ckpt_register is -EPERM");
    rt_printf("end before register: %d\n", r = ckpt_end());
    rt_check(r == -1, "ckpt_end before ckpt_register is -EPERM");
    rt_printf("register NULL: %d\n", r = ckpt_register(NULL, PAGE));
    rt_check(r == -22, "a NULL CDA is -EINVAL");
    rt_printf("register unaligned: %d\n", r = ckpt_register(cda + 8, PAGE));
    rt_check(r == -22, "an unaligned CDA is -EINVAL");
    rt_printf("register empty: %d\n", r = ckpt_register(cda, 0));
    rt_check(r == -22, "an empty CDA is -EINVAL");
    rt_printf("register: %d\n", r = ckpt_register(cda, CDA_PAGES * PAGE));
    rt_check(r == 0, "ckpt_register succeeds");
    rt_printf("register again: %d\n", r = ckpt_register(cda, CDA_PAGES * PAGE));
    rt_check(r == -22, "a second registration is -EINVAL");

    rt_printf("end outside a transaction: %d\n", r = ckpt_end());
    rt_check(r == -22, "ckpt_end with no transaction open is -EINVAL");
    rt_printf("begin: %d\n", r = ckpt_begin());
    rt_check(r == 0, "ckpt_begin succeeds");
    rt_printf("nested begin: %d\n", r = ckpt_begin());
    rt_check(r == -22, "a nested ckpt_begin is -EINVAL");
    cda[0] = 0xaa;
    cda[PAGE + 5] = 0xbb;
    ((volatile uint64_t *)cda)[CDA_PAGES * PAGE / 8 - 1] = 0x1122334455667788ull;
    rt_printf("end: %d\n", r = ckpt_end());
    rt_check(r == 0, "ckpt_end succeeds");
    rt_printf("end again: %d\n", r = ckpt_end());
    rt_check(r == -22, "a second ckpt_end is -EINVAL");

    /* Many cycles, one write to each page in each. */
    int bad = 0;
    for (unsigned long t = 0; t < 1000; t++) {
        bad += ckpt_begin() != 0;
        for (unsigned long p = 0; p < CDA_PAGES; p++)
            cda[p * PAGE + 100 + t % 64] = (uint8_t)(t + p);
        bad += ckpt_end() != 0;
    }
    rt_printf("1000 cycles: %d failed calls\n", bad);
    rt_check(bad == 0, "1000 begin/end cycles succeed");

    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned long i = 0; i < CDA_PAGES * PAGE; i++)
        h = (h ^ cda[i]) * 0x100000001b3ull;
    rt_printf("cda digest %lx\n", (unsigned long)h);
    rt_check(cda[0] == 0xaa && cda[PAGE + 5] == 0xbb && cda[7] == 49, "the CDA holds what was written");
    rt_check(cda[100 + 999 % 64] == (uint8_t)999 && cda[2 * PAGE + 100 + 999 % 64] == (uint8_t)1001,
             "the last cycle's writes are there");
    return rt_report("ckptsmoke");
}
