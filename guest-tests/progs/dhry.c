/* guest-tests/progs/dhry.c: a Dhrystone-like mix written for cdvm (not the
 * original benchmark): records reached through pointers, enumerations,
 * string copies and compares, one- and two-dimensional arrays, small
 * procedures with pointer parameters and a switch.  The final state is
 * printed.  Size argument: more iterations (default 3000). */
#include "rt.h"

enum colour { RED, GREEN, BLUE, CYAN, MAGENTA };

struct rec {
    struct rec *next;
    enum colour kind;
    int num;
    char text[48];
};

static struct rec rec_a, rec_b;
static struct rec *glob;
static int int_glob, bool_glob;
static char ch_1, ch_2;
static int arr1[50], arr2[50][50];

static enum colour func_1(char c1, char c2)
{
    char c = c1;
    if (c != c2)
        return RED;
    ch_1 = c;
    return GREEN;
}

static int func_2(const char *s1, const char *s2)
{
    int i = 2;
    char c = 'A';
    while (i <= 2) {
        if (func_1(s1[i], s2[i + 1]) == RED) {
            c = 'A';
            i++;
        }
    }
    if (c >= 'W' && c < 'Z')
        i = 7;
    if (c == 'R')
        return 1;
    if (strcmp(s1, s2) > 0) {
        i += 7;
        int_glob = i;
        return 1;
    }
    return 0;
}

static int func_3(enum colour e)
{
    return e == BLUE;
}

static void proc_6(enum colour in, enum colour *out)
{
    *out = in;
    if (!func_3(in))
        *out = CYAN;
    switch (in) {
    case RED: *out = RED; break;
    case GREEN: *out = int_glob > 100 ? RED : CYAN; break;
    case BLUE: *out = GREEN; break;
    case CYAN: break;
    case MAGENTA: *out = BLUE; break;
    }
}

static void proc_7(int a, int b, int *out)
{
    *out = b + a + 2;
}

static void proc_8(int *a1, int (*a2)[50], int x, int y)
{
    int loc = x + 5;
    a1[loc] = y;
    a1[loc + 1] = a1[loc];
    a1[loc + 30] = loc;
    for (int i = loc; i <= loc + 1; i++)
        a2[loc][i] = loc;
    a2[loc][loc - 1] += 1;
    a2[loc + 20][loc] = a1[loc];
    int_glob = 5;
}

static void proc_3(struct rec **out)
{
    if (glob)
        *out = glob->next;
    proc_7(10, int_glob, &glob->num);
}

static void proc_1(struct rec *p)
{
    struct rec *next = p->next;
    *next = *glob;          /* struct copy */
    p->num = 5;
    next->num = p->num;
    next->next = p->next;
    proc_3(&next->next);
    if (next->kind == RED) {
        next->num = 6;
        proc_6(p->kind, &next->kind);
        next->next = glob->next;
        proc_7(next->num, 10, &next->num);
    } else {
        *p = *p->next;
    }
}

static void proc_2(int *x)
{
    int loc = *x + 10;
    for (;;) {
        if (ch_1 == 'A') {
            loc--;
            *x = loc - int_glob;
            return;
        }
        loc++;
        if (loc > 1000)
            return;
    }
}

int main(int argc, char **argv)
{
    int runs = 3000 * rt_scale(argc, argv);
    char str1[32], str2[32];
    int i1 = 0, i2 = 0, i3 = 0;
    enum colour e = RED;
    uint32_t ck = 0;

    glob = &rec_a;
    rec_a.next = &rec_b;
    rec_a.kind = RED;
    rec_a.num = 40;
    strcpy(rec_a.text, "DHRYSTONE-LIKE RECORD, SOME STRING");
    strcpy(str1, "DHRYSTONE-LIKE, 1'ST STRING");
    arr2[8][7] = 10;

    for (int run = 1; run <= runs; run++) {
        ch_1 = 'A';
        bool_glob = 1;
        i1 = 2;
        i2 = 3;
        strcpy(str2, run & 1 ? "DHRYSTONE-LIKE, 2'ND STRING" : "DHRYSTONE-LIKE, 3'RD STRING");
        e = BLUE;
        bool_glob = !func_2(str1, str2);
        while (i1 < i2) {
            i3 = 5 * i1 - i2;
            proc_7(i1, i2, &i3);
            i1++;
        }
        proc_8(arr1, arr2, i1, i3);
        proc_1(glob);
        for (char c = 'A'; c <= ch_2; c++)
            if (e == func_1(c, 'C'))
                proc_6(RED, &e);
        i2 = i2 * i1;
        i1 = i2 / i3;
        i2 = 7 * (i2 - i3) - i1;
        proc_2(&i1);
        ch_2 = (char)('A' + run % 3);
        ck = rt_mix(ck, (uint32_t)(i1 + i2 * 3 + i3 * 7 + (int)e + int_glob));
    }
    printf("int_glob %d bool_glob %d ch_1 %c ch_2 %c\n", int_glob, bool_glob, ch_1, ch_2);
    printf("arr1[8] %d arr2[8][7] %d\n", arr1[8], arr2[8][7]);
    printf("glob: kind %d num %d text %s\n", glob->kind, glob->num, glob->text);
    printf("next: kind %d num %d\n", glob->next->kind, glob->next->num);
    printf("i1 %d i2 %d i3 %d e %d\n", i1, i2, i3, e);
    printf("str1 %s\nstr2 %s\n", str1, str2);
    printf("checksum %08x\n", ck);
    return 0;
}
