/* cms/x86/table.h — private: the decode table built from opcodes.def, for
 * the decoder (decode.c) and the documentation writer (doc.c). */
#ifndef CDVM_CMS_X86_TABLE_H
#define CDVM_CMS_X86_TABLE_H

#include <stdint.h>

#include "cms/x86/opcodes.def"
#include "cms/x86/x86.h"

/* Operand specifications, named with the SDM's letters (see opcodes.def). */
#define X86_SPECS(X) \
	X(_) X(Eb) X(Ew) X(Ev) X(Ex) X(Evw) X(Gb) X(Gw) X(Gv) X(Gz) X(Gx) \
	X(M) X(Mq) X(Mp) X(Ma) X(Rd) X(Sw) X(Mw) X(Md) X(Mt) X(Me) X(Ms) X(ST0) X(STi) X(AX) \
	X(Ib) X(Ibs) X(Iw) X(Iz) X(Jb) X(Jz) X(Ap) X(Ob) X(Ov) \
	X(Zb) X(Zv) X(Zd) X(AL) X(eAX) X(CL) X(One) X(Xb) X(Xv) X(Yb) X(Yv) \
	X(ES) X(CS) X(SS) X(DS) X(FS) X(GS)

enum x86_spec {
#define X86_SPEC_ENUM(s) S_##s,
	X86_SPECS(X86_SPEC_ENUM)
#undef X86_SPEC_ENUM
	S_COUNT
};

/* Row flags (opcodes.def) */
enum {
	W16 = 1u << 0,  /* 16-bit operand size uses op + 1 */
	LK = 1u << 1,   /* LOCK legal with a memory destination */
	RP = 1u << 2,   /* string instruction: F2/F3 mean REP */
	ND = 1u << 3,   /* no 16-bit form in cdvm */
	GP = 1u << 4,   /* privileged: #GP in user mode */
	NV = 1u << 5,   /* invalid */
	M3 = 1u << 6,   /* ModRM.mod must be 3 */
	MM = 1u << 7,   /* ModRM.mod must not be 3 */
};

enum x86_group {
	X86_GRP_NONE,
#define X86_GRP_ENUM1(b, op, a, c, d, f)
#define X86_GRP_ENUM2(m, b, g) X86_GRP_##g,
#define X86_GRP_ENUM3(g, r, op, a, c, d, f)
	X86_OPCODES(X86_GRP_ENUM1, X86_GRP_ENUM1, X86_GRP_ENUM2, X86_GRP_ENUM3)
#undef X86_GRP_ENUM1
#undef X86_GRP_ENUM2
#undef X86_GRP_ENUM3
	X86_GRP_COUNT
};

struct x86_row {
	uint16_t op;       /* enum x86_op; X86_OP_NONE: no instruction */
	uint8_t spec[3];   /* enum x86_spec */
	uint8_t flags;
	uint8_t group;     /* enum x86_group, for a group escape */
	uint8_t valid;
};

/* [0..255]: one-byte map, [256..511]: 0F map */
extern const struct x86_row x86_rows[512];
/* The x87 escapes (x87.def): [esc - 0xd8][ModRM.reg] for memory forms,
 * [esc - 0xd8][ModRM & 63] for register forms. */
extern const struct x86_row x87_mem_rows[8][8];
extern const struct x86_row x87_reg_rows[8][64];
extern const struct x86_row x86_group_rows[X86_GRP_COUNT][8];
extern const char *const x86_spec_names[S_COUNT];
extern const char *const x86_group_names[X86_GRP_COUNT];

#endif
