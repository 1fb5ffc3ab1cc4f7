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
int cmd_sweep(int argc, char **argv);
int cmd_sweep_merge(int argc, char **argv);

/* Reads a whole file; NUL-terminates.  Returns NULL with a message printed. */
char *cli_read_file(const char *path, size_t *len);

#endif
