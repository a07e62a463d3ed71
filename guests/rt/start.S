/*
 * start.S - process entry for the freestanding guests.
 *
 * The Linux x86-64 ABI hands a static executable this initial stack
 * (no registers carry information except rsp; rdx may hold an atexit
 * pointer from a dynamic loader, which a static program ignores):
 *
 *     rsp ->  argc
 *             argv[0] ... argv[argc-1], NULL
 *             envp[0] ... NULL
 *             auxv pairs ... AT_NULL
 *
 * rsp is 16-byte aligned on entry; we re-align anyway so a loader that
 * gets this wrong still runs main with an ABI-correct stack.
 */
        .text
        .globl  _start
        .type   _start, @function
_start:
        xorl    %ebp, %ebp              /* outermost frame marker for debuggers */
        movq    (%rsp), %rdi            /* argc */
        leaq    8(%rsp), %rsi           /* argv */
        leaq    8(%rsi,%rdi,8), %rdx    /* envp = &argv[argc + 1] */
        movq    %rdx, rt_environ(%rip)
        andq    $-16, %rsp              /* call pushes 8: main sees rsp % 16 == 8 */
        call    main
        movl    %eax, %edi
        call    rt_exit                 /* flushes stdout, exit_group(status) */
        hlt                             /* not reached */
        .size   _start, .-_start

        /* The stack of these programs is never executable. */
        .section .note.GNU-stack,"",@progbits
