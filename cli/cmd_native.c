/* cli/cmd_native.c — bring-up commands for native VLIW code:
 *   cdvm asm file.s -o file.bin
 *   cdvm disasm file.bin [--base ADDR]
 *   cdvm exec-native [-c chip.yaml] [--set k=v] [--reg rN=V]... [--stats-json F] prog.s|prog.bin
 *   cdvm isa-doc
 * exec-native loads the program at the start of the translation cache in
 * hidden memory, runs it until it exits to the firmware or faults, and
 * prints the exit, the registers and every performance counter. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_config.h"
#include "hidden-mem/hidden.h"
#include "hw-sim/chip.h"
#include "native-isa/isa.h"
#include "cms/x86/x86.h"

char *cli_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cdvm: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		char *nb = realloc(buf, 2 * cap + 1);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	int bad = ferror(f);
	fclose(f);
	if (!buf || bad) {
		fprintf(stderr, "cdvm: %s: %s\n", path, buf ? "read error" : "out of memory");
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

/* A program: assembly text (.s/.S) or raw atoms. */
static int load_program(const char *path, struct isa_program *p)
{
	size_t len;
	char *text = cli_read_file(path, &len);
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
		fprintf(stderr, "cdvm: %s: %zu bytes is not a whole number of 8-byte atoms\n", path, len);
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

int cmd_asm(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (argv[i][0] == '-' || in) {
			fprintf(stderr, "cdvm asm: unexpected argument '%s'\nusage: cdvm asm file.s -o file.bin\n", argv[i]);
			return 2;
		} else
			in = argv[i];
	}
	if (!in || !out) {
		fprintf(stderr, "usage: cdvm asm file.s -o file.bin\n");
		return 2;
	}
	struct isa_program p;
	if (load_program(in, &p) < 0)
		return 2;
	uint8_t *bytes = malloc(p.n * 8 + 1);
	FILE *f = bytes ? fopen(out, "wb") : NULL;
	if (!f) {
		fprintf(stderr, "cdvm asm: %s: %s\n", out, strerror(errno));
		free(bytes);
		isa_program_free(&p);
		return 2;
	}
	words_to_bytes(p.words, p.n, bytes);
	int bad = fwrite(bytes, 1, p.n * 8, f) != p.n * 8;
	bad |= fclose(f) != 0;
	free(bytes);
	isa_program_free(&p);
	if (bad) {
		fprintf(stderr, "cdvm asm: %s: write error\n", out);
		return 2;
	}
	return 0;
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

int cmd_disasm(int argc, char **argv)
{
	const char *in = NULL;
	uint32_t base = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--base") && i + 1 < argc) {
			if (parse_u32(argv[++i], &base) < 0) {
				fprintf(stderr, "cdvm disasm: --base %s: not a 32-bit address\n", argv[i]);
				return 2;
			}
		} else if (argv[i][0] == '-' || in) {
			fprintf(stderr, "cdvm disasm: unexpected argument '%s'\nusage: cdvm disasm file.bin [--base ADDR]\n", argv[i]);
			return 2;
		} else
			in = argv[i];
	}
	if (!in) {
		fprintf(stderr, "usage: cdvm disasm file.bin [--base ADDR]\n");
		return 2;
	}
	struct isa_program p;
	if (load_program(in, &p) < 0)
		return 2;
	isa_disasm(stdout, p.words, p.n, base);
	isa_program_free(&p);
	return 0;
}

int cmd_x86_doc(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: cdvm x86-doc\n");
		return 2;
	}
	x86_write_subset_doc(stdout);
	return 0;
}

int cmd_isa_doc(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: cdvm isa-doc\n");
		return 2;
	}
	isa_write_doc(stdout);
	return 0;
}

int cmd_exec_native(int argc, char **argv)
{
	struct cdvm_config cfg;
	if (cli_config_from_args(&argc, argv, &cfg) < 0)
		return 2;
	const char *prog = NULL, *json = NULL;
	struct { unsigned r; uint32_t v; } regs[ISA_NREGS];
	unsigned nregs = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--stats-json") && i + 1 < argc) {
			json = argv[++i];
		} else if (!strcmp(argv[i], "--stats")) {
			/* the report is always printed; accepted for symmetry with `run` */
		} else if (!strcmp(argv[i], "--reg") && i + 1 < argc) {
			const char *a = argv[++i];
			char *eq = strchr(a, '=');
			unsigned long r = 0;
			char *end = NULL;
			if (a[0] == 'r')
				r = strtoul(a + 1, &end, 10);
			if (!eq || a[0] != 'r' || end != eq || r == 0 || r >= ISA_NREGS || nregs == ISA_NREGS ||
			    parse_u32(eq + 1, &regs[nregs].v) < 0) {
				fprintf(stderr, "cdvm exec-native: --reg %s: expected rN=VALUE with 1 <= N < %d\n", a, ISA_NREGS);
				return 2;
			}
			regs[nregs++].r = (unsigned)r;
		} else if (argv[i][0] == '-' || prog) {
			fprintf(stderr, "cdvm exec-native: unexpected argument '%s'\n", argv[i]);
			return 2;
		} else {
			prog = argv[i];
		}
	}
	if (!prog) {
		fprintf(stderr, "usage: cdvm exec-native [-c chip.yaml] [--set k=v] [--reg rN=V] [--stats-json FILE] prog.s\n");
		return 2;
	}
	struct isa_program p;
	if (load_program(prog, &p) < 0)
		return 2;
	struct chip *chip;
	char err[256];
	if (chip_create(&cfg, &chip, err, sizeof err) < 0) {
		fprintf(stderr, "cdvm: %s\n", err);
		isa_program_free(&p);
		return 2;
	}
	struct hidden_mem hm;
	if (hidden_boot(&hm, chip, err, sizeof err) < 0) {
		fprintf(stderr, "cdvm: %s\n", err);
		chip_destroy(chip);
		isa_program_free(&p);
		return 2;
	}
	int status = 0;
	uint32_t bytes = (uint32_t)(p.n * ISA_ATOM_BYTES);
	uint32_t at = bytes ? hregion_alloc(&hm.tcache, bytes, 64) : 0;
	uint8_t *buf = malloc(bytes + 1);
	if (!at || !buf) {
		fprintf(stderr, "cdvm exec-native: %s: %u bytes of code do not fit in the translation cache\n", prog, bytes);
		status = 2;
	} else {
		words_to_bytes(p.words, p.n, buf);
		chip_mem_write(chip, at, buf, bytes);
		for (unsigned i = 0; i < nregs; i++)
			chip_set_reg(chip, regs[i].r, regs[i].v);
		struct chip_exit ex;
		chip_run(chip, at, &ex);
		char d[256];
		chip_exit_describe(&ex, d, sizeof d);
		printf("program: %s (%zu bundles, %zu atoms) at 0x%08x on %s\n", prog, p.nbundles, p.n, at, cfg.name);
		printf("exit: %s\n", d);
		if (chip_sb_used(chip))
			printf("store buffer: %u uncommitted stores\n", chip_sb_used(chip));
		printf("\nregisters:\n");
		chip_print_registers(chip, stdout);
		printf("\ncounters:\n");
		chip_print_counters(chip, stdout);
		if (json) {
			FILE *f = fopen(json, "w");
			if (!f) {
				fprintf(stderr, "cdvm: %s: %s\n", json, strerror(errno));
				status = 2;
			} else {
				chip_write_json(chip, f, &ex);
				if (fclose(f) != 0)
					status = 2;
			}
		}
		if (ex.reason != CHIP_EXIT_FIRMWARE && !status)
			status = 1;
	}
	free(buf);
	hidden_shutdown(&hm);
	chip_destroy(chip);
	isa_program_free(&p);
	return status;
}
