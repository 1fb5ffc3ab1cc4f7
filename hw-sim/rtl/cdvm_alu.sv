// hw-sim/rtl/cdvm_alu.sv — the integer ALU: every U_ALU row of
// native-isa/isa.def, combinational (the core registers the result for the
// row's latency).
//
// What each row computes is its body in hw-sim/atoms.h (add .. setc, lea,
// ext, dep); the flag atoms ADDF .. RCRF compute xf_eval (xf_eval_imm when
// use_imm) of native-isa/xflags_inline.h at the width of field x, including
// every flag the SDM leaves undefined as cdvm defines it there.  FSTK, FIP,
// FDP and FMV are U_ALU rows that change only FPU state: result 0, FLAGS
// kept (FMV's FPU register value is the C model's: cdvm_core).
// Any other opcode gives result 0 and flags_out = flags_in.
//
//   cdvm_alu alu (.op, .x, .use_imm, .a(rav), .b(use_imm ? imm : rbv), .rbv, .imm,
//                 .flags_in(r9), .result, .flags_out);
//
// flags_out is the new FLAGS image for the flag atoms (P_WFLAGS) and equals
// flags_in for every other row, so the core may write it back whenever the
// row's properties say so.
module cdvm_alu
  import cdvm_isa_pkg::*;
  import cdvm_rtl_pkg::*;
(
  input  logic [6:0]  op,        // OP_*; any U_ALU row
  input  logic [3:0]  x,         // the atom's x field (width / condition / scale)
  input  logic        use_imm,   // operand b is the immediate
  input  logic [31:0] a,         // value of ra
  input  logic [31:0] b,         // operand b: imm if use_imm else value of rb
  input  logic [31:0] rbv,       // value of register rb (lea and dep read rb although the format has an imm)
  input  logic [31:0] imm,       // the immediate (lea displacement, ext/dep pos | len << 8)
  input  logic [31:0] flags_in,  // FLAGS (r9) before the bundle
  output logic [31:0] result,
  output logic [31:0] flags_out  // new FLAGS image for flag atoms (ADDF..RCRF); flags_in for others
);

  // ---- helpers ---------------------------------------------------------------

  // count of leading / trailing zero bits, 32 for 0 (atoms.h clz, ctz)
  function automatic logic [31:0] clz32(logic [31:0] v);
    logic [5:0] n;
    n = 6'd32;
    for (int i = 0; i < 32; i++)
      if (v[i]) n = 6'(31 - i);     // the highest set bit assigns last
    return {26'b0, n};
  endfunction

  function automatic logic [31:0] ctz32(logic [31:0] v);
    logic [5:0] n;
    n = 6'd32;
    for (int i = 31; i >= 0; i--)
      if (v[i]) n = 6'(i);          // the lowest set bit assigns last
    return {26'b0, n};
  endfunction

  // a count c (0..31) modulo width + 1: how far RCL/RCR rotate the
  // (width + 1)-bit quantity CF:a (xfi_rotate)
  function automatic logic [4:0] rc_count(logic [4:0] c, logic [3:0] w);
    if (is_w8(w))
      return c >= 5'd27 ? c - 5'd27 : c >= 5'd18 ? c - 5'd18 : c >= 5'd9 ? c - 5'd9 : c;
    if (is_w16(w))
      return c >= 5'd17 ? c - 5'd17 : c;
    return c;
  endfunction

  // ---- operands at width x (flag atoms) --------------------------------------
  logic [31:0] m, am, bm;      // width mask, a and b at width x
  logic [5:0]  wbits;          // 8, 16 or 32
  logic        cf_in;
  logic [31:0] keep;           // FLAGS without the status flags
  logic [4:0]  cnt;            // shift / rotate count: b & 31

  assign m     = width_mask(x);
  assign am    = a & m;
  assign bm    = b & m;
  assign wbits = is_w8(x) ? 6'd8 : is_w16(x) ? 6'd16 : 6'd32;
  assign cf_in = flags_in[FL_CF];
  assign keep  = flags_in & ~FL_STATUS;
  assign cnt   = b[4:0];

  // ---- adder / subtractor: ADDF ADCF SUBF SBBF INCF DECF NEGF -----------------
  // xfi_add_flags / xfi_sub_flags on operands as_a, as_b and carry-in as_cin.
  logic [31:0] as_a, as_b, as_r, as_flags;
  logic        as_cin, as_sub, as_cout, as_of;
  logic [32:0] as_sum;         // bit 32: borrow of a subtraction at any width

  always_comb begin
    as_a   = am;
    as_b   = bm;
    as_cin = 1'b0;
    as_sub = 1'b0;
    case (op)
      OP_ADCF: as_cin = cf_in;
      OP_SUBF: as_sub = 1'b1;
      OP_SBBF: begin as_sub = 1'b1; as_cin = cf_in; end
      OP_INCF: as_b = 32'd1;
      OP_DECF: begin as_sub = 1'b1; as_b = 32'd1; end
      OP_NEGF: begin as_sub = 1'b1; as_a = 32'd0; as_b = am; end  // 0 - a, CF = a != 0
      default: ;
    endcase
    as_sum = as_sub ? {1'b0, as_a} - {1'b0, as_b} - {32'b0, as_cin}
                    : {1'b0, as_a} + {1'b0, as_b} + {32'b0, as_cin};
    as_r    = as_sum[31:0] & m;
    // operands below 2^width: an addition carries into bit `width`, a
    // subtraction borrows iff the 33-bit difference is negative
    as_cout = as_sub ? as_sum[32] : as_sum[wbits];
    as_of   = as_sub ? msb((as_a ^ as_b) & (as_a ^ as_r), x)    // operands' signs differ, result's differs from a
                     : msb((as_a ^ as_r) & (as_b ^ as_r), x);   // operands' signs agree, result's differs
    as_flags = szp(as_r, x) | flag(FL_CF, as_cout) | flag(FL_AF, as_a[4] ^ as_b[4] ^ as_r[4]) |
               flag(FL_OF, as_of);
  end

  // ---- shifter: SHLF SHRF SARF (xfi_shift) --------------------------------------
  // the operand shifted by count - 1 leaves CF at its edge; one more step
  // gives the result.  OF (undefined for counts > 1) is that of the first
  // step: SHL msb ^ msb-1, SHR msb, SAR 0; AF cleared.
  logic [31:0] sh_t, sh_s, sh_r, sh_flags;
  logic        sh_cf, sh_of;
  logic [4:0]  cnt1;

  assign cnt1 = cnt - 5'd1;    // unused when cnt = 0

  always_comb begin
    case (op)
      OP_SHLF: begin
        sh_t  = am << cnt1;
        sh_s  = 32'b0;
        sh_cf = msb(sh_t, x);
        sh_r  = (sh_t << 1) & m;
        sh_of = msb(am, x) ^ msb2(am, x);
      end
      OP_SHRF: begin
        sh_t  = am >> cnt1;
        sh_s  = 32'b0;
        sh_cf = sh_t[0];
        sh_r  = sh_t >> 1;
        sh_of = msb(am, x);
      end
      default: begin           // OP_SARF
        // two statements: inside `& m` the shift would be unsigned (logical)
        sh_t  = $signed(sext(a, x)) >>> cnt1;
        sh_s  = $signed(sh_t) >>> 1;
        sh_cf = sh_t[0];
        sh_r  = sh_s & m;
        sh_of = 1'b0;
      end
    endcase
    sh_flags = keep | szp(sh_r, x) | flag(FL_CF, sh_cf) | flag(FL_OF, sh_of);
    if (cnt == 5'd0) begin     // a count of 0 changes nothing
      sh_r     = am;
      sh_flags = flags_in;
    end
  end

  // ---- rotator: ROLF RORF RCLF RCRF (xfi_rotate, xf_eval_imm) ------------------
  // ROL/ROR rotate by count mod width, RCL/RCR rotate CF:a by count mod
  // (width + 1); only CF and OF change.  OF (undefined for counts > 1) is
  // that of the first step: ROL, RCL msb ^ msb-1, ROR msb ^ lsb, RCR
  // msb ^ CF; an immediate count > 1 keeps OF for ROL/ROR (the C0/C1 form).
  logic [4:0]  ro_k;
  logic [32:0] ro_v, ro_vr;    // CF:a (width + 1 bits) and it rotated; bits above CF are junk
  logic [31:0] ro_r, ro_flags;
  logic        ro_cf, ro_of, ro_same;

  always_comb begin
    ro_v  = {1'b0, am} | ({32'b0, cf_in} << wbits);
    ro_vr = 33'b0;
    case (op)
      OP_ROLF: begin
        ro_k  = cnt & 5'(wbits - 6'd1);
        ro_r  = ((am << ro_k) | (am >> (wbits - {1'b0, ro_k}))) & m;
        ro_cf = ro_r[0];
        ro_of = msb(am, x) ^ msb2(am, x);
      end
      OP_RORF: begin
        ro_k  = cnt & 5'(wbits - 6'd1);
        ro_r  = ((am >> ro_k) | (am << (wbits - {1'b0, ro_k}))) & m;
        ro_cf = msb(ro_r, x);
        ro_of = msb(am, x) ^ am[0];
      end
      OP_RCLF: begin
        ro_k  = rc_count(cnt, x);
        ro_vr = (ro_v << ro_k) | (ro_v >> (wbits + 6'd1 - {1'b0, ro_k}));
        ro_r  = ro_vr[31:0] & m;
        ro_cf = ro_vr[wbits];
        ro_of = msb(am, x) ^ msb2(am, x);
      end
      default: begin           // OP_RCRF
        ro_k  = rc_count(cnt, x);
        ro_vr = (ro_v >> ro_k) | (ro_v << (wbits + 6'd1 - {1'b0, ro_k}));
        ro_r  = ro_vr[31:0] & m;
        ro_cf = ro_vr[wbits];
        ro_of = msb(am, x) ^ cf_in;
      end
    endcase
    if (use_imm && (op == OP_ROLF || op == OP_RORF) && cnt > 5'd1)
      ro_of = flags_in[FL_OF];
    ro_flags = (flags_in & ~(flag(FL_CF, 1'b1) | flag(FL_OF, 1'b1))) | flag(FL_CF, ro_cf) |
               flag(FL_OF, ro_of);
    // a count of 0, or RCL/RCR by a multiple of width + 1, changes nothing
    ro_same = cnt == 5'd0 || ((op == OP_RCLF || op == OP_RCRF) && ro_k == 5'd0);
    if (ro_same) begin
      ro_r     = am;
      ro_flags = flags_in;
    end
  end

  // ---- bit fields: EXTU EXTS DEP, imm = pos | len << 8 ------------------------
  // (the decoder admits 1 <= len <= 32, pos + len <= 32 only)
  logic [4:0]  bf_pos, bf_top;
  logic [5:0]  bf_len;
  logic [31:0] bf_mask, bf_field, bf_ext, bf_dep;

  assign bf_pos   = imm[4:0];
  assign bf_len   = imm[13:8];
  assign bf_top   = 5'(bf_len - 6'd1);
  assign bf_mask  = 32'hffff_ffff >> (6'd32 - bf_len);       // len ones
  assign bf_field = (a >> bf_pos) & bf_mask;
  // exts: the field's top bit fills the bits above it (none when len = 32)
  assign bf_ext   = op == OP_EXTS && bf_field[bf_top] ? bf_field | ~bf_mask : bf_field;
  assign bf_dep   = (a & ~(bf_mask << bf_pos)) | ((rbv << bf_pos) & (bf_mask << bf_pos));

  // ---- the row's result ------------------------------------------------------
  always_comb begin
    result    = 32'b0;
    flags_out = flags_in;
    case (op)
      OP_ADD:   result = a + b;
      OP_SUB:   result = a - b;
      OP_AND:   result = a & b;
      OP_OR:    result = a | b;
      OP_XOR:   result = a ^ b;
      OP_SHL:   result = a << cnt;
      OP_SHR:   result = a >> cnt;
      OP_SAR:   result = $signed(a) >>> cnt;
      OP_ROL:   result = (a << cnt) | (a >> (6'd32 - {1'b0, cnt}));
      OP_ROR:   result = (a >> cnt) | (a << (6'd32 - {1'b0, cnt}));
      OP_SEQ:   result = {31'b0, a == b};
      OP_SNE:   result = {31'b0, a != b};
      OP_SLT:   result = {31'b0, $signed(a) < $signed(b)};
      OP_SLTU:  result = {31'b0, a < b};
      OP_MOV:   result = b;
      OP_LEA:   result = a + (rbv << x) + imm;
      OP_EXTU, OP_EXTS: result = bf_ext;
      OP_DEP:   result = bf_dep;
      OP_BSWAP: result = {a[7:0], a[15:8], a[23:16], a[31:24]};
      OP_CLZ:   result = clz32(a);
      OP_CTZ:   result = ctz32(a);
      OP_SEL:   result = cond_holds(x, flags_in) ? a : b;
      OP_SETC:  result = {31'b0, cond_holds(x, flags_in)};

      OP_ADDF, OP_ADCF, OP_SUBF, OP_SBBF, OP_NEGF: begin
        result    = as_r;
        flags_out = keep | as_flags;
`ifdef CDVM_RTL_BROKEN_PF
        // a deliberately broken unit (docs/rtl.md, tests/scripts/70-rtl.sh):
        // PF of ADDF inverted, which the lockstep must catch and report
        if (op == OP_ADDF) flags_out = flags_out ^ flag(FL_PF, 1'b1);
`endif
      end
      OP_INCF, OP_DECF: begin  // CF kept
        result    = as_r;
        flags_out = keep | flag(FL_CF, cf_in) | (as_flags & ~flag(FL_CF, 1'b1));
      end
      // CF = OF = 0; AF undefined: cleared
      OP_ANDF: begin result = am & bm; flags_out = keep | szp(am & bm, x); end
      OP_ORF:  begin result = am | bm; flags_out = keep | szp(am | bm, x); end
      OP_XORF: begin result = am ^ bm; flags_out = keep | szp(am ^ bm, x); end
      OP_SHLF, OP_SHRF, OP_SARF: begin
        result    = sh_r;
        flags_out = sh_flags;
      end
      OP_ROLF, OP_RORF, OP_RCLF, OP_RCRF: begin
        result    = ro_r;
        flags_out = ro_flags;
      end
      // OP_FSTK, OP_FIP, OP_FDP, OP_FMV: FPU state only
      default: ;
    endcase
  end

endmodule
