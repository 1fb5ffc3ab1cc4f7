/* guest-tests/rt/sys.S: Linux i386 system call wrappers (int $0x80).
 *
 * The kernel takes the call number in %eax and arguments in %ebx, %ecx,
 * %edx and returns in %eax (a negative errno on failure).  %ebx is
 * callee-saved in the cdecl ABI, so it is preserved here.  Only these five
 * calls are used by guests: cdvm answers any other with -ENOSYS. */
#define SYS_exit	1
#define SYS_read	3
#define SYS_write	4
#define SYS_brk		45
#define SYS_exit_group	252

	.text
/* void sys_exit(int status) -- ends the calling thread (here: the process) */
	.globl	sys_exit
	.type	sys_exit, @function
sys_exit:
	movl	4(%esp), %ebx
	movl	$SYS_exit, %eax
	int	$0x80
	hlt
	.size	sys_exit, . - sys_exit

/* void sys_exit_group(int status) */
	.globl	sys_exit_group
	.type	sys_exit_group, @function
sys_exit_group:
	movl	4(%esp), %ebx
	movl	$SYS_exit_group, %eax
	int	$0x80
	hlt
	.size	sys_exit_group, . - sys_exit_group

/* void exit(int status): no atexit handlers and no buffered output to flush */
	.globl	exit
	.type	exit, @function
exit:
	jmp	sys_exit_group
	.size	exit, . - exit

/* int sys_read(int fd, void *buf, unsigned len) */
	.globl	sys_read
	.type	sys_read, @function
sys_read:
	pushl	%ebx
	movl	8(%esp), %ebx
	movl	12(%esp), %ecx
	movl	16(%esp), %edx
	movl	$SYS_read, %eax
	int	$0x80
	popl	%ebx
	ret
	.size	sys_read, . - sys_read

/* int sys_write(int fd, const void *buf, unsigned len) */
	.globl	sys_write
	.type	sys_write, @function
sys_write:
	pushl	%ebx
	movl	8(%esp), %ebx
	movl	12(%esp), %ecx
	movl	16(%esp), %edx
	movl	$SYS_write, %eax
	int	$0x80
	popl	%ebx
	ret
	.size	sys_write, . - sys_write

/* void *sys_brk(void *addr) */
	.globl	sys_brk
	.type	sys_brk, @function
sys_brk:
	pushl	%ebx
	movl	8(%esp), %ebx
	movl	$SYS_brk, %eax
	int	$0x80
	popl	%ebx
	ret
	.size	sys_brk, . - sys_brk

	.section .note.GNU-stack, "", @progbits
