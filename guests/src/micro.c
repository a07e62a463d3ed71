/*
 * micro.c - the paper's microbenchmark (Section V).
 *
 *   micro CDA_KIB WPP PPT TCOUNT [SEED]
 *
 * Allocates a page-aligned critical data area of CDA_KIB KiB (a positive multiple of 4: whole
 * pages), touches every page, registers it (ckpt.h), then runs TCOUNT transactions. Each one is
 *
 *     ckpt_begin; PPT distinct pages, chosen by a seeded generator; WPP 4-byte word writes on
 *     each of them (at distinct word offsets while WPP <= 1024); ckpt_end
 *
 * WPP (writes per page) and PPT (pages per transaction) are averages and may be decimals with
 * up to three digits after the point (1.3, 0.5): they are read as thousandths, and the integer
 * counts are spread Bresenham-style - an accumulator gains the average at each transaction (PPT)
 * or page visit (WPP) and hands out its whole part - so that every count is an integer >= 0 and
 * the run's average is exact (to within one, overall). PPT may not exceed the CDA's page count.
 *
 * Prints one line and exits 0:
 *
 *     micro cda_kib=K wpp=W ppt=P tcount=T writes=N pages=M checksum=HEX
 *
 * writes = word writes done, pages = page visits that wrote at least one word (with WPP >= 1
 * every visit; it is the total of each transaction's distinct dirty pages, i.e. what PT tracks),
 * checksum = FNV-1a over the CDA's final contents (64-bit words). Bad arguments: a message on
 * stderr and exit 2. SEED defaults to 1.
 *
 * The transaction loop is plain C with one volatile 32-bit store per write (each is one
 * `mov m32, r32`): under Emul every write is one fault, one emulation.
 */
#include "rt.h"
#include "ckpt.h"

#define PAGE 4096ul
#define WORDS_PER_PAGE (PAGE / 4)
#define MAX_CDA_KIB (1ul << 20)   /* 1 GiB */
#define MAX_MILLI (1000000ul * 1000) /* averages up to 1e6 */

static __attribute__((noreturn)) void usage(const char *why)
{
    eprint_str("micro: ");
    eprint_str(why);
    eprint_str("\nusage: micro CDA_KIB WPP PPT TCOUNT [SEED]\n"
               "  CDA_KIB  critical data area size in KiB, a positive multiple of 4\n"
               "  WPP      average 4-byte writes per written page (decimal, e.g. 1.3)\n"
               "  PPT      average distinct pages per transaction (decimal, at most the CDA's pages)\n"
               "  TCOUNT   number of transactions\n"
               "  SEED     page/offset generator seed (default 1)\n");
    rt_exit(2);
}

/* "12", "1.3", "0.125" -> thousandths; false on anything else (or more than 3 decimals). */
static bool parse_milli(const char *s, uint64_t *out)
{
    uint64_t whole = 0, frac = 0;
    int digits = 0, frac_digits = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        whole = whole * 10 + (uint64_t)(*s - '0');
        if (whole > MAX_MILLI / 1000)
            return false;
    }
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, frac_digits++) {
            if (frac_digits == 3)
                return false;
            frac = frac * 10 + (uint64_t)(*s - '0');
        }
        if (frac_digits == 0)
            return false;
    }
    if (*s || digits == 0)
        return false;
    for (int i = frac_digits; i < 3; i++)
        frac *= 10;
    *out = whole * 1000 + frac;
    return true;
}

/* Thousandths back to the shortest decimal: 1300 -> "1.3", 4000 -> "4". */
static const char *format_milli(uint64_t milli, char *buf)
{
    char tmp[32];
    int n = 0;
    uint64_t whole = milli / 1000, frac = milli % 1000;
    do {
        tmp[n++] = (char)('0' + whole % 10);
        whole /= 10;
    } while (whole);
    int len = 0;
    while (n)
        buf[len++] = tmp[--n];
    if (frac) {
        buf[len++] = '.';
        for (uint64_t div = 100; div && frac; div /= 10) {
            buf[len++] = (char)('0' + frac / div);
            frac %= div;
        }
    }
    buf[len] = 0;
    return buf;
}

static uint64_t parse_count(const char *s, const char *what)
{
    bool ok;
    uint64_t v = rt_parse_u64(s, &ok);
    if (!ok)
        usage(what);
    return v;
}

int main(int argc, char **argv, char **envp)
{
    if (argc != 5 && argc != 6)
        usage("expected 4 or 5 arguments");
    uint64_t cda_kib = parse_count(argv[1], "CDA_KIB is not a number");
    uint64_t wpp, ppt;
    if (!parse_milli(argv[2], &wpp))
        usage("WPP is not a decimal number (at most 3 decimals)");
    if (!parse_milli(argv[3], &ppt))
        usage("PPT is not a decimal number (at most 3 decimals)");
    uint64_t tcount = parse_count(argv[4], "TCOUNT is not a number");
    uint64_t seed = argc == 6 ? parse_count(argv[5], "SEED is not a number") : 1;
    if (cda_kib == 0 || cda_kib % 4 != 0 || cda_kib > MAX_CDA_KIB)
        usage("CDA_KIB must be a positive multiple of 4 (whole pages), at most 1048576");
    uint64_t npages = cda_kib / 4;
    if (ppt > npages * 1000)
        usage("PPT exceeds the CDA's page count");

    unsigned long bytes = npages * PAGE;
    uint32_t *cda = sys_mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint32_t *perm = sys_mmap(NULL, npages * sizeof(uint32_t), PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (RT_IS_ERR(cda) || RT_IS_ERR(perm)) {
        eprint_str("micro: mmap failed\n");
        return 1;
    }
    /* Populate the CDA so that no transaction pays for demand paging. */
    for (uint64_t p = 0; p < npages; p++)
        ((volatile uint32_t *)cda)[p * WORDS_PER_PAGE] = 0;
    /* The pages in a random order, outside the CDA: a partial Fisher-Yates shuffle of it at each
     * transaction picks distinct pages (the array stays a permutation from one to the next). */
    for (uint64_t p = 0; p < npages; p++)
        perm[p] = (uint32_t)p;
    int r = ckpt_register(cda, bytes);
    if (r != 0) {
        rt_printf("micro: ckpt_register failed (%d)\n", r);
        return 1;
    }

    uint64_t rng = seed;
    uint64_t ppt_acc = 0, wpp_acc = 0, writes = 0, visits = 0;
    for (uint64_t t = 0; t < tcount; t++) {
        if (ckpt_begin() != 0) {
            rt_printf("micro: ckpt_begin failed\n");
            return 1;
        }
        ppt_acc += ppt;
        uint64_t n = ppt_acc / 1000; /* <= ceil(PPT) <= npages */
        ppt_acc -= n * 1000;
        for (uint64_t k = 0; k < n; k++) {
            uint64_t x = rt_rand64(&rng);
            uint64_t j = k + x % (npages - k);
            uint32_t page = perm[j];
            perm[j] = perm[k];
            perm[k] = page;
            wpp_acc += wpp;
            uint64_t w = wpp_acc / 1000;
            wpp_acc -= w * 1000;
            /* Word offsets start, start + step, ... (mod 1024) with an odd step: distinct for
             * the first 1024 writes. */
            x = rt_rand64(&rng);
            uint32_t idx = (uint32_t)x & (WORDS_PER_PAGE - 1);
            uint32_t step = ((uint32_t)(x >> 10) & (WORDS_PER_PAGE - 1)) | 1;
            uint32_t value = (uint32_t)(x >> 32);
            volatile uint32_t *base = cda + (uint64_t)page * WORDS_PER_PAGE;
            for (uint64_t i = 0; i < w; i++) {
                base[idx] = value + (uint32_t)i;
                idx = (idx + step) & (WORDS_PER_PAGE - 1);
            }
            writes += w;
            visits += w != 0;
        }
        if (ckpt_end() != 0) {
            rt_printf("micro: ckpt_end failed\n");
            return 1;
        }
    }

    uint64_t h = 0xcbf29ce484222325ull;
    const uint64_t *words = (const uint64_t *)cda;
    for (uint64_t i = 0; i < bytes / 8; i++)
        h = (h ^ words[i]) * 0x100000001b3ull;
    char wbuf[32], pbuf[32];
    rt_printf("micro cda_kib=%lu wpp=%s ppt=%s tcount=%lu writes=%lu pages=%lu checksum=%lx\n",
              (unsigned long)cda_kib, format_milli(wpp, wbuf), format_milli(ppt, pbuf),
              (unsigned long)tcount, (unsigned long)writes, (unsigned long)visits, (unsigned long)h);
    return 0;
}
