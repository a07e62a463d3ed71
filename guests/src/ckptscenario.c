/*
 * ckptscenario.c - the known bug classes of dirty tracking (issue 17 item 4), one per argument,
 * each four transactions on a 16-page CDA that the audit (hvsim --audit) checks under every
 * technique (tests/HvSim.Tests/Checkpoint/Audit/ScenarioTests.cs):
 *
 *   protect-after-write  page 1 written, then mprotected read-only and back to read-write
 *                        inside the transaction, then written again in another 128-byte block;
 *   protect-before-write the CDA's VMA split and merged again (page 2 mprotected read-only and
 *                        back) before page 2's first write of the transaction;
 *   unpopulated          pages never touched before the first transaction (not even read): the
 *                        first write populates them inside a cycle.
 *
 * Prints one line with the sum of the CDA so that every technique can be compared.
 */
#include "rt.h"
#include "ckpt.h"

#define PAGE 4096ul
#define PAGES 16
#define TRANSACTIONS 4

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    if (argc != 2) {
        eprint_str("usage: ckptscenario protect-after-write|protect-before-write|unpopulated\n");
        return 2;
    }
    const char *what = argv[1];
    unsigned char *cda = sys_mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (RT_IS_ERR(cda))
        return 3;
    int unpopulated = rt_strcmp(what, "unpopulated") == 0;
    if (!unpopulated)
        for (unsigned long i = 0; i < PAGES; i++)
            cda[i * PAGE] = (unsigned char)i; /* every page populated before registration */
    int r = ckpt_register(cda, PAGES * PAGE);
    if (r) {
        rt_printf("ckpt_register failed (%d)\n", r);
        return 4;
    }
    for (int t = 0; t < TRANSACTIONS; t++) {
        if (ckpt_begin())
            return 5;
        unsigned char v = (unsigned char)(t + 10);
        if (rt_strcmp(what, "protect-after-write") == 0) {
            cda[1 * PAGE + 8] = v;
            sys_mprotect(cda + 1 * PAGE, PAGE, PROT_READ);
            sys_mprotect(cda + 1 * PAGE, PAGE, PROT_READ | PROT_WRITE);
            cda[1 * PAGE + 2048] = v;
        } else if (rt_strcmp(what, "protect-before-write") == 0) {
            sys_mprotect(cda + 2 * PAGE, PAGE, PROT_READ);
            sys_mprotect(cda + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE);
            cda[2 * PAGE + 8] = v;
            cda[5 * PAGE + 8] = v;
        } else if (unpopulated) {
            cda[(unsigned long)(4 + t) * PAGE + 100] = v; /* a page never touched until now */
            cda[0] = v;
        } else {
            eprint_str("ckptscenario: unknown scenario\n");
            return 2;
        }
        if (ckpt_end())
            return 6;
    }
    unsigned long sum = 0;
    for (unsigned long i = 0; i < PAGES * PAGE; i++)
        sum = sum * 31 + cda[i];
    rt_printf("%s sum %lu\n", what, sum);
    return 0;
}
