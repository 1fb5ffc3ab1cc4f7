/* cli/cmd_config.h — `cdvm config`, and the option handling every command
 * shares to build its configuration (default -> -c FILE... -> --set... ->
 * validate). */
#ifndef CDVM_CLI_CMD_CONFIG_H
#define CDVM_CLI_CMD_CONFIG_H

#include "configs/config.h"

/* cdvm config [-c FILE]... [--set key=value]... [--doc]
 * Prints the effective configuration as YAML (or docs/config.md with --doc)
 * to stdout.  argv[0] is "config".  Returns the exit status: 0, or 2 after
 * printing "cdvm: <msg>" to stderr. */
int cmd_config(int argc, char **argv);

/* Parses and removes -c FILE, --config FILE, --config=FILE, --set k=v and
 * --set=k=v from argv[1..] (compacting argv, updating *argc, keeping
 * argv[*argc] == NULL), then builds default -> files (in order) -> sets (in
 * order) -> validate into *out.  Scanning stops at a literal "--", which is
 * left in argv, so guest arguments after it are never taken.  On error
 * prints "cdvm: <msg>" to stderr and returns -1 (callers exit with 2). */
int cli_config_from_args(int *argc, char **argv, struct cdvm_config *out);

#endif
