// hw-sim/rtl/cdvm_div.sv — the divider: rows DIVU DIVS REMU REMS XDIVU
// XREMU XDIVS XREMS of native-isa/isa.def, iterative, one quotient bit per
// clock (restoring division of magnitudes; the signs are fixed at the end).
//
// Semantics: the divu, divs and xdiv bodies of hw-sim/atoms.h.  divu/remu
// divide a by b, divs/rems likewise signed (C truncation: the quotient
// rounds toward zero, the remainder takes the dividend's sign); the x forms
// divide the 64-bit EDX:a by b as x86 DIV / IDIV r/m32.  A divide fault is
//   - b = 0 (every row),
//   - a quotient that does not fit in 32 bits: unsigned, EDX:a / b >= 2^32;
//     signed, outside [-2^31, 2^31 - 1] (divs: only INT_MIN / -1; xdivs
//     also INT64_MIN / -1).  The remainder rows fault exactly as their
//     quotient rows.
// b = 0, and any quotient of 2^32 or more in magnitude (the dividend's
// high word is at least the divisor's magnitude), are decided at start;
// the signed range is checked on the finished quotient.
//
// Timing (host-side, not the simulated latency): the clock edge that sees
// `start` latches the operands; 32 edges divide, one fixes the signs and
// raises `done` with `result` and `fault`, which hold until the next start.
// A fault decided at start raises `done` at the next edge.  `busy` is high
// while dividing; a start while busy abandons the division under way.
// Reset (rst_n low, asynchronous) leaves the unit idle: busy, done 0.
//
//   start <= 1 (one cycle, with op a b edx); wait for done; result / fault
module cdvm_div
  import cdvm_isa_pkg::*;
(
  input  logic        clk,
  input  logic        rst_n,
  input  logic        start,   // one-cycle pulse: latch op/a/b/edx and begin
  input  logic [6:0]  op,      // DIVU DIVS REMU REMS XDIVU XREMU XDIVS XREMS
  input  logic [31:0] a,
  input  logic [31:0] b,
  input  logic [31:0] edx,     // xdiv*: dividend edx:a
  output logic        busy,
  output logic        done,    // high from the cycle the result is valid until the next start
  output logic [31:0] result,
  output logic        fault    // divide fault, as atoms.h's divu/divs/xdiv bodies decide
);

  typedef enum logic [1:0] {S_IDLE, S_RUN, S_FIX, S_DONE} state_t;

  // ---- at start: the operation and the magnitudes ----------------------------
  logic        s_wide, s_signed, s_rem;   // x forms, signed rows, remainder rows
  logic [63:0] s_n, s_nmag;               // dividend, and its magnitude
  logic [31:0] s_dmag;                    // divisor's magnitude
  logic        s_nneg, s_dneg, s_fault;

  assign s_wide   = op == OP_XDIVU || op == OP_XREMU || op == OP_XDIVS || op == OP_XREMS;
  assign s_signed = op == OP_DIVS || op == OP_REMS || op == OP_XDIVS || op == OP_XREMS;
  assign s_rem    = op == OP_REMU || op == OP_REMS || op == OP_XREMU || op == OP_XREMS;
  assign s_n      = s_wide ? {edx, a} : {s_signed ? {32{a[31]}} : 32'b0, a};
  assign s_nneg   = s_signed && s_n[63];
  assign s_dneg   = s_signed && b[31];
  assign s_nmag   = s_nneg ? 64'b0 - s_n : s_n;        // INT64_MIN: 2^63, unsigned
  assign s_dmag   = s_dneg ? 32'b0 - b : b;            // INT_MIN: 2^31, unsigned
  // the quotient's magnitude is below 2^32 iff the dividend's high word is
  // below the divisor: then 32 steps find it (32-bit rows: high word 0)
  assign s_fault  = b == 32'b0 || s_nmag[63:32] >= s_dmag;

  // ---- the division ------------------------------------------------------------
  state_t      state;
  logic [4:0]  steps;          // steps left - 1
  logic [31:0] d;              // divisor's magnitude
  logic [31:0] rem;            // partial remainder, below d
  logic [31:0] quo;            // dividend bits not yet used, then quotient bits
  logic        q_neg, r_neg, signed_op, rem_op;

  // one restoring step: bring down the next dividend bit; subtract d if it goes
  logic [32:0] trial;
  logic        fits;
  assign trial = {rem, quo[31]};
  assign fits  = trial >= {1'b0, d};

  // the signed quotient's range: [-2^31, 2^31 - 1]
  logic        overflow;
  assign overflow = signed_op && (q_neg ? quo > 32'h8000_0000 : quo[31]);

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      state     <= S_IDLE;
      steps     <= 5'd0;
      d         <= 32'b0;
      rem       <= 32'b0;
      quo       <= 32'b0;
      q_neg     <= 1'b0;
      r_neg     <= 1'b0;
      signed_op <= 1'b0;
      rem_op    <= 1'b0;
      result    <= 32'b0;
      fault     <= 1'b0;
    end else if (start) begin
      d         <= s_dmag;
      rem       <= s_nmag[63:32];
      quo       <= s_nmag[31:0];
      q_neg     <= s_nneg ^ s_dneg;
      r_neg     <= s_nneg;
      signed_op <= s_signed;
      rem_op    <= s_rem;
      steps     <= 5'd31;
      result    <= 32'b0;
      fault     <= s_fault;
      state     <= s_fault ? S_DONE : S_RUN;
    end else begin
      case (state)
        S_RUN: begin
          rem   <= fits ? 32'(trial - {1'b0, d}) : trial[31:0];
          quo   <= {quo[30:0], fits};
          steps <= steps - 5'd1;
          if (steps == 5'd0)
            state <= S_FIX;
        end
        S_FIX: begin
          if (overflow)
            fault <= 1'b1;
          else if (rem_op)
            result <= r_neg ? 32'b0 - rem : rem;
          else
            result <= q_neg ? 32'b0 - quo : quo;
          state <= S_DONE;
        end
        default: ;             // S_IDLE, S_DONE: hold
      endcase
    end
  end

  assign busy = state == S_RUN || state == S_FIX;
  assign done = state == S_DONE;

endmodule
