/*
 * exitcode.c - exit status forwarding and the two output streams.
 *
 * Writes one line to stdout and one to stderr with raw write(2) calls and
 * exits with status 42 through exit_group.
 */
#include "rt.h"

int main(int argc, char **argv, char **envp)
{
    static const char out[] = "exitcode: this line goes to stdout\n";
    static const char err[] = "exitcode: this line goes to stderr\n";
    sys_write(1, out, sizeof out - 1);
    sys_write(2, err, sizeof err - 1);
    return 42;
}
