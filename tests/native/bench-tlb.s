; tests/native/bench-tlb.s — bench-loop.s with a page table (`make
; bench-chip`): the same three bundles, their load and store going through
; the TLB (virtual 0x08048000 on frame 0x10000; every access after the
; first hits the set's most recently used entry).  The directory and the
; table are the top two pages of hidden memory.
        rdcr r30, mem_size
        sub r30, r30, #8192
        add r31, r30, #4096
        or r32, r31, #1
        mov r33, #0x10003
        st.32.hid r32, [r30 + 128]
        st.32.hid r33, [r31 + 0x120]
        commit
        wrcr pagedir, r30
        mov r20, #0x08048000 | mov r21, #0
loop:   ld.32 r22, [r20] | add r21, r21, #3 | mul r23, r21, r21 | subf.32 r1, r1, #1
        st.32 r23, [r20 + 4] | xor r24, r22, r21 | and r25, r24, #255
        commit | add r26, r26, r25 | add r27, r27, #1 | b.ne loop
        exit #0
