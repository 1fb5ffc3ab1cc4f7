// tests/rtl/units_top.sv — the three integer units side by side for the
// differential test (tests/rtl/units_tb.cpp): one set of atom inputs drives
// the ALU, the multiplier and the divider; each unit's outputs are ports.
module units_top
  import cdvm_isa_pkg::*;
(
  input  logic        clk,
  input  logic        rst_n,
  input  logic [6:0]  op,
  input  logic [3:0]  x,
  input  logic        use_imm,
  input  logic [31:0] a,
  input  logic [31:0] b,
  input  logic [31:0] rbv,
  input  logic [31:0] imm,
  input  logic [31:0] flags_in,
  input  logic [31:0] edx,
  input  logic        start,
  output logic [31:0] alu_result,
  output logic [31:0] alu_flags_out,
  output logic [31:0] mul_result,
  output logic [31:0] mul_flags_out,
  output logic        div_busy,
  output logic        div_done,
  output logic [31:0] div_result,
  output logic        div_fault
);

  cdvm_alu alu (.op, .x, .use_imm, .a, .b, .rbv, .imm, .flags_in,
                .result(alu_result), .flags_out(alu_flags_out));

  cdvm_mul mul (.op, .x, .use_imm, .a, .b, .flags_in,
                .result(mul_result), .flags_out(mul_flags_out));

  cdvm_div div (.clk, .rst_n, .start, .op, .a, .b, .edx,
                .busy(div_busy), .done(div_done), .result(div_result), .fault(div_fault));

endmodule
