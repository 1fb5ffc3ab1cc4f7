/* native-isa/isa_priv.h — helpers shared by the encoder, decoder and
 * assembler; not part of the public interface. */
#ifndef CDVM_NATIVE_ISA_PRIV_H
#define CDVM_NATIVE_ISA_PRIV_H

#include "native-isa/isa.h"

enum {
	FLD_RD = 1, FLD_RA = 2, FLD_RB = 4, FLD_X = 8, FLD_IMM = 16,
	FLD_B = 32,  /* rb or imm, selected by the i bit */
};

unsigned isa_fmt_fields(enum atom_fmt f);
bool isa_x_valid(enum atom_fmt f, unsigned x);
bool isa_bitfield_valid(uint32_t imm);
static inline unsigned isa_width_bytes(unsigned x) { return x == 1 ? 1 : x == 2 ? 2 : 4; }

#endif
