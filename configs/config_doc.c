/* configs/config_doc.c — docs/config.md, generated from the schema so the
 * reference cannot drift from the code: `cdvm config --doc` prints it and
 * a unit test checks the committed file equals this output. */
#include "configs/config_priv.h"

#include <inttypes.h>
#include <string.h>

/* One paragraph per top-level section of schema.def.  config_write_doc
 * fails on a section missing here, and a unit test runs it. */
static const struct {
	const char *section, *title, *text;
} sections[] = {
	{"", "Top level", "Keys outside any section."},
	{"chip", "chip: the chip as a whole",
	 "What the chip is beyond its pipeline and caches. The clock does not change "
	 "any cycle count; it is how the firmware turns cycles into the time the "
	 "guest reads."},
	{"core", "core: the VLIW core",
	 "How many atoms a molecule (bundle) may hold, how many execution units of "
	 "each class the chip has, their result latencies, and the sizes of the "
	 "speculation hardware (gated store buffer, alias table). An atom needs a "
	 "free unit of its class in the cycle it issues."},
	{"cache", "cache: L1 instruction, L1 data and unified L2 caches",
	 "Geometry and hit latency of each cache. Translated code is fetched through "
	 "the L1I; the interpreter's and translations' guest accesses go through the "
	 "L1D; both miss into the L2, which misses into memory."},
	{"memory", "memory: physical memory",
	 "Guest RAM starts at physical address 0; hidden memory, where the firmware "
	 "keeps the translation cache and its tables, is carved out directly above "
	 "it at boot and is invisible to the guest."},
	{"mmu", "mmu: address translation",
	 "The TLB through which the chip translates the guest's virtual addresses "
	 "(the firmware's two-level page table, control register PAGEDIR; "
	 "docs/design-notes.md). A miss walks the table in hardware, each of its "
	 "two reads costing an L1D access."},
	{"energy", "energy: the energy model",
	 "The coefficients of the energy model (hw-sim/energy.c; sources and rules "
	 "in docs/energy.md): the energy of each event (an SRAM read, a transfer "
	 "from memory, a bundle, an atom, a register-file access, a commit) and the "
	 "leakage power of each enabled part. They are given at 45 nm and 0.9 V, "
	 "after M. Horowitz, \"Computing's energy problem (and what we can do about "
	 "it)\", ISSCC 2014, and scaled to `energy.process_nm` and `energy.vdd`."},
	{"cms", "cms: the code-morphing firmware",
	 "Translation cache size, when to translate, and the cost model: the "
	 "simulated cycles charged for each piece of firmware work, so that "
	 "simulated time includes the firmware's overhead (DESIGN.md, contract 2)."},
	{"faults", "faults: fault detection hardware",
	 "Which detection mechanisms the chip has. With a mechanism off, an injected "
	 "fault of that kind corrupts state silently."},
	{"sim", "sim: the simulation itself",
	 "Limits of a simulated run, and the seed of what the guest sees as random."},
};

/* The cross-key rules checked by config_validate, in its order. */
static const char *const rules[] = {
	"`cache.*.line` is a power of two, and `cache.*.size_kb` * 1024 divided "
	"into sets of `cache.*.ways` * `cache.*.line` bytes gives a whole, "
	"power-of-two number of sets (for each of `l1i`, `l1d`, `l2`).",
	"`mmu.tlb.entries` is a multiple of `mmu.tlb.ways`, and `mmu.tlb.entries` / "
	"`mmu.tlb.ways` (the number of sets) is a power of two.",
	"`cache.l2.line` >= `cache.l1i.line` and >= `cache.l1d.line`: an L1 fill "
	"is one L2 line access.",
	"`core.units.alu`, `core.units.mem`, `core.units.mul` and `core.units.br` "
	"are each >= 1: the translator needs a unit of every class.",
	"`core.issue_width` >= 1.",
	"`cms.tcache_kb` <= `memory.hidden_mb` * 1024 / 2: the other half of hidden "
	"memory holds the firmware's tables and profiles.",
	"`cms.smc_granularity` is a power of two.",
	"`cms.profile_entries` is a power of two, and the profile table (8 bytes an "
	"entry) fits in half of the firmware data area (`memory.hidden_mb` minus "
	"`cms.tcache_kb`).",
	"The firmware data area (`memory.hidden_mb` * 1024 - `cms.tcache_kb` KiB) "
	"holds every fixed table the firmware allocates at boot: the guest page "
	"map (one byte per 4 KiB page of `memory.guest_mb`), the profile table "
	"and the 1 MiB translation map.",
	"`memory.guest_mb` + `memory.hidden_mb` <= 3584: both fit in the 32-bit "
	"physical space below the top 512 MiB.",
};

static size_t section_len(const char *path)
{
	const char *dot = strchr(path, '.');
	return dot ? (size_t)(dot - path) : 0;
}

/* Markdown table cell: '|' would end the cell. */
static int put_cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' ? fputs("\\|", out) < 0 : fputc(*s, out) == EOF)
			return -1;
	}
	return 0;
}

static int write_row(FILE *out, const struct cfg_key *key)
{
	char range[160], def[96];
	const char *type;
	switch (key->type) {
	case CFG_T_INT:
	case CFG_T_REAL: {
		char lo[CFG_NUM_TEXT_MAX], hi[CFG_NUM_TEXT_MAX], v[CFG_NUM_TEXT_MAX];
		type = key->type == CFG_T_INT ? "integer" : "real";
		cfg_bounds_text(key, lo, hi, sizeof lo);
		snprintf(range, sizeof range, "%s .. %s", lo, hi);
		if (key->type == CFG_T_INT)
			snprintf(v, sizeof v, "%" PRId64, key->def_int);
		else
			cfg_format_real(key->def_real, v, sizeof v);
		snprintf(def, sizeof def, "`%s`", v);
		break;
	}
	case CFG_T_BOOL:
		type = "bool";
		snprintf(range, sizeof range, "`true`, `false`");
		snprintf(def, sizeof def, "`%s`", key->def_int ? "true" : "false");
		break;
	default:
		type = key->names ? "name" : "string";
		if (key->names)
			cfg_names_list(key, '`', range, sizeof range);
		else
			snprintf(range, sizeof range, "at most %d bytes", CONFIG_STR_MAX - 1);
		snprintf(def, sizeof def, "`%s`", key->def_str);
		break;
	}
	if (fprintf(out, "| `%s` | %s | %s | %s | %s | ", key->path, type,
		    key->unit[0] ? key->unit : "-", range, def) < 0 ||
	    put_cell(out, key->doc) || fputs(" |\n", out) < 0)
		return -1;
	return 0;
}

static int write_intro(FILE *out)
{
	static const char *const intro =
		"# cdvm configuration reference\n"
		"\n"
		"<!-- Generated by `cdvm config --doc` from configs/schema.def; do not edit. -->\n"
		"\n"
		"Every hardware and firmware parameter of cdvm comes from one configuration\n"
		"written in YAML. The schema (keys, types, ranges, defaults) is defined once, in\n"
		"`configs/schema.def`; this page is generated from it.\n"
		"\n"
		"## How a configuration is built\n"
		"\n"
		"Every command that runs the chip builds its configuration in layers:\n"
		"\n"
		"1. the compiled-in default (`configs/default.yaml` is a copy of it);\n"
		"2. each `-c FILE` (or `--config FILE`), in order: a file may set only some\n"
		"   keys, the rest keep their earlier values;\n"
		"3. each `--set key=value`, in order;\n"
		"4. validation: ranges, and the cross-key rules below.\n"
		"\n"
		"`cdvm config [-c FILE] [--set key=value]...` prints the result as YAML, which\n"
		"can be saved and loaded again as a file.\n"
		"\n"
		"## File format\n"
		"\n"
		"A file is one YAML mapping. Sections nest (`core: {units: {alu: 2}}`), and a\n"
		"dotted key stands for the nesting at any level (`core.units.alu: 2`, or\n"
		"`units.alu: 2` inside `core:`). Reading is strict, and an error names\n"
		"`file:line:column` and the full dotted key:\n"
		"\n"
		"- an unknown key, a key given twice, a sequence, an alias, a tag or more\n"
		"  than one document is an error;\n"
		"- integers are plain decimal (`-12`, `4096`) or hexadecimal (`0x1000`): no\n"
		"  unit suffixes, no quotes, no leading zeros;\n"
		"- reals are decimal in JSON's number syntax (`10`, `0.5`, `-2.5`, `1e-3`;\n"
		"  not `.5`, `5.`, `+5`, `05`, `0x5`, `inf` or `nan`), without quotes; they\n"
		"  are printed with the fewest digits (up to 17) that read back to the same\n"
		"  value;\n"
		"- booleans are `true` or `false`;\n"
		"- strings may be plain or quoted; `--set` takes the raw text after `=`;\n"
		"- a value outside its range is an error that gives the range.\n"
		"\n"
		"## Cross-key rules\n"
		"\n";
	return fputs(intro, out) < 0 ? -1 : 0;
}

int config_write_doc(FILE *out)
{
	if (write_intro(out))
		return -1;
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (fprintf(out, "- %s\n", rules[i]) < 0)
			return -1;
	/* Sections in schema order; rows of one section are contiguous. */
	int k = 0;
	while (k < CFG_NKEYS) {
		size_t slen = section_len(cfg_keys[k].path);
		size_t s;
		for (s = 0; s < sizeof sections / sizeof sections[0]; s++)
			if (strlen(sections[s].section) == slen &&
			    !memcmp(sections[s].section, cfg_keys[k].path, slen))
				break;
		if (s == sizeof sections / sizeof sections[0])
			return -1; /* undocumented section: add it to sections[] */
		if (fprintf(out, "\n## %s\n\n%s\n\n", sections[s].title, sections[s].text) < 0 ||
		    fputs("| key | type | unit | range | default | meaning |\n"
			  "|---|---|---|---|---|---|\n", out) < 0)
			return -1;
		const char *first = cfg_keys[k].path;
		while (k < CFG_NKEYS && section_len(cfg_keys[k].path) == slen &&
		       !memcmp(cfg_keys[k].path, first, slen)) {
			if (write_row(out, &cfg_keys[k]))
				return -1;
			k++;
		}
	}
	return ferror(out) ? -1 : 0;
}
