/* cli/main.c — the `cdvm` command: picks the subcommand. Only cli/ prints
 * and decides exit statuses; the library returns errors.
 *
 *   cdvm --help              the commands
 *   cdvm run --help          one command's options (also: cdvm help run) */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{"run", cmd_run, "run an x86 guest on the simulated chip"},
	{"limit", cmd_limit, "dataflow limit (ideal x86 IPC) of a guest's trace"},
	{"config", cmd_config, "print the effective configuration (or its reference, --doc)"},
	{"sweep", cmd_sweep, "run a design-space sweep (docs/sweep.md)"},
	{"sweep-merge", cmd_sweep_merge, "merge the results of sweep shards"},
	{"faults", cmd_faults, "run a fault-injection campaign (docs/faults.md)"},
	{"faults-merge", cmd_faults_merge, "merge the results of campaign shards"},
	{"exec-native", cmd_exec_native, "run a native VLIW program, print registers and counters"},
	{"asm", cmd_asm, "assemble native code"},
	{"disasm", cmd_disasm, "disassemble native code"},
	{"isa-doc", cmd_isa_doc, "print the native ISA reference (docs/native-isa.md)"},
	{"isa-sv", cmd_isa_sv, "print the native ISA as a SystemVerilog package (the RTL's)"},
	{"x86-doc", cmd_x86_doc, "print the supported x86 subset (docs/x86-subset.md)"},
	{"stats-doc", cmd_stats_doc, "print the reference of every statistic (docs/stats.md)"},
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

static const struct cli_opt top_opts[] = {{0}};
static const struct cli_cmd top_cmd = {
	"", "COMMAND [args...]",
	"",
	top_opts, true,
};

static void list_commands(FILE *out)
{
	fputs("commands (`cdvm COMMAND --help` lists each one's options):\n", out);
	for (int i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-14s%s\n", commands[i].name, commands[i].summary);
	fputs("Exit status: the guest's for `run` and `limit`; 2 for bad input or usage.\n", out);
}

static int no_options(void *ctx, int id, const char *v)
{
	(void)ctx;
	(void)id;
	(void)v;
	return -1;
}

static int find(const char *name)
{
	for (int i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	struct cli_args a;
	int r = cli_parse(&top_cmd, argc, argv, no_options, NULL, &a);
	int next = a.next;
	cli_args_free(&a);
	if (r > 0) {
		list_commands(stdout);
		return 0;
	}
	if (r < 0)
		return 2;
	if (next >= argc) {
		cli_usage_error(&top_cmd, "no command given (cdvm --help lists them)");
		return 2;
	}
	const char *cmd = argv[next];
	if (!strcmp(cmd, "help")) {
		/* cdvm help [COMMAND] */
		int i = next + 1 < argc ? find(argv[next + 1]) : -1;
		if (i < 0 && next + 1 < argc) {
			fprintf(stderr, "cdvm: unknown command '%s' (cdvm --help lists them)\n", argv[next + 1]);
			return 2;
		}
		if (i < 0) {
			char *help[] = {argv[0], "--help", NULL};
			cli_parse(&top_cmd, 2, help, no_options, NULL, &a);
			cli_args_free(&a);
			list_commands(stdout);
			return 0;
		}
		char *help[] = {argv[next + 1], "--help", NULL};
		return commands[i].fn(2, help);
	}
	int i = find(cmd);
	if (i < 0) {
		fprintf(stderr, "cdvm: unknown command '%s' (cdvm --help lists them)\n", cmd);
		return 2;
	}
	return commands[i].fn(argc - next, argv + next);
}
