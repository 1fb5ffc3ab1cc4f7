/* cli/sweep_reader.h — the strict YAML reader of sweep specs, for the
 * commands that extend a spec with sections of their own (struct
 * sweep_ext; `cdvm faults` reads `faults:` with these).  Every helper
 * fails with "FILE:LINE:COL: what: ..." in R->err and returns -1.
 *
 *   static int read(void *ctx, struct sweep_reader *R, const void *k, const void *v)
 *   {
 *       if (strcmp(sweep_rd_text(k), "faults")) return 1;     // not mine
 *       if (sweep_rd_want(R, v, YAML_MAPPING_NODE, "faults", "a mapping") ||
 *           sweep_rd_keys(R, v, "faults")) return -1;
 *       ...
 *   } */
#ifndef CDVM_CLI_SWEEP_READER_H
#define CDVM_CLI_SWEEP_READER_H

#include <yaml.h>

#include "cli/sweep.h"

struct sweep_reader {
	yaml_document_t doc;
	const char *name;           /* the spec's path, for messages */
	char *err;
	size_t errlen;
	struct sweep_spec *s;
	const struct sweep_ext *ext;
};

int sweep_rd_fail(struct sweep_reader *R, yaml_mark_t m, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
struct sweep_loc sweep_rd_loc(const yaml_node_t *n);
yaml_node_t *sweep_rd_node(struct sweep_reader *R, int id);
/* "a scalar", "a list", "a mapping" */
const char *sweep_rd_kind(const yaml_node_t *n);
const char *sweep_rd_text(const yaml_node_t *n);
bool sweep_rd_plain(const yaml_node_t *n);
int sweep_rd_want(struct sweep_reader *R, const yaml_node_t *n, yaml_node_type_t t, const char *what,
		  const char *expected);
int sweep_rd_int(struct sweep_reader *R, const yaml_node_t *n, const char *what, long long min, long long max,
		 long long *v);
int sweep_rd_bool(struct sweep_reader *R, const yaml_node_t *n, const char *what, bool *v);
int sweep_rd_str(struct sweep_reader *R, const yaml_node_t *n, const char *what, char **v);
/* Every key of a mapping is a scalar, given once. */
int sweep_rd_keys(struct sweep_reader *R, const yaml_node_t *map, const char *what);

#endif
