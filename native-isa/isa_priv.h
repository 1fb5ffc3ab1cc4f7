/* native-isa/isa_priv.h — helpers shared by the encoder, decoder and
 * assembler; not part of the public interface. */
#ifndef CDVM_NATIVE_ISA_PRIV_H
#define CDVM_NATIVE_ISA_PRIV_H

#include "native-isa/isa.h"

enum {
	FLD_RD = 1, FLD_RA = 2, FLD_RB = 4, FLD_X = 8, FLD_IMM = 16,
	FLD_B = 32,  /* rb or imm, selected by the i bit */
	FLD_FD = 64, FLD_FA = 128, FLD_FB = 256,  /* FPU registers in the rd / ra / rb fields */
};

unsigned isa_fmt_fields(enum atom_fmt f);
bool isa_x_valid(unsigned op, unsigned x);
/* The suffix naming value x of an FPU format's field x ("d" of fcvi.d), or NULL. */
const char *isa_kind_name(enum atom_fmt f, unsigned x);
bool isa_bitfield_valid(uint32_t imm);
static inline unsigned isa_width_bytes(unsigned x) { return x == 1 ? 1 : x == 2 ? 2 : 4; }

#endif
