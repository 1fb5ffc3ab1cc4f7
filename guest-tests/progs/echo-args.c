/* guest-tests/progs/echo-args.c: prints what the loader put on the initial
 * stack: argc, every argv string with its length, the NULL after argv, the
 * number of environment strings and those starting with "GT_" (the
 * differential test runs every guest with the same small environment).
 * Exit status: argc. */
#include "rt.h"

int main(int argc, char **argv, char **envp)
{
    printf("argc %d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d] (%u) \"%s\"\n", i, (unsigned)strlen(argv[i]), argv[i]);
    printf("argv[argc] is %s\n", argv[argc] ? "NOT NULL" : "NULL");
    int n = 0;
    for (char **e = envp; *e; e++, n++)
        if (strncmp(*e, "GT_", 3) == 0)
            printf("env %s\n", *e);
    printf("envc %d\n", n);
    printf("envp follows argv: %s\n", envp == argv + argc + 1 ? "yes" : "NO");
    return argc;
}
