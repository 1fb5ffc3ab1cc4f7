/* tests/unit/xflags.c — xf_eval/xf_cond against the host CPU.
 *
 * The host is x86: every xf_op is executed natively (inline asm, 8/16/32-bit
 * operands, EFLAGS loaded with popf and read back with pushf) on random
 * operands biased towards edge values, and result and all six status flags
 * must equal xf_eval's.  That includes the flags the SDM calls undefined:
 * cdvm models the host's behaviour (docs/x86-subset.md); set
 * CDVM_XFLAGS_DEFINED_ONLY=1 to compare only architecturally defined flags
 * (for hosts whose undefined-flag behaviour differs).
 *
 *   build/san/unit-tests xflags             random seed, printed
 *   CDVM_SEED=1234 build/san/unit-tests xflags   replay
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "native-isa/xflags.h"
#include "tests/host_cpu.h"

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint64_t seed_from_env(const char *who)
{
	const char *s = getenv("CDVM_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)clock();
	if (seed == 0)
		seed = 1;
	fprintf(stderr, "%s: seed %llu (CDVM_SEED to replay)\n", who, (unsigned long long)seed);
	return seed;
}

/* An operand biased towards the values where flags are interesting. */
static uint32_t rand_operand(void)
{
	static const uint32_t edge[] = {
		0, 1, 2, 0x0f, 0x10, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
		0x7fffffff, 0x80000000u, 0xffffffffu, 0xfffffffeu, 0x8001, 0x81,
	};
	uint64_t r = rng_next();
	switch (r & 7) {
	case 0: return edge[(r >> 8) % (sizeof edge / sizeof edge[0])];
	case 1: return (uint32_t)(r >> 32) & 0xff;
	case 2: return edge[(r >> 8) % (sizeof edge / sizeof edge[0])] + (uint32_t)((r >> 40) & 3) - 1;
	default: return (uint32_t)(r >> 32);
	}
}

/* Flags the SDM leaves undefined for an op (for CDVM_XFLAGS_DEFINED_ONLY):
 * shifts/rotates have an undefined OF for counts > 1 (and AF for shifts),
 * logic ops AF, multiplies SF ZF AF PF. */
static uint32_t undefined_flags(enum xf_op op, uint32_t count, unsigned width)
{
	unsigned c = count & 31;
	switch (op) {
	case XF_AND: case XF_OR: case XF_XOR:
		return XF_AF;
	case XF_SHL: case XF_SHR: case XF_SAR:
		if (c == 0)
			return 0;
		return XF_AF | (c > 1 ? XF_OF : 0) | (c > width * 8 ? XF_CF : 0);
	case XF_ROL: case XF_ROR: case XF_RCL: case XF_RCR:
		return c > 1 ? XF_OF : 0;
	case XF_MUL: case XF_IMUL:
		return XF_SF | XF_ZF | XF_AF | XF_PF;
	default:
		return 0;
	}
}

#if defined(__x86_64__) || defined(__i386__)

#if defined(__x86_64__)
/* Step over the red zone: the compiler may keep locals below %rsp. */
#define PRE "lea -128(%%rsp), %%rsp\n\tpush %[fi]\n\tpopfq\n\t"
#define POST "\n\tpushfq\n\tpop %[fo]\n\tlea 128(%%rsp), %%rsp"
#else
#define PRE "push %[fi]\n\tpopfl\n\t"
#define POST "\n\tpushfl\n\tpop %[fo]"
#endif

#define RUN2(text) __asm__ volatile(PRE text POST \
	: [r] "+q"(r), [fo] "=&r"(fo) : [b] "q"(b), [fi] "r"(fi) : "cc", "memory")
#define RUN1(text) __asm__ volatile(PRE text POST \
	: [r] "+q"(r), [fo] "=&r"(fo) : [fi] "r"(fi) : "cc", "memory")
#define RUNC(text) __asm__ volatile(PRE text POST \
	: [r] "+q"(r), [fo] "=&r"(fo) : "c"(b), [fi] "r"(fi) : "cc", "memory")
#define RUNM(text) __asm__ volatile(PRE text POST \
	: "+a"(r), "+d"(hi), [fo] "=&r"(fo) : [b] "q"(b), [fi] "r"(fi) : "cc", "memory")

#define W3(R, mn, ops_b, ops_w, ops_l) \
	do { if (width == 1) R(mn "b " ops_b); else if (width == 2) R(mn "w " ops_w); \
	     else R(mn "l " ops_l); } while (0)
#define BIN(mn) W3(RUN2, mn, "%b[b], %b[r]", "%w[b], %w[r]", "%k[b], %k[r]")
#define UN(mn) W3(RUN1, mn, "%b[r]", "%w[r]", "%k[r]")
#define SH(mn) W3(RUNC, mn, "%%cl, %b[r]", "%%cl, %w[r]", "%%cl, %k[r]")
#define MULOP(mn) W3(RUNM, mn, "%b[b]", "%w[b]", "%k[b]")

/* Execute `op` natively; returns the result, *fout the status flags. */
static uint32_t host_eval(enum xf_op op, unsigned width, uint32_t a, uint32_t bin,
			  uint32_t fin, uint32_t *fout)
{
	unsigned long fi = fin, fo = 0;
	unsigned long r = a, b = bin, hi = 0;

	switch (op) {
	case XF_ADD: BIN("add"); break;
	case XF_ADC: BIN("adc"); break;
	case XF_SUB: BIN("sub"); break;
	case XF_SBB: BIN("sbb"); break;
	case XF_AND: BIN("and"); break;
	case XF_OR:  BIN("or"); break;
	case XF_XOR: BIN("xor"); break;
	case XF_INC: UN("inc"); break;
	case XF_DEC: UN("dec"); break;
	case XF_NEG: UN("neg"); break;
	case XF_SHL: SH("shl"); break;
	case XF_SHR: SH("shr"); break;
	case XF_SAR: SH("sar"); break;
	case XF_ROL: SH("rol"); break;
	case XF_ROR: SH("ror"); break;
	case XF_RCL: SH("rcl"); break;
	case XF_RCR: SH("rcr"); break;
	case XF_MUL: MULOP("mul"); break;
	case XF_IMUL: MULOP("imul"); break;
	default: break;
	}
	*fout = (uint32_t)fo;
	return (uint32_t)r;
}

/* The two-operand IMUL (0F AF) must give the same flags as xf_eval too:
 * the interpreter uses XF_IMUL for all three IMUL forms. */
static uint32_t host_imul2(unsigned width, uint32_t a, uint32_t bin, uint32_t fin,
			   uint32_t *fout)
{
	unsigned long fi = fin, fo = 0;
	unsigned long r = a, b = bin;
	if (width == 2)
		RUN2("imulw %w[b], %w[r]");
	else
		RUN2("imull %k[b], %k[r]");
	*fout = (uint32_t)fo;
	return (uint32_t)r;
}

static const unsigned widths[3] = {1, 2, 4};

static void test_against_host(void)
{
	rng_state = seed_from_env("xflags");
	int defined_only = getenv("CDVM_XFLAGS_DEFINED_ONLY") != NULL ||
			   !host_undefined_flags_are_reference("xflags");
	unsigned failures = 0;
	char msg[256];

	for (int op = 0; op < XF_OP_COUNT; op++) {
		for (unsigned wi = 0; wi < 3; wi++) {
			unsigned width = widths[wi];
			uint32_t mask = width == 4 ? 0xffffffffu : (1u << (width * 8)) - 1;
			unsigned shown = 0;
			for (int i = 0; i < 20000; i++) {
				uint32_t a = rand_operand(), b = rand_operand();
				int is_count = op >= XF_SHL && op <= XF_RCR;
				if (is_count)
					b = (i & 3) ? (uint32_t)(rng_next() % 40) : (uint32_t)(rng_next() & 0xff);
				uint32_t fin = ((uint32_t)rng_next() & XF_STATUS) | 0x2;
				uint32_t hf, xfo;
				uint32_t hr = host_eval((enum xf_op)op, width, a, b, fin, &hf) & mask;
				uint32_t xr = xf_eval((enum xf_op)op, width, a, b, fin, &xfo);
				uint32_t cmp = XF_STATUS;
				if (defined_only)
					cmp &= ~undefined_flags((enum xf_op)op, b, width);
				int bad = hr != xr || ((hf ^ xfo) & cmp) ||
					  (xfo & ~XF_STATUS) != (fin & ~XF_STATUS);
				if (bad && (failures++, shown++ < 2)) {
					snprintf(msg, sizeof msg,
						 "xflags: %s width %u a=%#x b=%#x fin=%#x: host r=%#x f=%#x, xf_eval r=%#x f=%#x",
						 xf_op_name((enum xf_op)op), width, a, b, fin,
						 hr, hf & XF_STATUS, xr, xfo & XF_STATUS);
					fprintf(stderr, "%s\n", msg);
				}
				if ((op == XF_IMUL) && width > 1) {
					hr = host_imul2(width, a, b, fin, &hf) & mask;
					if ((hr != xr || ((hf ^ xfo) & cmp)) && (failures++, shown++ < 2))
						fprintf(stderr, "xflags: imul2 width %u a=%#x b=%#x: host r=%#x f=%#x xf r=%#x f=%#x\n",
							width, a, b, hr, hf & XF_STATUS, xr, xfo & XF_STATUS);
				}
			}
		}
	}
	CU_ASSERT_EQUAL(failures, 0);
}

/* Every condition code against the host's setcc on random flags. */
static void test_cond_against_host(void)
{
	for (uint32_t f = 0; f < 0x1000; f++) {
		uint32_t fin = (f & XF_STATUS) | 0x2;
		unsigned long fi = fin;
		unsigned char res[16];
		__asm__ volatile(
#if defined(__x86_64__)
			"lea -128(%%rsp), %%rsp\n\tpush %[fi]\n\tpopfq\n\tlea 128(%%rsp), %%rsp\n\t"
#else
			"push %[fi]\n\tpopfl\n\t"
#endif
			"seto 0(%[p])\n\tsetno 1(%[p])\n\tsetb 2(%[p])\n\tsetae 3(%[p])\n\t"
			"sete 4(%[p])\n\tsetne 5(%[p])\n\tsetbe 6(%[p])\n\tseta 7(%[p])\n\t"
			"sets 8(%[p])\n\tsetns 9(%[p])\n\tsetp 10(%[p])\n\tsetnp 11(%[p])\n\t"
			"setl 12(%[p])\n\tsetge 13(%[p])\n\tsetle 14(%[p])\n\tsetg 15(%[p])"
			: : [fi] "r"(fi), [p] "r"(res) : "cc", "memory");
		for (unsigned cc = 0; cc < 16; cc++)
			if (xf_cond(cc, fin) != (res[cc] != 0)) {
				CU_FAIL("xf_cond disagrees with host setcc");
				fprintf(stderr, "xf_cond %s flags %#x: host %d\n",
					xf_cond_name(cc), fin, res[cc]);
				return;
			}
	}
}
#endif /* x86 host */

/* Host-independent spot checks from the SDM, so non-x86 hosts test too. */
static void test_known_values(void)
{
	uint32_t f;
	CU_ASSERT_EQUAL(xf_eval(XF_ADD, 1, 0x7f, 1, 0x2, &f), 0x80);
	CU_ASSERT_EQUAL(f & XF_STATUS, XF_OF | XF_SF | XF_AF);
	CU_ASSERT_EQUAL(xf_eval(XF_SUB, 4, 0, 1, 0x2, &f), 0xffffffffu);
	CU_ASSERT_EQUAL(f & XF_STATUS, XF_CF | XF_SF | XF_AF | XF_PF);
	CU_ASSERT_EQUAL(xf_eval(XF_ADC, 2, 0xffff, 0, XF_CF, &f), 0);
	CU_ASSERT_EQUAL(f & XF_STATUS, XF_CF | XF_ZF | XF_AF | XF_PF);
	CU_ASSERT_EQUAL(xf_eval(XF_INC, 4, 0xffffffffu, 0, XF_CF, &f), 0);
	CU_ASSERT(f & XF_CF); /* INC leaves CF alone */
	CU_ASSERT_EQUAL(xf_eval(XF_SHL, 4, 1, 0, XF_CF | XF_ZF, &f), 1);
	CU_ASSERT_EQUAL(f, XF_CF | XF_ZF); /* count 0: flags untouched */
	CU_ASSERT_EQUAL(xf_eval(XF_SHL, 4, 1, 32, XF_CF, &f), 1); /* count masked to 0 */
	CU_ASSERT_EQUAL(f, XF_CF);
	CU_ASSERT_EQUAL(xf_eval(XF_RCL, 1, 0x80, 9, XF_CF, &f), 0x80); /* 9 mod 9 = 0 */
	CU_ASSERT_EQUAL(xf_eval(XF_RCR, 1, 0x01, 1, 0, &f), 0x00);
	CU_ASSERT(f & XF_CF);
	CU_ASSERT_EQUAL(xf_eval(XF_SAR, 2, 0x8000, 15, 0, &f), 0xffff);
	CU_ASSERT_EQUAL(xf_eval(XF_IMUL, 1, 0x80, 0xff, 0, &f), 0x80);
	CU_ASSERT(f & XF_OF); /* -128 * -1 = 128 does not fit */
	CU_ASSERT_EQUAL(xf_eval(XF_MUL, 2, 0x100, 0x100, 0, &f), 0);
	CU_ASSERT((f & (XF_CF | XF_OF)) == (XF_CF | XF_OF));
	CU_ASSERT(xf_cond(12, XF_SF));            /* l: SF != OF */
	CU_ASSERT(!xf_cond(12, XF_SF | XF_OF));
	CU_ASSERT(xf_cond(7, 0));                 /* a */
	CU_ASSERT_STRING_EQUAL(xf_cond_name(5), "ne");
	CU_ASSERT_STRING_EQUAL(xf_op_name(XF_RCR), "rcr");
}

void suite_xflags(void);
void suite_xflags(void)
{
	CU_pSuite s = CU_add_suite("xflags", NULL, NULL);
	CU_add_test(s, "known values", test_known_values);
#if defined(__x86_64__) || defined(__i386__)
	CU_add_test(s, "xf_eval vs host CPU", test_against_host);
	CU_add_test(s, "xf_cond vs host setcc", test_cond_against_host);
#endif
}
