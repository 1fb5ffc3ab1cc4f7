; tests/native/bench-loop.s — the chip-speed benchmark (`make bench-chip`):
; r1 iterations of three bundles mixing ALU, multiply, load and store
; atoms, a commit and a taken branch (11 atoms per iteration).
        mov r20, #0x10000 | mov r21, #0
loop:   ld.32 r22, [r20] | add r21, r21, #3 | mul r23, r21, r21 | subf.32 r1, r1, #1
        st.32 r23, [r20 + 4] | xor r24, r22, r21 | and r25, r24, #255
        commit | add r26, r26, r25 | add r27, r27, #1 | b.ne loop
        exit #0
