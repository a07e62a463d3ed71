/*
 * recursion.c - calls, returns and the stack.
 *
 * Why: call/ret pairs, push/pop of callee-saved registers, stack-passed
 * arguments (more than six), by-value struct arguments and returns (hidden
 * return pointer in rdi), indirect calls, tail calls that gcc turns into
 * jmp, and one deep recursion (100000 frames, a few MB of stack) that makes
 * the stack grow far below its initial mapping: the loader/kernel must
 * provide a normal 8 MB stack (or grow it on demand).
 *
 * "Nested function pointers" here are function pointers passed through,
 * returned from and stored in tables of other functions. GNU C nested
 * functions are deliberately not used: their trampolines need an executable
 * stack.
 */
#include "rt.h"

static uint64_t digest;
static void fold(const char *what, uint64_t v)
{
    rt_printf("%-28s %lu\n", what, v);
    digest = rt_mix(digest, v);
}

static uint64_t fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static uint64_t ack_calls;
static uint64_t ackermann(uint64_t m, uint64_t n)
{
    ack_calls++;
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

/* Towers of Hanoi: the move sequence is folded so a wrong move order shows. */
static uint64_t hanoi_hash, hanoi_moves;
static void hanoi(int n, int from, int to, int via)
{
    if (n == 0)
        return;
    hanoi(n - 1, from, via, to);
    hanoi_moves++;
    hanoi_hash = hanoi_hash * 31 + (uint64_t)(from * 3 + to) + (uint64_t)n;
    hanoi(n - 1, via, to, from);
}

/* Mutual recursion over a three-state machine. */
static int walk_a(const char *s, int depth);
static int walk_b(const char *s, int depth);
static int walk_c(const char *s, int depth)
{
    if (!*s)
        return depth * 3 + 2;
    return *s == 'x' ? walk_a(s + 1, depth + 1) : walk_b(s + 1, depth + 2);
}
static int walk_b(const char *s, int depth)
{
    if (!*s)
        return depth * 3 + 1;
    return *s == 'x' ? walk_c(s + 1, depth + 1) : walk_a(s + 1, depth);
}
static int walk_a(const char *s, int depth)
{
    if (!*s)
        return depth * 3;
    return *s == 'x' ? walk_b(s + 1, depth + 1) : walk_c(s + 1, depth + 3);
}

static bool is_even(unsigned n);
static bool is_odd(unsigned n) { return n == 0 ? false : is_even(n - 1); }
static bool is_even(unsigned n) { return n == 0 ? true : is_odd(n - 1); }

/*
 * Deep recursion with a real frame per level: the local array whose address
 * escapes into the callee cannot be optimised away, and the work after the
 * call prevents turning the recursion into a loop at any -O level.
 */
__attribute__((noinline)) static uint64_t deep(uint32_t n, const uint32_t *parent)
{
    uint32_t local[2] = {n, parent ? parent[0] ^ n : n};
    if (n == 0)
        return local[1];
    uint64_t below = deep(n - 1, local);
    rt_clobber();
    return below * 3 + local[0] + local[1];
}

/* Many arguments: the 7th and later go on the stack. */
__attribute__((noinline)) static uint64_t many_args(uint64_t a, uint32_t b, uint16_t c,
                                                    uint8_t d, int64_t e, int32_t f,
                                                    int16_t g, int8_t h, uint64_t i,
                                                    uint32_t j)
{
    return a + b * 3ull + c * 5ull + d * 7ull + (uint64_t)e * 11 + (uint64_t)(int64_t)f * 13 +
           (uint64_t)(int64_t)g * 17 + (uint64_t)(int64_t)h * 19 + i * 23 + j * 29ull;
}

/* Recursive many_args: stack arguments across nested frames. */
static uint64_t chain(int n, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                      uint64_t f, uint64_t g, uint64_t h)
{
    if (n == 0)
        return a ^ b ^ c ^ d ^ e ^ f ^ g ^ h;
    return chain(n - 1, h, a + 1, b * 3, c ^ d, d + e, e - f, f + g, g * 5) + (uint64_t)n;
}

/* Structs passed and returned by value: small ones in rax:rdx, big ones
 * through memory with the hidden result pointer. */
struct pair { uint64_t lo, hi; };
struct triple { uint64_t a, b, c; };

__attribute__((noinline)) static struct pair pair_step(struct pair p)
{
    return (struct pair){p.hi, p.lo + p.hi};
}

__attribute__((noinline)) static struct triple triple_rec(struct triple t, int n)
{
    if (n == 0)
        return t;
    struct triple next = {t.b, t.c, t.a + t.b + t.c};
    return triple_rec(next, n - 1);
}

/* ---- function pointers of function pointers ---- */

typedef uint64_t (*unop)(uint64_t);
typedef unop (*unop_picker)(int);

static uint64_t inc(uint64_t x) { return x + 1; }
static uint64_t dbl(uint64_t x) { return x * 2; }
static uint64_t sq(uint64_t x) { return x * x; }
static uint64_t neg(uint64_t x) { return -x; }

static unop pick_arith(int i)
{
    static const unop t[] = {inc, dbl, sq, neg};
    return t[i & 3];
}

static unop pick_reverse(int i)
{
    static const unop t[] = {neg, sq, dbl, inc};
    return t[i & 3];
}

/* Applies f to x n times, recursively through the pointer. */
static uint64_t apply_n(unop f, uint64_t x, int n)
{
    return n == 0 ? x : apply_n(f, f(x), n - 1);
}

/* Composition driven by a picker that is itself chosen through a pointer. */
static uint64_t compose(unop_picker pick, const char *plan, uint64_t x)
{
    if (!*plan)
        return x;
    unop f = pick(*plan - '0');
    return compose(pick, plan + 1, f(x));
}

static uint64_t tree_sum(int depth, uint64_t (*leaf)(uint64_t), uint64_t x)
{
    if (depth == 0)
        return leaf(x);
    return tree_sum(depth - 1, leaf, x * 2) + tree_sum(depth - 1, leaf, x * 2 + 1);
}

int main(int argc, char **argv, char **envp)
{
    unsigned n = (unsigned)rt_hide(27);

    uint64_t f = fib(n);
    fold("fib(27)", f);
    rt_check(f == 196418, "fib(27)");

    for (uint64_t k = 0; k <= 10; k += 5) {
        ack_calls = 0;
        uint64_t a = ackermann(2, rt_hide(k));
        rt_printf("ackermann(2,%lu)=%lu calls=%lu\n", k, a, ack_calls);
        rt_check(a == 2 * k + 3, "ackermann(2,n)");
        digest = rt_mix(digest, a ^ ack_calls);
    }
    ack_calls = 0;
    uint64_t a34 = ackermann(3, rt_hide(4));
    rt_printf("ackermann(3,4)=%lu calls=%lu\n", a34, ack_calls);
    rt_check(a34 == 125, "ackermann(3,4)");

    hanoi((int)rt_hide(16), 1, 3, 2);
    fold("hanoi(16) moves", hanoi_moves);
    fold("hanoi(16) sequence hash", hanoi_hash);
    rt_check(hanoi_moves == 65535, "hanoi moves");

    const char *path = rt_hide_ptr("xyxxyyxyxyyyxxxyxyxyxxyyxyyxyxxxyxy");
    fold("walk_a(path)", (uint64_t)walk_a(path, 0));
    fold("is_even(10001)", is_even((unsigned)rt_hide(10001)));
    fold("is_odd(7777)", is_odd((unsigned)rt_hide(7777)));

    fold("deep(100000)", deep((uint32_t)rt_hide(100000), NULL));

    fold("many_args", many_args(rt_hide(1), 0xfffffffe, 0xfffe, 0xfe, -5, -7, -9, -11,
                                0x123456789ull, 0x80000000u));
    fold("chain(200)", chain((int)rt_hide(200), 1, 2, 3, 4, 5, 6, 7, 8));

    struct pair p = {rt_hide(0), 1};
    for (int i = 0; i < 90; i++)
        p = pair_step(p);
    fold("pair_step^90 (fib 90)", p.lo);
    rt_check(p.lo == 2880067194370816120ull, "fib(90) via struct return");
    struct triple t = triple_rec((struct triple){rt_hide(0), 0, 1}, 50);
    fold("tribonacci(50)", t.a);

    unop_picker pickers[2] = {pick_arith, pick_reverse};
    uint64_t fp = 0;
    for (int i = 0; i < 8; i++) {
        unop_picker pk = pickers[rt_hide((uint64_t)i) & 1];
        fp = rt_mix(fp, apply_n(pk(i), rt_hide(3 + (uint64_t)i), 20 + i));
        fp = rt_mix(fp, compose(pk, "0123012321003", (uint64_t)i));
    }
    fold("fnptr compositions", fp);
    fold("tree_sum(12, sq)", tree_sum((int)rt_hide(12), sq, 1));

    rt_printf("digest=%016lx\n", digest);
    return rt_report("recursion");
}
