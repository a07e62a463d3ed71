/*
 * print.c - line-buffered stdout and a small printf.
 *
 * rt_printf takes its arguments through stdarg, so every program also runs
 * the x86-64 va_list machinery gcc emits (register save area, gp_offset /
 * overflow_arg_area walking; at -O0 also the "test %al,%al" guarded xmm
 * spills of a variadic prologue).
 */
#include "rt.h"

static char out_buf[4096];
static size_t out_len;
int rt_failures;

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = sys_write(fd, p, n);
        if (w <= 0)
            return;             /* nothing sensible to do; drop output */
        p += w;
        n -= (size_t)w;
    }
}

void rt_flush(void)
{
    write_all(1, out_buf, out_len);
    out_len = 0;
}

void print_char(char c)
{
    out_buf[out_len++] = c;
    if (c == '\n' || out_len == sizeof out_buf)
        rt_flush();
}

void print_str(const char *s)
{
    while (*s)
        print_char(*s++);
}

void print_nl(void) { print_char('\n'); }

void eprint_str(const char *s) { write_all(2, s, strlen(s)); }

/* Formats v in base into the end of buf; returns the first digit. */
static char *fmt_u64(char *end, uint64_t v, unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    do {
        *--p = digits[v % base];
        v /= base;
    } while (v);
    return p;
}

void print_u64(uint64_t v)
{
    char buf[24];
    char *end = buf + sizeof buf - 1;
    *end = 0;
    print_str(fmt_u64(end, v, 10, false));
}

void print_i64(int64_t v)
{
    if (v < 0) {
        print_char('-');
        print_u64(-(uint64_t)v);   /* unsigned negate: INT64_MIN is fine */
    } else {
        print_u64((uint64_t)v);
    }
}

void print_hex(uint64_t v)
{
    char buf[24];
    char *end = buf + sizeof buf - 1;
    *end = 0;
    print_str(fmt_u64(end, v, 16, false));
}

void print_hex_width(uint64_t v, int digits)
{
    for (int i = digits - 1; i >= 0; i--)
        print_char("0123456789abcdef"[(v >> (4 * i)) & 15]);
}

int rt_vprintf(const char *fmt, va_list ap)
{
    int produced = 0;
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            print_char(*fmt);
            produced++;
            continue;
        }
        fmt++;
        bool left = false, zero = false;
        for (;; fmt++) {
            if (*fmt == '-')
                left = true;
            else if (*fmt == '0')
                zero = true;
            else
                break;
        }
        int width = 0;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        int size = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long */
        for (;; fmt++) {
            if (*fmt == 'h')
                size--;
            else if (*fmt == 'l' || *fmt == 'z' || *fmt == 'j')
                size = size < 1 ? 1 : 2;
            else
                break;
        }
        char buf[32];
        char *end = buf + sizeof buf - 1;
        *end = 0;
        const char *s;
        bool neg = false;
        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = size >= 1 ? va_arg(ap, int64_t) : va_arg(ap, int);
            if (size == -1)
                v = (int16_t)v;
            else if (size <= -2)
                v = (int8_t)v;
            neg = v < 0;
            s = fmt_u64(end, neg ? -(uint64_t)v : (uint64_t)v, 10, false);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = size >= 1 ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            if (size == -1)
                v = (uint16_t)v;
            else if (size <= -2)
                v = (uint8_t)v;
            s = fmt_u64(end, v, *fmt == 'u' ? 10 : 16, *fmt == 'X');
            break;
        }
        case 'c':
            buf[0] = (char)va_arg(ap, int);
            buf[1] = 0;
            s = buf;
            break;
        case 's':
            s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            break;
        case '%':
            s = "%";
            break;
        default:               /* unknown conversion: print it verbatim */
            buf[0] = '%';
            buf[1] = *fmt;
            buf[2] = 0;
            s = buf;
            if (!*fmt)
                fmt--;
            break;
        }
        int len = (int)strlen(s) + neg;
        int pad = width > len ? width - len : 0;
        if (!left && !zero)
            for (; pad; pad--, produced++)
                print_char(' ');
        if (neg) {
            print_char('-');
        }
        if (!left && zero)
            for (; pad; pad--, produced++)
                print_char('0');
        print_str(s);
        produced += len;
        for (; pad; pad--, produced++)
            print_char(' ');
    }
    return produced;
}

int rt_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = rt_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

void rt_check(bool cond, const char *what)
{
    if (!cond) {
        rt_failures++;
        rt_printf("FAIL %s\n", what);
    }
}

int rt_report(const char *prog)
{
    rt_printf("%s: checks: %d failed\n", prog, rt_failures);
    return rt_failures != 0;
}
