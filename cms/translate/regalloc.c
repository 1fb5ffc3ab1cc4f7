/* cms/translate/regalloc.c — physical registers for the temporaries.
 *
 * The x86 state keeps its fixed registers (r1..r15); temporaries get
 * r16..r63.  After scheduling, a temporary lives from the cycle its value
 * is written until the last cycle it is read (at least until the write
 * completes, so a reused register never has a write pending).  Because the
 * atoms of a bundle read before they write, a register freed by a last
 * read in cycle c may be written again in cycle c.  Linear scan in order of
 * definition; a block that needs more than 48 live temporaries fails, and
 * the translator retries with a shorter block (no spills needed). */
#include "cms/translate/ir.h"

#include <stdlib.h>

int ir_regalloc(struct ir_block *b, const struct ir_machine *mc)
{
	unsigned nt = b->ntemps;
	int rc = -1;
	int *def = malloc((nt + 1) * sizeof *def);
	int *end = malloc((nt + 1) * sizeof *end);
	int *phys = malloc((nt + 1) * sizeof *phys);
	unsigned *order = malloc((nt + 1) * sizeof *order);
	if (!def || !end || !phys || !order)
		goto out;
	for (unsigned t = 0; t < nt; t++) {
		def[t] = -1;
		end[t] = -1;
		phys[t] = -1;
	}
	for (unsigned i = 0; i < b->nops; i++) {
		const struct ir_op *o = &b->ops[i];
		if (o->dead)
			continue;
		if (o->dst != VREG_NONE && o->dst >= VREG_TEMP) {
			unsigned t = o->dst - VREG_TEMP;
			def[t] = o->cycle;
			unsigned l = 1;  /* conservatively, the write completes one cycle later at least */
			if (end[t] < o->cycle + (int)l)
				end[t] = o->cycle + (int)l;
		}
		uint16_t srcs[2] = {o->a, (o->use_imm || o->op == OP_LDP) ? (uint16_t)VREG_NONE : o->b};
		for (int k = 0; k < 2; k++) {
			if (srcs[k] == VREG_NONE || srcs[k] < VREG_TEMP)
				continue;
			unsigned t = srcs[k] - VREG_TEMP;
			if (end[t] < o->cycle)
				end[t] = o->cycle;
		}
	}
	/* a region's side-exit stub reads its values after the branch's bundle */
	for (unsigned i = 0; i < b->nops; i++) {
		const struct ir_side *sd = b->ops[i].dead ? NULL : ir_op_side(b, &b->ops[i]);
		for (unsigned r = 0; sd && r < IR_SIDE_VREGS; r++) {
			unsigned v = ir_side_vreg(sd, r);
			if (v != VREG_NONE && v >= VREG_TEMP && end[v - VREG_TEMP] < b->ops[i].cycle + 1)
				end[v - VREG_TEMP] = b->ops[i].cycle + 1;
		}
	}
	unsigned n = 0;
	for (unsigned t = 0; t < nt; t++)
		if (def[t] >= 0)
			order[n++] = t;
	/* insertion sort by definition cycle (blocks are small) */
	for (unsigned i = 1; i < n; i++) {
		unsigned v = order[i];
		unsigned j = i;
		while (j > 0 && def[order[j - 1]] > def[v]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}
	int busy_until[ISA_NREGS];
	for (int r = 0; r < ISA_NREGS; r++)
		busy_until[r] = -1;
	for (unsigned k = 0; k < n; k++) {
		unsigned t = order[k];
		int got = -1;
		for (int r = R_FIRST_TEMP; r < ISA_NREGS && got < 0; r++)
			if (busy_until[r] <= def[t] && !(mc->bad_regs >> r & 1))
				got = r;
		if (got < 0)
			goto out;
		phys[t] = got;
		busy_until[got] = end[t];
	}
	for (unsigned i = 0; i < b->nops; i++) {
		struct ir_op *o = &b->ops[i];
		if (o->dead)
			continue;
		o->pd = (uint8_t)(o->dst == VREG_NONE ? 0 : o->dst >= VREG_TEMP ? phys[o->dst - VREG_TEMP] : o->dst);
		o->pa = (uint8_t)(o->a == VREG_NONE ? 0 : o->a >= VREG_TEMP ? phys[o->a - VREG_TEMP] : o->a);
		if (o->op == OP_LDP)
			o->pb = (uint8_t)o->b;
		else
			o->pb = (uint8_t)(o->b == VREG_NONE || o->use_imm ? 0 : o->b >= VREG_TEMP ? phys[o->b - VREG_TEMP] : o->b);
	}
	rc = 0;
out:
	free(def);
	free(end);
	free(phys);
	free(order);
	return rc;
}

int ir_pick_temps(const struct ir_machine *mc, unsigned n, unsigned *out)
{
	unsigned got = 0;
	for (unsigned r = R_FIRST_TEMP; r < ISA_NREGS && got < n; r++)
		if (!(mc->bad_regs >> r & 1))
			out[got++] = r;
	return got == n ? 0 : -1;
}
