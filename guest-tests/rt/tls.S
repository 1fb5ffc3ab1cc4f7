/* guest-tests/rt/tls.S: the raw thread-area system calls (int $0x80),
 * beside sys.S's wrappers but in an archive member of their own, so only
 * the programs that call them link them (every other guest keeps its
 * exact layout, and with it its simulated figures).
 *
 *   int sys_set_thread_area(struct user_desc *u)   243: entry_number -1
 *                                                  asks for a free slot,
 *                                                  written back
 *   int sys_get_thread_area(struct user_desc *u)   244
 * Both return the raw kernel result (0 or a negative errno). */
#define SYS_set_thread_area	243
#define SYS_get_thread_area	244

	.text
	.globl	sys_set_thread_area
	.type	sys_set_thread_area, @function
sys_set_thread_area:
	movl	$SYS_set_thread_area, %eax
	jmp	1f
	.size	sys_set_thread_area, . - sys_set_thread_area

	.globl	sys_get_thread_area
	.type	sys_get_thread_area, @function
sys_get_thread_area:
	movl	$SYS_get_thread_area, %eax
1:	pushl	%ebx
	movl	8(%esp), %ebx
	int	$0x80
	popl	%ebx
	ret
	.size	sys_get_thread_area, . - sys_get_thread_area

	.section .note.GNU-stack, "", @progbits
