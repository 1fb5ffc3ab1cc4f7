/* cli/cli.h — the subcommands of `cdvm` and the helpers they share.  Each
 * command takes argv with argv[0] = its own name and returns the exit
 * status. */
#ifndef CDVM_CLI_CLI_H
#define CDVM_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>

int cmd_run(int argc, char **argv);
int cmd_limit(int argc, char **argv);
int cmd_exec_native(int argc, char **argv);
int cmd_asm(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_isa_doc(int argc, char **argv);
int cmd_x86_doc(int argc, char **argv);
int cmd_stats_doc(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_sweep_merge(int argc, char **argv);

/* Splits argv at the guest program: cdvm's options end at the first
 * non-option or at "--"; `valued` (NULL-terminated) lists the options that
 * take a value.  On success *opts (free it) holds argv[0] and the options,
 * *nopt their count, and the program's index is returned; -1 when there is
 * no program. */
int cli_split_guest(int argc, char **argv, const char *const *valued, char ***opts, int *nopt);

/* Reads a whole file; NUL-terminates.  Returns NULL with a message printed. */
char *cli_read_file(const char *path, size_t *len);

#endif
