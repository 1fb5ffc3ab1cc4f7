/* guest-tests/progs/lz.c: an LZ77-style compressor (hash of the next 3
 * bytes into a table of recent positions, greedy longest match in a 4 KiB
 * window) and its decompressor, on generated text-like data, run-heavy
 * data and random data; checks the round trip.  Token format: a control
 * byte whose top bit selects a match (length 3..130, 12-bit distance in the
 * next byte and a half) or a literal run of 1..128 bytes.
 * Size argument: more rounds on shifted data. */
#include "rt.h"

#define WINDOW 4096
#define HBITS 11
#define MINMATCH 3
#define MAXMATCH 130

static unsigned char src[12000], comp[14000], back[12000];
static int head[1 << HBITS];

static unsigned hash3(const unsigned char *p)
{
    return ((unsigned)p[0] << 10 ^ (unsigned)p[1] << 5 ^ p[2]) * 2654435761u >> (32 - HBITS);
}

static unsigned compress(const unsigned char *in, unsigned n, unsigned char *out)
{
    unsigned ip = 0, op = 0, lit_start = 0;
    for (int i = 0; i < (1 << HBITS); i++)
        head[i] = -1;
    while (ip < n) {
        unsigned best_len = 0, best_dist = 0;
        if (ip + MINMATCH <= n) {
            unsigned h = hash3(in + ip);
            int cand = head[h];
            head[h] = (int)ip;
            if (cand >= 0 && ip - (unsigned)cand <= WINDOW) {
                unsigned len = 0, max = n - ip < MAXMATCH ? n - ip : MAXMATCH;
                while (len < max && in[cand + len] == in[ip + len])
                    len++;
                if (len >= MINMATCH) {
                    best_len = len;
                    best_dist = ip - (unsigned)cand;
                }
            }
        }
        if (best_len) {
            /* flush pending literals in runs of up to 128 */
            while (lit_start < ip) {
                unsigned run = ip - lit_start > 128 ? 128 : ip - lit_start;
                out[op++] = (unsigned char)(run - 1);
                memcpy(out + op, in + lit_start, run);
                op += run;
                lit_start += run;
            }
            out[op++] = (unsigned char)(0x80 | (best_len - MINMATCH));
            out[op++] = (unsigned char)((best_dist - 1) & 0xff);
            out[op++] = (unsigned char)((best_dist - 1) >> 8);
            /* index the positions inside the match too */
            for (unsigned k = 1; k < best_len && ip + k + MINMATCH <= n; k++)
                head[hash3(in + ip + k)] = (int)(ip + k);
            ip += best_len;
            lit_start = ip;
        } else {
            ip++;
        }
    }
    while (lit_start < n) {
        unsigned run = n - lit_start > 128 ? 128 : n - lit_start;
        out[op++] = (unsigned char)(run - 1);
        memcpy(out + op, in + lit_start, run);
        op += run;
        lit_start += run;
    }
    return op;
}

static unsigned decompress(const unsigned char *in, unsigned n, unsigned char *out)
{
    unsigned ip = 0, op = 0;
    while (ip < n) {
        unsigned c = in[ip++];
        if (c & 0x80) {
            unsigned len = (c & 0x7f) + MINMATCH;
            unsigned dist = (in[ip] | (unsigned)in[ip + 1] << 8) + 1;
            ip += 2;
            /* byte by byte: the source may overlap the destination */
            for (unsigned k = 0; k < len; k++, op++)
                out[op] = out[op - dist];
        } else {
            unsigned run = c + 1;
            memcpy(out + op, in + ip, run);
            ip += run;
            op += run;
        }
    }
    return op;
}

static unsigned make_text(unsigned char *p, unsigned n, uint32_t *seed)
{
    static const char *words[] = { "the ", "quick ", "brown ", "fox ", "jumps ", "over ",
                                   "lazy ", "dog ", "code ", "morphing ", "software ",
                                   "translates ", "x86 ", "into ", "native ", "bundles. " };
    unsigned i = 0;
    while (i < n) {
        const char *w = words[rt_rand(seed) % 16];
        while (*w && i < n)
            p[i++] = (unsigned char)*w++;
    }
    return n;
}

static int roundtrip(const char *name, unsigned n, int print)
{
    unsigned c = compress(src, n, comp);
    memset(back, 0, sizeof back);
    unsigned d = decompress(comp, c, back);
    int ok = d == n && memcmp(src, back, n) == 0;
    uint32_t h = 2166136261u;
    for (unsigned i = 0; i < c; i += 3)
        h = rt_mix(h, comp[i]);
    if (print)
        printf("%-8s %5u -> %5u bytes (%u%%), hash %08x, %s\n", name, n, c,
               c * 100 / n, h, ok ? "round trip ok" : "ROUND TRIP FAILED");
    return ok;
}

int main(int argc, char **argv)
{
    int scale = rt_scale(argc, argv);
    int ok = 1;
    for (int r = 0; r < scale; r++) {
        uint32_t seed = 99 + (uint32_t)r;
        int print = r == 0;
        make_text(src, 10000, &seed);
        ok &= roundtrip("text", 10000, print);
        for (unsigned i = 0; i < 6000; i++)
            src[i] = (unsigned char)((i / 50) % 3 == 0 ? 'a' : (i % 7) + '0');
        ok &= roundtrip("runs", 6000, print);
        for (unsigned i = 0; i < 3000; i++)
            src[i] = (unsigned char)rt_rand(&seed);
        ok &= roundtrip("random", 3000, print);
        memset(src, 'z', 1000);
        ok &= roundtrip("one-byte", 1000, print);
    }
    printf("%s\n", ok ? "all ok" : "FAILED");
    return ok ? 0 : 1;
}
