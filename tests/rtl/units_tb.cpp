// tests/rtl/units_tb.cpp — the RTL integer units (hw-sim/rtl/cdvm_alu.sv,
// cdvm_mul.sv, cdvm_div.sv, side by side in tests/rtl/units_top.sv) against
// the C chip model itself: every case is one atom run on a hw-sim chip
// (built from the default configuration) and the same operands driven into
// the RTL; the result, FLAGS and divide fault must be equal bit for bit.
//
//   build/rtl/units/Vunits_top [CASES]     (make rtl-units-test)
//   CDVM_SEED=0x1234 build/rtl/units/Vunits_top 100000   replays a seed
//
// First a sweep: every U_ALU and U_MUL row at every valid x (width,
// condition, scale) and both operand kinds on corner values, every valid
// bit field of extu/exts/dep, every divide row on corner dividends and
// divisors; then CASES random cases (default 5,000,000), weighted toward
// corners, shift counts and divides at the edge of faulting.  The first
// mismatch prints the atom, its operands and both outcomes and exits 1;
// success prints one line with the cases per unit class.
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <vector>

extern "C" {
#include "configs/config.h"
#include "hw-sim/chip.h"
#include "native-isa/isa.h"
#include "native-isa/isa_priv.h"
#include "native-isa/xflags.h"
}

#include "Vunits_top.h"
#include "verilated.h"

namespace {

constexpr unsigned long kDefaultCases = 5000000;  // about 8 s
constexpr uint32_t kCodeAddr = 0x1000;  // physical; the chip fetches from anywhere in memory
constexpr unsigned kRd = 20, kRa = 21, kRb = 22;  // temporaries: not x86 state
constexpr unsigned kDivMaxCycles = 64;

// splitmix64 (Steele, Lea, Flood 2014): small, fast, every seed good.
struct Rng {
	uint64_t s;
	uint64_t next()
	{
		uint64_t z = (s += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		return z ^ (z >> 31);
	}
	uint32_t u32() { return static_cast<uint32_t>(next() >> 32); }
	unsigned below(unsigned n) { return static_cast<unsigned>(next() % n); }
	template <size_t N> uint32_t pick(const uint32_t (&v)[N]) { return v[below(N)]; }
};

const uint32_t kCorners[] = {
	0,          1,          2,          0x7f,       0x80,       0xff,       0x100,
	0x7fff,     0x8000,     0xffff,     0x10000,    0x7fffffff, 0x80000000, 0xffffffff,
	0xfffffffe, 0xffffff80, 0xffff8000, 0x80000001, 0x55555555, 0xaaaaaaaa,
};
// shift and rotate counts (b & 31 is what counts; 32, 33 and the big one wrap)
const uint32_t kCounts[] = {0, 1, 7, 8, 9, 15, 16, 17, 18, 27, 31, 32, 33, 0xffffffe1};

enum Class { C_ALU, C_FLAG, C_MUL, C_DIV, C_COUNT };
const char *const kClassName[C_COUNT] = {"alu", "alu-flags", "mul", "div"};

Class class_of(unsigned op)
{
	const isa_op_info &oi = isa_ops[op];
	if (oi.props & P_DIV)
		return C_DIV;
	if (oi.unit == U_MUL)
		return C_MUL;
	return (oi.props & P_WFLAGS) ? C_FLAG : C_ALU;
}

// One case: the atom's varying fields and the registers it reads.  Fields
// the row's format does not have are dropped when the atom is built.
struct Case {
	unsigned op = 0, x = 0, use_imm = 0;
	uint32_t imm = 0;  // the immediate; operand b when use_imm
	uint32_t ra = 0, rb = 0, edx = 0, flags = 0;  // register values
};

struct Outcome {
	uint32_t result = 0, flags = 0;
	bool fault = false;
};

// The unit's inputs: what the core reads for this atom.
struct Inputs {
	uint32_t a, b, rbv;
};

atom make_atom(const Case &k)
{
	unsigned f = isa_fmt_fields(isa_ops[k.op].fmt);
	atom at{};
	at.op = static_cast<uint8_t>(k.op);
	at.stop = 1;
	if (f & FLD_RD)
		at.rd = kRd;
	if (f & FLD_RA)
		at.ra = kRa;
	if (f & FLD_X)
		at.x = static_cast<uint8_t>(k.x);
	if (f & FLD_RB)
		at.rb = kRb;
	if (f & FLD_IMM)
		at.imm = k.imm;
	if (f & FLD_B) {
		at.use_imm = static_cast<uint8_t>(k.use_imm);
		if (k.use_imm)
			at.imm = k.imm;
		else
			at.rb = kRb;
	}
	return at;
}

Inputs inputs_of(const Case &k, const atom &at)
{
	Inputs in;
	in.a = at.ra ? k.ra : 0;
	in.rbv = at.rb ? k.rb : 0;
	in.b = at.use_imm ? at.imm : in.rbv;
	return in;
}

[[noreturn]] void die(const char *msg)
{
	fprintf(stderr, "units_tb: %s\n", msg);
	exit(2);
}

// ---- the oracle: hw-sim running "atom ; exit #0" ---------------------------------

class Chip {
public:
	Chip()
	{
		char err[256];
		config_default(&cfg_);
		if (chip_create(&cfg_, &c_, err, sizeof err) < 0)
			die(err);
		atom ex{};
		ex.op = OP_EXIT;
		ex.stop = 1;
		write_word(kCodeAddr + ISA_ATOM_BYTES, isa_encode(&ex));
	}
	~Chip() { chip_destroy(c_); }
	Chip(const Chip &) = delete;
	Chip &operator=(const Chip &) = delete;

	Outcome run(const Case &k, const atom &at)
	{
		write_word(kCodeAddr, isa_encode(&at));
		chip_set_reg(c_, kRd, 0xdeadbeef);
		chip_set_reg(c_, kRa, k.ra);
		chip_set_reg(c_, kRb, k.rb);
		chip_set_reg(c_, R_EDX, k.edx);
		chip_set_reg(c_, R_FLAGS, k.flags);
		chip_exit ex;
		chip_run(c_, kCodeAddr, &ex);
		Outcome o;
		if (ex.reason == CHIP_EXIT_DIVIDE_FAULT) {
			o.fault = true;
			o.flags = k.flags;
			return o;
		}
		if (ex.reason != CHIP_EXIT_FIRMWARE || ex.code != 0) {
			char d[256], msg[400];
			chip_exit_describe(&ex, d, sizeof d);
			snprintf(msg, sizeof msg, "hw-sim did not reach the exit: %s", d);
			die(msg);
		}
		o.result = at.rd ? chip_reg(c_, kRd) : 0;
		o.flags = chip_reg(c_, R_FLAGS);
		return o;
	}

private:
	void write_word(uint32_t addr, uint64_t w)
	{
		uint8_t b[8];
		for (int i = 0; i < 8; i++)
			b[i] = static_cast<uint8_t>(w >> (8 * i));
		if (chip_mem_write(c_, addr, b, sizeof b) < 0)
			die("code address outside the chip's memory");
	}

	cdvm_config cfg_;
	struct chip *c_ = nullptr;
};

// ---- the RTL ---------------------------------------------------------------------

class Rtl {
public:
	Rtl() : top_(&ctx_)
	{
		top_.clk = 0;
		top_.rst_n = 0;
		top_.start = 0;
		top_.eval();
		tick();
		top_.rst_n = 1;
		top_.eval();
		if (top_.div_busy || top_.div_done)
			die("the divider is not idle after reset");
	}

	// Drives the inputs; for a divide, pulses start and clocks until done.
	// *cycles: clock edges the divide took (from the one that saw start).
	Outcome eval(const Case &k, const atom &at, Class cls, unsigned *cycles)
	{
		Inputs in = inputs_of(k, at);
		top_.op = at.op;
		top_.x = at.x;
		top_.use_imm = at.use_imm;
		top_.a = in.a;
		top_.b = in.b;
		top_.rbv = in.rbv;
		top_.imm = at.imm;
		top_.flags_in = k.flags;
		top_.edx = k.edx;
		top_.eval();
		Outcome o;
		switch (cls) {
		case C_ALU:
		case C_FLAG:
			o.result = top_.alu_result;
			o.flags = top_.alu_flags_out;
			return o;
		case C_MUL:
			o.result = top_.mul_result;
			o.flags = top_.mul_flags_out;
			return o;
		default:
			break;
		}
		top_.start = 1;
		tick();
		top_.start = 0;
		unsigned n = 1;
		while (!top_.div_done) {
			if (!top_.div_busy)
				die("the divider is neither busy nor done after start");
			if (n++ > kDivMaxCycles)
				die("the divider never finished");
			tick();
		}
		*cycles = n;
		o.result = top_.div_fault ? 0 : top_.div_result;
		o.flags = k.flags;
		o.fault = top_.div_fault;
		// done holds, and so do result and fault
		uint32_t r = top_.div_result;
		tick();
		if (!top_.div_done || top_.div_busy || top_.div_result != r || top_.div_fault != o.fault)
			die("the divider's outputs changed after done");
		return o;
	}

	// Starts a division with these operands and abandons it after n edges.
	void start_and_abandon(uint32_t a, uint32_t b, uint32_t edx, unsigned op, unsigned n)
	{
		top_.op = static_cast<uint8_t>(op);
		top_.a = a;
		top_.b = b;
		top_.edx = edx;
		top_.start = 1;
		tick();
		top_.start = 0;
		for (unsigned i = 0; i < n; i++)
			tick();
	}

private:
	void tick()
	{
		top_.clk = 1;
		top_.eval();
		top_.clk = 0;
		top_.eval();
	}

	VerilatedContext ctx_;
	Vunits_top top_;
};

// ---- case generation -----------------------------------------------------------

uint32_t operand(Rng &r)
{
	switch (r.below(10)) {
	case 0: case 1: case 2: return r.pick(kCorners);
	case 3: return r.pick(kCounts);
	case 4: return r.pick(kCorners) ^ (1u << r.below(32));
	case 5: return r.u32() & 0xff;
	case 6: return r.u32() & 0xffff;
	case 7: return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(r.u32())));
	default: return r.u32();
	}
}

// FLAGS: arbitrary images (the bits a flag atom keeps must come through),
// images of status flags only, and images without them but for CF.
uint32_t flags_value(Rng &r)
{
	switch (r.below(3)) {
	case 0: return r.u32();
	case 1: return (r.u32() & XF_STATUS) | 2;
	default: return (r.u32() & ~static_cast<uint32_t>(XF_STATUS)) | (r.below(2) ? XF_CF : 0);
	}
}

// pos | len << 8 of a valid field (isa_bitfield_valid)
uint32_t bitfield(Rng &r)
{
	unsigned len = 1 + r.below(32);
	switch (r.below(4)) {
	case 0: return (32 - len) | len << 8;  // up to bit 31
	case 1: return len << 8;               // from bit 0
	default: return r.below(33 - len) | len << 8;
	}
}

bool is_shift(unsigned op)
{
	return op == OP_SHL || op == OP_SHR || op == OP_SAR || op == OP_ROL || op == OP_ROR || op == OP_SHLF ||
	       op == OP_SHRF || op == OP_SARF || op == OP_ROLF || op == OP_RORF || op == OP_RCLF || op == OP_RCRF;
}

struct OpInfo {
	unsigned op;
	std::vector<unsigned> xs;  // valid values of field x (a format without one: 0)
	bool has_b;                // operand b may be rb or the immediate
};

std::vector<OpInfo> unit_ops()
{
	std::vector<OpInfo> v;
	for (unsigned op = 0; op < OP_COUNT; op++) {
		if (isa_ops[op].unit != U_ALU && isa_ops[op].unit != U_MUL)
			continue;
		unsigned f = isa_fmt_fields(isa_ops[op].fmt);
		OpInfo oi{op, {}, (f & FLD_B) != 0};
		for (unsigned x = 0; x < 16; x++)
			if ((f & FLD_X) ? isa_x_valid(op, x) : x == 0)
				oi.xs.push_back(x);
		v.push_back(oi);
	}
	return v;
}

// A random dividend EDX:a and divisor b for a divide row, most of them at
// the edge of a fault: b = 0, INT_MIN / -1, quotients just inside and just
// outside 32 bits.
void divide_operands(Rng &r, Case &k)
{
	bool wide = k.op == OP_XDIVU || k.op == OP_XREMU || k.op == OP_XDIVS || k.op == OP_XREMS;
	bool sgn = k.op == OP_DIVS || k.op == OP_REMS || k.op == OP_XDIVS || k.op == OP_XREMS;
	k.ra = operand(r);
	k.rb = operand(r);
	switch (r.below(4)) {
	case 0: k.edx = sgn ? (k.ra >> 31 ? 0xffffffff : 0) : 0; break;  // cdq / xor edx, edx
	case 1: k.edx = r.u32(); break;
	default: k.edx = operand(r); break;
	}
	unsigned kind = r.below(10);
	if (kind == 0) {
		k.rb = 0;
	} else if (kind == 1 && sgn) {
		k.ra = wide && r.below(2) ? 0 : 0x80000000;
		k.edx = k.ra ? 0xffffffff : 0x80000000;
		k.rb = 0xffffffff;
	} else if (kind <= 4 && wide) {
		// EDX:a = q * d + rem with |rem| < |d| and q near a limit
		static const uint64_t qs[] = {0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe,
					      0xffffffff, 0x100000000, 0x100000001};
		uint64_t qmag = r.below(4) ? qs[r.below(7)] : r.u32();
		uint64_t dmag = k.rb ? k.rb : 1;
		if (sgn && (dmag >> 31))
			dmag = 0x100000000ull - dmag;  // |b| of a negative b
		if (r.below(2))
			dmag &= 0xffff;
		dmag = dmag ? dmag : 3;
		uint64_t rem = r.next() % dmag;
		unsigned __int128 nmag = static_cast<unsigned __int128>(qmag) * dmag + rem;
		if (nmag >> (sgn ? 63 : 64))
			return;  // does not fit: keep the random operands
		bool nneg = sgn && r.below(2), dneg = sgn && r.below(2);
		uint64_t n = nneg ? 0 - static_cast<uint64_t>(nmag) : static_cast<uint64_t>(nmag);
		k.edx = static_cast<uint32_t>(n >> 32);
		k.ra = static_cast<uint32_t>(n);
		k.rb = static_cast<uint32_t>(dneg ? 0 - dmag : dmag);
	}
}

// ---- the run ---------------------------------------------------------------------

class Runner {
public:
	explicit Runner(uint64_t seed) : seed_(seed) {}

	void check(const Case &k)
	{
		atom at = make_atom(k);
		atom back;
		if (isa_decode(isa_encode(&at), &back) < 0)
			report_invalid(at);
		Class cls = class_of(k.op);
		Outcome want = chip_.run(k, at);
		unsigned cycles = 0;
		Outcome got = rtl_.eval(k, at, cls, &cycles);
		n_++;
		count_[cls]++;
		if (cls == C_DIV) {
			faults_ += want.fault;
			if (cycles > max_div_cycles_)
				max_div_cycles_ = cycles;
		}
		bool same = want.fault == got.fault && (want.fault || (want.result == got.result && want.flags == got.flags));
		if (!same)
			report_mismatch(k, at, want, got);
	}

	Rtl &rtl() { return rtl_; }

	void summary() const
	{
		printf("units_tb: seed 0x%016" PRIx64 ": %lu cases passed (", seed_, n_);
		for (int c = 0; c < C_COUNT; c++)
			printf("%s%s %lu", c ? ", " : "", kClassName[c], count_[c]);
		printf("; %lu divide faults; a divide took at most %u clocks)\n", faults_, max_div_cycles_);
	}

private:
	[[noreturn]] void report_invalid(const atom &at)
	{
		char text[96];
		isa_format(&at, text, sizeof text);
		fprintf(stderr, "units_tb: the generator built an invalid atom: %s\n", text);
		exit(2);
	}

	[[noreturn]] void report_mismatch(const Case &k, const atom &at, const Outcome &want, const Outcome &got)
	{
		char text[96];
		isa_format(&at, text, sizeof text);
		Inputs in = inputs_of(k, at);
		printf("units_tb: MISMATCH at case %lu (seed 0x%016" PRIx64 ")\n", n_, seed_);
		printf("  atom     %s   (%s, x %u, use_imm %u)\n", text, isa_ops[at.op].mnemonic, at.x, at.use_imm);
		printf("  operands a 0x%08" PRIx32 "  b 0x%08" PRIx32 "  rb 0x%08" PRIx32 "  imm 0x%08" PRIx32
		       "  edx 0x%08" PRIx32 "  flags 0x%08" PRIx32 "\n",
		       in.a, in.b, in.rbv, at.imm, k.edx, k.flags);
		printf("  hw-sim   result 0x%08" PRIx32 "  flags 0x%08" PRIx32 "  fault %d\n", want.result, want.flags,
		       want.fault);
		printf("  rtl      result 0x%08" PRIx32 "  flags 0x%08" PRIx32 "  fault %d\n", got.result, got.flags,
		       got.fault);
		exit(1);
	}

	uint64_t seed_;
	Chip chip_;
	Rtl rtl_;
	unsigned long n_ = 0, count_[C_COUNT] = {}, faults_ = 0;
	unsigned max_div_cycles_ = 0;
};

// Every row at every x and operand kind on corner values (two FLAGS images
// each, CF clear and set); every bit field; every divide row on corners.
void sweep(Runner &run, Rng &r, const std::vector<OpInfo> &ops)
{
	std::vector<uint32_t> vals(std::begin(kCorners), std::end(kCorners));
	vals.insert(vals.end(), std::begin(kCounts), std::end(kCounts));
	for (const OpInfo &oi : ops) {
		unsigned f = isa_fmt_fields(isa_ops[oi.op].fmt);
		bool bf = isa_ops[oi.op].fmt == F_BF || isa_ops[oi.op].fmt == F_DEP;
		if (class_of(oi.op) == C_DIV || bf)
			continue;
		const std::vector<uint32_t> none{0};
		const std::vector<uint32_t> &as = (f & FLD_RA) ? vals : none;
		const std::vector<uint32_t> &bs = (f & (FLD_B | FLD_RB)) ? vals : none;
		for (unsigned x : oi.xs)
			for (unsigned ui = 0; ui <= (oi.has_b ? 1u : 0u); ui++)
				for (uint32_t a : as)
					for (uint32_t b : bs)
						for (unsigned cf = 0; cf < 2; cf++) {
							Case k;
							k.op = oi.op;
							k.x = x;
							k.use_imm = ui;
							k.ra = a;
							k.rb = b;
							k.imm = ui ? b : operand(r);
							k.flags = (flags_value(r) & ~static_cast<uint32_t>(XF_CF)) | cf;
							run.check(k);
						}
	}
	for (unsigned op : {OP_EXTU, OP_EXTS, OP_DEP})
		for (unsigned len = 1; len <= 32; len++)
			for (unsigned pos = 0; pos + len <= 32; pos++)
				for (int i = 0; i < 4; i++) {
					Case k;
					k.op = op;
					k.imm = pos | len << 8;
					k.ra = operand(r);
					k.rb = operand(r);
					k.flags = flags_value(r);
					run.check(k);
				}
	static const uint32_t edxs[] = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff};
	for (unsigned op = 0; op < OP_COUNT; op++) {
		if (!(isa_ops[op].props & P_DIV))
			continue;
		for (uint32_t a : kCorners)
			for (uint32_t b : kCorners)
				for (uint32_t edx : edxs) {
					Case k;
					k.op = op;
					k.ra = a;
					k.rb = b;
					k.edx = edx;
					k.flags = flags_value(r);
					run.check(k);
				}
	}
}

Case random_case(Rng &r, const std::vector<OpInfo> &ops, const std::vector<unsigned> &divs)
{
	Case k;
	// one case in six a divide, the others spread over every other row
	k.op = r.below(6) == 0 ? divs[r.below(static_cast<unsigned>(divs.size()))]
			       : ops[r.below(static_cast<unsigned>(ops.size()))].op;
	k.flags = flags_value(r);
	if (class_of(k.op) == C_DIV) {
		divide_operands(r, k);
		return k;
	}
	const OpInfo *oi = nullptr;
	for (const OpInfo &o : ops)
		if (o.op == k.op)
			oi = &o;
	k.x = oi->xs[r.below(static_cast<unsigned>(oi->xs.size()))];
	k.use_imm = oi->has_b ? r.below(2) : 0;
	k.ra = operand(r);
	k.rb = operand(r);
	if (is_shift(k.op) && r.below(2))  // a count, half of them with junk above bit 4
		k.rb = r.pick(kCounts) ^ (r.below(2) ? r.u32() & ~31u : 0);
	switch (isa_ops[k.op].fmt) {
	case F_BF:
	case F_DEP: k.imm = bitfield(r); break;
	default: k.imm = k.use_imm ? k.rb : operand(r); break;
	}
	return k;
}

}  // namespace

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	unsigned long cases = kDefaultCases;
	if (argc > 1) {
		char *end;
		cases = strtoul(argv[1], &end, 0);
		if (*end || argc > 2) {
			fprintf(stderr, "usage: %s [CASES]   (CDVM_SEED=N to replay a seed)\n", argv[0]);
			return 2;
		}
	}
	uint64_t seed;
	if (const char *s = getenv("CDVM_SEED"))
		seed = strtoull(s, nullptr, 0);
	else
		seed = static_cast<uint64_t>(time(nullptr)) * 0x9e3779b97f4a7c15ull ^ static_cast<uint64_t>(clock());
	printf("units_tb: seed 0x%016" PRIx64 " (CDVM_SEED=0x%" PRIx64 " replays it), %lu random cases\n", seed, seed,
	       cases);
	fflush(stdout);

	Rng r{seed};
	std::vector<OpInfo> all = unit_ops(), ops;
	std::vector<unsigned> divs;
	for (const OpInfo &oi : all) {
		if (class_of(oi.op) == C_DIV)
			divs.push_back(oi.op);
		else
			ops.push_back(oi);
	}
	auto run = std::make_unique<Runner>(seed);
	sweep(*run, r, all);
	for (unsigned long i = 0; i < cases; i++) {
		Case k = random_case(r, ops, divs);
		if (class_of(k.op) == C_DIV && r.below(20) == 0) {
			// a start while busy abandons the division under way
			unsigned other = divs[r.below(static_cast<unsigned>(divs.size()))];
			run->rtl().start_and_abandon(r.u32(), r.u32(), r.u32(), other, r.below(34));
		}
		run->check(k);
	}
	run->summary();
	return 0;
}
