/* cli/main.c — the `cdvm` command: picks the subcommand. Only cli/ prints
 * and decides exit statuses; the library returns errors. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_config.h"

static void usage(FILE *out)
{
	fputs("usage: cdvm COMMAND [options]\n"
	      "\n"
	      "  run [-c chip.yaml] [--set k=v] [--mode interp] [--stats] [--stats-json FILE] prog.elf [args...]\n"
	      "                         run an x86 guest on the simulated chip\n"
	      "  limit [-c chip.yaml] [--set k=v] [--json] [--show-output] prog.elf [args...]\n"
	      "                         dataflow limit (ideal x86 IPC) of a guest's trace\n"
	      "  exec-native [-c chip.yaml] [--set k=v] [--reg rN=V] [--stats-json FILE] prog.s|prog.bin\n"
	      "                         run a native VLIW program, print registers and counters\n"
	      "  asm file.s -o file.bin assemble native code\n"
	      "  disasm file.bin [--base ADDR]   disassemble native code\n"
	      "  config [-c chip.yaml] [--set k=v] [--doc]\n"
	      "                         print the effective configuration (or its reference)\n"
	      "  isa-doc                print the native ISA reference (docs/native-isa.md)\n"
	      "  x86-doc                print the supported x86 subset (docs/x86-subset.md)\n"
	      "  stats-doc              print what every statistic of a run means (docs/stats.md)\n"
	      "  sweep SPEC.yaml [-j N] [-o DIR] [--shard I/N] [--timeout SECS] [--plot]\n"
	      "                         run a design-space sweep (docs/sweep.md)\n"
	      "  sweep-merge OUTDIR DIR...  merge the results of sweep shards\n"
	      "\n"
	      "Exit status: the guest's for `run`; 2 for bad input or usage.\n", out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	argc--;
	argv++;
	if (!strcmp(cmd, "run"))
		return cmd_run(argc, argv);
	if (!strcmp(cmd, "limit"))
		return cmd_limit(argc, argv);
	if (!strcmp(cmd, "exec-native"))
		return cmd_exec_native(argc, argv);
	if (!strcmp(cmd, "asm"))
		return cmd_asm(argc, argv);
	if (!strcmp(cmd, "disasm"))
		return cmd_disasm(argc, argv);
	if (!strcmp(cmd, "config"))
		return cmd_config(argc, argv);
	if (!strcmp(cmd, "isa-doc"))
		return cmd_isa_doc(argc, argv);
	if (!strcmp(cmd, "x86-doc"))
		return cmd_x86_doc(argc, argv);
	if (!strcmp(cmd, "stats-doc"))
		return cmd_stats_doc(argc, argv);
	if (!strcmp(cmd, "sweep"))
		return cmd_sweep(argc, argv);
	if (!strcmp(cmd, "sweep-merge"))
		return cmd_sweep_merge(argc, argv);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "cdvm: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
