/* guest-tests/rt/syscall6.S: any Linux i386 system call, raw.
 *
 * int rt_syscall(int nr, int a, int b, int c, int d, int e, int f) puts nr
 * in %eax and the arguments in %ebx, %ecx, %edx, %esi, %edi, %ebp and
 * returns %eax (a negative errno on failure).  The four callee-saved
 * registers it borrows are restored.  A file of its own, so only programs
 * that call it link it: the other guests' binaries stay as they are. */
	.text
	.globl	rt_syscall
	.type	rt_syscall, @function
rt_syscall:
	pushl	%ebp
	pushl	%edi
	pushl	%esi
	pushl	%ebx
	movl	20(%esp), %eax
	movl	24(%esp), %ebx
	movl	28(%esp), %ecx
	movl	32(%esp), %edx
	movl	36(%esp), %esi
	movl	40(%esp), %edi
	movl	44(%esp), %ebp
	int	$0x80
	popl	%ebx
	popl	%esi
	popl	%edi
	popl	%ebp
	ret
	.size	rt_syscall, . - rt_syscall

	.section .note.GNU-stack, "", @progbits
