; tests/native/demo.s — a hand-written native program for `make run`:
; sums the squares of 0..999 stored as an array in guest RAM, exercising
; ALU, multiply, load and store atoms, commits and an exit to the firmware.
.equ ARRAY, 0x10000
.equ N, 1000

        mov r20, #ARRAY | mov r21, #0                ; r20 = p, r21 = i
fill:   st.32 r21, [r20] | add r20, r20, #4 | add r21, r21, #1
        sltu r22, r21, #N
        commit | bnz r22, fill
        mov r20, #ARRAY | mov r21, #N
        mov eax, #0
sum:    ld.32 r23, [r20] | add r20, r20, #4
        mul r24, r23, r23 | subf.32 r21, r21, #1
        add eax, eax, r24 | b.ne sum
        commit
        exit #0                                      ; eax = 332833500
