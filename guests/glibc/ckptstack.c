/*
 * ckptstack.c (glibc) - the checkpoint library in an ordinary glibc program, with a coroutine
 * whose stack lies inside the checkpointed data area (CDA).
 *
 * Built exactly as a user would build their own program against the library:
 *   gcc -static -O2 -Iguests/ckpt ckptstack.c guests/ckpt/ckpt.c guests/ckpt/ckpt_softdirty.c guests/ckpt/ckpt_uffdwp.c
 * The CDA (64 pages, mmap'd) holds a table the coroutine updates and, in its top 16 pages, the
 * coroutine's stack and context. main stays on its own stack and resumes the coroutine once per
 * transaction (ckpt_begin, swapcontext into the coroutine, back, ckpt_end), so every write to
 * the CDA - the table, the coroutine's locals, calls and saved context - happens inside a
 * transaction. Under pt and emul those writes fault on the write-protected CDA, the coroutine's
 * stack included; the library's handler runs on its alternate signal stack and tracks them.
 * hvsim checks at exit that the backup equals the CDA (its status 0); natively the library finds
 * technique "none" and the program prints the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "ckpt.h"

#define PAGE 4096ul
#define CDA_PAGES 64ul
#define STACK_PAGES 16ul
#define TABLE_WORDS ((CDA_PAGES - STACK_PAGES) * PAGE / 8)
#define TRANSACTIONS 40

static ucontext_t main_context;
static ucontext_t *coroutine_context; /* inside the CDA */
static uint64_t *table;               /* inside the CDA */

/* Depth-first writes on the coroutine's stack (a local array per frame) and into the table. */
static uint64_t work(uint64_t seed, int depth)
{
    volatile uint64_t local[64];
    for (int i = 0; i < 64; i++)
        local[i] = seed * 6364136223846793005ull + (uint64_t)i;
    uint64_t h = local[seed % 64];
    table[(h >> 11) % TABLE_WORDS] ^= h;
    table[(seed * 2654435761u) % TABLE_WORDS] += (uint64_t)depth;
    return depth == 0 ? h : h ^ work(h, depth - 1);
}

static void coroutine(void)
{
    for (uint64_t round = 0;; round++) {
        table[round % TABLE_WORDS] = work(round + 1, (int)(round % 12));
        swapcontext(coroutine_context, &main_context);
    }
}

int main(void)
{
    uint8_t *cda = mmap(NULL, CDA_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (cda == MAP_FAILED)
        return 2;
    table = (uint64_t *)cda;
    uint8_t *stack = cda + (CDA_PAGES - STACK_PAGES) * PAGE;
    coroutine_context = (ucontext_t *)stack; /* the context first, the stack above it */

    int r = ckpt_register(cda, CDA_PAGES * PAGE);
    if (r) {
        printf("ckpt_register: %d\n", r);
        return 1;
    }

    /* Setting up the coroutine writes the CDA: inside a transaction, as every CDA write must be. */
    ckpt_begin();
    getcontext(coroutine_context);
    coroutine_context->uc_stack.ss_sp = stack + PAGE;
    coroutine_context->uc_stack.ss_size = (STACK_PAGES - 1) * PAGE;
    coroutine_context->uc_link = NULL;
    makecontext(coroutine_context, coroutine, 0);
    ckpt_end();

    for (int t = 0; t < TRANSACTIONS; t++) {
        if ((r = ckpt_begin()) != 0) {
            printf("ckpt_begin: %d\n", r);
            return 1;
        }
        swapcontext(&main_context, coroutine_context);
        if ((r = ckpt_end()) != 0) {
            printf("ckpt_end: %d\n", r);
            return 1;
        }
    }

    uint64_t sum = 0;
    for (uint64_t i = 0; i < TABLE_WORDS; i++)
        sum = sum * 31 + table[i];
    printf("ckptstack: %d transactions, table checksum %016llx\n", TRANSACTIONS, (unsigned long long)sum);
    return 0;
}
