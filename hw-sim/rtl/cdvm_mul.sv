// hw-sim/rtl/cdvm_mul.sv — the multiplier: rows MUL MULHU MULHS MULF IMULF
// of native-isa/isa.def (the U_MUL rows that are not divides, which
// cdvm_div does), combinational (the core registers the result for the
// row's latency).
//
// mul, mulhu, mulhs are their bodies in hw-sim/atoms.h; mulf and imulf are
// xfi_mul of native-isa/xflags_inline.h at the width of field x: the low
// part of the product, CF = OF = the upper half is significant, SF and PF
// from the low part, ZF and AF cleared (the SDM's undefined flags as cdvm
// defines them).  One 64-bit product serves every row: the operands
// zero-extended (mul, mulhu, mulf) or sign-extended (mulhs, imulf).  Any
// other opcode gives result 0 and flags_out = flags_in.
module cdvm_mul
  import cdvm_isa_pkg::*;
  import cdvm_rtl_pkg::*;
(
  input  logic [6:0]  op,        // OP_MUL OP_MULHU OP_MULHS OP_MULF OP_IMULF
  input  logic [3:0]  x,         // mulf, imulf: operand width (0 = 32, 1 = 8, 2 = 16 bits)
  input  logic        use_imm,   // operand b is the immediate (changes nothing here)
  input  logic [31:0] a,         // value of ra
  input  logic [31:0] b,         // operand b: imm if use_imm else value of rb
  input  logic [31:0] flags_in,  // FLAGS (r9) before the bundle
  output logic [31:0] result,
  output logic [31:0] flags_out  // new FLAGS image for mulf, imulf; flags_in for the others
);

  // xf_eval_imm differs from xf_eval only for rotates: the multiplier
  // takes use_imm for a port list like the ALU's and needs nothing of it
  // (Verilator does not report signals named unused*).
  logic unused_use_imm;
  assign unused_use_imm = use_imm;

  logic        flag_op, signed_op;
  logic [3:0]  w;              // width of the product's operands: x for mulf/imulf, else 32 bits
  logic [31:0] m, ea, eb;      // width mask, operands extended to 32 bits at width w
  logic [63:0] p;              // the product, exact: |operands| < 2^32
  logic [31:0] lo, lo_sext;
  logic        wide;           // the product does not fit in its low part

  assign flag_op   = op == OP_MULF || op == OP_IMULF;
  assign signed_op = op == OP_MULHS || op == OP_IMULF;
  assign w         = flag_op ? x : 4'd0;
  assign m         = width_mask(w);
  assign ea        = signed_op ? sext(a, w) : a & m;
  assign eb        = signed_op ? sext(b, w) : b & m;
  assign p         = signed_op ? {{32{ea[31]}}, ea} * {{32{eb[31]}}, eb} : {32'b0, ea} * {32'b0, eb};
  assign lo        = p[31:0] & m;
  assign lo_sext   = sext(lo, w);
  // MUL: any product bit at or above the width; IMUL: the product differs
  // from its low part sign-extended
  assign wide      = signed_op ? p != {{32{lo_sext[31]}}, lo_sext} : (p & ~{32'b0, m}) != 64'b0;

  always_comb begin
    result    = 32'b0;
    flags_out = flags_in;
    case (op)
      OP_MUL:   result = p[31:0];
      OP_MULHU, OP_MULHS: result = p[63:32];
      OP_MULF, OP_IMULF: begin
        result    = lo;
        flags_out = (flags_in & ~FL_STATUS) | flag(FL_PF, parity(lo[7:0])) | flag(FL_SF, msb(lo, w)) |
                    flag(FL_CF, wide) | flag(FL_OF, wide);
      end
      default: ;
    endcase
  end

endmodule
