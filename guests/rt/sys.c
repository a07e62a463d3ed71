/*
 * sys.c - raw Linux syscalls. One generic 6-argument entry keeps the asm in
 * a single place; the kernel ignores unused argument registers.
 *
 * The syscall instruction clobbers rcx (return rip) and r11 (rflags), which
 * is why they are in the clobber list.
 */
#include "rt.h"

long rt_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

ssize_t sys_read(int fd, void *buf, size_t len)
{
    return rt_syscall6(SYS_read, fd, (long)buf, (long)len, 0, 0, 0);
}

ssize_t sys_write(int fd, const void *buf, size_t len)
{
    return rt_syscall6(SYS_write, fd, (long)buf, (long)len, 0, 0, 0);
}

void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
    return (void *)rt_syscall6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
}

int sys_munmap(void *addr, size_t len)
{
    return (int)rt_syscall6(SYS_munmap, (long)addr, (long)len, 0, 0, 0, 0);
}

int sys_mprotect(void *addr, size_t len, int prot)
{
    return (int)rt_syscall6(SYS_mprotect, (long)addr, (long)len, prot, 0, 0, 0);
}

long sys_brk(void *addr)
{
    return rt_syscall6(SYS_brk, (long)addr, 0, 0, 0, 0, 0);
}

int sys_getpid(void)
{
    return (int)rt_syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

void sys_exit_group(int status)
{
    for (;;)
        rt_syscall6(SYS_exit_group, status, 0, 0, 0, 0, 0);
}

void rt_exit(int status)
{
    rt_flush();
    sys_exit_group(status);
}
