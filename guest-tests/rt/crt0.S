/* guest-tests/rt/crt0.S: process entry point.
 *
 * On entry Linux i386 leaves (System V i386 ABI, "Process Initialization"):
 *   (%esp)          argc
 *   4(%esp)         argv[0] ... argv[argc-1], NULL
 *   after that      envp[0] ... NULL, then the auxiliary vector
 * We call main(argc, argv, envp) with a 16-byte aligned stack and pass its
 * result to exit(). */
	.text
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp		/* outermost frame */
	movl	(%esp), %eax		/* argc */
	leal	4(%esp), %ecx		/* argv */
	leal	8(%esp,%eax,4), %edx	/* envp = &argv[argc + 1] */
	andl	$-16, %esp
	subl	$4, %esp		/* 3 pushes below leave %esp 16-aligned */
	pushl	%edx
	pushl	%ecx
	pushl	%eax
	call	main
	movl	%eax, (%esp)
	call	exit
	hlt				/* not reached */
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
