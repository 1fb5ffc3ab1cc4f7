// hw-sim/rtl/cdvm_rtl_pkg.sv — what the RTL's units share: the x86 EFLAGS
// bits, the operand widths of the flag atoms, the SF/ZF/PF of a result, and
// the x86 condition codes (cond_holds: sel, set, and the core's branch unit).
//
// The semantics are the C model's: native-isa/xflags.h (EFLAGS bits, the
// tttn conditions of xf_cond), native-isa/xflags_inline.h (xfi_parity,
// xfi_szp, xfi_mask, xfi_sext) and native-isa/isa_priv.h (isa_width_bytes:
// field x of a flag atom is 0 = 32 bits, 1 = 8, 2 = 16; anything else reads
// as 32 there, and so it does here).
//
//   import cdvm_rtl_pkg::*;
//   taken = cond_holds(x, flags);            // x86 Jcc/SETcc/CMOVcc condition x
//   flags = keep | szp(result, x);            // SF ZF PF of a result of width x
// Not every unit (nor the core) uses every name of a shared package; the
// generated cdvm_isa_pkg says the same:
/* verilator lint_off UNUSEDPARAM */
package cdvm_rtl_pkg;

  // EFLAGS bit positions (Intel SDM vol. 1, 3.4.3)
  localparam int FL_CF = 0, FL_PF = 2, FL_AF = 4, FL_ZF = 6, FL_SF = 7, FL_OF = 11;
  // the six status flags an arithmetic operation defines
  localparam logic [31:0] FL_STATUS = 32'h0000_08d5;

  // Operand width of a flag atom's x field (isa_width_bytes).
  function automatic logic is_w8(logic [3:0] x);
    return x == 4'd1;
  endfunction

  function automatic logic is_w16(logic [3:0] x);
    return x == 4'd2;
  endfunction

  // The bits of an operand of width x (xfi_mask).
  function automatic logic [31:0] width_mask(logic [3:0] x);
    return is_w8(x) ? 32'h0000_00ff : is_w16(x) ? 32'h0000_ffff : 32'hffff_ffff;
  endfunction

  // The position of the sign bit at width x: 7, 15 or 31.
  function automatic logic [4:0] sign_pos(logic [3:0] x);
    return is_w8(x) ? 5'd7 : is_w16(x) ? 5'd15 : 5'd31;
  endfunction

  // The sign bit of v at width x, and the bit below it.
  function automatic logic msb(logic [31:0] v, logic [3:0] x);
    return v[sign_pos(x)];
  endfunction

  function automatic logic msb2(logic [31:0] v, logic [3:0] x);
    return v[sign_pos(x) - 5'd1];
  endfunction

  // v's low x-width bits sign-extended to 32 (xfi_sext).
  function automatic logic [31:0] sext(logic [31:0] v, logic [3:0] x);
    return is_w8(x) ? {{24{v[7]}}, v[7:0]} : is_w16(x) ? {{16{v[15]}}, v[15:0]} : v;
  endfunction

  // PF: the low byte of the result holds an even number of ones.
  function automatic logic parity(logic [7:0] v);
    return ~^v;
  endfunction

  // A flags image with only bit `pos` = v.
  function automatic logic [31:0] flag(int pos, logic v);
    return {31'b0, v} << pos;
  endfunction

  // SF ZF PF of a result r of width x (r has no bits above the width).
  function automatic logic [31:0] szp(logic [31:0] r, logic [3:0] x);
    return flag(FL_PF, parity(r[7:0])) | flag(FL_ZF, r == 32'b0) | flag(FL_SF, msb(r, x));
  endfunction

  // x86 condition code tttn (0 O, 1 NO, 2 B, 3 AE, 4 E, 5 NE, 6 BE, 7 A,
  // 8 S, 9 NS, 10 P, 11 NP, 12 L, 13 GE, 14 LE, 15 G) on FLAGS (xf_cond);
  // bit 0 negates.
  function automatic logic cond_holds(logic [3:0] cc, logic [31:0] flags);
    logic r;
    case (cc[3:1])
      3'd0: r = flags[FL_OF];
      3'd1: r = flags[FL_CF];
      3'd2: r = flags[FL_ZF];
      3'd3: r = flags[FL_CF] | flags[FL_ZF];
      3'd4: r = flags[FL_SF];
      3'd5: r = flags[FL_PF];
      3'd6: r = flags[FL_SF] ^ flags[FL_OF];
      default: r = flags[FL_ZF] | (flags[FL_SF] ^ flags[FL_OF]);
    endcase
    return r ^ cc[0];
  endfunction

endpackage
/* verilator lint_on UNUSEDPARAM */
