/* tests/risu/runner.S — the i386 runner's entry point and the switch into
 * and out of a test sequence.  risu_run() loads the eight GPRs and EFLAGS
 * from risu_in and the x87 state from risu_in_fpu, jumps to the sequence at
 * RISU_CODE_ADDR; the sequence ends with a jmp to risu_exit, which stores the
 * x87 state, the registers and EFLAGS into risu_out without disturbing them
 * and returns to the C caller.  A fault
 * inside the sequence lands in the C signal handler, which fills risu_out
 * from the signal context and calls risu_resume() to return the same way. */
	.text
	.globl _start
_start:
	xor %ebp, %ebp
	mov $runner_stack + 65536, %esp /* off the kernel's stack: setup() unmaps it */
	call runner_main
	mov %eax, %ebx
	mov $1, %eax            /* exit */
	int $0x80

	.globl risu_run
risu_run:
	pushal
	mov %esp, risu_saved_esp
	frstor risu_in_fpu      /* the case's x87 state (no exception is pending: not waiting) */
	pushl risu_in_eflags
	popfl
	mov risu_in_regs+0, %eax
	mov risu_in_regs+4, %ecx
	mov risu_in_regs+8, %edx
	mov risu_in_regs+12, %ebx
	mov risu_in_regs+20, %ebp
	mov risu_in_regs+24, %esi
	mov risu_in_regs+28, %edi
	mov risu_in_regs+16, %esp
	jmp 0x50000000          /* RISU_CODE_ADDR */

	.globl risu_exit
risu_exit:
	fnsave risu_out_fpu     /* first: it touches no register and no flag, and never waits */
	mov %eax, risu_out_regs+0
	mov %ecx, risu_out_regs+4
	mov %edx, risu_out_regs+8
	mov %ebx, risu_out_regs+12
	mov %esp, risu_out_regs+16
	mov %ebp, risu_out_regs+20
	mov %esi, risu_out_regs+24
	mov %edi, risu_out_regs+28
	mov risu_saved_esp, %esp
	pushfl
	popl risu_out_eflags
	cld
	popal
	ret

	.globl risu_resume
risu_resume:
	mov risu_saved_esp, %esp
	cld
	popal
	ret

	.bss
	.balign 16
runner_stack:
	.space 65536

	.section .note.GNU-stack,"",@progbits
