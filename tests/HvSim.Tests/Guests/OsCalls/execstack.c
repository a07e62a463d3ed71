/* A gcc nested function whose address escapes needs a trampoline on the stack, so gcc marks the
 * program's PT_GNU_STACK executable (PF_X) and the kernel maps the stack with PROT_EXEC. */
#include <stdio.h>

static int apply(int (*f)(int), int x)
{
    return f(x);
}

int main(void)
{
    int base = 40;
    int add_base(int x) { return x + base; }
    printf("nested function through a trampoline: %d\n", apply(add_base, 2));
    base = 100;
    printf("after the frame changed: %d\n", apply(add_base, 2));
    return 0;
}
