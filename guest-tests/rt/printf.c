/* guest-tests/rt/printf.c: a small printf family.
 *
 * Conversions: %d %i %u %x %X %s %c %%; length modifiers h, hh, l (ignored:
 * int and long are both 32 bits) and ll (64-bit); flags '-' and '0'; a
 * field width (a number or '*').  No precision, no floating point.
 * Output is collected in a buffer and written with write(1) once per call
 * (or per 512 bytes), so a program's lines reach stdout in order even when
 * it is later killed by a fault. */
#include "rt.h"

struct out {
    char *buf;          /* destination (NULL: count only) */
    size_t size;        /* capacity of buf including the final NUL */
    size_t len;         /* characters in buf (or produced, when fd < 0) */
    int fd;             /* >= 0: flush to this fd when full */
    size_t flushed;     /* characters already written to fd */
};

static void out_flush(struct out *o)
{
    if (o->fd >= 0 && o->len) {
        sys_write(o->fd, o->buf, (unsigned)o->len);
        o->flushed += o->len;
        o->len = 0;
    }
}

static void out_char(struct out *o, char c)
{
    if (o->fd >= 0) {
        if (o->len == o->size)
            out_flush(o);
        o->buf[o->len++] = c;
        return;
    }
    if (o->buf && o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        out_char(o, c);
}

/* Emits `digits` (already in text form) with sign, width and flags. */
static void out_field(struct out *o, const char *digits, int len, int neg,
                      int width, int left, int zero)
{
    int total = len + (neg ? 1 : 0);
    if (!left && !zero)
        out_pad(o, ' ', width - total);
    if (neg)
        out_char(o, '-');
    if (!left && zero)
        out_pad(o, '0', width - total);
    for (int i = 0; i < len; i++)
        out_char(o, digits[i]);
    if (left)
        out_pad(o, ' ', width - total);
}

/* Unsigned to text in base 10 or 16.  64-bit values go through the
 * __udivdi3/__umoddi3 helpers, which is part of what they are tested by. */
static int utoa(uint64_t v, unsigned base, int upper, char *tmp)
{
    const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char rev[24];
    int n = 0;
    if (v >> 32) {
        do {
            rev[n++] = dig[v % base];
            v /= base;
        } while (v);
    } else {
        uint32_t w = (uint32_t)v;
        do {
            rev[n++] = dig[w % base];
            w /= base;
        } while (w);
    }
    for (int i = 0; i < n; i++)
        tmp[i] = rev[n - 1 - i];
    return n;
}

static void format(struct out *o, const char *fmt, va_list ap)
{
    char tmp[24];
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            out_char(o, *fmt);
            continue;
        }
        int left = 0, zero = 0, width = 0, lng = 0;
        fmt++;
        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '0')
                zero = 1;
            else
                break;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                left = 1;
                width = -width;
            }
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l' || *fmt == 'h') {
            if (*fmt == 'l')
                lng++;
            fmt++;
        }
        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = lng >= 2 ? va_arg(ap, int64_t) : va_arg(ap, int);
            uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
            int n = utoa(u, 10, 0, tmp);
            out_field(o, tmp, n, v < 0, width, left, zero);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = lng >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            int n = utoa(v, *fmt == 'u' ? 10 : 16, *fmt == 'X', tmp);
            out_field(o, tmp, n, 0, width, left, zero);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            out_field(o, s, (int)strlen(s), 0, width, left, 0);
            break;
        }
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            out_field(o, tmp, 1, 0, width, left, 0);
            break;
        case '%':
            out_char(o, '%');
            break;
        case 0:
            return;
        default:            /* unknown conversion: print it as is */
            out_char(o, '%');
            out_char(o, *fmt);
            break;
        }
    }
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0, -1, 0 };
    format(&o, fmt, ap);
    if (buf && size)
        buf[o.len < size ? o.len : size - 1] = 0;
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int vprintf(const char *fmt, va_list ap)
{
    char buf[512];
    struct out o = { buf, sizeof buf, 0, 1, 0 };
    format(&o, fmt, ap);
    out_flush(&o);
    return (int)o.flushed;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int puts(const char *s)
{
    return printf("%s\n", s);
}

int putchar(int c)
{
    char ch = (char)c;
    sys_write(1, &ch, 1);
    return (unsigned char)c;
}
