/*
 * switch.c - dense switches (jump tables), sparse switches (compare trees),
 * GNU case ranges, and calls through function-pointer tables.
 *
 * Why: a dense switch compiles to "cmp; ja default; jmp *table(,%reg,8)"
 * with an absolute table in .rodata (non-PIE), i.e. an indirect jump whose
 * target comes from a data load; sparse switches become a binary search of
 * compares and conditional branches; small ranges become "sub; cmp; jbe" or
 * bit-test tricks (bt on a constant mask). A small stack-machine interpreter
 * is the realistic home of the big dense switch.
 */
#include "rt.h"

/* ---- a stack VM: the dense switch ---- */

enum op {
    OP_HALT, OP_PUSH, OP_POP, OP_DUP, OP_SWAP, OP_OVER, OP_ROT,
    OP_ADD, OP_SUB, OP_MUL, OP_DIVU, OP_MODU, OP_NEG, OP_AND, OP_OR, OP_XOR, OP_NOT,
    OP_SHL, OP_SHR, OP_SAR, OP_ROTL, OP_INC, OP_DEC, OP_EQ, OP_NE, OP_LTS, OP_LTU,
    OP_GTS, OP_GTU, OP_MIN, OP_MAX, OP_ABS, OP_JMP, OP_JZ, OP_JNZ, OP_LOAD, OP_STORE,
    OP_CALL, OP_RET, OP_PRINT, OP_HASH, OP_SQR, OP_BSWAP, OP_POPCNT, OP_SEXT8, OP_ZEXT16,
    OP_COUNT
};

static uint64_t vm_output;
static int vm_prints;

static uint64_t run_vm(const int64_t *code, uint64_t *mem, uint64_t *steps_out)
{
    uint64_t stack[64], rstack[16];
    int sp = 0, rsp = 0;
    uint64_t steps = 0;
    for (int64_t pc = 0;;) {
        int64_t op = code[pc++];
        steps++;
        uint64_t a, b;
        switch (op) {
        case OP_HALT: *steps_out = steps; return sp ? stack[sp - 1] : 0;
        case OP_PUSH: stack[sp++] = (uint64_t)code[pc++]; break;
        case OP_POP: sp--; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_SWAP: a = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = a; break;
        case OP_OVER: stack[sp] = stack[sp - 2]; sp++; break;
        case OP_ROT: a = stack[sp - 3]; stack[sp - 3] = stack[sp - 2];
                     stack[sp - 2] = stack[sp - 1]; stack[sp - 1] = a; break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case OP_DIVU: sp--; stack[sp - 1] = stack[sp] ? stack[sp - 1] / stack[sp] : 0; break;
        case OP_MODU: sp--; stack[sp - 1] = stack[sp] ? stack[sp - 1] % stack[sp] : 0; break;
        case OP_NEG: stack[sp - 1] = -stack[sp - 1]; break;
        case OP_AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case OP_OR: sp--; stack[sp - 1] |= stack[sp]; break;
        case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case OP_NOT: stack[sp - 1] = ~stack[sp - 1]; break;
        case OP_SHL: sp--; stack[sp - 1] <<= stack[sp] & 63; break;
        case OP_SHR: sp--; stack[sp - 1] >>= stack[sp] & 63; break;
        case OP_SAR: sp--; stack[sp - 1] = (uint64_t)((int64_t)stack[sp - 1] >> (stack[sp] & 63)); break;
        case OP_ROTL: sp--; b = stack[sp] & 63;
                      stack[sp - 1] = (stack[sp - 1] << b) | (stack[sp - 1] >> ((-b) & 63)); break;
        case OP_INC: stack[sp - 1]++; break;
        case OP_DEC: stack[sp - 1]--; break;
        case OP_EQ: sp--; stack[sp - 1] = stack[sp - 1] == stack[sp]; break;
        case OP_NE: sp--; stack[sp - 1] = stack[sp - 1] != stack[sp]; break;
        case OP_LTS: sp--; stack[sp - 1] = (int64_t)stack[sp - 1] < (int64_t)stack[sp]; break;
        case OP_LTU: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case OP_GTS: sp--; stack[sp - 1] = (int64_t)stack[sp - 1] > (int64_t)stack[sp]; break;
        case OP_GTU: sp--; stack[sp - 1] = stack[sp - 1] > stack[sp]; break;
        case OP_MIN: sp--; a = stack[sp - 1]; b = stack[sp];
                     stack[sp - 1] = (int64_t)a < (int64_t)b ? a : b; break;
        case OP_MAX: sp--; a = stack[sp - 1]; b = stack[sp];
                     stack[sp - 1] = (int64_t)a > (int64_t)b ? a : b; break;
        case OP_ABS: a = stack[sp - 1]; stack[sp - 1] = (int64_t)a < 0 ? -a : a; break;
        case OP_JMP: pc = code[pc]; break;
        case OP_JZ: sp--; pc = stack[sp] == 0 ? code[pc] : pc + 1; break;
        case OP_JNZ: sp--; pc = stack[sp] != 0 ? code[pc] : pc + 1; break;
        case OP_LOAD: stack[sp - 1] = mem[stack[sp - 1] & 63]; break;
        case OP_STORE: sp -= 2; mem[stack[sp + 1] & 63] = stack[sp]; break;
        case OP_CALL: rstack[rsp++] = (uint64_t)(pc + 1); pc = code[pc]; break;
        case OP_RET: pc = (int64_t)rstack[--rsp]; break;
        case OP_PRINT: sp--; vm_output = rt_mix(vm_output, stack[sp]); vm_prints++; break;
        case OP_HASH: a = stack[sp - 1]; a ^= a >> 31; a *= 0x7fb5d329728ea185ull; a ^= a >> 27;
                      stack[sp - 1] = a; break;
        case OP_SQR: stack[sp - 1] *= stack[sp - 1]; break;
        case OP_BSWAP: stack[sp - 1] = __builtin_bswap64(stack[sp - 1]); break;
        case OP_POPCNT: a = stack[sp - 1]; b = 0;
                        while (a) { a &= a - 1; b++; }
                        stack[sp - 1] = b; break;
        case OP_SEXT8: stack[sp - 1] = (uint64_t)(int64_t)(int8_t)stack[sp - 1]; break;
        case OP_ZEXT16: stack[sp - 1] = (uint16_t)stack[sp - 1]; break;
        default:
            *steps_out = steps;
            return 0xdeadull;
        }
    }
}

/*
 * The VM program: for i in 1..N: x = collatz_steps(i) via a subroutine,
 * mix x with a few ops and print-hash it; mem[0] = i, mem[1] = acc.
 */
static const int64_t program[] = {
    /*  0 */ OP_PUSH, 1, OP_PUSH, 0, OP_STORE,          /* mem[0] = 1 */
    /*  5 */ OP_PUSH, 0, OP_PUSH, 1, OP_STORE,          /* mem[1] = 0 */
    /* 10: loop */
    OP_PUSH, 0, OP_LOAD, OP_CALL, 40,                   /* collatz(mem[0]) */
    /* 15 */ OP_DUP, OP_PRINT,
    /* 17 */ OP_PUSH, 1, OP_LOAD, OP_ADD, OP_HASH, OP_PUSH, 1, OP_STORE, /* acc = hash(acc + steps) */
    /* 25 */ OP_PUSH, 0, OP_LOAD, OP_INC, OP_DUP, OP_PUSH, 0, OP_STORE, /* i++ */
    /* 33 */ OP_PUSH, 300, OP_GTU, OP_JZ, 10,           /* while !(i > 300) */
    /* 38 */ OP_JMP, 80,
    /* 40: collatz(n) -> steps */
    OP_PUSH, 0, OP_SWAP,                               /* steps n */
    /* 43 */ OP_DUP, OP_PUSH, 1, OP_EQ, OP_JNZ, 76,     /* n == 1 -> done */
    /* 49 */ OP_DUP, OP_PUSH, 1, OP_AND, OP_JZ, 66,     /* even -> 66 */
    /* 55 */ OP_PUSH, 3, OP_MUL, OP_INC, OP_SWAP, OP_INC, OP_SWAP, OP_JMP, 43, /* n = 3n+1 */
    /* 64 */ OP_HALT, OP_HALT,
    /* 66 */ OP_PUSH, 1, OP_SHR, OP_SWAP, OP_INC, OP_SWAP, OP_JMP, 43, /* n >>= 1 */
    /* 74 */ OP_HALT, OP_HALT,
    /* 76 */ OP_POP, OP_RET, OP_HALT, OP_HALT,
    /* 80: epilogue exercising the remaining opcodes */
    OP_PUSH, 1, OP_LOAD,
    OP_PUSH, -12345, OP_ABS, OP_XOR, OP_PUSH, 13, OP_ROTL, OP_PUSH, 7, OP_SAR,
    OP_PUSH, 0x1234, OP_OVER, OP_SUB, OP_NEG, OP_PUSH, 3, OP_SHL, OP_OR,
    OP_PUSH, 1000, OP_DIVU, OP_PUSH, 999983, OP_MUL, OP_PUSH, 65521, OP_MODU,
    OP_DUP, OP_SQR, OP_BSWAP, OP_POPCNT, OP_PUSH, 200, OP_SEXT8, OP_ADD, OP_PUSH, 0x12345, OP_ZEXT16,
    OP_MAX, OP_PUSH, -3, OP_MIN, OP_NOT, OP_PUSH, 5, OP_LTS, OP_PUSH, 5, OP_LTU, OP_ADD,
    OP_PUSH, 9, OP_GTS, OP_PUSH, 2, OP_GTU, OP_PUSH, 7, OP_NE,
    OP_PUSH, 4, OP_PUSH, 5, OP_ROT, OP_ROT, OP_ROT, OP_ROT,
    OP_PUSH, 11, OP_DEC, OP_AND, OP_ADD, OP_ADD, OP_PRINT,
    OP_PUSH, 1, OP_LOAD, OP_HALT,
};

/* ---- sparse switches: compare trees ---- */

static int sparse_class(int64_t v)
{
    switch (v) {
    case -1000000: return 1;
    case -7: return 2;
    case 0: return 3;
    case 1: return 4;
    case 10: return 5;
    case 100: return 6;
    case 1000: return 7;
    case 4096: return 8;
    case 65536: return 9;
    case 1000003: return 10;
    case 0x7fffffff: return 11;
    case 0x100000000ll: return 12;
    case INT64_MIN: return 13;
    default: return 0;
    }
}

/* GNU case ranges on a character: a tiny tokenizer. */
static int char_class(unsigned char c)
{
    switch (c) {
    case 'a' ... 'z': case 'A' ... 'Z': case '_': return 1;
    case '0' ... '9': return 2;
    case ' ': case '\t': case '\n': case '\r': return 3;
    case '+': case '-': case '*': case '/': case '%': case '=': case '<': case '>': return 4;
    case '(': case ')': case '{': case '}': case '[': case ']': case ';': case ',': return 5;
    case 0x80 ... 0xff: return 6;
    default: return 0;
    }
}

/* A switch on a small range where gcc may use a bit-test against a mask. */
static bool is_vowel(char c)
{
    switch (c) {
    case 'a': case 'e': case 'i': case 'o': case 'u':
    case 'A': case 'E': case 'I': case 'O': case 'U':
        return true;
    default:
        return false;
    }
}

/* ---- function-pointer tables ---- */

typedef uint64_t (*binop)(uint64_t, uint64_t);
static uint64_t f_add(uint64_t a, uint64_t b) { return a + b; }
static uint64_t f_sub(uint64_t a, uint64_t b) { return a - b; }
static uint64_t f_mul(uint64_t a, uint64_t b) { return a * b; }
static uint64_t f_xor(uint64_t a, uint64_t b) { return a ^ b; }
static uint64_t f_and(uint64_t a, uint64_t b) { return a & b; }
static uint64_t f_or(uint64_t a, uint64_t b) { return a | b; }
static uint64_t f_shl(uint64_t a, uint64_t b) { return a << (b & 63); }
static uint64_t f_rot(uint64_t a, uint64_t b) { b &= 63; return (a >> b) | (a << ((-b) & 63)); }
static uint64_t f_min(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t f_max(uint64_t a, uint64_t b) { return a > b ? a : b; }
static uint64_t f_avg(uint64_t a, uint64_t b) { return (a & b) + ((a ^ b) >> 1); }
static uint64_t f_mulhi(uint64_t a, uint64_t b) { return (uint64_t)(((unsigned __int128)a * b) >> 64); }

static binop const ops[16] = {
    f_add, f_sub, f_mul, f_xor, f_and, f_or, f_shl, f_rot,
    f_min, f_max, f_avg, f_mulhi, f_add, f_mul, f_rot, f_xor,
};

/* A mutable table, so the targets are loaded from writable data. */
static binop dyn_ops[4];

int main(int argc, char **argv, char **envp)
{
    uint64_t mem[64] = {0};
    uint64_t steps;
    const int64_t *code = rt_hide_ptr((void *)program);
    uint64_t result = run_vm(code, mem, &steps);
    rt_printf("vm result=%016lx steps=%lu prints=%d output=%016lx\n",
              result, steps, vm_prints, vm_output);
    rt_check(mem[0] == 301, "vm loop count");

    /* Every opcode value including out-of-range ones hits the default. */
    int64_t bad_code[2] = {(int64_t)rt_hide(OP_COUNT + 5), OP_HALT};
    uint64_t r = run_vm(bad_code, mem, &steps);
    rt_printf("vm bad opcode -> %lx after %lu step(s)\n", r, steps);
    int64_t neg_code[2] = {(int64_t)rt_hide((uint64_t)-1), OP_HALT};
    r = run_vm(neg_code, mem, &steps);
    rt_printf("vm negative opcode -> %lx after %lu step(s)\n", r, steps);

    static const int64_t probes[] = {
        -1000000, -1000001, -7, -6, 0, 1, 2, 10, 11, 99, 100, 1000, 4095, 4096, 65536,
        1000003, 0x7fffffff, 0x80000000ll, 0x100000000ll, INT64_MIN, INT64_MAX,
    };
    rt_printf("sparse:");
    for (size_t i = 0; i < RT_ARRAY_LEN(probes); i++)
        rt_printf(" %d", sparse_class((int64_t)rt_hide((uint64_t)probes[i])));
    rt_printf("\n");

    uint64_t counts[7] = {0};
    int vowels = 0;
    for (int c = 0; c < 256; c++) {
        counts[char_class((unsigned char)rt_hide((uint64_t)c))]++;
        vowels += is_vowel((char)rt_hide((uint64_t)c));
    }
    rt_printf("char classes: other=%lu ident=%lu digit=%lu space=%lu op=%lu punct=%lu high=%lu vowels=%d\n",
              counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], vowels);

    uint64_t acc = rt_hide(0x243f6a8885a308d3ull), seed = rt_hide(5);
    for (int i = 0; i < 2000; i++) {
        uint64_t x = rt_rand64(&seed);
        acc = ops[x & 15](acc, x >> 4);
    }
    rt_printf("fnptr table acc=%016lx\n", acc);

    dyn_ops[0] = f_sub;
    dyn_ops[1] = f_mulhi;
    dyn_ops[2] = f_avg;
    dyn_ops[3] = ops[(int)rt_hide(7)];
    for (int i = 0; i < 1000; i++)
        acc = dyn_ops[i & 3](acc, (uint64_t)i * 0x9e3779b97f4a7c15ull);
    rt_printf("dyn table acc=%016lx\n", acc);

    return rt_report("switch");
}
