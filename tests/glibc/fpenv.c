/* tests/glibc/fpenv.c: glibc's <fenv.h> on the x87 control and status
 * words.  With no argument: arithmetic, conversions, rint/nearbyint/lrint,
 * printf and strtod in each of the four rounding modes; the precision
 * control (fpu_control.h) at 24, 53 and 64 bits; the exception flags each
 * operation leaves (division by zero, invalid, overflow, underflow,
 * inexact) through feclearexcept/fetestexcept, feraiseexcept and
 * fegetexceptflag/fesetexceptflag; fegetenv/fesetenv, feholdexcept/
 * feupdateenv and FE_DFL_ENV.  With an argument (div, inv, ovf, und, ok) an
 * exception unmasked by feenableexcept, then an operation raising it: the
 * program dies of SIGFPE at the next x87 instruction, before printing
 * "survived" (cdvm has no fork, so the script runs each mode as its own
 * process and compares the status).  Compared with the native run by
 * tests/scripts/61-glibc.sh. */
#define _GNU_SOURCE
#include <fenv.h>
#include <float.h>
#include <fpu_control.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* every operand goes through a volatile, so that the compiler folds
 * nothing and each operation runs in the mode of the moment */
static volatile double v_one = 1.0, v_three = 3.0, v_zero = 0.0, v_max = DBL_MAX;
static volatile double v_min = DBL_MIN, v_tenth = 0.1, v_fifth = 0.2, v_two = 2.0;
static volatile float vf_one = 1.0f, vf_three = 3.0f;
static volatile long double vl_one = 1.0L, vl_three = 3.0L;

static const struct { int mode; const char *name; } modes[] = {
	{FE_TONEAREST, "nearest"}, {FE_UPWARD, "upward"},
	{FE_DOWNWARD, "downward"}, {FE_TOWARDZERO, "towardzero"},
};

static void flags(const char *what)
{
	int f = fetestexcept(FE_ALL_EXCEPT);

	printf("%-22s%s%s%s%s%s%s\n", what, f & FE_INVALID ? " invalid" : "",
	       f & FE_DIVBYZERO ? " divbyzero" : "", f & FE_OVERFLOW ? " overflow" : "",
	       f & FE_UNDERFLOW ? " underflow" : "", f & FE_INEXACT ? " inexact" : "",
	       f ? "" : " none");
}

static unsigned short control_word(void)
{
	fpu_control_t cw;

	_FPU_GETCW(cw);
	return (unsigned short)cw;
}

/* a loop hot enough to be translated in the first rounding mode (or
 * precision) and then run again, translated, in the others: the
 * translation must round as the control word of the moment says */
static void hot_sums(char *out, size_t size)
{
	double d = 0;
	float f = 0;
	long double l = 0;
	long long n = 0;

	for (int i = 1; i <= 300; i++) {
		volatile double x = i;

		d += v_one / x;
		f += vf_one / (float)x;
		l += vl_one / x;
		n += (long long)(d * 1e12);	/* fistp: truncates, whatever the mode */
		n += llrint(d * 1e12);		/* rounds in the mode */
	}
	snprintf(out, size, "sums %a %a %La %lld", d, (double)f, l, n);
}

static void rounding(void)
{
	static const double halves[] = {2.5, -2.5, 3.5, 0.5, -0.5, 1.2, -1.7, 1e15 + 0.5, -0.0};
	static const char *const dec[] = {"0.1", "2.5e-324", "1.7976931348623158e308",
		"1.7976931348623159e308", "-1e-400", "3.14159265358979323846"};

	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
		if (fesetround(modes[m].mode) != 0)
			printf("fesetround(%s) failed\n", modes[m].name);
		printf("== %s: fegetround %s, control word %04x\n", modes[m].name,
		       fegetround() == modes[m].mode ? "ok" : "WRONG", control_word());
		volatile double third = v_one / v_three, neg = -v_one / v_three;
		volatile double sum = v_tenth + v_fifth, big = v_max * v_two, tiny = v_min / v_three;
		volatile float ft = vf_one / vf_three, narrowed = (float)third;
		volatile long double lt = vl_one / vl_three;
		printf("1/3 %a -1/3 %a 0.1+0.2 %a max*2 %a min/3 %a\n", third, neg, sum, big, tiny);
		printf("float 1/3 %a (float)(1/3) %a long double 1/3 %La sqrt(2) %a %La\n", ft,
		       narrowed, lt, sqrt(v_two), sqrtl(vl_one + vl_one));
		printf("(int)(-1/3 * 10) %d (long long)(1e15/3) %lld\n", (int)(neg * 10),
		       (long long)(1e15 * third));
		char sums[160];
		hot_sums(sums, sizeof sums);
		printf("%s\n", sums);
		for (size_t i = 0; i < sizeof halves / sizeof halves[0]; i++) {
			volatile double h = halves[i];

			printf("  %g: rint %g nearbyint %g lrint %ld llrint %lld rintf %g rintl %Lg"
			       " %%.0f %.0f %%.1f %.1f\n", h, rint(h), nearbyint(h), lrint(h),
			       llrint(h), (double)rintf((float)h), rintl(h), h, h);
		}
		printf("  %%.3e of 1/3 %.3e, %%.2f of 2/3 %.2f, %%.17g of 0.1 %.17g, %%.0Lf %.0Lf\n",
		       third, third * 2, v_tenth, (long double)2.5);
		for (size_t i = 0; i < sizeof dec / sizeof dec[0]; i++) {
			double d = strtod(dec[i], NULL);
			float f = strtof(dec[i], NULL);
			uint64_t u;
			uint32_t w;

			memcpy(&u, &d, sizeof u);
			memcpy(&w, &f, sizeof w);
			printf("  strtod(%s) %016" PRIx64 " strtof %08" PRIx32 " strtold %La\n",
			       dec[i], u, w, strtold(dec[i], NULL));
		}
	}
	fesetround(FE_TONEAREST);
}

/* the precision control: the x87 rounds every result to 24, 53 or 64
 * bits, whatever the format of the operands */
static void precision(void)
{
	static const struct { fpu_control_t pc; const char *name; } pcs[] = {
		{_FPU_SINGLE, "single"}, {_FPU_DOUBLE, "double"}, {_FPU_EXTENDED, "extended"},
	};
	fpu_control_t saved;

	_FPU_GETCW(saved);
	for (size_t i = 0; i < sizeof pcs / sizeof pcs[0]; i++) {
		fpu_control_t cw = (saved & ~(fpu_control_t)_FPU_EXTENDED) | pcs[i].pc;

		char sums[160];

		_FPU_SETCW(cw);
		volatile long double third = vl_one / vl_three, root = sqrtl(vl_three);
		volatile long double prod = third * vl_three - vl_one;
		hot_sums(sums, sizeof sums);	/* snprintf copes: it computes in integers */
		_FPU_SETCW(saved);
		printf("precision %-8s cw %04x: 1/3 %La sqrt(3) %La 1/3*3-1 %La\n  %s\n", pcs[i].name,
		       (unsigned)cw, third, root, prod, sums);
	}
}

static void exceptions(void)
{
	volatile double r;
	volatile float rf;
	volatile int ri;
	fexcept_t saved;

	printf("== flags\n");
	feclearexcept(FE_ALL_EXCEPT);
	flags("cleared");
	r = v_two * v_three;
	flags("2*3");
	r = v_one / v_three;
	flags("1/3");
	feclearexcept(FE_ALL_EXCEPT);
	r = v_one / v_zero;
	flags("1/0");
	feclearexcept(FE_ALL_EXCEPT);
	r = v_zero / v_zero;
	flags("0/0");
	feclearexcept(FE_ALL_EXCEPT);
	r = sqrt(-v_one);
	flags("sqrt(-1)");
	feclearexcept(FE_ALL_EXCEPT);
	r = v_max * v_two;
	flags("max*2");
	feclearexcept(FE_ALL_EXCEPT);
	r = v_min / v_three;
	flags("min/3");
	feclearexcept(FE_ALL_EXCEPT);
	r = v_min / v_two;
	flags("min/2 (exact)");
	feclearexcept(FE_ALL_EXCEPT);
	r = log(v_zero);
	flags("log(0)");
	feclearexcept(FE_ALL_EXCEPT);
	r = exp(v_max);
	flags("exp(max)");
	feclearexcept(FE_ALL_EXCEPT);
	r = exp(-v_max);
	flags("exp(-max)");
	feclearexcept(FE_ALL_EXCEPT);
	ri = (int)(v_zero / v_zero);
	flags("(int)nan");
	feclearexcept(FE_ALL_EXCEPT);
	ri = (int)(v_max);
	flags("(int)max");
	feclearexcept(FE_ALL_EXCEPT);
	rf = (float)(v_max / v_three);
	flags("(float)(max/3)");
	feclearexcept(FE_ALL_EXCEPT);
	rf = (float)v_min;
	flags("(float)min");
	feclearexcept(FE_ALL_EXCEPT);
	r = nan("") + v_one;
	flags("qnan+1");
	feclearexcept(FE_ALL_EXCEPT);
	printf("isless(nan, 1) %d\n", isless(nan(""), v_one));
	flags("isless(nan, 1)");
	feclearexcept(FE_ALL_EXCEPT);
	printf("nan < 1 %d\n", nan("") < v_one);
	flags("nan < 1");
	(void)r;
	(void)rf;
	(void)ri;

	static const int each[] = {FE_INVALID, FE_DIVBYZERO, FE_OVERFLOW, FE_UNDERFLOW,
		FE_INEXACT, FE_OVERFLOW | FE_INEXACT, FE_UNDERFLOW | FE_INEXACT, FE_ALL_EXCEPT};
	for (size_t i = 0; i < sizeof each / sizeof each[0]; i++) {
		char what[32];

		feclearexcept(FE_ALL_EXCEPT);
		snprintf(what, sizeof what, "feraiseexcept(%#x) %d", (unsigned)each[i],
			 feraiseexcept(each[i]));
		flags(what);
	}
	printf("fetestexcept(overflow|invalid) %#x\n",
	       (unsigned)fetestexcept(FE_OVERFLOW | FE_INVALID));
	feclearexcept(FE_OVERFLOW | FE_INEXACT);
	flags("clear overflow|inexact");
	fegetexceptflag(&saved, FE_DIVBYZERO | FE_UNDERFLOW);
	feclearexcept(FE_ALL_EXCEPT);
	flags("cleared");
	fesetexceptflag(&saved, FE_DIVBYZERO);
	flags("fesetexceptflag(dbz)");
	fesetexceptflag(&saved, FE_ALL_EXCEPT);
	flags("fesetexceptflag(all)");
	feclearexcept(FE_ALL_EXCEPT);
}

static void environment(void)
{
	fenv_t env, held;

	printf("== environment\n");
	fesetround(FE_UPWARD);
	feraiseexcept(FE_INEXACT | FE_DIVBYZERO);
	fegetenv(&env);
	printf("fegetenv: cw %04x sw %04x tags %04x\n", env.__control_word,
	       env.__status_word, env.__tags);
	fesetround(FE_TOWARDZERO);
	feclearexcept(FE_ALL_EXCEPT);
	volatile double third = v_one / v_three;
	printf("towardzero 1/3 %a, round %s\n", third, fegetround() == FE_TOWARDZERO ? "ok" : "WRONG");
	flags("after 1/3");
	fesetenv(&env);
	printf("fesetenv: upward %s, cw %04x\n", fegetround() == FE_UPWARD ? "ok" : "WRONG",
	       control_word());
	flags("restored");
	third = v_one / v_three;
	printf("upward 1/3 %a\n", third);
	fesetenv(FE_DFL_ENV);
	printf("FE_DFL_ENV: nearest %s, cw %04x\n", fegetround() == FE_TONEAREST ? "ok" : "WRONG",
	       control_word());
	flags("default");

	feraiseexcept(FE_UNDERFLOW);
	printf("feholdexcept %d\n", feholdexcept(&held));
	flags("held");
	third = v_one / v_zero;
	flags("1/0 while held");
	printf("feupdateenv %d\n", feupdateenv(&held));
	flags("updated");
	feclearexcept(FE_ALL_EXCEPT);

	printf("fegetexcept %#x\n", (unsigned)fegetexcept());
	/* one statement each: the order of a call's arguments is unspecified */
	int old = feenableexcept(FE_INEXACT);
	printf("feenableexcept(inexact) old %#x, cw %04x\n", (unsigned)old, control_word());
	old = fedisableexcept(FE_INEXACT);
	printf("fedisableexcept(inexact) old %#x, cw %04x\n", (unsigned)old, control_word());
	third = v_one / v_three;
	flags("1/3 masked again");
	feclearexcept(FE_ALL_EXCEPT);
}

/* one unmasked exception: the operation that raises it only sets the
 * flag; SIGFPE comes at the next waiting x87 instruction */
static int trap(const char *which)
{
	static const struct { const char *name; int except; } traps[] = {
		{"div", FE_DIVBYZERO}, {"inv", FE_INVALID}, {"ovf", FE_OVERFLOW},
		{"und", FE_UNDERFLOW}, {"ok", FE_DIVBYZERO},
	};
	volatile double r = 0;

	for (size_t i = 0; i < sizeof traps / sizeof traps[0]; i++) {
		if (strcmp(which, traps[i].name) != 0)
			continue;
		feclearexcept(FE_ALL_EXCEPT);
		feenableexcept(traps[i].except);
		printf("%s: unmasked %#x, cw %04x\n", which, (unsigned)fegetexcept(),
		       control_word());
		fflush(stdout);
		switch (i) {
		case 0: r = v_one / v_zero; break;
		case 1: r = v_zero / v_zero; break;
		case 2: r = v_max * v_max; break;
		case 3: r = v_min * v_min; break;
		default: r = v_one / v_three; break;	/* only inexact: no trap */
		}
		printf("survived: %a\n", r);
		return 0;
	}
	fprintf(stderr, "fpenv: no trap %s\n", which);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return trap(argv[1]);
	printf("initial cw %04x round %s\n", control_word(),
	       fegetround() == FE_TONEAREST ? "nearest" : "other");
	rounding();
	precision();
	exceptions();
	environment();
	return 0;
}
