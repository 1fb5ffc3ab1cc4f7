/* hw-sim/rtl/cosim_run.h — starting and ending the RTL lockstep
 * (hw-sim/rtl/cosim.c), for the command line of the co-simulation build. */
#ifndef CDVM_HW_SIM_RTL_COSIM_RUN_H
#define CDVM_HW_SIM_RTL_COSIM_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "configs/config.h"

/* Checks that the RTL was verilated for cfg's core and starts the model;
 * every native run from now on is run in lockstep.  -1 with err filled. */
int cosim_open(const struct cdvm_config *cfg, char *err, size_t n);
/* Ends the lockstep; a one-line summary to `report` (NULL: none). */
void cosim_close(FILE *report);
uint64_t cosim_bundles(void);

#endif
