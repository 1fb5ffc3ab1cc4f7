// cdvm_core: the execution core of the cdvm chip (docs/rtl.md).
//
// One bundle per step.  The testbench (hw-sim/rtl/rtl_model.cpp) presents the
// bundle's words as the L1I delivers them, the cycles the fetch stalled, and
// for every memory atom the answer of the memory system (TLB, caches and
// memory stay in C: the physical pieces of the access, the bytes memory held
// there, the cycles the access stalled the pipeline, or the fault the
// translation raised).  The core decodes the bundle (the opcode tables are
// cdvm_isa_pkg, generated from native-isa/isa.def), checks it against the
// configured width and the enabled units, waits on its scoreboard, routes
// each atom to the i-th enabled unit of its class, executes, and either
// faults (first faulting slot wins; the x86 state rolls back to the shadow
// copies, the store buffer and alias table empty) or writes back: registers
// with their ready times, FLAGS, stores into the gated store buffer with
// byte-wise forwarding to later loads, protected loads into the alias
// table, commit (shadows, store release, alias clear), branch or exit.
//
// Time: the core counts cycles (`now`) as hw-sim does; a stall is a jump of
// the counter, not clocks spent (nothing else changes state while the
// pipeline stalls, so the two are equivalent and the simulation stays one
// clock per bundle).  The scoreboard holds, per register, the cycles left
// until its value is ready, relative to `now`.  A bundle with a divide takes
// extra clocks while the iterative dividers run.
//
// FPU atoms: their values (and fcmpi's FLAGS, and FPU faults) come from the
// C model through fpu_* inputs: the FPU datapath is not in this RTL; its
// timing (unit class, latency, FPU register scoreboard) is.  rdcr values
// come from the C model the same way (the counters live there).
module cdvm_core import cdvm_isa_pkg::*; #(
  parameter int MAXU = 16,              // units of a class the fault ports address (core.units.* <= 16)
  parameter int WIDTH = 4,
  parameter int N_ALU = 2, parameter int N_MEM = 1, parameter int N_MUL = 1,
  parameter int N_BR = 1, parameter int N_FPU = 1,
  parameter int LAT_ALU = 1, parameter int LAT_MUL = 3, parameter int LAT_DIV = 20,
  parameter int LAT_LOAD = 2, parameter int LAT_CTL = 1, parameter int LAT_FADD = 3,
  parameter int LAT_FMUL = 5, parameter int LAT_FDIV = 20, parameter int LAT_FSQRT = 28,
  parameter int BRANCH_PENALTY = 2,
  parameter int SB_ENTRIES = 32,
  parameter int ALIAS_ENTRIES = 8,
  parameter int SIG_WORDS = 32
) (
  input  logic        clk,
  input  logic        rst_n,

  // ---- state load (the firmware ran in between: registers, ready times,
  // buffered stores and masks as the C model holds them) ----
  input  logic        load,
  input  logic [31:0] ld_r      [NREGS],
  input  logic [31:0] ld_shadow [NSHADOW],
  input  logic [31:0] ld_rdy    [NREGS],     // cycles until ready, from now
  input  logic [31:0] ld_frdy   [NFREGS],
  input  logic [31:0] ld_sb_addr [SB_ENTRIES],
  input  logic [31:0] ld_sb_val  [SB_ENTRIES],
  input  logic [2:0]  ld_sb_size [SB_ENTRIES],
  input  logic [12:0] ld_sb_n,
  input  logic [31:0] ld_alias_lo [ALIAS_ENTRIES],
  input  logic [31:0] ld_alias_hi [ALIAS_ENTRIES],
  input  logic [63:0] ld_alias_valid,
  input  logic [31:0] ld_unit_mask [U_COUNT],
  input  logic [63:0] ld_now,
  input  logic [U_COUNT*MAXU-1:0][31:0] ld_uf_flip,  // one-shot flips armed on each unit

  // ---- one bundle ----
  input  logic        start,
  input  logic [31:0] pc,
  input  logic [63:0] words [MAX_BUNDLE],   // the words at pc as fetched
  input  logic [4:0]  nwords,               // words before the end of memory (0..16)
  input  logic [31:0] fetch_stall,          // L1I miss cycles of this bundle
  // the memory system's answer for the memory atom in each slot
  input  logic [1:0]  m_status [WIDTH],     // MS_OK, MS_FAULT (memory fault), MS_PROT (protection)
  input  logic [31:0] m_pa     [WIDTH],     // physical address of the first piece
  input  logic [31:0] m_pa2    [WIDTH],     // ... of the second (a split access)
  input  logic [2:0]  m_n1     [WIDTH],     // bytes in the first piece
  input  logic [31:0] m_raw    [WIDTH],     // bytes memory holds there (loads), byte k at [8k+7:8k]
  input  logic [31:0] m_extra  [WIDTH],     // cycles the access stalls the pipeline (miss, walk)
  // the C model's answer for FPU atoms and rdcr
  input  logic [31:0] fpu_v     [WIDTH],
  input  logic [31:0] fpu_flags [WIDTH],
  input  logic        fpu_fault [WIDTH],
  // injected unit faults (hw-sim/chip_fault.c): unit u of class c is entry
  // c * MAXU + u; its result reads with these bits stuck at 1 / 0 (a
  // stuck-at fault, or an intermittent one inside its window at this issue
  // cycle), after the one-shot flips of uf_flip; detect_unit is the
  // residue check of faults.detect.unit
  input  logic [U_COUNT*MAXU-1:0][31:0] uf_set,
  input  logic [U_COUNT*MAXU-1:0][31:0] uf_clr,
  input  logic        detect_unit,

  // ---- what the bundle did (valid while done) ----
  output logic        done,
  output logic [3:0]  o_reason,      // RS_*
  output logic [4:0]  o_slot,
  output logic [31:0] o_addr,
  output logic [31:0] o_code,
  output logic [31:0] o_next_pc,
  output logic [31:0] o_issue,       // issue cycle - now before the bundle
  output logic [3:0]  o_illegal,     // IL_*: why a bundle is illegal
  output logic        o_commit,
  output logic [31:0] o_va [WIDTH],  // address each memory atom computed
  output logic [31:0] o_v  [WIDTH],  // each atom's result (a store: its value; wrcr: ra)
  output logic [4:0]  o_n,           // atoms in the bundle
  // stores released by a commit: sb_addr/sb_val/sb_size [0, o_rel_n) after it
  output logic [12:0] o_rel_n,

  // ---- state, for comparison ----
  output logic [31:0] r      [NREGS],
  output logic [31:0] shadow [NSHADOW],
  output logic [31:0] rdy    [NREGS],
  output logic [31:0] frdy   [NFREGS],
  output logic [31:0] sb_addr [SB_ENTRIES],
  output logic [31:0] sb_val  [SB_ENTRIES],
  output logic [2:0]  sb_size [SB_ENTRIES],
  output logic [12:0] sb_n,
  output logic [31:0] alias_lo [ALIAS_ENTRIES],
  output logic [31:0] alias_hi [ALIAS_ENTRIES],
  output logic [63:0] alias_valid,
  output logic [31:0] unit_mask [U_COUNT],
  output logic [U_COUNT*MAXU-1:0][31:0] uf_flip,   // flips not yet struck
  output logic [63:0] now
);
  import cdvm_rtl_pkg::*;

  localparam int NU [U_COUNT] = '{N_ALU, N_MEM, N_MUL, N_BR, N_FPU};
  localparam int SBW = SB_ENTRIES > 1 ? $clog2(SB_ENTRIES) : 1;    // store-buffer index bits
  localparam int AW = ALIAS_ENTRIES > 1 ? $clog2(ALIAS_ENTRIES) : 1;  // alias-entry index bits

  function automatic logic [7:0] clamp_lat(int l);
    return l > 255 ? 8'd255 : 8'(l);
  endfunction
  function automatic logic [7:0] lat_of(logic [3:0] cls);
    case (cls)
      L_ALU: return clamp_lat(LAT_ALU);
      L_MUL: return clamp_lat(LAT_MUL);
      L_DIV: return clamp_lat(LAT_DIV);
      L_LOAD: return clamp_lat(LAT_LOAD);
      L_CTL: return clamp_lat(LAT_CTL);
      L_FADD: return clamp_lat(LAT_FADD);
      L_FMUL: return clamp_lat(LAT_FMUL);
      L_FDIV: return clamp_lat(LAT_FDIV);
      L_FSQRT: return clamp_lat(LAT_FSQRT);
      default: return 8'd0;
    endcase
  endfunction
  function automatic logic [2:0] mx_size(logic [2:0] kind);
    case (kind)
      3'(MX_32): return 3'd4;
      3'(MX_U8), 3'(MX_S8): return 3'd1;
      3'(MX_U16), 3'(MX_S16): return 3'd2;
      default: return 3'd0;
    endcase
  endfunction
  function automatic logic [31:0] sat_sub(logic [31:0] v, logic [31:0] d);
    return v > d ? v - d : 32'd0;
  endfunction
  // a readable control register (hw-sim chip_read_cr)
  function automatic logic cr_readable(logic [31:0] num);
    return cr_fixed(num)
        || (num >= CR_CNT_BASE && num < CR_CNT_BASE + 2 * N_COUNTERS)
        || (num >= CR_SIG_BASE && num < CR_SIG_BASE + SIG_WORDS)
        || (num >= CR_DEPTH_BASE && num < CR_DEPTH_BASE + 96);
  endfunction
  function automatic logic bitfield_valid(logic [31:0] imm);
    logic [8:0] pos = {1'b0, imm[7:0]}, len = {1'b0, imm[15:8]};
    return imm[31:16] == 16'd0 && len >= 1 && len <= 32 && pos < 32 && pos + len <= 32;
  endfunction

  // ---- decode: every word the bundle may hold --------------------------------
  typedef struct packed {
    logic [6:0]  op;
    logic        stop;
    logic [5:0]  rd, ra, rb;
    logic [3:0]  x;
    logic        use_imm;
    logic [31:0] imm;
  } atom_t;

  // Only the first WIDTH words are decoded: a bundle with more atoms is
  // illegal whatever they hold (the cause reported is then "more atoms than
  // core.issue_width", where hw-sim may name a bad atom beyond the width).
  atom_t       at   [WIDTH];
  logic        ok   [WIDTH];   // decodes (isa_decode)
  logic [4:0]  fmt  [WIDTH];
  logic [2:0]  cls  [WIDTH];
  logic [15:0] prop [WIDTH];
  logic [15:0] fld  [WIDTH];
  logic [63:0] srcm [WIDTH];
  logic [63:0] dstm [WIDTH];
  logic [15:0] fsrcm [WIDTH];
  logic [15:0] fdstm [WIDTH];

  always_comb begin
    for (int k = 0; k < WIDTH; k++) begin
      logic [63:0] w;
      atom_t a;
      logic v;
      logic [15:0] xv;
      w = words[k];
      a.op = w[6:0]; a.stop = w[7]; a.rd = w[13:8]; a.ra = w[19:14]; a.rb = w[25:20];
      a.x = w[29:26]; a.use_imm = w[30]; a.imm = w[63:32];
      at[k] = a;
      fmt[k] = op_fmt(a.op);
      cls[k] = op_unit(a.op);
      prop[k] = op_props(a.op);
      fld[k] = op_fields(a.op);
      v = op_defined(a.op) && !w[31];
      if ((fld[k] & (FLD_RD | FLD_FD)) == 0 && a.rd != 0) v = 0;
      if ((fld[k] & (FLD_RA | FLD_FA)) == 0 && a.ra != 0) v = 0;
      if ((fld[k] & FLD_FD) != 0 && 32'(a.rd) >= NFREGS) v = 0;
      if ((fld[k] & FLD_FA) != 0 && 32'(a.ra) >= NFREGS) v = 0;
      if ((fld[k] & FLD_FB) != 0 && 32'(a.rb) >= NFREGS) v = 0;
      if ((fld[k] & FLD_X) == 0 && a.x != 0) v = 0;
      if ((fld[k] & FLD_B) != 0) begin
        if (a.use_imm ? a.rb != 0 : a.imm != 0) v = 0;
      end else begin
        if (a.use_imm) v = 0;
        if ((fld[k] & (FLD_RB | FLD_FB)) == 0 && a.rb != 0) v = 0;
        if ((fld[k] & FLD_IMM) == 0 && a.imm != 0) v = 0;
      end
      xv = op_xvalid(a.op);
      if ((fld[k] & FLD_X) != 0 && !xv[a.x]) v = 0;
      if ((fmt[k] == F_BF || fmt[k] == F_DEP) && !bitfield_valid(a.imm)) v = 0;
      if ((fmt[k] == F_J || fmt[k] == F_BC || fmt[k] == F_JR || fmt[k] == F_JAL) && a.imm[2:0] != 0) v = 0;
      if ((fmt[k] == F_RDCR || fmt[k] == F_WRCR) && a.imm > 32'hffff) v = 0;
      ok[k] = v;
      // registers read and written (hw-sim core.c add_atom)
      srcm[k] = 0;
      if ((fld[k] & FLD_RA) != 0) srcm[k][a.ra] = 1;
      if (((fld[k] & FLD_RB) != 0 || ((fld[k] & FLD_B) != 0 && !a.use_imm)) && fmt[k] != F_LDP) srcm[k][a.rb] = 1;
      if ((prop[k] & P_RFLAGS) != 0) srcm[k][R_FLAGS] = 1;
      if ((prop[k] & P_REDX) != 0) srcm[k][R_EDX] = 1;
      dstm[k] = 0;
      if ((fld[k] & FLD_RD) != 0 && a.rd != 0 && fmt[k] != F_STAM) dstm[k][a.rd] = 1;
      if ((prop[k] & P_WFLAGS) != 0) dstm[k][R_FLAGS] = 1;
      fsrcm[k] = 0;
      if ((fld[k] & FLD_FA) != 0) fsrcm[k][a.ra[3:0]] = 1;
      if ((fld[k] & FLD_FB) != 0) fsrcm[k][a.rb[3:0]] = 1;
      fdstm[k] = 0;
      if ((fld[k] & FLD_FD) != 0) fdstm[k][a.rd[3:0]] = 1;
    end
  end

  // ---- the bundle: its length, the machine checks, its masks ----------------
  localparam logic [3:0] IL_NONE = 0, IL_ALIGN = 1, IL_UNDECODABLE = 2, IL_ALIAS_ENTRY = 3, IL_FPU_TWICE = 4,
                         IL_REG_TWICE = 5, IL_CR = 6, IL_PAST_END = 7, IL_NO_STOP = 8, IL_WIDTH = 9,
                         IL_UNITS = 10;
  logic [4:0]  n;
  logic [3:0]  illegal;
  logic [63:0] b_src, b_dst;
  logic [15:0] b_fsrc, b_fdst;
  logic [5:0]  ccount [U_COUNT + 1];

  always_comb begin
    logic [63:0] dacc;
    logic [15:0] facc;
    logic stopped;
    n = 0;
    illegal = IL_NONE;
    if (pc[2:0] != 0) illegal = IL_ALIGN;
    b_src = 0; b_dst = 0; b_fsrc = 0; b_fdst = 0;
    dacc = 0; facc = 0;
    for (int u = 0; u <= U_COUNT; u++) ccount[u] = 0;
    stopped = 0;
    for (int k = 0; k < MAX_BUNDLE; k++) begin
      if (!stopped && k < 32'(nwords)) begin
        n = 5'(k + 1);
        if (k >= WIDTH) begin
          if (illegal == IL_NONE) illegal = IL_WIDTH;
        end else if (!ok[k]) begin
          if (illegal == IL_NONE) illegal = IL_UNDECODABLE;
        end else begin
          ccount[cls[k]] = ccount[cls[k]] + 1;
          if (fmt[k] == F_LDP && 32'(at[k].rb) >= ALIAS_ENTRIES && illegal == IL_NONE) illegal = IL_ALIAS_ENTRY;
          b_src = b_src | srcm[k];
          b_fsrc = b_fsrc | fsrcm[k];
          if ((fdstm[k] & facc) != 0 && illegal == IL_NONE) illegal = IL_FPU_TWICE;
          facc = facc | fdstm[k];
          if ((dstm[k] & dacc) != 0 && illegal == IL_NONE) illegal = IL_REG_TWICE;
          dacc = dacc | dstm[k];
          if (fmt[k] == F_WRCR && !cr_writable(at[k].imm) && illegal == IL_NONE) illegal = IL_CR;
          if (fmt[k] == F_RDCR && !cr_readable(at[k].imm) && illegal == IL_NONE) illegal = IL_CR;
        end
        if (words[k][7]) stopped = 1;
      end
    end
    b_dst = dacc;
    b_fdst = facc;
    b_src[0] = 0;
    if (!stopped && illegal == IL_NONE) illegal = 32'(nwords) < MAX_BUNDLE ? IL_PAST_END : IL_NO_STOP;
    if (32'(n) > WIDTH && illegal == IL_NONE) illegal = IL_WIDTH;
    for (int u = 0; u < U_COUNT; u++)
      if (32'(ccount[u]) > 32'($countones(unit_mask[u])) && illegal == IL_NONE) illegal = IL_UNITS;
  end

  // ---- scoreboard: the issue cycle ---------------------------------------------
  logic [31:0] t_issue;   // relative to now
  always_comb begin
    t_issue = fetch_stall;
    for (int i = 0; i < NREGS; i++)
      if ((b_src[i] || b_dst[i]) && rdy[i] > t_issue) t_issue = rdy[i];
    for (int i = 0; i < NFREGS; i++)
      if ((b_fsrc[i] || b_fdst[i]) && frdy[i] > t_issue) t_issue = frdy[i];
  end

  // ---- operands and unit routing ------------------------------------------------
  logic [31:0] va [WIDTH], vb [WIDTH], vrb [WIDTH];
  logic [4:0]  unit_of [WIDTH];        // which unit of its class executes the slot
  logic        live [WIDTH];           // slot holds an atom of this bundle
  always_comb begin
    for (int i = 0; i < WIDTH; i++) begin
      logic [5:0] rank;
      logic [5:0] seen;
      live[i] = 32'(i) < 32'(n) && illegal == IL_NONE;
      va[i] = r[at[i].ra];
      vrb[i] = r[at[i].rb];
      vb[i] = at[i].use_imm ? at[i].imm : r[at[i].rb];
      rank = 0;
      for (int j = 0; j < i; j++)
        if (cls[j] == cls[i]) rank = rank + 1;
      unit_of[i] = 0;
      seen = 0;
      if (32'(cls[i]) < U_COUNT)
        for (int u = 0; u < 32; u++)
          if (unit_mask[cls[i]][u]) begin
            if (seen == rank) unit_of[i] = 5'(u);
            seen = seen + 1;
          end
    end
  end

  // the slot each unit executes (-1: idle)
  localparam int NA = N_ALU > 0 ? N_ALU : 1, NM = N_MUL > 0 ? N_MUL : 1, NMEM = N_MEM > 0 ? N_MEM : 1;
  int alu_slot [NA];
  int mul_slot [NM];
  int mem_slot [NMEM];
  always_comb begin
    for (int u = 0; u < NA; u++) alu_slot[u] = -1;
    for (int u = 0; u < NM; u++) mul_slot[u] = -1;
    for (int u = 0; u < NMEM; u++) mem_slot[u] = -1;
    for (int i = 0; i < WIDTH; i++)
      if (live[i]) begin
        for (int u = 0; u < N_ALU; u++) if (cls[i] == U_ALU && 32'(unit_of[i]) == u) alu_slot[u] = i;
        for (int u = 0; u < N_MUL; u++) if (cls[i] == U_MUL && 32'(unit_of[i]) == u) mul_slot[u] = i;
        for (int u = 0; u < N_MEM; u++) if (cls[i] == U_MEM && 32'(unit_of[i]) == u) mem_slot[u] = i;
      end
  end

  // ALUs
  logic [31:0] alu_res [NA], alu_fl [NA];
  for (genvar u = 0; u < N_ALU; u++) begin : g_alu
    logic [6:0] op; logic [3:0] x; logic ui; logic [31:0] a, b, rbv, imm;
    int s;
    always_comb begin
      s = alu_slot[u];
      op = s >= 0 ? at[s].op : OP_NOP; x = s >= 0 ? at[s].x : 0; ui = s >= 0 ? at[s].use_imm : 0;
      a = s >= 0 ? va[s] : 0; b = s >= 0 ? vb[s] : 0; rbv = s >= 0 ? vrb[s] : 0; imm = s >= 0 ? at[s].imm : 0;
    end
    cdvm_alu alu (.op(op), .x(x), .use_imm(ui), .a(a), .b(b), .rbv(rbv), .imm(imm), .flags_in(r[R_FLAGS]),
                  .result(alu_res[u]), .flags_out(alu_fl[u]));
  end

  // multiply / divide units: a multiplier and an iterative divider each
  logic [31:0] mul_res [NM], mul_fl [NM];
  logic [31:0] div_res [NM];
  logic        div_done [NM], div_fault [NM];
  logic        div_need [NM];
  logic        div_start;
  for (genvar u = 0; u < N_MUL; u++) begin : g_mul
    logic [6:0] op; logic [3:0] x; logic ui; logic [31:0] a, b;
    logic busy_unused;
    int s;
    always_comb begin
      s = mul_slot[u];
      op = s >= 0 ? at[s].op : OP_NOP; x = s >= 0 ? at[s].x : 0; ui = s >= 0 ? at[s].use_imm : 0;
      a = s >= 0 ? va[s] : 0; b = s >= 0 ? vb[s] : 0;
      div_need[u] = s >= 0 && (op_props(op) & P_DIV) != 0;
    end
    cdvm_mul mul (.op(op), .x(x), .use_imm(ui), .a(a), .b(b), .flags_in(r[R_FLAGS]),
                  .result(mul_res[u]), .flags_out(mul_fl[u]));
    cdvm_div div (.clk(clk), .rst_n(rst_n), .start(div_start && div_need[u]), .op(op), .a(a), .b(b),
                  .edx(r[R_EDX]), .busy(busy_unused), .done(div_done[u]), .result(div_res[u]),
                  .fault(div_fault[u]));
  end

  // ---- the memory units: store-buffer forwarding into loads, alias checks ----------
  logic [31:0] m_va [WIDTH];           // the address each memory atom computes
  always_comb
    for (int i = 0; i < WIDTH; i++) m_va[i] = va[i] + at[i].imm;
  logic [31:0] mu_ld [NMEM];           // each unit's load value
  logic        mu_alias [NMEM];        // its store hits a valid alias entry it checks
  always_comb begin
    for (int u = 0; u < NMEM; u++) begin
      int s;
      logic [2:0] size;
      logic [31:0] v;
      s = mem_slot[u];
      v = 0;
      mu_alias[u] = 0;
      if (s >= 0) begin
        size = mx_size(at[s].x[2:0]);
        v = m_raw[s];
        // youngest store last: each byte from the newest entry covering it
        for (int k = 0; k < 4; k++) begin
          logic [31:0] pa;
          pa = 32'(k) < 32'(m_n1[s]) ? m_pa[s] + 32'(k) : m_pa2[s] + 32'(k) - 32'(m_n1[s]);
          if (32'(k) < 32'(size))
            for (int e = 0; e < SB_ENTRIES; e++)
              if (13'(e) < sb_n && pa >= sb_addr[e] && pa < sb_addr[e] + 32'(sb_size[e]))
                v[8*k +: 8] = sb_val[e][8*(pa - sb_addr[e]) +: 8];
        end
        case (size)
          3'd1: v = at[s].x[2:0] == 3'(MX_S8) ? {{24{v[7]}}, v[7:0]} : {24'd0, v[7:0]};
          3'd2: v = at[s].x[2:0] == 3'(MX_S16) ? {{16{v[15]}}, v[15:0]} : {16'd0, v[15:0]};
          default: ;
        endcase
        // stam: entries rd and up (the protected loads after it in x86 order)
        if (at[s].op == OP_STAM)
          for (int e = 0; e < ALIAS_ENTRIES; e++)
            if (32'(e) >= 32'(at[s].rd) && alias_valid[e] && m_va[s] < alias_hi[e]
                && m_va[s] + 32'(size) > alias_lo[e])
              mu_alias[u] = 1;
      end
      mu_ld[u] = v;
    end
  end

  // ---- branch units: the first taken branch of the bundle wins ------------------
  logic        taken, do_exit;
  logic [31:0] target, exit_code;
  int          taken_slot;
  always_comb begin
    taken = 0; do_exit = 0; target = pc + 32'(n) * ATOM_BYTES; exit_code = 0; taken_slot = -1;
    for (int i = 0; i < WIDTH; i++)
      if (live[i] && !taken) begin
        taken_slot = i;
        case (at[i].op)
          OP_BR: begin taken = 1; target = pc + at[i].imm; end
          OP_BC: if (cond_holds(at[i].x, r[R_FLAGS])) begin taken = 1; target = pc + at[i].imm; end
          OP_BZ: if (va[i] == 0) begin taken = 1; target = pc + at[i].imm; end
          OP_BNZ: if (va[i] != 0) begin taken = 1; target = pc + at[i].imm; end
          OP_JAL: begin taken = 1; target = pc + at[i].imm; end
          OP_JR: begin taken = 1; target = va[i]; end
          OP_EXIT: begin taken = 1; do_exit = 1; exit_code = at[i].imm; end
          default: ;
        endcase
      end
    if (!taken) taken_slot = -1;
  end

  // a unit's result through its injected faults (hw-sim apply_unit_fault)
  function automatic logic [31:0] faulty(logic [31:0] v, logic [31:0] flip, logic [31:0] set, logic [31:0] clr);
    return ((v ^ flip) & ~clr) | set;
  endfunction
  int uk [WIDTH];                      // the fault-port entry of each slot's unit
  always_comb
    for (int i = 0; i < WIDTH; i++) uk[i] = 32'(cls[i]) < U_COUNT ? int'(cls[i]) * MAXU + int'(unit_of[i]) : 0;

  // ---- each slot's result and fault ------------------------------------------------
  localparam logic [3:0] RS_NONE = 0, RS_EXIT = 1, RS_MEMORY = 2, RS_ALIAS = 3, RS_SB = 4, RS_ILLEGAL = 5,
                         RS_DIVIDE = 6, RS_PROTECTION = 7, RS_FPU = 8, RS_DETECTED = 9;
  localparam logic [1:0] MS_FAULT = 1, MS_PROT = 2;  // m_status; 0: the access is allowed
  logic [31:0] v_slot [WIDTH];
  logic [3:0]  f_slot [WIDTH];
  logic        uf_used [WIDTH];        // the slot's unit checked its result (a flip strikes once)
  logic [31:0] target_f;               // the taken branch's target as its unit delivers it
  logic [31:0] newflags;
  logic [31:0] dextra;
  logic        has_div;
  always_comb begin
    logic [12:0] nst;
    nst = 0;
    newflags = r[R_FLAGS];
    dextra = 0;
    has_div = 0;
    target_f = target;
    for (int i = 0; i < WIDTH; i++) begin
      logic [2:0] size;
      logic [31:0] sv;
      logic split;
      logic [31:0] was, now_v;
      size = mx_size(at[i].x[2:0]);
      sv = vrb[i];
      split = m_n1[i] != size;
      v_slot[i] = 0;
      f_slot[i] = RS_NONE;
      uf_used[i] = 0;
      was = 0;
      now_v = 0;
      if (live[i]) begin
        case (cls[i])
          U_ALU: begin
            for (int u = 0; u < N_ALU; u++)
              if (alu_slot[u] == i) begin
                v_slot[i] = alu_res[u];
                if ((prop[i] & P_WFLAGS) != 0) newflags = alu_fl[u];
              end
          end
          U_MUL: begin
            for (int u = 0; u < N_MUL; u++)
              if (mul_slot[u] == i) begin
                if ((prop[i] & P_DIV) != 0) begin
                  has_div = 1;
                  v_slot[i] = div_res[u];
                  if (div_fault[u]) f_slot[i] = RS_DIVIDE;
                end else begin
                  v_slot[i] = mul_res[u];
                  if ((prop[i] & P_WFLAGS) != 0) newflags = mul_fl[u];
                end
              end
          end
          U_MEM: begin
            dextra = dextra + m_extra[i];
            if (m_status[i] == MS_FAULT) f_slot[i] = RS_MEMORY;
            else if (m_status[i] == MS_PROT) f_slot[i] = RS_PROTECTION;
            else if ((prop[i] & P_LOAD) != 0) begin
              for (int u = 0; u < N_MEM; u++) if (mem_slot[u] == i) v_slot[i] = mu_ld[u];
            end else begin
              if (size < 4) sv = sv & ((32'd1 << (8 * 32'(size))) - 1);
              v_slot[i] = sv;
              for (int u = 0; u < N_MEM; u++) if (mem_slot[u] == i && mu_alias[u]) f_slot[i] = RS_ALIAS;
              if (f_slot[i] == RS_NONE) begin
                if (split ? 32'(sb_n) + 32'(nst) + 2 > SB_ENTRIES : 32'(sb_n) + 32'(nst) >= SB_ENTRIES)
                  f_slot[i] = RS_SB;
                nst = nst + (split ? 13'd2 : 13'd1);
              end
            end
          end
          U_BR: begin
            if (at[i].op == OP_JAL) v_slot[i] = pc + 32'(n) * ATOM_BYTES;
            else if (at[i].op == OP_RDCR) v_slot[i] = fpu_v[i];
            else if (at[i].op == OP_WRCR) v_slot[i] = va[i];
            if ((prop[i] & P_FPU) != 0 && fpu_fault[i]) f_slot[i] = RS_FPU;
          end
          U_FPU: begin
            v_slot[i] = fpu_v[i];
            if (at[i].op == OP_FCMPI || at[i].op == OP_FUCMPI) newflags = fpu_flags[i];
            if (fpu_fault[i]) f_slot[i] = RS_FPU;
          end
          default: ;
        endcase
        // FSTK FIP FDP FMV are ALU-class FPU-state atoms: the C model decides their faults
        // too, and FMV's value (it writes an FPU register, whose datapath is not here)
        if (cls[i] == U_ALU && (prop[i] & P_FPU) != 0 && (fld[i] & FLD_FD) != 0) v_slot[i] = fpu_v[i];
        if (cls[i] == U_ALU && (prop[i] & P_FPU) != 0 && fpu_fault[i]) f_slot[i] = RS_FPU;
        // the unit's result (a branch unit's: the target it took) through its faults;
        // a changed result fails the unit's check when detection is on
        was = cls[i] == U_BR ? target : v_slot[i];
        now_v = was;
        if (f_slot[i] == RS_NONE && 32'(cls[i]) < U_COUNT && (cls[i] != U_BR || taken_slot == i)) begin
          now_v = faulty(was, uf_flip[uk[i]], uf_set[uk[i]], uf_clr[uk[i]]);
          uf_used[i] = 1;
          if (cls[i] == U_BR) target_f = now_v;
          else v_slot[i] = now_v;
          if (now_v != was && detect_unit) f_slot[i] = RS_DETECTED;
        end
      end
    end
  end

  // flips strike once: those of the units that checked a result up to the
  // first faulting atom (included when its own check caught the flip)
  logic [U_COUNT*MAXU-1:0][31:0] uf_flip_next;
  always_comb begin
    int ff;
    ff = WIDTH;
    for (int i = WIDTH - 1; i >= 0; i--)
      if (f_slot[i] != RS_NONE) ff = i;
    uf_flip_next = uf_flip;
    for (int i = 0; i < WIDTH; i++)
      if (uf_used[i] && i <= ff) uf_flip_next[uk[i]] = 0;
  end

  // ---- the step: fault or write back --------------------------------------------------
  typedef enum logic [1:0] {S_IDLE, S_DIV} state_t;
  state_t state;
  logic   finish;
  logic   divs_done;
  always_comb begin
    divs_done = 1;
    for (int u = 0; u < N_MUL; u++)
      if (div_need[u] && !div_done[u]) divs_done = 0;
    div_start = state == S_IDLE && start && has_div && illegal == IL_NONE;
    finish = (state == S_IDLE && start && !(has_div && illegal == IL_NONE)) || (state == S_DIV && divs_done);
  end

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      state <= S_IDLE;
      done <= 0;
      now <= 0;
      sb_n <= 0;
      alias_valid <= 0;
      for (int i = 0; i < NREGS; i++) begin r[i] <= 0; rdy[i] <= 0; end
      for (int i = 0; i < NSHADOW; i++) shadow[i] <= 0;
      for (int i = 0; i < NFREGS; i++) frdy[i] <= 0;
      for (int u = 0; u < U_COUNT; u++) unit_mask[u] <= (NU[u] >= 32) ? 32'hffffffff : (32'd1 << NU[u]) - 1;
      uf_flip <= '0;
    end else if (load) begin
      for (int i = 0; i < NREGS; i++) begin r[i] <= ld_r[i]; rdy[i] <= ld_rdy[i]; end
      r[0] <= 0;
      for (int i = 0; i < NSHADOW; i++) shadow[i] <= ld_shadow[i];
      for (int i = 0; i < NFREGS; i++) frdy[i] <= ld_frdy[i];
      for (int e = 0; e < SB_ENTRIES; e++) begin
        sb_addr[e] <= ld_sb_addr[e]; sb_val[e] <= ld_sb_val[e]; sb_size[e] <= ld_sb_size[e];
      end
      sb_n <= ld_sb_n;
      for (int e = 0; e < ALIAS_ENTRIES; e++) begin alias_lo[e] <= ld_alias_lo[e]; alias_hi[e] <= ld_alias_hi[e]; end
      alias_valid <= ld_alias_valid;
      for (int u = 0; u < U_COUNT; u++) unit_mask[u] <= ld_unit_mask[u];
      uf_flip <= ld_uf_flip;
      now <= ld_now;
      done <= 0;
      state <= S_IDLE;
    end else begin
      if (start) done <= 0;
      if (div_start) state <= S_DIV;
      if (finish) begin
        logic [3:0]  reason;
        logic [4:0]  fslot;
        logic [31:0] faddr;
        logic [31:0] adv;
        logic        commit;
        logic [12:0] nsb;
        state <= S_IDLE;
        done <= 1;
        o_n <= n;
        uf_flip <= uf_flip_next;
        o_illegal <= illegal;
        reason = RS_NONE;
        fslot = 0;
        faddr = 0;
        for (int i = WIDTH - 1; i >= 0; i--)
          if (f_slot[i] != RS_NONE) begin
            reason = f_slot[i];
            fslot = 5'(i);
            faddr = (f_slot[i] == RS_DIVIDE || f_slot[i] == RS_FPU || f_slot[i] == RS_DETECTED) ? 32'd0 : m_va[i];
          end
        if (nwords == 0) begin
          reason = RS_MEMORY; fslot = 0; faddr = pc;
        end else if (illegal != IL_NONE) begin
          reason = RS_ILLEGAL; fslot = 0; faddr = 0;
        end
        for (int i = 0; i < WIDTH; i++) begin o_v[i] <= v_slot[i]; o_va[i] <= m_va[i]; end
        o_commit <= 0;
        o_rel_n <= 0;
        o_code <= 0;
        o_next_pc <= 0;
        if (reason != RS_NONE) begin
          // nothing of the bundle is written: back to the last commit
          adv = nwords == 0 ? 32'd0 : illegal != IL_NONE ? fetch_stall : t_issue;
          o_reason <= reason;
          o_slot <= fslot;
          o_addr <= faddr;
          o_issue <= adv;
          for (int i = 1; i < NSHADOW; i++) r[i] <= shadow[i];
          for (int i = 0; i < NREGS; i++) rdy[i] <= sat_sub(rdy[i], adv);
          for (int i = 0; i < NFREGS; i++) frdy[i] <= sat_sub(frdy[i], adv);
          sb_n <= 0;
          alias_valid <= 0;
          now <= now + 64'(adv);
        end else begin
          logic [31:0] nr [NREGS];
          logic [31:0] nrdy [NREGS];
          logic [31:0] nfrdy [NFREGS];
          logic [31:0] nsa [SB_ENTRIES];
          logic [31:0] nsv [SB_ENTRIES];
          logic [2:0]  nss [SB_ENTRIES];
          logic [63:0] nav;
          adv = t_issue + 1 + dextra + (taken ? 32'(BRANCH_PENALTY) : 32'd0);
          for (int i = 0; i < NREGS; i++) begin nr[i] = r[i]; nrdy[i] = rdy[i]; end
          for (int i = 0; i < NFREGS; i++) nfrdy[i] = frdy[i];
          for (int e = 0; e < SB_ENTRIES; e++) begin nsa[e] = sb_addr[e]; nsv[e] = sb_val[e]; nss[e] = sb_size[e]; end
          nav = alias_valid;
          nsb = sb_n;
          commit = 0;
          for (int i = 0; i < WIDTH; i++)
            if (live[i]) begin
              logic [7:0] lat;
              logic [2:0] size;
              lat = lat_of(op_lat(at[i].op));
              size = mx_size(at[i].x[2:0]);
              if (at[i].op == OP_LDP) begin
                alias_lo[AW'(at[i].rb)] <= m_va[i];
                alias_hi[AW'(at[i].rb)] <= m_va[i] + 32'(size);
                nav[at[i].rb] = 1;
              end
              if (at[i].op == OP_COMMIT) commit = 1;
              if (at[i].op == OP_WRCR && at[i].imm <= 32'(CR_UNITS_FPU))
                unit_mask[at[i].imm[2:0]] <= va[i] & ((NU[at[i].imm[2:0]] >= 32) ? 32'hffffffff
                                                       : (32'd1 << NU[at[i].imm[2:0]]) - 1);
              if ((fld[i] & FLD_FD) != 0 && fmt[i] != F_STAM)
                nfrdy[at[i].rd[3:0]] = t_issue + 32'(lat);
              else if (fmt[i] != F_STAM && at[i].op != OP_WRCR) begin
                if ((prop[i] & P_WFLAGS) != 0) begin
                  nr[R_FLAGS] = newflags;
                  nrdy[R_FLAGS] = t_issue + 32'(lat);
                end
                if ((fld[i] & FLD_RD) != 0 && at[i].rd != 0) begin
                  nr[at[i].rd] = v_slot[i];
                  nrdy[at[i].rd] = t_issue + 32'(lat) + ((prop[i] & P_LOAD) != 0 ? dextra : 32'd0);
                end
              end
              if (cls[i] == U_MEM && (prop[i] & P_STORE) != 0) begin
                logic [31:0] sv;
                logic [2:0] n1;
                sv = v_slot[i];
                n1 = m_n1[i];
                if (n1 != size) begin
                  nsa[nsb[SBW-1:0]] = m_pa[i];
                  nsv[nsb[SBW-1:0]] = sv & ((32'd1 << (8 * 32'(n1))) - 1);
                  nss[nsb[SBW-1:0]] = n1;
                  nsb = nsb + 1;
                  nsa[nsb[SBW-1:0]] = m_pa2[i];
                  nsv[nsb[SBW-1:0]] = (sv >> (8 * 32'(n1))) & ((32'd1 << (8 * (32'(size) - 32'(n1)))) - 1);
                  nss[nsb[SBW-1:0]] = size - n1;
                  nsb = nsb + 1;
                end else begin
                  nsa[nsb[SBW-1:0]] = m_pa[i];
                  nsv[nsb[SBW-1:0]] = sv;
                  nss[nsb[SBW-1:0]] = size;
                  nsb = nsb + 1;
                end
              end
            end
          nr[0] = 0;
          for (int i = 0; i < NREGS; i++) begin r[i] <= nr[i]; rdy[i] <= sat_sub(nrdy[i], adv); end
          for (int i = 0; i < NFREGS; i++) frdy[i] <= sat_sub(nfrdy[i], adv);
          for (int e = 0; e < SB_ENTRIES; e++) begin
            sb_addr[e] <= nsa[e]; sb_val[e] <= nsv[e]; sb_size[e] <= nss[e];
          end
          if (commit) begin
            for (int i = 1; i < NSHADOW; i++) shadow[i] <= nr[i];
            o_rel_n <= nsb;
            sb_n <= 0;
            alias_valid <= 0;
          end else begin
            sb_n <= nsb;
            alias_valid <= nav;
          end
          o_commit <= commit;
          o_reason <= do_exit ? RS_EXIT : RS_NONE;
          o_slot <= 0;
          o_addr <= 0;
          o_code <= exit_code;
          o_next_pc <= do_exit ? pc + 32'(n) * ATOM_BYTES : target_f;
          o_issue <= t_issue;
          now <= now + 64'(adv);
        end
      end
    end
  end
endmodule
