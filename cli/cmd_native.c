/* cli/cmd_native.c — bring-up commands for native VLIW code:
 *   cdvm asm file.s -o file.bin
 *   cdvm disasm file.bin [--base ADDR]
 *   cdvm exec-native [-c chip.yaml] [--set k=v] [--reg rN=V]... [--stats-json F] prog.s|prog.bin
 *   cdvm isa-doc      cdvm x86-doc
 * exec-native loads the program at the start of the translation cache in
 * hidden memory, runs it until it exits to the firmware or faults, and
 * prints the exit, the registers and every performance counter. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cms/stats.h"
#include "hidden-mem/hidden.h"
#include "hw-sim/chip.h"
#include "native-isa/isa.h"
#include "cms/x86/x86.h"

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

/* A program: assembly text (.s/.S) or raw atoms. */
static int load_program(const struct cli_cmd *cmd, const char *path, struct isa_program *p)
{
	size_t len;
	char *text = cli_read_input(cmd, path, &len);
	if (!text)
		return -1;
	memset(p, 0, sizeof *p);
	if (ends_with(path, ".s") || ends_with(path, ".S") || ends_with(path, ".asm")) {
		struct isa_error err;
		int rc = isa_assemble(text, path, p, &err);
		free(text);
		if (rc < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return -1;
		}
		return 0;
	}
	if (len % ISA_ATOM_BYTES) {
		cli_error(cmd, "%s: %zu bytes is not a whole number of 8-byte atoms", path, len);
		free(text);
		return -1;
	}
	p->n = p->cap = len / ISA_ATOM_BYTES;
	p->words = malloc(len ? len : 1);
	if (!p->words) {
		free(text);
		return -1;
	}
	for (size_t i = 0; i < p->n; i++) {
		uint64_t w = 0;
		for (int k = 7; k >= 0; k--)
			w = w << 8 | (uint8_t)text[i * 8 + (size_t)k];
		p->words[i] = w;
	}
	free(text);
	return 0;
}

static void words_to_bytes(const uint64_t *w, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 8; k++)
			out[i * 8 + (size_t)k] = (uint8_t)(w[i] >> (8 * k));
}

/* The commands with one input file and no configuration: asm, disasm and
 * the two doc printers share this option state. */
enum { OPT_OUT = CLI_ID_USER, OPT_BASE, OPT_REG, OPT_STATS, OPT_STATS_JSON, OPT_COSIM };

struct file_opts {
	const struct cli_cmd *cmd;
	const char *in, *out, *base;
};

static int on_file_option(void *ctx, int id, const char *v)
{
	struct file_opts *o = ctx;
	switch (id) {
	case OPT_OUT: o->out = v; return 0;
	case OPT_BASE: o->base = v; return 0;
	case CLI_ID_OPERAND:
		if (o->in || !o->cmd->operands[0])
			return cli_usage_error(o->cmd, "unexpected argument '%s'", v);
		o->in = v;
		return 0;
	}
	return -1;
}

/* Parses a file command's line: -1 to go on, else the exit status (0
 * after --help, 2 after a usage error). */
static int parse_file_cmd(const struct cli_cmd *cmd, int argc, char **argv, struct file_opts *o)
{
	struct cli_args a;
	*o = (struct file_opts){.cmd = cmd};
	int r = cli_parse(cmd, argc, argv, on_file_option, o, &a);
	cli_args_free(&a);
	if (r == 0 && cmd->operands[0] && !o->in)
		r = cli_usage_error(cmd, "no input file");
	return r == 0 ? -1 : r > 0 ? 0 : 2;
}

static const struct cli_opt asm_opts[] = {
	{NULL, 'o', "FILE", OPT_OUT, 0, "write the atoms there (8 bytes each, little-endian); required"},
	{0},
};
static const struct cli_cmd asm_cmd = {"asm", "file.s", "Assembles native VLIW code (docs/native-isa.md).\n",
				       asm_opts, false};

int cmd_asm(int argc, char **argv)
{
	struct file_opts o;
	int r = parse_file_cmd(&asm_cmd, argc, argv, &o);
	if (r >= 0)
		return r;
	if (!o.out) {
		cli_usage_error(&asm_cmd, "no output file (-o FILE)");
		return 2;
	}
	struct cli_out out;
	if (cli_out_open(&asm_cmd, &out, "-o", o.out) < 0)
		return 2;
	struct isa_program p;
	if (load_program(&asm_cmd, o.in, &p) < 0) {
		cli_out_close(&asm_cmd, &out, false);
		return 2;
	}
	uint8_t *bytes = malloc(p.n * 8 + 1);
	int status = 2;
	if (!bytes) {
		cli_error(&asm_cmd, "out of memory");
		cli_out_close(&asm_cmd, &out, false);
	} else {
		words_to_bytes(p.words, p.n, bytes);
		fwrite(bytes, 1, p.n * 8, cli_out_file(&out));
		status = cli_out_close(&asm_cmd, &out, true) < 0 ? 2 : 0;
	}
	free(bytes);
	isa_program_free(&p);
	return status;
}

static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || *end || !*s || x > 0xffffffffull) {
		long long sx = strtoll(s, &end, 0);
		if (*end || !*s || sx < -2147483648LL || sx > 0xffffffffLL)
			return -1;
		x = (unsigned long long)(uint32_t)sx;
	}
	*v = (uint32_t)x;
	return 0;
}

static const struct cli_opt disasm_opts[] = {
	{"base", 0, "ADDR", OPT_BASE, 0, "address of the first atom in the listing (default 0)"},
	{0},
};
static const struct cli_cmd disasm_cmd = {"disasm", "file.bin|file.s",
					  "Disassembles native code, one atom a line with its address.\n",
					  disasm_opts, false};

int cmd_disasm(int argc, char **argv)
{
	struct file_opts o;
	int r = parse_file_cmd(&disasm_cmd, argc, argv, &o);
	if (r >= 0)
		return r;
	uint32_t base = 0;
	if (o.base && parse_u32(o.base, &base) < 0) {
		cli_error(&disasm_cmd, "--base %s: not a 32-bit address", o.base);
		return 2;
	}
	struct isa_program p;
	if (load_program(&disasm_cmd, o.in, &p) < 0)
		return 2;
	isa_disasm(stdout, p.words, p.n, base);
	isa_program_free(&p);
	return 0;
}

static const struct cli_opt no_opts[] = {{0}};
static const struct cli_cmd x86_doc_cmd = {"x86-doc", "", "Prints the supported x86 subset (docs/x86-subset.md).\n",
					   no_opts, false};
static const struct cli_cmd isa_doc_cmd = {"isa-doc", "", "Prints the native ISA reference (docs/native-isa.md).\n",
					   no_opts, false};
static const struct cli_cmd isa_sv_cmd = {
	"isa-sv", "", "Prints the native ISA as a SystemVerilog package for the RTL (hw-sim/rtl/, docs/rtl.md).\n",
	no_opts, false};
static const struct cli_cmd stats_doc_cmd = {"stats-doc", "",
					     "Prints the reference of every statistic a run reports (docs/stats.md).\n",
					     no_opts, false};

/* A doc printer: no options but --help. */
static int doc_cmd(const struct cli_cmd *cmd, int argc, char **argv, void (*write)(FILE *))
{
	struct file_opts o;
	int r = parse_file_cmd(cmd, argc, argv, &o);
	if (r >= 0)
		return r;
	write(stdout);
	return 0;
}

int cmd_x86_doc(int argc, char **argv) { return doc_cmd(&x86_doc_cmd, argc, argv, x86_write_subset_doc); }
int cmd_isa_doc(int argc, char **argv) { return doc_cmd(&isa_doc_cmd, argc, argv, isa_write_doc); }
int cmd_isa_sv(int argc, char **argv) { return doc_cmd(&isa_sv_cmd, argc, argv, isa_write_sv); }
int cmd_stats_doc(int argc, char **argv) { return doc_cmd(&stats_doc_cmd, argc, argv, cms_write_stats_doc); }

static const struct cli_opt exec_opts[] = {
	CLI_CONFIG_OPTS,
	{"reg", 0, "rN=VALUE", OPT_REG, CLI_LIST, "preset register N (1..63) before the run (repeatable)"},
	{"stats", 0, NULL, OPT_STATS, 0, "accepted for symmetry with run: the counters are always printed"},
	{"stats-json", 0, "FILE", OPT_STATS_JSON, 0, "also write the exit, registers and counters as JSON"},
	{"cosim", 0, NULL, OPT_COSIM, 0, "run the program on the RTL core too, in lockstep (the co-simulation build "
	 "only: make cosim; docs/rtl.md)"},
	{0},
};
static const struct cli_cmd exec_cmd = {
	"exec-native", "prog.s|prog.bin",
	"Loads a native VLIW program at the start of the translation cache, runs it until it exits\n"
	"to the firmware or faults, and prints the exit, the registers and every counter.\n"
	"Exit status: 0 for an exit to the firmware, 1 for a fault, 2 for bad input or usage.\n",
	exec_opts, false,
};

struct exec_opts {
	const char *prog, *json;
	struct {
		unsigned r;
		uint32_t v;
	} regs[ISA_NREGS];
	unsigned nregs;
	bool cosim;
};

static int on_exec_option(void *ctx, int id, const char *v)
{
	struct exec_opts *o = ctx;
	if (id == OPT_STATS)
		return 0;
	if (id == OPT_STATS_JSON) {
		o->json = v;
		return 0;
	}
	if (id == OPT_COSIM) {
		o->cosim = true;
		return 0;
	}
	if (id == CLI_ID_OPERAND) {
		if (o->prog)
			return cli_usage_error(&exec_cmd, "unexpected argument '%s'", v);
		o->prog = v;
		return 0;
	}
	const char *eq = strchr(v, '=');
	unsigned long r = 0;
	char *end = NULL;
	if (v[0] == 'r')
		r = strtoul(v + 1, &end, 10);
	if (!eq || v[0] != 'r' || end != eq || r == 0 || r >= ISA_NREGS || o->nregs == ISA_NREGS ||
	    parse_u32(eq + 1, &o->regs[o->nregs].v) < 0)
		return cli_error(&exec_cmd, "--reg %s: expected rN=VALUE with 1 <= N < %d", v, ISA_NREGS);
	o->regs[o->nregs++].r = (unsigned)r;
	return 0;
}

/* Runs p at the start of the translation cache; returns the exit status. */
static int exec_program(const struct cdvm_config *cfg, const struct exec_opts *o, const struct isa_program *p,
			struct cli_out *json)
{
	struct chip *chip;
	char err[256];
	if (chip_create(cfg, &chip, err, sizeof err) < 0) {
		cli_error(&exec_cmd, "%s", err);
		return 2;
	}
	struct hidden_mem hm;
	if (hidden_boot(&hm, chip, err, sizeof err) < 0) {
		cli_error(&exec_cmd, "%s", err);
		chip_destroy(chip);
		return 2;
	}
	int status = 0;
	uint32_t bytes = (uint32_t)(p->n * ISA_ATOM_BYTES);
	uint32_t at = hregion_alloc(&hm.tcache, bytes, 64);
	uint8_t *buf = malloc(bytes + 1);
	if (!at || !buf) {
		cli_error(&exec_cmd, "%s: %u bytes of code do not fit in the translation cache", o->prog, bytes);
		status = 2;
	} else {
		words_to_bytes(p->words, p->n, buf);
		chip_mem_write(chip, at, buf, bytes);
		for (unsigned i = 0; i < o->nregs; i++)
			chip_set_reg(chip, o->regs[i].r, o->regs[i].v);
		struct chip_exit ex;
		if (o->cosim && cli_cosim_start(&exec_cmd, cfg) < 0) {
			free(buf);
			hidden_shutdown(&hm);
			chip_destroy(chip);
			return 2;
		}
		chip_run(chip, at, &ex);
		if (o->cosim)
			cli_cosim_finish();
		char d[256];
		chip_exit_describe(&ex, d, sizeof d);
		printf("program: %s (%zu bundles, %zu atoms) at 0x%08x on %s\n", o->prog, p->nbundles, p->n, at,
		       cfg->name);
		printf("exit: %s\n", d);
		if (chip_sb_used(chip))
			printf("store buffer: %u uncommitted stores\n", chip_sb_used(chip));
		printf("\nregisters:\n");
		chip_print_registers(chip, stdout);
		printf("\ncounters:\n");
		chip_print_counters(chip, stdout);
		if (json->f) {
			chip_write_json(chip, cli_out_file(json), &ex);
			if (cli_out_close(&exec_cmd, json, true) < 0)
				status = 2;
		}
		if (ex.reason != CHIP_EXIT_FIRMWARE && !status)
			status = 1;
	}
	free(buf);
	hidden_shutdown(&hm);
	chip_destroy(chip);
	return status;
}

int cmd_exec_native(int argc, char **argv)
{
	struct exec_opts o = {0};
	struct cli_args a;
	struct cdvm_config cfg;
	int r = cli_parse(&exec_cmd, argc, argv, on_exec_option, &o, &a);
	if (r == 0 && !o.prog)
		r = cli_usage_error(&exec_cmd, "no program to run");
	if (r == 0 && cli_config_build(&exec_cmd, &a, &cfg) < 0)
		r = -1;
	cli_args_free(&a);
	if (r)
		return r > 0 ? 0 : 2;
	struct isa_program p;
	if (load_program(&exec_cmd, o.prog, &p) < 0)
		return 2;
	int status = 2;
	struct cli_out json = {0};
	if (!p.n)
		cli_error(&exec_cmd, "%s: empty program (no atoms)", o.prog);
	else if (!o.json || cli_out_open(&exec_cmd, &json, "--stats-json", o.json) == 0)
		status = exec_program(&cfg, &o, &p, &json);
	cli_out_close(&exec_cmd, &json, false);
	isa_program_free(&p);
	return status;
}
